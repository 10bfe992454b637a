"""The preview's builds, in a process of their own, so that they may fork workers.

The preview server runs threads (its HTTP loop, the folder watcher, the thread that waits for builds), and a
process with threads must not fork: a lock held by another thread stays held in the child. So the server
keeps its engine in a child process that has one thread. That child is started fresh (spawned, not forked
from the server), and its builds spread their pages over forked workers as a one-off build does.

`BuilderProcess` is the server's builder callable: told what changed, it returns the build's result or
raises ContentError, as `Engine.build` does. Over a pipe it sends the child the changes and the pages open in
a browser, and hears back, in order: `ready` after the build's first step, then the outcome.

The child never outlives the server: on Linux the kernel sends it SIGTERM when the thread that started it
ends, and SIGTERM makes a build stop as a failed build does (its writer aborted, its workers ended, the lock
released). Elsewhere it leaves once the pipe is closed.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from types import FrameType
from typing import Any

from generator import BUILD_PROCESS
from generator.build import BuildOptions, BuildResult, Engine, Mode
from generator.diagnostics import ContentError, Diagnostic, from_exception, internal_error
from generator.load import is_editor_junk
from generator.parallel import end_with_parent, put_off_in_finalizer
from generator.render import BUILTIN_TEMPLATES
from generator.write import PROTECTED, SETTLE_AFTER_S

FULL_COLLECTION_BUILDS = 20  # builds between collections of every object (0.4 s at 4,400 pages), not only the young
BUILD_NICENESS = 10  # added to the builds' niceness: a browser reloading the page gets the cores first


def watched_folders(content: Path) -> list[Path]:
    """What a build reads: the content, the project's templates and static files (even if a folder appears
    later), and the built-in templates."""
    project = content.parent
    return [content, project / "templates", project / "static", BUILTIN_TEMPLATES]


def ignored_saves(content: Path) -> Callable[[Path], bool]:
    """Which saved paths change nothing a build reads, so the preview need not build for them: below the
    content and the templates, editors' temporary files and hidden files and folders; below static/, whose
    files are published as they are (.nojekyll, .well-known), only a version-control folder."""
    static = (content.parent / "static").absolute()
    roots = [folder.absolute() for folder in watched_folders(content)]

    def ignored(path: Path) -> bool:
        if path.is_relative_to(static):
            return any(part in PROTECTED for part in path.relative_to(static).parts)
        root = next((root for root in roots if path.is_relative_to(root)), path.parent)
        return is_editor_junk(path.name) or any(part.startswith(".") for part in path.relative_to(root).parts)

    return ignored


class BuilderProcess:
    """An `Engine` in a child process, called as `Engine.build` is. `ready(written, later)` is called (in the
    calling thread) when a build has written its first step; `open_pages()` names the pages open in a browser,
    asked at the start of each build."""

    def __init__(
        self,
        options: BuildOptions,
        ready: Callable[[set[str], set[str]], None],
        open_pages: Callable[[], set[str]],
    ) -> None:
        self.settings = (options.content, options.out, options.mode, options.search)
        self.ready = ready
        self.open_pages = open_pages
        self.process: Any = None  # multiprocessing's SpawnProcess
        self.connection: Connection | None = None
        self.stopped = False
        # a build asked for while the server stops must not start a child that `stop` no longer sees
        self._starting = threading.Lock()

    def __call__(self, changes: set[Path] | None) -> BuildResult:
        with self._starting:
            if self.stopped:
                raise ContentError([Diagnostic("briefing", 0, "the preview is stopping: no build is started")])
            if self.process is None or not self.process.is_alive():
                self._start()
                changes = None  # a new engine remembers nothing: it reads everything
            connection = self.connection
        assert connection is not None
        try:
            connection.send((changes, self.open_pages()))
            while True:
                kind, *payload = connection.recv()
                if kind == "ready":
                    self.ready(*payload)
                elif kind == "built":
                    return payload[0]  # type: ignore[no-any-return]
                else:
                    raise ContentError(payload[0])
        except (EOFError, OSError):  # the child is gone (killed, out of memory): the next build starts another
            code = self._reap()
            message = f"the build process stopped (exit status {code}); the next change starts a new one"
            raise ContentError([Diagnostic("briefing", 0, message)]) from None

    def stop(self) -> None:
        """End the child, and any build it runs (which then stops as a failed build does). A thread waiting
        for that build hears that the child is gone. No build is started afterwards."""
        with self._starting:
            self.stopped = True
            process = self.process
        if process is not None and process.is_alive():
            process.terminate()
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
        self._reap()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def _start(self) -> None:
        self._reap()
        context = multiprocessing.get_context("spawn")  # never forked from a process that runs threads
        ours, theirs = context.Pipe()
        self.process = context.Process(
            target=_serve_builds, args=(theirs, os.getpid(), *self.settings), name=BUILD_PROCESS
        )
        self.process.start()  # (Ctrl+C is ignored in it from its first code of ours: see generator/__init__.py)
        theirs.close()
        self.connection = ours

    def _reap(self) -> int | None:
        """Forget the child (the server's thread and the one waiting for a build may both get here)."""
        process, self.process = self.process, None
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.close()
        if process is None:
            return None
        process.join(timeout=10)
        return process.exitcode  # type: ignore[no-any-return]


def _serve_builds(connection: Connection, server: int, content: Path, out: Path, mode: Mode, search: bool) -> None:
    """The child: build whenever the server asks, until the pipe closes or the server ends."""
    end_with_parent(server, signal.SIGTERM)  # which stops a build as a failed build does
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the server's: it then stops this process
    signal.signal(signal.SIGTERM, _leave)
    with contextlib.suppress(OSError):  # not allowed here: the builds keep the server's priority
        os.setpriority(os.PRIO_PROCESS, 0, os.getpriority(os.PRIO_PROCESS, 0) + BUILD_NICENESS)
    open_pages: set[str] = set()
    options = BuildOptions(
        content=content,
        out=out,
        mode=mode,
        search=search,
        ready=lambda written, later: connection.send(("ready", written, later)),
        open_pages=lambda: open_pages,
    )
    engine = Engine(options)
    gc.disable()  # garbage is collected between builds: `_collect`
    for builds in itertools.count(1):
        try:
            changes, pages = connection.recv()
        except EOFError:  # the server closed the pipe
            return
        open_pages.clear()
        open_pages.update(pages)
        connection.send(_outcome(engine, changes))
        _collect(builds)
        if not connection.poll(SETTLE_AFTER_S):  # nothing asked for once the clock has moved past the build's end
            engine.settle(go_on=lambda: not connection.poll())


def _collect(builds: int) -> None:
    """Collect garbage once the server has a build's outcome, never during a build: at 4,400 pages, collecting
    the objects a hub rename makes takes 60 ms (the collector visits all they refer to, across the model), a
    twelfth of the build. Builds make next to no cyclic garbage (a cold build of 4,400 pages leaves 23 objects),
    so the older objects, which take the collector longest, are looked at only every few builds."""
    gc.collect(2 if builds % FULL_COLLECTION_BUILDS == 0 else 1)


def _outcome(engine: Engine, changes: set[Path] | None) -> tuple[str, object]:
    try:
        result = engine.build(changes)
    except ContentError as error:
        return "failed", error.diagnostics
    except Exception as error:  # a full disk is reported as the one-off build reports it; a bug, as ours
        options = engine.options
        found = from_exception(error, options.out, options.content.parent, options.out)
        return "failed", [found if found is not None else internal_error(error)]
    return "built", replace(result, briefing=None)  # what the server shows of it; the model stays here


def _leave(signum: int, frame: FrameType | None) -> None:
    if not put_off_in_finalizer(signum, frame, _leave):
        raise SystemExit(0)
