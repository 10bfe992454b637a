"""`briefing serve` as an editor uses it: a real browser watches pages change after files are saved."""

from __future__ import annotations

import gc
import http.client
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from generator.build import BuildOptions, BuildResult, Mode, build
from generator.builder import ignored_saves
from generator.diagnostics import ContentError
from generator.render import BUILTIN_TEMPLATES
from generator.serve import ReloadSocket, ServerState
from generator.write import MARKER
from tests.helpers import (
    MINI,
    LargeBriefing,
    Server,
    briefing_command,
    children,
    describe_difference,
    edit,
    make_large_content,
    read_site,
    running,
)

TIMEOUT_MS = 15_000


def open_and_wait_for_socket(page: Page, url: str) -> None:
    page.goto(url)
    # livereload.js says hello over the socket; give it a moment to connect before the first save
    page.wait_for_function(
        "() => window.LiveReload && window.LiveReload.connector && window.LiveReload.connector._connectionDesired",
        timeout=TIMEOUT_MS,
    )
    time.sleep(0.3)


def test_saved_edit_appears_without_reload_by_the_test(server: Server, page: Page) -> None:
    open_and_wait_for_socket(page, server.url + "issues/safety/index.html")
    edit(server.content / "issues" / "safety.md", "Inspectors looked at the bridge", "Divers looked at the piers")
    expect(page.locator("main")).to_contain_text("Divers looked at the piers", timeout=TIMEOUT_MS)


def test_broken_yaml_shows_overlay_then_clears(server: Server, page: Page) -> None:
    open_and_wait_for_socket(page, server.url + "issues/safety/index.html")
    safety = server.content / "issues" / "safety.md"
    edit(safety, "title: Safety", "title: Safety: broken")
    overlay = page.locator("#briefing-build-error")
    expect(overlay).to_contain_text("content/issues/safety.md:2: error: invalid YAML", timeout=TIMEOUT_MS)
    expect(page.locator("h1")).to_have_text("Safety")  # the last good build stays readable
    edit(safety, "title: Safety: broken", "title: Bridge safety")
    expect(page.locator("h1")).to_have_text("Bridge safety", timeout=TIMEOUT_MS)
    expect(overlay).to_have_count(0)


def test_unknown_id_and_template_error_show_overlay(server: Server, page: Page) -> None:
    open_and_wait_for_socket(page, server.url)
    edit(server.content / "timeline.yaml", "stakeholders: [city-council]", "stakeholders: [city-counsil]")
    expect(page.locator("#briefing-build-error")).to_contain_text(
        "unknown stakeholder `city-counsil`", timeout=TIMEOUT_MS
    )
    edit(server.content / "timeline.yaml", "stakeholders: [city-counsil]", "stakeholders: [city-council]")
    expect(page.locator("#briefing-build-error")).to_have_count(0, timeout=TIMEOUT_MS)
    templates = server.project / "templates"
    templates.mkdir()
    (templates / "page.html").write_text('{% extends "base.html" %}{% block main %}{{ oops(}}{% endblock %}\n')
    expect(page.locator("#briefing-build-error")).to_contain_text(
        "page.html:1: error: template syntax error", timeout=TIMEOUT_MS
    )


def test_deleted_page_becomes_404(server: Server) -> None:
    assert fetch(server, "/about/index.html")[0] == 200
    start = server.builds()
    (server.content / "pages" / "about.md").unlink()
    edit(server.content / "briefing.yaml", ", about]", "]")
    wait_for_builds(server, start + 1)
    assert fetch(server, "/about/index.html")[0] == 404


def test_a_static_file_saved_is_published_and_one_removed_is_gone(server: Server) -> None:
    """static/ is watched like the content, even when the folder appears after the server started."""
    start = server.builds()
    (server.project / "static").mkdir()
    (server.project / "static" / "CNAME").write_text("briefing.example.org\n")
    wait_for_builds(server, start + 1)
    assert fetch(server, "/CNAME") == (200, b"briefing.example.org\n")
    start = server.builds()
    (server.project / "static" / "CNAME").unlink()
    wait_for_builds(server, start + 1)
    assert fetch(server, "/CNAME")[0] == 404


def test_two_quick_saves_end_on_the_second(server: Server, page: Page) -> None:
    open_and_wait_for_socket(page, server.url + "issues/safety/index.html")
    safety = server.content / "issues" / "safety.md"
    edit(safety, "Inspectors looked at the bridge", "Version one of the text")
    edit(safety, "Version one of the text", "Version two of the text")
    expect(page.locator("main")).to_contain_text("Version two of the text", timeout=TIMEOUT_MS)
    time.sleep(1)
    expect(page.locator("main")).to_contain_text("Version two of the text")


def test_burst_of_saves_gives_one_or_two_builds(server: Server) -> None:
    start = server.builds()
    for index in range(50):
        (server.content / "stakeholders" / f"person-{index}.md").write_text(
            f"---\nname: Person {index}\nkind: person\nrole: Witness\n---\nText [@port-letter].\n"
        )
    wait_for_builds(server, start + 1)
    time.sleep(1.5)
    assert server.builds() - start in (1, 2)
    assert fetch(server, "/stakeholders/person-49/index.html")[0] == 200


def test_editor_temp_files_never_trigger_a_build(server: Server) -> None:
    start = server.builds()
    for name in (".safety.md.swp", "safety.md~", "4913", ".#safety.md", "#safety.md#"):
        (server.content / "issues" / name).write_text("junk: [")
    time.sleep(1.0)
    assert server.builds() == start


def test_built_site_never_contains_the_reload_script(server: Server) -> None:
    site = server.project / "site"
    pages = list(site.rglob("*.html"))
    assert pages and not any(b"livereload" in p.read_bytes() for p in pages)
    assert b"livereload.js" in fetch(server, "/")[1]


def wait_for_builds(server: Server, count: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while server.builds() < count:
        assert time.monotonic() < deadline, "\n".join(server.lines)
        time.sleep(0.02)


def fetch(server: Server, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
    for name, value in {"Host": f"127.0.0.1:{server.port}", **(headers or {})}.items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    return response.status, response.read()


def raw_request(server: Server, data: bytes, *, until: bytes | None = None) -> bytes:
    """What the server answers to `data`: all of it until it closes the connection, or, given `until`, as soon as
    that has come (an upgraded or kept-alive connection stays open)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(data)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
                if until is not None and until in received:
                    break
        except TimeoutError:
            pass
        return received


@pytest.mark.parametrize(
    "path",
    [
        "/.git/config",
        "/content/briefing.yaml",
        "/../.git/config",
        "/../../../../etc/passwd",
        "/%2e%2e/.git/config",
        "/%2e%2e%2f.git/config",
        "/..%2f..%2fetc/passwd",
        "/%252e%252e/.git/config",
        "/..\\..\\etc\\passwd",
        "/%5c..%5c.git/config",
        "/.briefing-build",
        "/issues/%00",
        "//etc/passwd",
        "/%c0%ae%c0%ae/etc/passwd",
    ],
)
def test_nothing_outside_the_site_is_served(server: Server, path: str) -> None:
    status, body = fetch(server, path)
    assert status in (400, 404)
    assert b"[secret]" not in body and b"root:" not in body
    assert fetch(server, "/")[0] == 200  # still up


def test_foreign_host_header_is_refused(server: Server) -> None:
    assert fetch(server, "/", {"Host": "evil.example:80"})[0] == 403
    assert fetch(server, "/", {"Host": f"localhost:{server.port}"})[0] == 200


def test_reload_socket_refuses_foreign_origin(server: Server) -> None:
    def upgrade(origin: str) -> bytes:
        return raw_request(
            server,
            (
                f"GET /livereload HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                f"Sec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n"
            ).encode(),
            until=b"\r\n\r\n",
        )[:40]

    assert upgrade("http://evil.example").startswith(b"HTTP/1.1 403")
    assert upgrade(f"http://127.0.0.1:{server.port}").startswith(b"HTTP/1.1 101")


def test_survives_malformed_requests(server: Server) -> None:
    for junk in (
        b"\x00\x01\x02garbage\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: " + b"a" * 70000 + b"\r\n\r\n",
        b"GET /" + b"%" * 5000 + b" HTTP/1.1\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
    ):
        raw_request(server, junk)
    assert fetch(server, "/")[0] == 200


def test_saves_seconds_apart_are_each_picked_up_and_the_server_stays_responsive(server: Server, page: Page) -> None:
    """Regression: a file stopped being "recent" two seconds after a save, and the watcher then reported it
    as changed forever, blocking the server."""
    open_and_wait_for_socket(page, server.url + "issues/safety/index.html")
    safety = server.content / "issues" / "safety.md"
    edit(safety, "Inspectors looked at the bridge", "First edit of the text")
    expect(page.locator("main")).to_contain_text("First edit of the text", timeout=TIMEOUT_MS)
    time.sleep(3.5)
    started = server.builds()
    time.sleep(1)
    assert server.builds() == started  # no phantom rebuilds once the file is old
    assert fetch(server, "/")[0] == 200
    edit(safety, "First edit of the text", "Second edit, seconds later")
    expect(page.locator("main")).to_contain_text("Second edit, seconds later", timeout=TIMEOUT_MS)


class Reports:
    """What a FolderWatcher reports, as it reports it (from its own thread)."""

    def __init__(self) -> None:
        self.batches: list[set[Path]] = []
        self.lock = threading.Lock()

    def __call__(self, paths: set[Path]) -> None:
        with self.lock:
            self.batches.append(paths)

    def wait_for(self, *wanted: Path, timeout: float = 10) -> None:
        """Until one of `wanted` is reported (by whichever path leads to it)."""
        places = {path.resolve() for path in wanted}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if any(Path(os.path.realpath(p)) in places for batch in self.batches for p in batch):
                    return
            time.sleep(0.01)
        raise AssertionError(f"none of {wanted} reported; reports: {self.batches}")

    def settle(self) -> list[set[Path]]:
        time.sleep(0.3)
        with self.lock:
            batches, self.batches = self.batches, []
        return batches


@pytest.fixture
def watching(tmp_path: Path) -> Iterator[tuple[Path, Reports]]:
    from generator.serve import FolderWatcher

    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "a.md").write_text("one")
    reports = Reports()
    watcher = FolderWatcher([folder, tmp_path / "templates"], reports, ignored_saves(folder))
    watcher.start()
    time.sleep(0.3)  # the operating system's watch is set up
    yield folder, reports
    watcher.stop()


def test_watcher_reports_each_save_and_nothing_else(watching: tuple[Path, Reports]) -> None:
    folder, reports = watching
    path = folder / "a.md"
    path.write_text("two")
    reports.wait_for(path)
    reports.settle()
    path.write_text("tri")  # same size, within the same clock tick maybe: still a save
    reports.wait_for(path)
    reports.settle()
    (folder / ".a.md.swp").write_text("editor")
    (folder / "a.md~").write_text("backup")
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "b.md").write_text("hidden")
    assert reports.settle() == []
    new = folder / "issues" / "b.md"
    new.parent.mkdir()
    new.write_text("a new folder's file")
    # the file, or at least its new folder (written before the folder is watched, the file may go unnamed):
    # a folder the engine's listing does not know makes it look at everything
    reports.wait_for(new, new.parent)


def test_watcher_watches_a_folder_that_appears_or_is_replaced(watching: tuple[Path, Reports]) -> None:
    """templates/ created later is watched once it exists; content/ deleted and restored (with its old file
    times) is reported, and watched anew."""
    folder, reports = watching
    templates = folder.parent / "templates"
    templates.mkdir()
    reports.wait_for(templates)
    (templates / "page.html").write_text("{{ view.title }}")
    reports.wait_for(templates / "page.html")
    old = time.time() - 60
    os.utime(folder / "a.md", (old, old))
    shutil.copytree(folder, folder.parent / "backup", copy_function=shutil.copy2)
    shutil.rmtree(folder)
    shutil.copytree(folder.parent / "backup", folder, copy_function=shutil.copy2)
    assert (folder / "a.md").stat().st_mtime == old
    reports.wait_for(folder)
    reports.settle()
    (folder / "a.md").write_text("after the restore")
    reports.wait_for(folder / "a.md")


def test_hidden_files_of_static_are_watched_as_they_are_published(tmp_path: Path) -> None:
    """static/ is published as it is, hidden files too (.nojekyll, .well-known/): a save there is a change,
    but not one in a version-control folder, nor a hidden file of the content."""
    from generator.serve import FolderWatcher

    content, static = tmp_path / "content", tmp_path / "static"
    content.mkdir()
    (static / ".git").mkdir(parents=True)
    reports = Reports()
    watcher = FolderWatcher([content, static], reports, ignored_saves(content))
    watcher.start()
    try:
        time.sleep(0.3)
        (static / ".git" / "HEAD").write_text("ref")
        (content / ".notes.md").write_text("mine")
        assert reports.settle() == []
        (static / ".nojekyll").write_text("")
        reports.wait_for(static / ".nojekyll")
        (static / ".well-known").mkdir()
        (static / ".well-known" / "security.txt").write_text("Contact: mailto:a@example.org")
        reports.wait_for(static / ".well-known" / "security.txt", static / ".well-known")
    finally:
        watcher.stop()


def test_watcher_is_not_trapped_by_a_link_loop(tmp_path: Path) -> None:
    from generator.serve import FolderWatcher

    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "a.md").write_text("one")
    reports = Reports()
    watcher = FolderWatcher([tmp_path], reports, ignored_saves(tmp_path / "content"))
    watcher.start()
    try:
        time.sleep(0.3)
        (tmp_path / "a.md").write_text("two")
        reports.wait_for(tmp_path / "a.md")  # by whichever path it is reported: the same file
    finally:
        watcher.stop()


def test_changes_during_the_first_build_are_found_afterwards(tmp_path: Path) -> None:
    from generator.serve import changed_since

    (tmp_path / "a.md").write_text("one")
    (tmp_path / "b.md").write_text("two")
    moment = time.time()
    time.sleep(0.05)
    assert not changed_since([tmp_path], moment)
    (tmp_path / "b.md").unlink()  # a removal changes its folder
    assert changed_since([tmp_path], moment)


def test_a_change_made_before_the_watch_is_set_up_is_reported(tmp_path: Path) -> None:
    """The preview's first build runs before the watcher starts, and the watcher's thread sets the watch up a
    moment after `Serving` is said: what is saved before is found by its time, once the watch is set up (a
    file name that is not UTF-8, saved right after `Serving`, went unseen one time in ten)."""
    import queue

    from generator.serve import CLOCK_TICK_SECONDS, FolderWatcher

    (tmp_path / "a.md").write_text("one")
    time.sleep(2 * CLOCK_TICK_SECONDS)
    reports: queue.Queue[set[Path]] = queue.Queue()
    watcher = FolderWatcher([tmp_path], reports.put, ignored_saves(tmp_path / "content"))
    since = time.time() - CLOCK_TICK_SECONDS
    (tmp_path / "b.md").write_text("two")  # before the watch: only its time tells of it
    watcher.start(since=since)
    try:
        assert reports.get(timeout=5) == {tmp_path}  # the folder: look at everything in it
    finally:
        watcher.stop()
    quiet = FolderWatcher([tmp_path], reports.put, ignored_saves(tmp_path / "content"))
    quiet.start(since=time.time())  # nothing changed since: nothing to report
    try:
        with pytest.raises(queue.Empty):
            reports.get(timeout=2.5)
    finally:
        quiet.stop()


def test_no_version_banner(server: Server) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    for path in ("/", "/livereload.js", "/missing"):
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        assert response.getheader("Server") is None, path


def test_a_file_name_that_is_not_utf8_shows_in_the_overlay_and_pages_are_served(server: Server) -> None:
    start = len(server.lines)
    bad = os.fsencode(server.content / "issues") + b"/bad\xff.md"
    with open(bad, "wb") as handle:
        handle.write(b"---\ntitle: x\n---\n")
    server.wait_for("build failed", start)
    status, body = fetch(server, "/issues/safety/index.html")
    assert status == 200
    assert "briefing-build-error" in body.decode() and r"file name `bad\xff.md` is not valid UTF-8" in body.decode()
    os.unlink(bad)
    server.wait_for(r"^built ", start + 1)
    assert b"briefing-build-error" not in fetch(server, "/")[1]


def test_a_malformed_reload_message_is_one_log_line(server: Server) -> None:
    import asyncio

    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    async def send_garbage() -> None:
        url = f"ws://127.0.0.1:{server.port}/livereload"
        request = HTTPRequest(url, headers={"Origin": f"http://127.0.0.1:{server.port}"})
        connection = await websocket_connect(request)
        for garbage in ("{", "[1, 2", '{"command": 5}'):
            await connection.write_message(garbage)
        await asyncio.sleep(0.5)
        connection.close()

    start = len(server.lines)
    # in a thread of its own: the browser tests' driver may already run an event loop in this one
    sender = threading.Thread(target=lambda: asyncio.run(send_garbage()))
    sender.start()
    sender.join(30)
    time.sleep(0.5)
    logged = server.lines[start:]
    assert not [line for line in logged if "Traceback" in line], logged
    assert sum("ignored a malformed reload message" in line for line in logged) >= 2, logged
    assert fetch(server, "/")[0] == 200


def test_builds_run_in_a_process_of_their_own_below_the_browser(tmp_path: Path) -> None:
    """The preview's builds run in a child process, niced, so a reloading browser gets the cores first. The
    child has one thread, so its builds fork workers (the briefing has 300+ pages), and its output equals a
    clean build; errors reach the server, and a child that dies is replaced at the next build. Idle, it checks
    the files it wrote last by their bytes and stamps the manifest again (`Engine.settle`)."""
    from generator.builder import BUILD_NICENESS, BuilderProcess

    content, model = tmp_path / "content", LargeBriefing.generate()
    make_large_content(content, model)
    readies: list[tuple[set[str], set[str]]] = []
    options = BuildOptions(content=content, out=tmp_path / "site", mode=Mode.PREVIEW, search=False)
    builder = BuilderProcess(options, lambda written, later: readies.append((written, later)), set)
    try:
        first = builder(None)
        assert first.pages > 300 and first.written == first.files and first.briefing is None
        assert builder.pid is not None and builder.pid != os.getpid()
        niced = min(os.getpriority(os.PRIO_PROCESS, 0) + BUILD_NICENESS, 19)
        assert os.getpriority(os.PRIO_PROCESS, builder.pid) == niced
        marker = tmp_path / "site" / MARKER
        stamped, deadline = marker.stat().st_mtime_ns, time.monotonic() + 10
        while marker.stat().st_mtime_ns == stamped and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.stat().st_mtime_ns > stamped
        model.hub_name = "Harbour Authority"  # shown on hundreds of pages
        hub = content / "stakeholders" / f"{LargeBriefing.HUB}.md"
        model.write(content)
        assert builder({hub}).written > 300
        assert readies and readies[-1][0] and readies[-1][1]  # the first step, then the files still to come
        build(BuildOptions(content=content, out=tmp_path / "clean", search=False))
        expected, actual = read_site(tmp_path / "clean"), read_site(tmp_path / "site")
        assert expected == actual, describe_difference(expected, actual)
        issue = content / "issues" / "safety.md"
        issue.write_text(issue.read_text("utf-8") + "\nA citation [@no-such-source].\n", "utf-8")
        with pytest.raises(ContentError, match="no-such-source"):
            builder({issue})
        pid = builder.pid
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(ContentError, match="build process stopped"):
            builder({issue})
        issue.write_text(issue.read_text("utf-8").replace(" [@no-such-source]", ""), "utf-8")
        assert builder({issue}).pages == first.pages and builder.pid != pid
    finally:
        builder.stop()
    assert builder.pid is None


def _builds_that_tell_of_the_collector(connection: Connection, server: int, content: Path, out: Path) -> None:
    """The build process's loop, with builds that say whether the collector ran during them; each collection
    it makes is told the server too, after the build's outcome."""
    from generator import builder

    def build(engine: object, changed: object = None) -> BuildResult:
        return BuildResult(timings={"collector enabled": float(gc.isenabled())})

    def collect(generation: int = 2) -> int:
        connection.send(("collected", generation))
        return 0

    builder.Engine.build = build  # type: ignore[assignment,method-assign]
    builder.gc.collect = collect  # type: ignore[assignment]
    builder._serve_builds(connection, server, content, out, Mode.PREVIEW, False)


def test_the_build_process_collects_garbage_between_builds_never_during_one(tmp_path: Path) -> None:
    """At 4,400 pages one collection of a rename's young objects takes a twelfth of the build: the build
    process runs its builds with the collector off, and collects once the server has the outcome — the young
    objects after each build, every object every FULL_COLLECTION_BUILDS builds."""
    from generator.builder import FULL_COLLECTION_BUILDS

    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    args = (theirs, os.getpid(), tmp_path / "content", tmp_path / "site")
    child = context.Process(target=_builds_that_tell_of_the_collector, args=args)
    child.start()
    try:
        heard = []
        for _ in range(FULL_COLLECTION_BUILDS):
            ours.send((None, set()))
            heard += [ours.recv(), ours.recv()]
    finally:
        ours.close()
        child.join(timeout=10)
        if child.is_alive():
            child.kill()
    outcomes, collections = heard[0::2], heard[1::2]
    assert all(kind == "built" and result.timings == {"collector enabled": 0.0} for kind, result in outcomes)
    assert collections == [("collected", 1)] * (FULL_COLLECTION_BUILDS - 1) + [("collected", 2)]


def test_a_build_asked_for_after_the_builder_stopped_starts_no_process(mini: Path, tmp_path: Path) -> None:
    """Regression: a build the server had asked for just before it stopped started a new build process once
    `stop` had ended the old one; the server's exit then waited for that build, and for the process."""
    from generator.builder import BuilderProcess

    options = BuildOptions(content=mini, out=tmp_path / "site", mode=Mode.PREVIEW, search=False)
    builder = BuilderProcess(options, lambda written, later: None, set)
    try:
        assert builder(None).pages > 0
        builder.stop()
        with pytest.raises(ContentError, match="the preview is stopping"):
            builder({mini / "briefing.yaml"})
        assert builder.pid is None and not children(os.getpid(), b"spawn_main")
    finally:
        builder.stop()


def listeners(page: Page) -> dict[str, list[str]]:
    """The event listeners on `window` and `document`, as Chromium's debugger lists them."""
    session = page.context.new_cdp_session(page)
    found = {}
    for name in ("window", "document"):
        handle = session.send("Runtime.evaluate", {"expression": name})["result"]["objectId"]
        entries = session.send("DOMDebugger.getEventListeners", {"objectId": handle})["listeners"]
        found[name] = sorted(f"{entry['type']}:{entry['useCapture']}" for entry in entries)
    session.detach()
    return found


def test_an_edit_updates_the_open_page_in_place_and_its_scripts_run_once(server: Server, page: Page) -> None:
    open_and_wait_for_socket(page, server.url + "timeline/")
    before = listeners(page)
    assert "click:True" in before["document"]  # timeline.js's, on the document, which the update keeps
    page.evaluate("() => { window.scrollTo(0, 200); window.notReloaded = true; }")
    edit(server.content / "timeline.yaml", "title: Cracks found", "title: Cracks found in the piers")
    expect(page.locator("main")).to_contain_text("Cracks found in the piers", timeout=TIMEOUT_MS)
    assert page.evaluate("() => window.notReloaded") is True  # updated in place, not reloaded
    assert page.evaluate("() => window.scrollY") == 200  # where the editor was reading
    expect(page.locator("form.timeline-filter")).to_be_visible()  # timeline.js ran again on the new text
    assert listeners(page) == before  # and what it listens to on the document was not added twice
    assert page.evaluate("() => document.title").startswith("Timeline")


def test_a_changed_stylesheet_reloads_the_open_page(server: Server, page: Page) -> None:
    open_and_wait_for_socket(page, server.url + "issues/safety/")
    page.evaluate("() => { window.notReloaded = true; }")
    stylesheet = server.project / "templates" / "assets" / "style.css"
    stylesheet.parent.mkdir(parents=True)
    stylesheet.write_text((BUILTIN_TEMPLATES / "assets" / "style.css").read_text() + "body{color:rgb(1,2,3)}\n")
    expect(page.locator("body")).to_have_css("color", "rgb(1, 2, 3)", timeout=TIMEOUT_MS)
    assert page.evaluate("() => window.notReloaded") is None


def test_the_page_a_browser_is_on_is_noted_for_the_next_build(mini_site: Path) -> None:
    state = ServerState(site=mini_site)
    socket = ReloadSocket.__new__(ReloadSocket)  # its connection is not needed to read a message
    socket.state = state
    socket._note_page({"command": "hello"})
    assert state.open_pages == {}
    socket._note_page({"command": "info", "url": "http://127.0.0.1:8000/issues/safety/#positions"})
    assert state.open_pages == {socket: "issues/safety/index.html"}
    socket._note_page({"command": "info", "url": "http://127.0.0.1:8000/zz/no-such-page"})
    assert state.open_pages == {socket: "zz/no-such-page"}  # a missing page is never a route: nothing first


def _serve_command(content: Path, out: Path, port: int = 0) -> list[str]:
    return briefing_command("serve", "--content", str(content), "--out", str(out), "--port", str(port))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_during_the_first_build_stops_the_server_and_its_build_process(tmp_path: Path) -> None:
    """Ctrl+C reaches every process of the terminal's group. The server says "interrupted" and exits 130; its
    build process, which ignores Ctrl+C, is ended by it (were it left waiting for work, the server's exit
    would wait for it forever); nobody prints a traceback."""
    content = tmp_path / "content"
    make_large_content(content, LargeBriefing.generate())
    run = subprocess.Popen(
        _serve_command(content, tmp_path / "site"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own group, as a terminal's foreground job is
    )
    try:
        deadline, builders = time.monotonic() + 30, set()
        while not builders and run.poll() is None and time.monotonic() < deadline:
            builders = children(run.pid, b"spawn_main")
            time.sleep(0.01)
        assert builders, "the server never started its build process"
        lock = tmp_path / ".site.lock"  # the build process has started, and is building (however busy the machine)
        while not lock.exists() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert lock.exists(), "the build process never started its build"
        os.killpg(run.pid, signal.SIGINT)
        printed, _ = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == 130 and "interrupted" in printed, printed
    assert "Traceback" not in printed and "Serving" not in printed, printed
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in builders) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(running(pid) for pid in builders), "the build process outlived the server"


SIGNAL_WHILE_BUSY = """
import os, signal, time
from tornado.platform.asyncio import AsyncIOLoop
from generator.cli import _signals_interrupt
from generator.serve import _signals_stop

loop, finished = AsyncIOLoop(), []

def busy():
    os.kill(os.getpid(), signal.SIGTERM)
    deadline = time.monotonic() + 0.2
    while time.monotonic() < deadline:  # Python code, where a raising signal handler would break in
        pass
    finished.append(True)

with _signals_interrupt(), _signals_stop(loop):
    loop.add_callback(busy)
    loop.start()
print("finished" if finished else "interrupted", signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
"""


def test_a_signal_while_serving_stops_the_loop_between_its_callbacks() -> None:
    """Regression: SIGTERM was raised as an exception into whatever the server's thread was doing; one that
    came inside a `with` before its block began left the lock held, and the server's exit then waited
    forever (a test's server did not end in 10 s). Now the loop stops once the running callback is done, and
    the handlers before it come back. (In a process of its own: Playwright runs a loop in the tests'.)"""
    done = subprocess.run([sys.executable, "-c", SIGNAL_WHILE_BUSY], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "finished True\n"), done.stdout + done.stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_while_serving_stops_the_server_and_its_build_process(
    mini: Path, signum: signal.Signals
) -> None:
    server = Server(mini.parent)
    builders = children(server.process.pid, b"spawn_main")
    assert builders
    try:
        server.process.send_signal(signum)
        assert server.process.wait(timeout=30) == 0
    finally:
        if server.process.poll() is None:
            server.process.kill()
    server.wait_for("^stopped$")
    assert not [line for line in server.lines if "Traceback" in line], server.lines
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in builders) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(running(pid) for pid in builders), "the build process outlived the server"


def test_a_port_in_use_is_said_at_once_before_any_build(tmp_path: Path) -> None:
    """As Hugo's server does: a port in use is said before the first build, not after it (at 4,400 pages the
    first build takes 8 s, for nothing)."""
    content = shutil.copytree(MINI, tmp_path / "content")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            _serve_command(content, tmp_path / "site", port), capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.splitlines() == [
        f"127.0.0.1:{port}: error: cannot listen: address already in use "
        "(another program listens on this port; choose another --port, or 0 for any free one)"
    ]
    assert not (tmp_path / "site").exists() and "built" not in done.stdout, done.stdout


def test_the_server_knows_nothing_of_the_pipeline_but_what_it_is_given() -> None:
    """serve.py is handed its builder, the folders to watch and the files to ignore (as MkDocs' server is):
    at run time it imports nothing of the pipeline, only the diagnostics a build reports."""
    import ast

    import generator.serve

    tree = ast.parse(Path(generator.serve.__file__).read_text(encoding="utf-8"))
    type_only = {id(node) for stmt in tree.body if isinstance(stmt, ast.If) for node in ast.walk(stmt)}
    ours = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and id(node) not in type_only
        and (node.module or "").startswith("generator")
    }
    assert ours == {"generator.diagnostics"}


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_port_out_of_range_is_a_usage_error(capsys: pytest.CaptureFixture[str], port: str) -> None:
    from generator.cli import main

    assert main(["serve", "--port", port]) == 2
    assert f"`{port}` is not a port number (0 to 65535)" in capsys.readouterr().err
