"""`briefing serve`: build, serve the built site, watch, rebuild, reload the browser.

The server is given a way to make its builder (a `Builder`: `builder.BuilderProcess`, an engine in a process of
its own, whose builds may fork workers), the folder it serves, the folders to watch and which saves to
ignore, and knows nothing else of the pipeline. From the livereload package it uses
the WebSocket protocol handler and the livereload.js client, but not its Server (whose throttle drops a
save that follows another within seconds and which serves the whole working folder) nor its Watcher: the
folders are watched with the watchfiles package, which reports which files changed, and the engine reads
only those again. Builds run one at a time, waited for by a worker thread; changes that arrive during a
build cause exactly one more build. Each file of the site is replaced atomically, so a request gets a
complete old or complete new file. A failed build leaves the last good site in place and every page is
served with an overlay listing the errors until the next good build.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import html
import json
import logging
import mimetypes
import os
import re
import signal
import socket
import sys
import threading
import time
import typing
import webbrowser
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import livereload
import watchfiles
from livereload.handlers import LiveReloadHandler
from tornado import httpserver, ioloop, web
from tornado.platform.asyncio import BaseAsyncIOLoop

from generator.diagnostics import ContentError, Diagnostic, format_report, internal_error, os_message

if typing.TYPE_CHECKING:
    from generator.build import BuildResult

STEP_MS = 10  # a save is reported once nothing else changed for this long (a burst becomes one report)
DEBOUNCE_MS = 400  # a long burst is still reported this often
LOOK_SECONDS = 1.0  # how often folders that do not exist yet (or were replaced) are looked for
CLOCK_TICK_SECONDS = 0.01  # file times come from a coarse clock that may lag the one time.time() reads
LIVERELOAD_JS = Path(livereload.__file__).parent / "vendors" / "livereload.js"
PREVIEW_JS = Path(__file__).parent / "preview.js"  # updates an open page in place when only pages changed
PAGES_ONLY = "briefing:pages"  # the reload message's path that says so (preview.js knows it too)
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
LISTEN_HINTS = {
    errno.EADDRINUSE: "another program listens on this port; choose another --port, or 0 for any free one",
    errno.EADDRNOTAVAIL: "this machine has no such address; leave --host out to serve on 127.0.0.1",
    errno.EACCES: "a port below 1024 needs privileges; choose another --port, such as 8000",
}


class FolderWatcher:
    """Tells which files changed under some folders, as the operating system reports them: the watchfiles
    package (inotify on Linux, FSEvents on macOS, its own polling where no notification works). Editor
    temporary files and hidden files and folders are left out. A folder that does not exist yet (a
    project's templates/ or static/) is looked for every second and watched once it appears; a watched
    folder that is replaced (deleted, then restored) is watched anew. Either is reported as a change of the
    folder itself, which tells the engine to look at everything again."""

    def __init__(self, roots: list[Path], report: Callable[[set[Path]], None], ignored: Callable[[Path], bool]) -> None:
        self.roots = [root.absolute() for root in roots]
        self.report = report
        self.ignored = ignored  # a saved path that changes nothing a build reads (an editor's temporary file)
        self.log: Callable[[str], None] = lambda text: None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="briefing-watch", daemon=True)
        self._since: float | None = None

    def start(self, since: float | None = None) -> None:
        """Watch from now on, in a thread of its own. `since`: a time from which changes are wanted that the
        watch may miss, made before its thread has set it up (they are found by their status-change time)."""
        self._since = since
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _present(self) -> list[Path]:
        return [root for root in self.roots if root.is_dir()]

    def _run(self) -> None:
        announce = False  # the folders changed: say so once the new watch is set up, so nothing falls between
        since, self._since = self._since, None
        while not self._stop.is_set():
            present = self._present()
            session = _Either(self._stop, threading.Event())
            try:
                if present:
                    self._watch(present, session, announce, since)
                    announce, since = False, None
                else:
                    self._stop.wait(LOOK_SECONDS)
            except OSError as error:  # the watch could not be set up (a folder gone meanwhile, a system limit)
                self.log(f"watching the folders failed ({error}); trying again in a second")
                self._stop.wait(LOOK_SECONDS)
            except RuntimeError:  # watchfiles could not name a change (a file name that is not UTF-8)
                session.second.set()  # so: look at everything
            announce = announce or session.second.is_set() or self._present() != present

    def _watch(self, present: list[Path], session: _Either, announce: bool, since: float | None) -> None:
        """Report changes until stopped, or until a folder appears or is replaced: then `session` is set and
        the watch ends by itself (leaving its loop early could wait forever on a folder that was deleted).
        `announce`: report every folder as changed once the watch is set up (at its first report or pause);
        `since`: so too if anything changed from then until the watch was set up."""
        for changes in watchfiles.watch(
            *present,
            watch_filter=lambda _change, path: not self.ignored(Path(path)),
            debounce=DEBOUNCE_MS,
            step=STEP_MS,
            stop_event=session,
            rust_timeout=int(LOOK_SECONDS * 1000),
            yield_on_timeout=True,
            raise_interrupt=False,
        ):
            paths = {Path(path) for _change, path in changes}
            if since is not None:  # the watch is set up by now
                announce = announce or changed_since(present, since)
                since = None
            # a root deleted is reported as such (its inode number may come back with the copy that replaces
            # it); one that appears is seen by looking
            if not paths.isdisjoint(self.roots) or self._present() != present:
                session.second.set()
            if announce:
                paths |= set(self.roots)
                announce = False
            if paths:
                self.report(paths)


@dataclass
class _Either:
    """Set when either event is."""

    first: threading.Event
    second: threading.Event

    def is_set(self) -> bool:
        return self.first.is_set() or self.second.is_set()


def changed_since(roots: list[Path], moment: float) -> bool:
    """Whether any file or folder under `roots` changed (status-change time) at or after `moment`; a file
    removed changes its folder. Symbolic links to folders are not followed."""
    for root in roots:
        for folder, dirs, files in os.walk(root):
            for name in [*dirs, *files, "."]:
                try:
                    if os.lstat(os.path.join(folder, name)).st_ctime >= moment:
                        return True
                except OSError:
                    return True  # gone meanwhile: a change
    return False


class ClientScript(web.StaticFileHandler):
    """The preview's scripts (livereload.js, preview.js), without a version banner."""

    def set_default_headers(self) -> None:
        self.clear_header("Server")


class ReloadSocket(LiveReloadHandler):
    """livereload's WebSocket handler (its protocol with livereload.js), refusing pages of other origins
    (its own accepts any), and answering a malformed message with one log line, not a traceback."""

    @staticmethod
    def reload_all(state: ServerState, pages_only: bool = False) -> None:
        """Tell every open page of this server to reload. `pages_only`: nothing but pages was rewritten, so the
        page may update in place (preview.js); otherwise livereload.js reloads it."""
        path = PAGES_ONLY if pages_only else "*"
        message = {"command": "reload", "path": path, "liveCSS": None, "liveImg": True}
        for open_page in list(state.open_pages):
            try:
                open_page.write_message(message)
            except Exception:  # a closed socket: forget it
                state.open_pages.pop(open_page, None)

    def initialize(self, state: ServerState) -> None:
        self.state = state

    def on_message(self, message: str | bytes) -> None:
        try:
            super().on_message(message)
            self._note_page(json.loads(message))
        except Exception as error:
            logging.getLogger("briefing.serve").warning("ignored a malformed reload message: %s", type(error).__name__)

    def _note_page(self, message: object) -> None:
        """livereload.js says which page it is on (once connected): the next build writes that page first."""
        if isinstance(message, dict) and message.get("command") == "info" and isinstance(message.get("url"), str):
            path = urlsplit(message["url"]).path
            self.state.open_pages[self] = _site_path(self.state.site, resolve_request(self.state.site, path), path)

    def on_close(self) -> None:
        self.state.open_pages.pop(self, None)
        super().on_close()

    def set_default_headers(self) -> None:
        self.clear_header("Server")

    def check_origin(self, origin: str) -> bool:
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.netloc == self.request.host

    def prepare(self) -> None:
        if not self.application.settings["host_allowed"](self.request.host):
            raise web.HTTPError(403)


@dataclass
class ServerState:
    site: Path
    port: int = 0
    errors: list[Diagnostic] = field(default_factory=list)
    builds: int = 0
    late: set[str] = field(default_factory=set)  # site paths the running build has still to write
    late_written: asyncio.Event = field(default_factory=asyncio.Event)
    open_pages: dict[ReloadSocket, str] = field(default_factory=dict)  # each open page's socket → its site path


def host_checker(bind_host: str) -> Callable[[str], bool]:
    """Only the names this server is reachable by: DNS rebinding sends a foreign Host header."""
    names = set(LOOPBACK_NAMES)
    if bind_host not in ("", "0.0.0.0", "::"):
        names.add(bind_host.strip("[]"))

    def allowed(host_header: str) -> bool:
        host = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
        return host.strip("[]").lower() in names or bind_host in ("0.0.0.0", "::")

    return allowed


class SiteHandler(web.RequestHandler):
    """Serves files from the built site only, with the reload script and any error overlay injected."""

    def initialize(self, state: ServerState) -> None:
        self.state = state

    def prepare(self) -> None:
        if not self.settings["host_allowed"](self.request.host):
            raise web.HTTPError(403, "unknown Host header")

    def set_default_headers(self) -> None:
        self.clear_header("Server")  # no version banner
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")

    async def head(self, path: str) -> None:
        await self.get(path)

    async def get(self, path: str) -> None:
        raw_path = self.request.path
        target = resolve_request(self.state.site, raw_path)
        if self.state.late and _site_path(self.state.site, target, raw_path) in self.state.late:
            await self.state.late_written.wait()  # the files a build writes last: never serve an old one
            target = resolve_request(self.state.site, raw_path)
        if target is None:
            self._not_found()
            return
        if target.is_dir():
            self.redirect(raw_path + "/", permanent=False)
            return
        self._send(target, 200)

    def _not_found(self) -> None:
        page = self.state.site / "404.html"
        if page.is_file():
            try:
                data = page.read_bytes()
            except OSError:
                raise web.HTTPError(404) from None
            self.set_status(404)
            self._write_html(rooted_links(data))
        else:
            self.set_status(404)
            self._write_html(b"<!doctype html><title>Not found</title><h1>Not found</h1>")

    def _send(self, path: Path, status: int) -> None:
        try:
            data = path.read_bytes()
        except OSError:
            raise web.HTTPError(404) from None
        self.set_status(status)
        if path.suffix == ".html":
            self._write_html(data)
            return
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.set_header("Content-Type", content_type)
        self.write(data)

    def _write_html(self, data: bytes) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.write(inject(data, self.state))


def _site_path(site: Path, target: Path | None, raw_path: str) -> str:
    """The path within the site that a request names (as the route table writes it)."""
    if target is not None:
        try:
            return target.relative_to(site.resolve()).as_posix()
        except ValueError:
            return ""
    path = unquote(raw_path).lstrip("/")
    return path + "index.html" if path.endswith("/") or not path else path


def resolve_request(site: Path, raw_path: str) -> Path | None:
    """The file under `site` that a URL path names, or None. Refuses anything that leaves `site`."""
    path = unquote(raw_path)
    if "\x00" in path or "\\" in path or "%" in path:  # "%" left after one unquote: double encoding
        return None
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") or p.startswith(".") for p in parts):
        return None
    root = site.resolve()
    candidate = root.joinpath(*parts) if parts else root
    try:
        resolved = candidate.resolve()
    except (OSError, RuntimeError):
        return None
    if resolved != root and not resolved.is_relative_to(root):
        return None
    if resolved.is_dir():
        if not raw_path.endswith("/"):
            return resolved
        resolved = resolved / "index.html"
    return resolved if resolved.is_file() else None


OVERLAY_STYLE = (
    "position:fixed;inset:auto 0 0 0;max-height:50vh;overflow:auto;z-index:2147483647;margin:0;"
    "padding:1rem 1.25rem;background:#2b0d0d;color:#fff;font:14px/1.5 ui-monospace,monospace;"
    "border-top:4px solid #ff5c5c;white-space:pre-wrap"
)


_RELATIVE_LINK = re.compile(rb'(\s(?:href|src)=")(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)([^"]*")')


def rooted_links(page: bytes) -> bytes:
    """The site's 404.html, whose relative links are written for the site's root, made to work at any
    depth: the preview serves it at every missing address, so its relative links become root-absolute
    (fragments such as the skip link stay on the page, which a `<base>` would not allow)."""
    return _RELATIVE_LINK.sub(rb"\1/\2", page)


def inject(page: bytes, state: ServerState) -> bytes:
    snippet = (
        f'<script src="/livereload.js?port={state.port}" data-briefing-preview></script>'
        '<script src="/briefing-preview.js" data-briefing-preview></script>'
    )
    if state.errors:
        # a file name that is not UTF-8 arrives surrogate-escaped: show its bad bytes as U+FFFD, never fail
        text = format_report(state.errors).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        report = html.escape(text)
        snippet += (
            f'<div id="briefing-build-error" role="alert" style="{OVERLAY_STYLE}">'
            f"<strong>Build failed — showing the last good build.</strong>\n{report}</div>"
        )
    data = snippet.encode("utf-8")
    index = page.rfind(b"</body>")
    return page[:index] + data + page[index:] if index >= 0 else page + data


class Rebuilder:
    """One build at a time; changes reported during a build cause exactly one more, told all of them."""

    def __init__(
        self, builder: Callable[[set[Path] | None], BuildResult], state: ServerState, log: Callable[[str], None]
    ) -> None:
        self.builder = builder
        self.state = state
        self.log = log
        self.executor = ThreadPoolExecutor(1, "briefing-build")
        self.running = False
        self.changes: set[Path] | None = set()  # reported since the last build began (None: anything may have)
        self.look_again = False  # the last build failed: it may not have read what it was told of

    def pages_written(self, written: set[str], later: set[str]) -> None:
        """The running build wrote the pages that may show something new, or the open one of them (`written`:
        the files it rewrote); `later` is still to come (the other pages, the whole-briefing files, the pages
        it checks on disk). Reload the browser now; a request for one of `later` waits until the build is
        done."""
        if not self.running:  # the first build, before the server started: nothing to reload yet
            return
        self.state.late, self.state.late_written = set(later), asyncio.Event()
        self.state.errors = []  # this build got past every check but the templates of the files to come
        ReloadSocket.reload_all(self.state, pages_only=all(path.endswith(".html") for path in written))

    def request(self, changes: set[Path] | None) -> None:
        self.changes = None if changes is None or self.changes is None else self.changes | changes
        if self.running:
            return
        self.running = True
        loop = ioloop.IOLoop.current()
        changes = None if self.look_again else self.changes
        self.changes, self.look_again = set(), False
        future = loop.run_in_executor(self.executor, self._build, changes)
        loop.add_future(future, self._finished)

    def build_now(self) -> None:
        self._finished_result(self._build(None))

    def _build(self, changes: set[Path] | None) -> tuple[str, list[Diagnostic]]:
        try:
            result = self.builder(changes)
        except ContentError as error:
            return "", error.diagnostics
        except Exception as error:  # a bug must not take the preview down
            return "", [internal_error(error)]
        summary = f"built {result.pages} pages ({result.written} files written) in {result.seconds * 1000:.0f} ms"
        if result.warnings:  # shown in the terminal, not in the browser: a warning does not stop the build
            summary = format_report(result.warnings) + "\n" + summary
        return summary, []

    def _finished(self, future: asyncio.Future[tuple[str, list[Diagnostic]]]) -> None:
        self.running = False
        self._finished_result(future.result())
        if self.changes is None or self.changes:
            self.request(set())

    def _finished_result(self, outcome: tuple[str, list[Diagnostic]]) -> None:
        summary, errors = outcome
        self.state.errors = errors
        self.state.builds += 1
        reloaded = bool(self.state.late)  # the browser was told after the build's first step
        self.state.late = set()
        self.state.late_written.set()
        if errors:
            self.look_again = True
            self.log(format_report(errors))
            self.log(
                f"build failed: {len(errors)} error{'s' if len(errors) != 1 else ''} "
                "(the browser shows them; the last good build stays online)"
            )
        else:
            self.log(summary)
        if errors or not reloaded:  # an error changes only what the pages show (the overlay)
            ReloadSocket.reload_all(self.state, pages_only=bool(errors))


Ready = Callable[[set[str], set[str]], None]


class Builder(typing.Protocol):
    """What the server builds with. Told what changed (None: anything may have), it builds and returns the
    result, or raises ContentError. Made with `ready(written, later)`, which it calls once a build has written
    the pages that may show something new, and `open_pages()`, which names the pages open in a browser."""

    def __call__(self, changes: set[Path] | None) -> BuildResult: ...

    def stop(self) -> None: ...


def serve(
    make_builder: Callable[[Ready, Callable[[], set[str]]], Builder],
    site: Path,
    watched: list[Path],
    ignored: Callable[[Path], bool],
    host: str,
    port: int,
    open_browser: bool,
) -> None:
    """Build, then serve `site` on `host`:`port` and build again on every save under `watched` (but of a path
    that is `ignored`), until Ctrl+C or SIGTERM."""
    # a port in use is said at once, not after the first build; a browser that comes meanwhile waits in the
    # socket's queue until the site is served
    sockets = server_sockets(host, port)
    log = functools.partial(print, flush=True)
    logging.getLogger("tornado.access").setLevel(logging.ERROR)
    logging.getLogger("livereload").setLevel(logging.WARNING)
    loop = ioloop.IOLoop.current()
    state = ServerState(site=site)
    builder = make_builder(
        lambda written, later: loop.add_callback(rebuilder.pages_written, written, later),
        lambda: set(state.open_pages.values()),  # (read by the thread that waits for builds: a copy)
    )
    rebuilder = Rebuilder(builder, state, log)
    watcher = FolderWatcher(watched, lambda paths: loop.add_callback(rebuilder.request, paths), ignored)
    watcher.log = log
    try:  # whatever ends the server (Ctrl+C during the first build) ends its build process
        # the first build, before the watcher starts: what is saved meanwhile is found afterwards by its
        # status-change time, and causes a second build
        started = time.time() - CLOCK_TICK_SECONDS
        rebuilder.build_now()
        watcher.start(since=started)

        url = listen(state, host, sockets)
        if host not in LOOPBACK_NAMES:
            log(
                f"warning: serving on {host}, reachable from other machines; use the default 127.0.0.1 to keep it "
                "private"
            )
        log(f"Serving {site} on {url} (Ctrl+C to stop)")
        if open_browser:
            webbrowser.open(url)
        with _signals_stop(loop):
            loop.start()
        log("stopped")
    finally:
        watcher.stop()
        builder.stop()
        rebuilder.executor.shutdown(wait=False, cancel_futures=True)
        for bound in sockets:
            bound.close()


@contextmanager
def _signals_stop(loop: ioloop.IOLoop) -> Iterator[None]:
    """While the server runs, Ctrl+C and SIGTERM stop its loop between two of its callbacks. Raised as an
    exception into whatever the thread was doing, they could leave a lock held (one taken by a `with` whose
    block had not begun: CPython gh-148874), and the server's exit would wait for it forever."""
    aio = typing.cast(BaseAsyncIOLoop, loop).asyncio_loop
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        for signum in previous:
            aio.add_signal_handler(signum, loop.stop)
    except (ValueError, RuntimeError):  # not the main thread (a test's): the signals stay as they were
        previous = {}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            aio.remove_signal_handler(signum)
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def listen(state: ServerState, host: str, sockets: list[socket.socket]) -> str:
    """Serve the site, the reload socket and the client scripts on `sockets` (bound to `host`); returns the
    site's URL."""
    app = web.Application(
        [
            (r"/livereload", ReloadSocket, {"state": state}),
            (r"/(livereload\.js)", ClientScript, {"path": str(LIVERELOAD_JS.parent)}),
            (r"/briefing-(preview\.js)", ClientScript, {"path": str(PREVIEW_JS.parent)}),
            (r"/(.*)", SiteHandler, {"state": state}),
        ],
        host_allowed=host_checker(host),
    )
    server = httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    state.port = sockets[0].getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    return f"http://{shown_host}:{state.port}/"


def server_sockets(host: str, port: int) -> list[socket.socket]:
    from tornado.netutil import bind_sockets

    try:
        return bind_sockets(port, address=host)
    except (OSError, UnicodeError) as error:  # (an address too long for the resolver's labels: UnicodeError)
        reason = os_message(error) if isinstance(error, OSError) else "not a valid address"
        hint = LISTEN_HINTS.get(getattr(error, "errno", None), "check --host and --port")
        shown_host = f"[{host}]" if ":" in host else host
        print(f"{shown_host}:{port}: error: cannot listen: {reason} ({hint})", file=sys.stderr)
        raise SystemExit(1) from None
