"""How work is handed to the workers, and what happens when a worker is lost."""

from __future__ import annotations

import errno
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path
from types import FrameType
from typing import NoReturn

import pytest

from generator import parallel, spool
from generator.build import BuildOptions, build
from generator.diagnostics import from_exception
from generator.parallel import WorkerLost, batches, imap
from generator.write import Blob
from tests.helpers import LargeBriefing, assert_workers_fork, describe_difference, make_large_content, read_site


class TookTooLong(Exception):
    """Raised by a test's alarm (not an OSError, which the code under test may take for a closed pipe)."""


def test_light_items_go_in_batches_and_heavy_ones_one_by_one() -> None:
    items = list(range(100))
    assert [len(batch) for batch in batches(items, processes=2, weight=1)] == [7] * 14 + [2]
    assert batches(items, processes=2, weight=20) == [[item] for item in items]
    big_first = batches(items, processes=2, weight=1, alone=3)
    assert big_first[:3] == [[0], [1], [2]] and [item for batch in big_first for item in batch] == items


def test_a_worker_killed_in_the_middle_is_said_not_waited_for() -> None:
    """The kernel kills a worker when memory runs out: the pool starts another, but its task never comes
    back. The build must say so, not wait for ever (holding the output's lock)."""
    assert_workers_fork()
    here = os.getpid()

    def task(item: int) -> int:
        if item == 123 and os.getpid() != here:  # (done here, the work would not be a worker's to lose)
            os.kill(os.getpid(), signal.SIGKILL)
        return item

    def waited_too_long(_signal: int, _frame: FrameType | None) -> None:
        raise TookTooLong("still waiting for the lost worker's task")

    before = signal.signal(signal.SIGALRM, waited_too_long)
    signal.alarm(60)
    try:
        with pytest.raises(WorkerLost, match="killed by signal 9"):
            list(imap(task, list(range(1000))))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)


def test_a_build_that_stops_early_never_waits_for_its_workers() -> None:
    """An error, Ctrl+C or SIGTERM stops a build while its workers are sending pages back. With
    multiprocessing.Pool this hung now and then (about once in a hundred stops here): the pool killed a worker
    in the middle of a message, and its thread waited for the rest of it for ever, so the build never exited."""
    assert_workers_fork()

    def page(_item: int) -> bytes:
        return b"x" * 300_000

    def waited_too_long(_signal: int, _frame: FrameType | None) -> None:
        raise TookTooLong("a build that stopped early is still waiting for its workers")

    before = signal.signal(signal.SIGALRM, waited_too_long)
    signal.alarm(120)
    try:
        for attempt in range(200):
            pages = imap(page, list(range(400)))
            for taken, _page in enumerate(pages):
                if taken == 5 + attempt % 7:
                    break
            pages.close()  # as the build's error or signal does, unwinding
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)


_SIGNAL_DURING_FORK = """
import os, signal, sys
from generator.parallel import imap

def leave(signum, frame):
    raise SystemExit(3)  # as the preview's build process leaves on SIGTERM

signal.signal(signal.SIGTERM, leave)
sent = []

def after_fork_in_parent():  # as logging's after-fork callback runs, Python code inside os.fork
    if not sent:
        sent.append(os.kill(os.getpid(), signal.SIGTERM))
        sum(range(100_000))  # time for the handler to run here, were the signal let through

os.register_at_fork(after_in_parent=after_fork_in_parent)
list(imap(abs, list(range(1000))))
print("the build went on")
"""


def test_a_signal_that_comes_while_a_worker_is_forked_still_stops_the_build() -> None:
    """SIGTERM (or Ctrl+C) that arrived while a worker was being forked raised in os.fork's after-fork
    callbacks, where Python prints the exception and drops it: the build went on, and printed a traceback
    (seen when Ctrl+C stopped the preview in the middle of its first build). In a process of its own: the
    after-fork callback cannot be taken back."""
    assert_workers_fork()
    run = subprocess.run([sys.executable, "-c", _SIGNAL_DURING_FORK], capture_output=True, text=True, timeout=120)
    assert run.returncode == 3, run.stdout + run.stderr
    assert "the build went on" not in run.stdout and "Exception ignored" not in run.stderr, run.stderr


def test_big_items_and_big_results_never_block_each_other() -> None:
    """The files a load reads go to the workers as items, and come back as results, by the megabyte: the
    parent must never be stuck sending a worker its next items while that worker is stuck sending it results
    (a cold build of 11,000 pages hung so, for ever, when batches went through the pipes)."""
    assert_workers_fork()
    items = [bytes([number % 256]) * 100_000 for number in range(400)]  # distinct: pickled whole, each

    def waited_too_long(_signal: int, _frame: FrameType | None) -> None:
        raise TookTooLong("the parent and a worker wait for each other")

    before = signal.signal(signal.SIGALRM, waited_too_long)
    signal.alarm(60)
    try:
        assert list(imap(lambda item: item[:1] * len(item), items)) == items
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)


def test_a_files_chunks_travel_beside_the_results_pickle_never_copied_into_it() -> None:
    """A big file comes back from a worker as a Blob (the print page: 42 MB at 11,000 pages): its chunks are
    sent as messages of their own and taken in as they come, never copied into the result's pickle, which
    would hold the whole file once more on each side of the pipe."""
    chunks = tuple(bytes([number]) * 100_000 for number in range(30))
    ours, theirs = multiprocessing.Pipe()
    sent: list[int] = []
    send_bytes = theirs.send_bytes

    def recording(buffer: bytes | memoryview) -> None:
        sent.append(memoryview(buffer).nbytes)
        send_bytes(buffer)

    theirs.send_bytes = recording  # type: ignore[method-assign]
    sender = threading.Thread(target=parallel._send, args=(theirs, (True, [("print", Blob(chunks))])))
    sender.start()  # (a pipe holds less than the file: the other end must read meanwhile)
    ok, [(name, back)] = parallel._receive(ours)
    sender.join()
    ours.close(), theirs.close()
    assert ok and name == "print" and back.chunks == chunks
    assert sent[0] < 1000, f"the result's pickle holds the file: {sent[0]} bytes"
    assert sent[1:] == [100_000] * 30


def test_blobs_made_by_workers_come_back_whole_and_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blobs come back from workers chunk for chunk, in order, empty chunks too; and a build with workers
    writes what a build without them writes, the print page and `briefing.json` (Blobs) included."""
    assert_workers_fork()

    def chunks(number: int) -> tuple[bytes, ...]:
        return (bytes([number % 256]) * 1000, b"", str(number).encode())

    back = list(imap(lambda number: Blob(chunks(number)), list(range(600))))
    assert [blob.chunks for blob in back] == [chunks(number) for number in range(600)]

    content = tmp_path / "content"
    make_large_content(content, LargeBriefing.generate())
    received, receive = [], parallel._receive
    monkeypatch.setattr(parallel, "_receive", lambda pipe, shared: received.append(1) or receive(pipe, shared))
    build(BuildOptions(content, tmp_path / "with-workers", search=False))
    assert received, "no worker sent anything back"
    monkeypatch.setattr(parallel, "workers_available", lambda: 1)
    build(BuildOptions(content, tmp_path / "here", search=False))
    expected, actual = read_site(tmp_path / "here"), read_site(tmp_path / "with-workers")
    assert len(expected["print/index.html"]) > 100_000
    assert expected == actual, describe_difference(expected, actual)


def test_big_files_made_by_workers_in_the_spool_come_back_as_their_place_in_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A one-off build's workers lay a big file's chunks in the build's spool as they make them and send back
    where they lie; the parent reads them from there. The site is the one a build that keeps everything in
    the heap (no room for a spool) writes, here or with workers."""
    assert_workers_fork()
    content = tmp_path / "content"
    make_large_content(content, LargeBriefing.generate())
    monkeypatch.setattr(spool, "EXTENT_BYTES", 4096)  # the print page and briefing.json: extents of 4 kB
    resolved, resolve = [], spool.Spool.resolve
    monkeypatch.setattr(spool.Spool, "resolve", lambda self, place: resolved.append(place) or resolve(self, place))
    build(BuildOptions(content, tmp_path / "spooled", search=False))
    assert len(resolved) > 30, "the workers sent the big files' bytes, not their place in the spool"

    monkeypatch.setattr(spool.tempfile, "TemporaryFile", _no_room)
    build(BuildOptions(content, tmp_path / "in-memory", search=False))
    monkeypatch.setattr(parallel, "workers_available", lambda: 1)
    build(BuildOptions(content, tmp_path / "here", search=False))
    spooled, in_memory, here = (read_site(tmp_path / name) for name in ("spooled", "in-memory", "here"))
    assert len(here["print/index.html"]) > 100_000
    assert spooled == here, describe_difference(here, spooled)
    assert in_memory == here, describe_difference(here, in_memory)


def _no_room(*args: object, **kwargs: object) -> NoReturn:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_out_of_order_each_result_is_given_as_soon_as_it_is_back() -> None:
    """The build writes each page as it comes back, in any order: a big page done early (the JSON export)
    is not held while a slower one before it (the print page) is still being made."""
    assert_workers_fork()

    def task(number: int) -> int:
        if number == 0:
            time.sleep(1)  # the first item is the slowest
        return number

    given = list(imap(task, list(range(400)), in_order=False))
    assert sorted(given) == list(range(400)) and given[0] != 0
    assert list(imap(task, list(range(400)))) == list(range(400))


def test_a_task_that_fails_in_a_worker_fails_as_it_would_here() -> None:
    assert_workers_fork()

    def task(item: int) -> int:
        if item == 250:
            raise ValueError(f"item {item} is bad")
        return item

    with pytest.raises(ValueError, match="item 250 is bad"):
        list(imap(task, list(range(1000))))
    assert list(imap(lambda item: item * 2, list(range(1000)))) == [item * 2 for item in range(1000)]


def test_a_lost_worker_is_reported_as_a_fault_of_the_machine_not_a_bug() -> None:
    """`briefing build` prints it as an error (exit 1), not as an internal error (exit 70)."""
    diagnostic = from_exception(WorkerLost(-signal.SIGKILL), Path("site"))
    assert diagnostic is not None and diagnostic.format() == (
        "briefing: error: a worker process was killed by signal 9 in the middle of the build "
        "(if memory ran out, close other programs or build on a larger machine)"
    )


def test_jobs_done_meanwhile_run_here_while_the_workers_do_the_items() -> None:
    """The parent's own jobs (the preview's whole-briefing files and the pages whose names it lays in) run in
    the parent, their results given among the workers'; they start no workers by themselves."""
    assert_workers_fork()
    parent = os.getpid()
    jobs = [partial(lambda number: (number, os.getpid()), -number) for number in range(1, 51)]
    given = list(imap(lambda number: (number, os.getpid()), list(range(400)), in_order=False, meanwhile=jobs))
    assert sorted(number for number, _pid in given) == list(range(-50, 400))
    assert {pid for number, pid in given if number < 0} == {parent}
    assert parent not in {pid for number, pid in given if number >= 0}
    few = list(imap(lambda number: (number, os.getpid()), [1, 2], in_order=False, meanwhile=jobs * 10))
    assert len(few) == 502 and {pid for _number, pid in few} == {parent}
    with pytest.raises(ValueError, match="no particular order"):
        list(imap(abs, [1], meanwhile=jobs))
