"""Long texts kept in a temporary file instead of the heap, and read back when a page shows them.

At 11,000 pages the bodies' Markdown and HTML are about 50 MB of strings. Held by the model they would be
counted in the build's memory, and again in every worker forked from it. A `Spool` is an unlinked temporary
file that only grows: a text is written once and read back by offset (`os.pread`, which any process forked
from the owner can do with the same descriptor, the file's own position untouched). Reading a few kilobytes
back from the operating system's cache costs microseconds, so a page that shows a body does not notice.

A `Spooled` text pickles as the string it stands for: a value sent to another process is whole.
"""

from __future__ import annotations

import os
import tempfile
from typing import IO

SPOOLED_MIN_CHARS = 1024  # a shorter text costs less in the heap than its handle would save


class Spool:
    """An unlinked temporary file that texts are appended to, never changed; owned by one engine."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._end = 0
        self.failed = False  # writing failed once (a full disk): texts stay in the heap from then on

    def keep(self, text: str) -> str | Spooled:
        """`text` as a handle to its copy in the file, if it is long enough to be worth it and the file can
        take it; otherwise `text` itself."""
        if len(text) < SPOOLED_MIN_CHARS or self.failed:
            return text
        data = text.encode("utf-8", "surrogatepass")
        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="briefing-spool-")  # noqa: SIM115 - lives with its texts
            written = os.pwrite(self._file.fileno(), data, self._end)
            if written != len(data):
                raise OSError("short write")
        except OSError:
            self.failed = True  # an optimisation only: a build never fails for it
            return text
        spooled = Spooled(self._file, self._end, len(data))
        self._end += len(data)
        return spooled


class Spooled:
    """A text in a `Spool`'s file. It holds the file, so the file stays open while any of its texts lives (and
    no other file can take its descriptor's number)."""

    __slots__ = ("_file", "_offset", "_size")

    def __init__(self, file: IO[bytes], offset: int, size: int) -> None:
        self._file, self._offset, self._size = file, offset, size

    def __str__(self) -> str:
        data = os.pread(self._file.fileno(), self._size, self._offset)
        return data.decode("utf-8", "surrogatepass")

    def __reduce__(self) -> tuple[type[str], tuple[str]]:
        return str, (str(self),)


def text_of(value: str | Spooled) -> str:
    return value if isinstance(value, str) else str(value)
