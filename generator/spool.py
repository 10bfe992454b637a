"""Bytes kept in a temporary file instead of the heap, and read back when they are needed.

At 11,000 pages the bodies' Markdown and HTML are about 50 MB of strings, the print page 42 MB and
`briefing.json` 32 MB. Held in the heap, each would be counted in the build's memory, the model's texts again
in every worker forked from it, and a big page again in the parent that takes it in. A `Spool` is an
unlinked temporary file that only grows: what is written to it is read back by offset (`os.pread`, which
leaves the file's position alone), from the operating system's cache, in microseconds.

- The engine's spool (`load.FileMemo.spool`) keeps the model's long texts: a body is a `Spooled` text.
- A one-off build's scratch spool (`render.Renderer.spool`) takes a big file's chunks as they are made, in a
  worker or not: the file is then a `write.Blob` of `Extent`s. Workers inherit the spool's descriptor and
  append under a lock; an extent comes back to the parent as its place in the file (`parallel`'s `shared`),
  and the parent copies it into the output a piece at a time.

Writing is an economy, never a cause of failure: with no room for the file (a full disk), what would have
been written stays in the heap, as it did before.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, NoReturn

SPOOLED_MIN_CHARS = 1024  # a shorter text costs less in the heap than its handle would save
EXTENT_BYTES = 1 << 20  # a big file's chunks are gathered into extents of about this size
READ_BYTES = 1 << 20  # and read back in pieces of at most this size


class Spool:
    """An unlinked temporary file that bytes are appended to, never changed; owned by one engine (its texts)
    or one build (its big files' chunks). Made before workers are forked, so that they share it."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        with contextlib.suppress(OSError):  # (no room for it: what would go in it stays in the heap)
            self._file = tempfile.TemporaryFile(prefix="briefing-spool-")  # noqa: SIM115 - lives with its extents

    @property
    def failed(self) -> bool:
        return self._file is None

    def keep(self, text: str) -> str | Spooled:
        """`text` as a handle to its copy in the file, if it is long enough to be worth it and the file can
        take it; otherwise `text` itself."""
        if len(text) < SPOOLED_MIN_CHARS:
            return text
        place = self._append(text.encode("utf-8", "surrogatepass"))
        return text if place is None else Spooled(self, *place)

    def chunks(self, stream: Iterable[bytes]) -> tuple[bytes | Extent, ...]:
        """A file's chunks, as they are made, gathered into extents of the file; a stream shorter than one
        extent (most pages) as its bytes."""
        out: list[bytes | Extent] = []
        for data in _gathered(stream, EXTENT_BYTES):
            if not out and len(data) < EXTENT_BYTES:
                return (data,)  # the whole of a small file: kept as it is
            place = self._append(data)
            out.append(data if place is None else Extent(self, *place))
        return tuple(out)

    def _append(self, data: bytes) -> tuple[int, int] | None:
        """Where `data` now lies in the file (offset, size), or None if it could not be written. Any process
        forked from the owner may append: the lock keeps two appends from taking the same place."""
        if self._file is None or not data:
            return None
        descriptor = self._file.fileno()
        try:
            fcntl.lockf(descriptor, fcntl.LOCK_EX)
            try:
                offset = os.fstat(descriptor).st_size
                written = 0
                while written < len(data):
                    written += os.pwrite(descriptor, memoryview(data)[written:], offset + written)
            finally:
                fcntl.lockf(descriptor, fcntl.LOCK_UN)
        except OSError:
            return None  # (a full disk: what was written past the end is never read, and stays unreferenced)
        return offset, len(data)

    def read(self, offset: int, size: int) -> bytes:
        assert self._file is not None
        data = os.pread(self._file.fileno(), size, offset)
        if len(data) != size:
            raise OSError(f"the spool file ended early: {len(data)} of {size} bytes at {offset}")
        return data

    def reference(self, value: object) -> tuple[int, int] | None:
        """An extent of this spool as its place in the file, for a worker to send back (`parallel`)."""
        if type(value) is Extent and value.spool is self:
            return value.offset, value.size
        return None

    def resolve(self, place: tuple[int, int]) -> Extent:
        return Extent(self, *place)

    def __reduce__(self) -> NoReturn:
        raise TypeError("a spool is shared with forked workers by its descriptor, never copied")


class Extent:
    """Bytes in a `Spool`'s file: one part of a big file. It holds the spool, so the file stays open while it
    lives. A copy (pickle) holds the bytes themselves, except one a worker sends back to the spool's owner."""

    __slots__ = ("offset", "size", "spool")

    def __init__(self, spool: Spool, offset: int, size: int) -> None:
        self.spool, self.offset, self.size = spool, offset, size

    def pieces(self) -> Iterator[bytes]:
        """The bytes, in pieces of at most READ_BYTES."""
        for start in range(0, self.size, READ_BYTES):
            yield self.spool.read(self.offset + start, min(READ_BYTES, self.size - start))

    def __bytes__(self) -> bytes:
        return self.spool.read(self.offset, self.size)

    def __len__(self) -> int:
        return self.size

    def __reduce__(self) -> tuple[type[bytes], tuple[bytes]]:
        return bytes, (bytes(self),)


class Spooled(Extent):
    """A text in a `Spool`'s file, as its UTF-8 bytes. A copy (pickle) is the text itself: a value sent to
    another process is whole (never a reference, which only a plain `Extent` may travel as)."""

    __slots__ = ()

    def __str__(self) -> str:
        return bytes(self).decode("utf-8", "surrogatepass")

    def __reduce__(self) -> tuple[type[str], tuple[str]]:  # type: ignore[override]
        return str, (str(self),)


def text_of(value: str | Spooled) -> str:
    return value if isinstance(value, str) else str(value)


def chunks_in(spool: Spool | None, stream: Iterable[bytes]) -> tuple[bytes | Extent, ...]:
    """`spool.chunks(stream)`; without a spool (an engine that builds again), the chunks as they are made."""
    return spool.chunks(stream) if spool is not None else tuple(stream)


def pieces_of(chunks: Iterable[bytes | Extent]) -> Iterator[bytes]:
    """The bytes of `chunks`, in order, a chunk (or a piece of an extent) at a time."""
    for chunk in chunks:
        if isinstance(chunk, bytes):
            yield chunk
        else:
            yield from chunk.pieces()


def _gathered(stream: Iterable[bytes], size: int) -> Iterator[bytes]:
    """The stream's bytes in runs of at least `size` (the last may be shorter), each joined once."""
    run: list[bytes] = []
    length = 0
    for data in stream:
        run.append(data)
        length += len(data)
        if length >= size:
            yield b"".join(run)
            run, length = [], 0
    if run:
        yield b"".join(run)
