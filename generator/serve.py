"""`briefing serve`: build, serve the built site, watch, rebuild, reload the browser.

The server receives a builder callable (an Engine's `build`) and knows nothing else of the pipeline.
From the livereload package it uses the WebSocket protocol handler and the livereload.js client, but
not its Server (whose throttle drops a save that follows another within seconds and which serves the
whole working folder) nor its Watcher: our own watcher polls the folders. Builds run one at a time in a
worker thread; changes that arrive during a build cause exactly one more build. Each file of the site is
replaced atomically, so a request gets a complete old or complete new file. A failed build leaves the
last good site in place and every page is served with an overlay listing the errors until the next good
build.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
import mimetypes
import os
import re
import sys
import time
import webbrowser
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import livereload
from livereload.handlers import LiveReloadHandler
from tornado import httpserver, ioloop, web

from generator.build import BuildOptions, BuildResult, Engine, Mode
from generator.diagnostics import ContentError, Diagnostic, format_report
from generator.load import is_editor_junk
from generator.render import BUILTIN_TEMPLATES

POLL_SECONDS = 0.05
SETTLE_SECONDS = 0.03  # let a burst of saves (atomic rename, many files) land before building
RECENT_SECONDS = 2.0
LIVERELOAD_JS = Path(livereload.__file__).parent / "vendors" / "livereload.js"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


Signature = tuple[int, int, int, int, str]


class FolderWatcher:
    """Notices any change to the files under some folders: added, removed, or changed in size, inode,
    modification or status-change time — and, for files modified in the last seconds, in their bytes (two
    saves within one clock tick keep every stat). Editor temporary files and hidden folders are ignored;
    symbolic links to folders are not followed (a link loop cannot trap it)."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = roots
        self.snapshot = self.scan()

    def scan(self) -> dict[str, Signature]:
        found: dict[str, Signature] = {}
        now = time.time()
        for root in self.roots:
            for folder, dirs, files in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in files:
                    if is_editor_junk(name):
                        continue
                    path = os.path.join(folder, name)
                    try:
                        st = os.stat(path)
                        digest = ""
                        if now - st.st_mtime < RECENT_SECONDS:
                            digest = hashlib.blake2b(Path(path).read_bytes(), digest_size=16).hexdigest()
                    except OSError:
                        continue
                    found[path] = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, digest)
        return found

    def changed(self) -> bool:
        """True if anything changed since the last call (or since the watcher started)."""
        current = self.scan()
        before, self.snapshot = self.snapshot, current
        if current.keys() != before.keys():
            return True
        # a digest appears or disappears as a file stops being recent: compare it only when both have one
        return any(
            sig[:4] != before[path][:4] or (sig[4] and before[path][4] and sig[4] != before[path][4])
            for path, sig in current.items()
        )


class ClientScript(web.StaticFileHandler):
    """livereload.js, without a version banner."""

    def set_default_headers(self) -> None:
        self.clear_header("Server")


class ReloadSocket(LiveReloadHandler):
    """livereload's WebSocket handler (its protocol with livereload.js), refusing pages of other origins
    (its own accepts any), and answering a malformed message with one log line, not a traceback."""

    @classmethod
    def reload_all(cls) -> None:
        message = {"command": "reload", "path": "*", "liveCSS": None, "liveImg": True}
        for waiter in list(LiveReloadHandler.waiters):
            try:
                waiter.write_message(message)
            except Exception:  # a closed socket: forget it
                LiveReloadHandler.waiters.discard(waiter)

    def on_message(self, message: str | bytes) -> None:
        try:
            super().on_message(message)
        except Exception as error:
            logging.getLogger("briefing.serve").warning("ignored a malformed reload message: %s", type(error).__name__)

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

    def head(self, path: str) -> None:
        self.get(path)

    def get(self, path: str) -> None:
        raw_path = self.request.path
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
    snippet = f'<script src="/livereload.js?port={state.port}"></script>'
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
    """One build at a time; changes during a build cause exactly one more."""

    def __init__(self, builder: Callable[[], BuildResult], state: ServerState, log: Callable[[str], None]) -> None:
        self.builder = builder
        self.state = state
        self.log = log
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefing-build")
        self.running = False
        self.pending = False
        self.after_build: Callable[[], None] | None = None  # look for changes made during the build

    def request(self) -> None:
        if self.running:
            self.pending = True
            return
        self.running = True
        loop = ioloop.IOLoop.current()
        future = loop.run_in_executor(self.executor, self._build)
        loop.add_future(future, self._finished)

    def build_now(self) -> None:
        self._finished_result(self._build())

    def _build(self) -> tuple[str, list[Diagnostic]]:
        try:
            result = self.builder()
        except ContentError as error:
            return "", error.diagnostics
        except Exception as error:  # a bug must not take the preview down
            return "", [Diagnostic("briefing", 0, f"internal error: {type(error).__name__}: {error}")]
        summary = f"built {result.pages} pages ({result.written} files written) in {result.seconds * 1000:.0f} ms"
        if result.warnings:  # shown in the terminal, not in the browser: a warning does not stop the build
            summary = format_report(result.warnings) + "\n" + summary
        return summary, []

    def _finished(self, future: asyncio.Future[tuple[str, list[Diagnostic]]]) -> None:
        self.running = False
        self._finished_result(future.result())
        if self.pending:
            self.pending = False
            self.request()
        elif self.after_build is not None:
            self.after_build()

    def _finished_result(self, outcome: tuple[str, list[Diagnostic]]) -> None:
        summary, errors = outcome
        self.state.errors = errors
        self.state.builds += 1
        if errors:
            self.log(format_report(errors))
            self.log(
                f"build failed: {len(errors)} error{'s' if len(errors) != 1 else ''} "
                "(the browser shows them; the last good build stays online)"
            )
        else:
            self.log(summary)
        ReloadSocket.reload_all()


def watched_folders(content: Path) -> list[Path]:
    """Content, the project's templates and static files (even if a folder appears later), and the
    built-in templates."""
    project = content.parent
    return [content, project / "templates", project / "static", BUILTIN_TEMPLATES]


def serve(
    content: Path,
    out: Path,
    host: str,
    port: int,
    open_browser: bool,
    search: bool = False,
    log: Callable[[str], None] | None = None,
) -> None:
    log = log or (lambda text: print(text, flush=True))
    logging.getLogger("tornado.access").setLevel(logging.ERROR)
    logging.getLogger("livereload").setLevel(logging.WARNING)
    # with search, each build re-indexes: a staging folder swapped in, as a one-off build does
    mode = Mode.BUILD if search else Mode.PREVIEW
    engine = Engine(BuildOptions(content=content, out=out, mode=mode, search=search))
    state = ServerState(site=out)
    watcher = FolderWatcher(watched_folders(content))
    rebuilder = Rebuilder(engine.build, state, log)
    rebuilder.build_now()

    app = web.Application(
        [
            (r"/livereload", ReloadSocket),
            (r"/(livereload\.js)", ClientScript, {"path": str(LIVERELOAD_JS.parent)}),
            (r"/(.*)", SiteHandler, {"state": state}),
        ],
        host_allowed=host_checker(host),
    )
    server = httpserver.HTTPServer(app)
    sockets = server_sockets(host, port)
    server.add_sockets(sockets)
    state.port = sockets[0].getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{state.port}/"
    if host not in ("127.0.0.1", "localhost", "::1"):
        log(f"warning: serving on {host}, reachable from other machines; use the default 127.0.0.1 to keep it private")
    log(f"Serving {out} on {url} (Ctrl+C to stop)")

    loop = ioloop.IOLoop.current()

    def poll() -> None:
        """Look for changes, then look again after a pause at least twice as long as the look took (on a
        large site a look costs tens of milliseconds, which the build should not compete with). While a
        build runs nothing is looked at: what changes meanwhile is found right after, and causes exactly
        one more build."""
        started = time.perf_counter()
        if not rebuilder.running and watcher.changed():
            loop.call_later(SETTLE_SECONDS, settle)
        loop.call_later(max(POLL_SECONDS, 2 * (time.perf_counter() - started)), poll)

    def settle() -> None:
        watcher.changed()  # fold the rest of a burst into the same build
        rebuilder.request()

    def changed_during_build() -> None:
        if watcher.changed():
            loop.call_later(SETTLE_SECONDS, settle)

    rebuilder.after_build = changed_during_build
    loop.call_later(POLL_SECONDS, poll)
    if open_browser:
        webbrowser.open(url)
    try:
        ioloop.IOLoop.current().start()
    except KeyboardInterrupt:
        log("stopped")
    finally:
        rebuilder.executor.shutdown(wait=False, cancel_futures=True)


def server_sockets(host: str, port: int) -> list:  # type: ignore[type-arg]
    from tornado.netutil import bind_sockets

    try:
        return bind_sockets(port, address=host)
    except OSError as error:
        print(f"cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr)
        raise SystemExit(2) from None
