"""Spread pure, independent work over the machine's cores, in order, or do it here when that cannot pay.

Workers are forked, so they inherit the loaded model and the compiled templates instead of receiving
them pickled; each receives the task through the pool's initializer (inherited, not pickled) and returns
plain results — a worker never writes a file or changes state the parent relies on. Forking a process
that runs other threads is unsafe (a lock held by another thread stays held in the child), so a process
with threads works serially (the preview server keeps its builds in a process of their own: builder.py).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import math
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 300  # below this, starting workers costs more than it saves
WORKER_CHECK_S = 1.0  # while waiting for a result, how often to make sure every worker is still there
_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when the thread that made it ends
_worker_task: Callable[[Any], Any] | None = None  # set only inside a worker process, by _install


def workers_available() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def end_with_parent(parent: int, sent: signal.Signals) -> None:
    """Have the kernel send this process `sent` when its parent ends (Linux), and end now if it already has.
    A worker left behind by a parent killed outright would finish the task it has (a print page of a huge
    briefing takes seconds) before it noticed, holding meanwhile what it inherited: the output's lock."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sent)
    if os.getppid() != parent:
        raise SystemExit(0)


def _install(task: Callable[[Any], Any], parent: int) -> None:
    global _worker_task
    _worker_task = task
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle: no worker tracebacks
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    end_with_parent(parent, signal.SIGKILL)


def _run_chunk(chunk: list[Any]) -> list[Any]:
    assert _worker_task is not None
    return [_worker_task(item) for item in chunk]


def batches(items: Sequence[T], processes: int, weight: int, alone: int = 0) -> list[list[T]]:
    """The items in the batches a worker takes at a time: the first `alone` one by one, the rest in batches of
    about an eighth of a worker's share of the work (so heavy items, too, go one by one: a batch of big pages
    would leave one worker busy with them long after the others are done)."""
    size = max(1, math.ceil(len(items) / (processes * 8 * weight)))
    return [[item] for item in items[:alone]] + [list(items[i : i + size]) for i in range(alone, len(items), size)]


def map_ordered(
    task: Callable[[T], R],
    items: Sequence[T],
    on_progress: Callable[[int], None] | None = None,
    weight: int = 1,
) -> list[R]:
    """`[task(item) for item in items]`, in parallel when there is enough work and more than one core.
    `weight`: how much work one item is, in items of the usual size (a few pages of a huge briefing are
    worth the workers)."""
    return list(imap_ordered(task, items, on_progress, weight))


def imap_ordered(
    task: Callable[[T], R],
    items: Sequence[T],
    on_progress: Callable[[int], None] | None = None,
    weight: int = 1,
    alone: int = 0,
) -> Iterator[R]:
    """`map_ordered`, each result given as soon as it and those before it are done: a caller that writes
    them out one by one never holds them all. The first `alone` items are big ones: each goes to a worker,
    and its result comes back, on its own (never a batch of the biggest results in one message)."""
    processes = workers_available()
    if len(items) * weight < MIN_ITEMS or processes < 2 or not _can_fork():
        for done, item in enumerate(items, 1):
            yield task(item)
            if on_progress and done % 100 == 0:
                on_progress(done)
        return
    chunks = batches(items, processes, weight, alone)
    gc.freeze()  # keep the collector from touching (and so copying) the inherited heap in each worker
    try:
        context = multiprocessing.get_context("fork")
        before = set(multiprocessing.active_children())
        with context.Pool(processes, initializer=_install, initargs=(task, os.getpid())) as pool:
            workers = [child for child in multiprocessing.active_children() if child not in before]
            results, done = pool.imap(_run_chunk, chunks), 0
            while True:
                try:
                    chunk_result = results.next(timeout=WORKER_CHECK_S)
                except StopIteration:
                    break
                except multiprocessing.TimeoutError:
                    _check_alive(workers)
                    continue
                yield from chunk_result
                done += len(chunk_result)
                if on_progress:
                    on_progress(done)
    finally:
        gc.unfreeze()


def _check_alive(workers: list[multiprocessing.process.BaseProcess]) -> None:
    """Raise WorkerLost if a worker has ended: its task would never come back (the pool starts another
    worker, but not the task), and the build would wait for ever."""
    for worker in workers:
        if worker.exitcode is not None:
            raise WorkerLost(worker.exitcode)


class WorkerLost(Exception):
    """A worker process ended in the middle of the work: killed (by the kernel when memory ran out, or by
    hand) or crashed."""

    def __init__(self, exitcode: int) -> None:
        how = f"killed by signal {-exitcode}" if exitcode < 0 else f"ended with status {exitcode}"
        super().__init__(f"a worker process was {how} in the middle of the build")
        self.exitcode = exitcode
