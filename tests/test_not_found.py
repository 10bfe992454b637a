"""The 404 page as GitHub Pages serves it: the site's 404.html, sent for any missing address, at any depth,
from the host's root or a project's sub-path, with and without `base_url`."""

from __future__ import annotations

import functools
import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from generator.build import BuildOptions, build
from tests.helpers import PrefixHandler, edit


class PagesHandler(PrefixHandler):
    """A file under the site's prefix as it is; anything else, the site's 404.html with status 404."""

    def send_head(self):  # type: ignore[no-untyped-def]
        local = Path(self.translate_path(self.path.split("?", 1)[0]))
        if local.is_file() or (local.is_dir() and (local / "index.html").is_file()):
            return super().send_head()
        body = (Path(self.directory) / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return _Body(body)


class _Body:
    """What send_head returns for copyfile: the 404 page's bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        data, self.data = self.data, b""
        return data

    def close(self) -> None:
        pass


def _serve(site: Path, prefix: str, sock: socket.socket | None = None) -> Iterator[str]:
    handler = functools.partial(type("Handler", (PagesHandler,), {"prefix": prefix}), directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler, bind_and_activate=sock is None)
    if sock is not None:
        server.socket.close()
        server.socket = sock
        server.server_address = sock.getsockname()
        sock.listen()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module", params=["/", "/project/"], ids=["host-root", "sub-path"])
def pages(request: pytest.FixtureRequest, mini_site: Path) -> Iterator[str]:
    """The small briefing, built without base_url, served as GitHub Pages serves it."""
    yield from _serve(mini_site, request.param)


@pytest.fixture(scope="module")
def pages_with_base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Built with base_url naming the very address it is served from (a sub-path)."""
    import shutil

    from tests.helpers import MINI

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}/bridge/"
    content = tmp_path_factory.mktemp("based") / "content"
    shutil.copytree(MINI, content)
    edit(content / "briefing.yaml", "language: en", f"language: en\nbase_url: {base}")
    site = content.parent / "site"
    build(BuildOptions(content=content, out=site, search=False))
    yield from _serve(site, "/bridge/", sock)


def _styled_with_working_links(page: Page, url: str, root: str, rebased: bool = True) -> None:
    """The 404 page at `url`: styled, and its link home leads to `root`. `rebased`: its links are made to lead
    from the site's root (by the page's script, or by base_url) before they are followed."""
    response = page.goto(url)
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    skip = "() => getComputedStyle(document.querySelector('.skip')).position"
    page.wait_for_function(f"{skip} === 'absolute'", timeout=5000)  # the stylesheet was found
    if rebased:  # (on a loaded machine the page may be shown before, by its failsafe)
        rooted = "() => /^(\\/|https?:)/.test(document.querySelector('main a').getAttribute('href'))"
        page.wait_for_function(rooted, timeout=10000)
    page.locator("main").get_by_role("link", name="the state of play").click()
    expect(page.locator("h1")).to_have_text("The harbour bridge dispute")
    assert page.url in (root, root + "index.html"), page.url


@pytest.mark.parametrize("missing", ["gone/", "a/b/c/", "a/b/c/d.html"], ids=["depth-1", "depth-3", "depth-3-file"])
def test_the_404_page_works_at_any_depth_without_base_url(browser: Browser, pages: str, missing: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    _styled_with_working_links(page, pages + missing, pages)
    page.goto(pages + missing)  # and the search box searches this site, once the page is rebased and shown
    page.wait_for_function("() => document.documentElement.style.visibility === ''", timeout=5000)
    assert page.locator("form.site-search").evaluate("f => f.action") == pages + "search/index.html"
    context.close()


@pytest.mark.parametrize("missing", ["gone/", "a/b/c/"], ids=["depth-1", "depth-3"])
def test_the_404_page_works_at_any_depth_with_base_url(
    browser: Browser, pages_with_base_url: str, missing: str
) -> None:
    context = browser.new_context()
    page = context.new_page()
    _styled_with_working_links(page, pages_with_base_url + missing, pages_with_base_url)
    page.goto(pages_with_base_url + missing)
    assert page.locator("script[data-find-root]").count() == 0  # absolute links need no script
    context.close()


def test_without_javascript_the_404_page_works_at_the_root(browser: Browser, pages: str) -> None:
    """The plain links, written for the site's root, are the fallback."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _styled_with_working_links(page, pages + "gone.html", pages, rebased=False)
    context.close()
