"""Spread pure, independent work over the machine's cores, or do it here when that cannot pay.

Workers are forked, so they inherit the loaded model, the compiled templates, the task and the batches of
items instead of receiving them pickled; through its own pipe each is sent the numbers of the batches to do,
and sends back plain results — a worker never writes the output or changes state the parent relies on. A
big file's chunks (a `write.Blob`) travel beside the results' pickle as messages of their own, never copied
into it; or, if a worker appended them to a spool the parent made for it and shares with it, as their place
in that file. Forking a process that runs other threads is unsafe (a lock held by another thread stays held
in the child), so a process with threads works serially (the preview server keeps its builds in a process
of their own: builder.py).

Not multiprocessing.Pool: its workers share queues guarded by locks, read by threads of the parent. When a
build stops early (an error, Ctrl+C, SIGTERM), the pool kills its workers, and one killed while sending a
result leaves the parent's reading thread waiting for the rest of the message for ever: the build hung
instead of exiting. Here each worker has a pipe of its own, read by the parent's one thread, and a worker
that is no longer wanted is killed and its pipe closed unread.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import io
import math
import multiprocessing
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from itertools import islice
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_for
from types import FrameType
from typing import Any, NoReturn, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 300  # below this, starting workers costs more than it saves
FINALIZER_WAIT_S = 0.005  # how long a signal that came during a finalizer is put off, at a time
JOBS_BETWEEN_LOOKS = 32  # of the parent's own (`imap`'s meanwhile), done between looks at the workers
IN_HAND = 2  # batches a worker holds at a time: it starts the next while the parent takes in the last
_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when the thread that made it ends


class Shared(Protocol):
    """An object the workers inherit, that results may refer into (a spool: `spool.Spool`). What it holds
    travels back as a reference (`reference` gives it, None for anything not its own) and comes back as the
    parent's own (`resolve`)."""

    def reference(self, value: object) -> Any: ...

    def resolve(self, reference: Any) -> object: ...


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


def give_back_freed_memory() -> None:
    """Return the C heap's free pages to the system (glibc's malloc_trim; elsewhere nothing). Strings of over
    512 bytes (bodies, pages) live there, and what a process has freed stays counted in its memory, and in
    every process forked from it, until this is done: at 11,000 pages, about 35 MB after loading."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim(0)


def put_off_in_finalizer(
    signum: int, frame: FrameType | None, handler: Callable[[int, FrameType | None], None]
) -> bool:
    """Whether a signal's `handler` must not raise yet: Python ignores (and prints) an exception raised while
    an object's finalizer (`__del__`) runs, and the build would go on. Then `handler` is called again a few
    milliseconds later, by an alarm, once the finalizer is done. (Marking the signal as arrived again would
    not do: Python would run the handler at once, inside itself.)"""
    while frame is not None:
        if frame.f_code.co_name == "__del__":
            signal.signal(signal.SIGALRM, lambda _alarm, later: handler(signum, later))
            signal.setitimer(signal.ITIMER_REAL, FINALIZER_WAIT_S)
            return True
        frame = frame.f_back
    return False


def batches(items: Sequence[T], processes: int, weight: int, alone: int = 0) -> list[list[T]]:
    """The items in the batches a worker takes at a time: the first `alone` one by one, the rest in batches of
    about an eighth of a worker's share of the work (so heavy items, too, go one by one: a batch of big pages
    would leave one worker busy with them long after the others are done)."""
    size = max(1, math.ceil(len(items) / (processes * 8 * weight)))
    return [[item] for item in items[:alone]] + [list(items[i : i + size]) for i in range(alone, len(items), size)]


def imap(
    task: Callable[[T], R],
    items: Sequence[T],
    on_progress: Callable[[int], None] | None = None,
    weight: int = 1,
    alone: int = 0,
    in_order: bool = True,
    shared: Sequence[Shared] = (),
    meanwhile: Sequence[Callable[[], R]] = (),
) -> Iterator[R]:
    """`[task(item) for item in items]`, in parallel when there is enough work and more than one core (`weight`:
    how much work one item is, in items of the usual size). Each result is given as soon as it is done — and
    those before it, if `in_order` — so that a caller that writes them out one by one never holds them all
    (nor, out of order, a big result that waits for a slower one before it). The first `alone` items are big
    ones: each goes to a worker, and its result comes back, on its own (never a batch of the biggest results in
    one message). `shared`: what results may refer into, made before the workers (see `Shared`). Raises what a
    task raised, or WorkerLost if a worker ended in the middle.

    `meanwhile`: jobs this process does itself while the workers (if any) do the items, their results given
    among the items' (so only with `in_order` False). They are not counted as work that pays for workers:
    once it has forked, every object this process touches is copied, and it works the slower for it."""
    if meanwhile and in_order:
        raise ValueError("the results of jobs done meanwhile come in no particular order")
    processes = workers_available()
    if len(items) * weight < MIN_ITEMS or processes < 2 or not _can_fork():
        for job in meanwhile:
            yield job()
        for done, item in enumerate(items, 1):
            yield task(item)
            if on_progress and done % 100 == 0:
                on_progress(done)
        return
    chunks = batches(items, processes, weight, alone)
    give_back_freed_memory()  # before the workers inherit it
    gc.freeze()  # keep the collector from touching (and so copying) the inherited heap in each worker
    workers: list[_Worker] = []
    finished = False
    try:
        for _ in range(min(processes, len(chunks))):
            with _stopping_signals_held():  # one by one: if a fork fails, those started are ended below
                workers.append(_Worker(task, chunks, shared))
        handed = 0
        for _ in range(IN_HAND):
            for worker in workers:
                if handed < len(chunks):
                    worker.hand(handed)
                    handed += 1
        back: dict[int, list[Any]] = {}  # results come back in any order: those to be given in order wait here
        given = done = 0
        own = iter(meanwhile)
        left = len(meanwhile)  # of its own jobs
        while given < len(chunks):
            if left:  # a few of its own jobs between looks at the workers, looks that do not wait
                for job in islice(own, JOBS_BETWEEN_LOOKS):
                    left -= 1
                    yield job()
            for worker in _ready(workers, wait=not left):
                index, results = worker.take()
                if handed < len(chunks):
                    worker.hand(handed)
                    handed += 1
                back[index if in_order else given] = results
                while given in back:
                    results = back.pop(given)
                    given += 1
                    yield from results
                    done += len(results)
                    if on_progress:
                        on_progress(done)
        for job in own:  # the workers were done first
            yield job()
        finished = True
    finally:
        for worker in workers:
            worker.end(finished)
        gc.unfreeze()


STOPPING_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def _stopping_signals_held() -> Iterator[None]:
    """Ctrl+C and SIGTERM held while a worker is forked and counted, and taken once it is. Arrived during the
    fork, their handler would raise inside `os.fork`'s after-fork callbacks (logging's), where Python prints the
    exception and drops it, and the build would go on; after it, the worker is among those ended on the way
    out. (The worker, which inherits the held signals, lets them through once it has set its own handlers.)"""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


class _Worker:
    """A forked worker process and the parent's end of its pipe. It inherits the task and every batch of items;
    the parent sends it only the number of the batch to do, a message too small ever to fill the pipe. (When
    the batches themselves went through the pipe, the parent could block sending a big one to a worker that
    was itself blocked sending a big result to the parent, and the build hung.)"""

    def __init__(self, task: Callable[[Any], Any], batches: list[list[Any]], shared: Sequence[Shared]) -> None:
        context = multiprocessing.get_context("fork")
        self.connection, theirs = context.Pipe()
        self.shared = shared
        self.process = context.Process(target=_serve, args=(task, batches, theirs, os.getpid(), shared), daemon=True)
        self.process.start()
        theirs.close()
        self.handed: list[int] = []  # the indices of the batches it holds, in the order it does them

    def hand(self, index: int) -> None:
        try:
            self.connection.send(index)
        except (BrokenPipeError, ConnectionResetError):  # its end of the pipe is closed: it has ended
            self._lost()
        self.handed.append(index)

    def take(self) -> tuple[int, list[Any]]:
        """The index and results of its oldest batch; raises what the task raised, or WorkerLost if the
        worker ended (killed by the kernel when memory ran out, or by hand)."""
        try:
            ok, outcome = _receive(self.connection, self.shared)
        except (EOFError, ConnectionResetError):  # its end of the pipe is closed: it has ended
            self._lost()
        if not ok:
            raise outcome
        return self.handed.pop(0), outcome

    def _lost(self) -> NoReturn:
        self.process.join(timeout=5)  # (a worker's end of the pipe closes as it ends)
        if self.process.exitcode is None:  # closed, yet it runs on: it is not waited for
            self.process.kill()
            self.process.join()
        assert self.process.exitcode is not None
        raise WorkerLost(self.process.exitcode) from None

    def end(self, finished: bool) -> None:
        """Tell it to leave when all was done; otherwise kill it, whatever it was doing."""
        try:
            if finished:
                with contextlib.suppress(OSError):
                    self.connection.send(None)
                self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
        finally:
            self.connection.close()
            self.process.close()


def _ready(workers: list[_Worker], wait: bool = True) -> list[_Worker]:
    """The workers with something to read: a result, or the end of their pipe; `wait` False: those that have
    something now, if any."""
    holding = {worker.connection: worker for worker in workers if worker.handed}
    ready = wait_for(list(holding), timeout=None if wait else 0)
    return [holding[connection] for connection in ready]  # type: ignore[index]


def _serve(
    task: Callable[[Any], Any],
    batches: list[list[Any]],
    connection: Connection,
    parent: int,
    shared: Sequence[Shared] = (),
) -> None:
    """A worker: do each batch the parent names and send back its results (or what the task raised), until
    the parent sends None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle: no worker tracebacks
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPPING_SIGNALS)  # held while it was forked
    end_with_parent(parent, signal.SIGKILL)
    with contextlib.suppress(EOFError):  # (the parent's end closed: it is gone)
        while (index := connection.recv()) is not None:
            try:
                outcome: tuple[bool, Any] = (True, [task(item) for item in batches[index]])
            except Exception as error:  # raised in the parent, as if the task had run there
                outcome = (False, _portable(error))
            try:
                _send(connection, outcome, shared)
            except Exception as error:  # a result that cannot be pickled
                _send(connection, (False, RuntimeError(f"a worker could not send back what it made: {error!r}")))
            del outcome
            give_back_freed_memory()  # a big page's copies, freed: not to stay counted till the worker ends


def _send(connection: Connection, outcome: tuple[bool, Any], shared: Sequence[Shared] = ()) -> None:
    """Send a batch's outcome: its pickle, then each of its out-of-band buffers (a `write.Blob`'s chunks: the
    big pages' bytes) as a message of its own, never copied into the pickle; what lies in a `shared` object,
    as a reference into it. Nothing is sent if it cannot be pickled."""
    buffers: list[pickle.PickleBuffer] = []
    stream = io.BytesIO()
    pickler = pickle.Pickler(stream, protocol=5, buffer_callback=buffers.append)
    if shared:
        pickler.persistent_id = partial(_reference, shared)  # type: ignore[method-assign]
    pickler.dump(outcome)
    connection.send(len(buffers))
    connection.send_bytes(stream.getbuffer())
    for buffer in buffers:
        connection.send_bytes(buffer.raw())


def _reference(shared: Sequence[Shared], value: object) -> tuple[int, Any] | None:
    for index, owner in enumerate(shared):
        reference = owner.reference(value)
        if reference is not None:
            return index, reference
    return None


def _receive(connection: Connection, shared: Sequence[Shared] = ()) -> tuple[bool, Any]:
    """What `_send` sent: each out-of-band buffer is taken in as the bytes of its message, and each reference
    into a shared object resolved by the parent's own."""
    count: int = connection.recv()
    data = connection.recv_bytes()
    buffers = [connection.recv_bytes() for _ in range(count)]
    unpickler = pickle.Unpickler(io.BytesIO(data), buffers=buffers)
    unpickler.persistent_load = lambda reference: shared[reference[0]].resolve(reference[1])  # type: ignore[method-assign]
    return unpickler.load()


def _portable(error: Exception) -> Exception:
    """The exception, if the parent can take it in as it is (an exception whose constructor takes other
    arguments than it passed on cannot be unpickled); otherwise a RuntimeError that names it."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"in a worker: {error!r}")
    return error


class WorkerLost(Exception):
    """A worker process ended in the middle of the work: killed (by the kernel when memory ran out, or by
    hand) or crashed."""

    def __init__(self, exitcode: int) -> None:
        how = f"killed by signal {-exitcode}" if exitcode < 0 else f"ended with status {exitcode}"
        super().__init__(f"a worker process was {how} in the middle of the build")
        self.exitcode = exitcode
