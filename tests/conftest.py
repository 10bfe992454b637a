from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from generator.build import BuildOptions, build
from tests.helpers import BUNDLED, MINI, Server, chromium, serve_static


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, started once for a module's browser tests. Not once for the session: Playwright
    keeps a thread while it runs, and while a thread runs, the build's workers cannot fork — every later
    test would build serially."""
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def base_url(bundled_site: Path) -> Iterator[str]:
    """The bundled site, served over loopback for a module's browser tests."""
    with serve_static(bundled_site, "/") as url:
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Builds in tests keep their cache in a temporary folder, never the user's."""
    import os

    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A writable copy of the small fixture briefing, as `project/content`."""
    content = tmp_path / "project" / "content"
    shutil.copytree(MINI, content)
    return content


@pytest.fixture(scope="session")
def mini_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mini") / "site"
    build(BuildOptions(content=MINI, out=out))
    return out


@pytest.fixture(scope="session")
def bundled_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundled") / "site"
    build(BuildOptions(content=BUNDLED, out=out))
    return out


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    project = tmp_path / "project"
    shutil.copytree(MINI, project / "content")
    (project / ".git").mkdir()
    (project / ".git" / "config").write_text("[secret]\n")
    running = Server(project)
    yield running
    running.stop()
    assert running.process.returncode is not None
