"""The spool: bytes kept in an unlinked temporary file instead of the heap (spool.py)."""

from __future__ import annotations

import errno
import os
import pickle
from typing import NoReturn

import pytest

from generator import spool
from generator.spool import SPOOLED_MIN_CHARS, Extent, Spool, Spooled
from tests.helpers import assert_workers_fork


def test_a_long_text_is_kept_in_the_file_and_read_back_whole() -> None:
    kept = Spool()
    long = "引用 [@a] — " + "x" * SPOOLED_MIN_CHARS
    spooled = kept.keep(long)
    assert isinstance(spooled, Spooled) and str(spooled) == long
    assert pickle.loads(pickle.dumps(spooled)) == long  # a copy is the text itself
    assert kept.keep("short") == "short"


def test_a_files_chunks_are_gathered_into_extents_that_read_back_as_the_file() -> None:
    kept = Spool()
    small = [b"<p>a</p>", b"<p>b</p>"]
    assert kept.chunks(iter(small)) == (b"<p>a</p><p>b</p>",)  # a small file stays in the heap, joined once
    big = [bytes([n % 251]) * 1000 for n in range(3000)]
    chunks = kept.chunks(iter(big))
    assert len(chunks) == 3 and all(isinstance(chunk, Extent) for chunk in chunks)
    assert b"".join(bytes(chunk) for chunk in chunks) == b"".join(big)
    assert b"".join(piece for chunk in chunks for piece in chunk.pieces()) == b"".join(big)  # type: ignore[union-attr]
    assert pickle.loads(pickle.dumps(chunks[1])) == bytes(chunks[1])  # a copy holds the bytes themselves
    with pytest.raises(TypeError):
        pickle.dumps(kept)  # shared with workers by its descriptor, never copied
    assert kept.chunks(iter([])) == ()


def test_processes_forked_from_the_owner_append_without_overwriting_each_other() -> None:
    """Workers append to the one file at once: each extent must still hold what its writer wrote."""
    assert_workers_fork()
    kept = Spool()
    readers, writers = zip(*(os.pipe() for _ in range(3)), strict=True)
    children = []
    for number, writer in enumerate(writers):
        pid = os.fork()
        if pid == 0:  # a worker: append 300 runs of its own byte, and say where they lie
            places = [kept._append(bytes([number + 1]) * (100 + i)) for i in range(300)]
            os.write(writer, pickle.dumps(places))
            os._exit(0)
        children.append(pid)
    for writer in writers:
        os.close(writer)
    for number, reader in enumerate(readers):
        with os.fdopen(reader, "rb") as pipe:
            places = pickle.loads(pipe.read())
        for i, place in enumerate(places):
            assert place is not None and kept.read(*place) == bytes([number + 1]) * (100 + i)
    for pid in children:
        assert os.waitpid(pid, 0)[1] == 0


def test_with_no_room_for_the_file_everything_stays_in_the_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_room(*args: object, **kwargs: object) -> NoReturn:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(spool.tempfile, "TemporaryFile", no_room)
    kept = Spool()
    assert kept.failed
    long = "x" * (2 * SPOOLED_MIN_CHARS)
    assert kept.keep(long) is long
    big = [b"y" * 1000] * 3000
    assert b"".join(kept.chunks(iter(big))) == b"".join(big)  # type: ignore[arg-type]


def test_a_write_that_fails_half_way_keeps_those_bytes_in_the_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk that fills up while a file is spooled: the chunk that could not be written is kept as bytes."""
    kept = Spool()
    writes, pwrite = [], os.pwrite

    def filling(descriptor: int, data: object, offset: int) -> int:
        writes.append(offset)
        if len(writes) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return pwrite(descriptor, data, offset)  # type: ignore[arg-type]

    monkeypatch.setattr(spool.os, "pwrite", filling)
    big = [bytes([n % 251]) * 1000 for n in range(2100)]
    chunks = kept.chunks(iter(big))
    assert isinstance(chunks[0], Extent) and isinstance(chunks[1], bytes)
    assert b"".join(bytes(chunk) for chunk in chunks) == b"".join(big)
