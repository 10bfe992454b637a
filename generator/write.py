"""The output folder: locked while written, checked before it is trusted, replaced atomically.

The manifest (the marker file `.briefing-build`) lists every file the last build made with its digest,
size, modification time, inode and the key of the view it was rendered from. It is never trusted
blindly: a file is reused only if what is on disk still matches its entry (stat, and the bytes' hash
where the stat cannot tell: a file changed within the clock tick of the build that wrote it). Anything
else on disk is either ours and stale (rewritten or removed) or someone else's (named in a warning, then
removed). One build at a time: a lock file beside the output (inside it, when the folder above cannot be
written) makes a second build wait.

A one-off build writes a staging folder beside the output (marked as ours), hard-links the files it reuses,
and swaps it in with one atomic exchange of names; a killed build leaves the old site and a staging folder the
next build removes. An output that is a mount point (a container's volume, a disk of its own) cannot be
swapped, nor can one in a folder the user may not write: its staging folder is made inside it, and its files
are moved into place one by one, each atomically. The preview writes in place. Both ways of writing in place
first record in the manifest which files they are about to touch, so a kill midway leaves files the next build
knows to redo.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import json
import os
import pickle
import secrets
import shutil
import signal
import stat
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, SupportsIndex

import xxhash

from generator.spool import READ_BYTES, Extent, pieces_of

MARKER = ".briefing-build"
TEMPORARY_SUFFIX = ".tmp"  # `_replace` writes `x` as `.x.PID.tmp` first
STAGING_MARKER = ".briefing-staging"
LOST_AND_FOUND = "lost+found"
INSIDE_STAGING_PREFIX = ".briefing-new-"  # a staging folder inside an output that is a mount point
INSIDE_LOCK = ".briefing-lock"  # the lock inside an output whose folder above cannot be written
RACY_NS = 50_000_000  # files modified this close to the manifest are checked by their bytes, not their stat
SETTLE_AFTER_S = 2 * RACY_NS / 1e9  # the idle preview waits this long before `settle`, whatever the clock grain
PROTECTED = (".git", ".hg", ".svn")
PROJECT_FOLDERS = ("templates", "static")  # beside the content folder: what a build reads besides the content


class OutputProblem(Exception):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass(frozen=True, eq=False)
class Blob:
    """A file's bytes as the chunks they were made in, never joined into one: the print page's articles and
    `briefing.json`'s kinds (42 and 32 MB at 11,000 pages). A one-off build keeps a big file's chunks in its
    scratch spool as they are made (`spool.Extent`): then no process holds the file, and a worker sends back
    only where its chunks lie. They are hashed and written a piece at a time. Chunks still in the heap travel
    from a worker beside its result's pickle, not copied into it (pickle's out-of-band buffers: parallel.py)."""

    chunks: tuple[bytes | Extent, ...]

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        if int(protocol) < 5:
            return Blob, (self.chunks,)
        return _blob_of, tuple(pickle.PickleBuffer(c) if isinstance(c, bytes) else c for c in self.chunks)

    def pieces(self) -> Iterator[bytes]:
        return pieces_of(self.chunks)

    def joined(self) -> bytes:
        return b"".join(self.pieces())


def _blob_of(*chunks: bytes | Extent) -> Blob:
    return Blob(tuple(chunks))


FileData = bytes | Blob  # what a file of the site is made of


def digest_of(data: FileData) -> str:
    if isinstance(data, bytes):
        return xxhash.xxh3_128_hexdigest(data)
    digest = xxhash.xxh3_128()
    for piece in data.pieces():
        digest.update(piece)
    return digest.hexdigest()


def _file_digest(path: str, size: int) -> str:
    """`digest_of` the bytes of the file at `path`, of `size` bytes: a big one (the print page is 42 MB at
    11,000 pages) read a piece at a time."""
    with open(path, "rb") as file:
        if size <= READ_BYTES:
            return digest_of(file.read())
        digest = xxhash.xxh3_128()
        while piece := file.read(READ_BYTES):
            digest.update(piece)
        return digest.hexdigest()


def _write_file(path: Path | str, data: FileData) -> os.stat_result:
    """Create or truncate `path` and write `data` to it, a Blob a piece at a time; returns the file's stat once
    written. (No `open()`: its buffered file object costs more than the write of a page, thousands at a time.)"""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        for piece in [data] if isinstance(data, bytes) else data.pieces():
            view = memoryview(piece)
            while view:
                view = view[os.write(fd, view) :]
        return os.fstat(fd)
    finally:
        os.close(fd)


def output_target(out: Path) -> Path:
    """The folder to build: a symbolic link is followed (the site is built into its target, the link kept)."""
    return Path(os.path.realpath(out)) if out.is_symlink() else out.absolute()


def refuse_dangerous_output(out: Path, content: Path) -> None:
    """Never replace a folder that holds the project, or anything but a previous build."""
    try:
        out = out.resolve()
    except (RuntimeError, OSError):  # a loop of symbolic links (Python 3.11 raises RuntimeError, later ones OSError)
        raise OutputProblem(
            f"the output path {out} is a symbolic link that leads to itself", "remove the loop"
        ) from None
    content = content.resolve()
    project, beside = content.parent, "build into a folder of its own beside the content, e.g. --out site"
    if out == Path("/") or out == Path.home().resolve():
        raise OutputProblem(f"refusing to use {out} as the output folder: it is the root or your home folder", beside)
    if content.is_relative_to(out):
        raise OutputProblem(f"refusing to use {out} as the output folder: it holds the content", beside)
    if out.is_relative_to(content):
        raise OutputProblem(f"refusing to use {out} as the output folder: it is inside the content folder", beside)
    read = next((own for own in PROJECT_FOLDERS if out.is_relative_to(project / own)), None)
    if read is not None:
        raise OutputProblem(
            f"refusing to use {out} as the output folder: the build reads the project's `{read}`", beside
        )
    if out.exists() and not out.is_dir():
        raise OutputProblem(f"the output path {out} is a file, not a folder", "remove the file or choose another --out")
    above = next((folder for folder in out.parents if folder.exists()), None)
    if above is not None and not above.is_dir():
        raise OutputProblem(f"cannot build into {out}: {above} is a file, not a folder", "choose another --out")
    if not out.is_dir():
        return
    for name in PROTECTED:
        if (out / name).exists():
            raise OutputProblem(
                f"refusing to build into {out}: it holds a `{name}` folder, which a build would delete",
                "build into a folder of its own and copy or publish from there; files to publish as they are, "
                "such as CNAME or .nojekyll, go in the project's `static/` folder",
            )
    if any(not _not_the_sites(out, child) for child in out.iterdir()) and not (out / MARKER).is_file():
        raise OutputProblem(
            f"refusing to replace {out}: it was not made by `briefing build` (no {MARKER} file)",
            "remove it or choose another --out",
        )


def is_mount_point(path: Path) -> bool:
    """Whether `path` is where a file system is mounted (then it cannot be renamed or swapped): a folder on
    another device than its parent, or one that Linux lists as a mount point (a bind mount on the same
    device)."""
    if not path.is_dir():
        return False
    if os.path.ismount(path):
        return True
    try:
        with open("/proc/self/mountinfo", "rb") as mounts:
            points = {os.fsdecode(_unescape_mount(line.split(b" ")[4])) for line in mounts if line.count(b" ") >= 4}
    except OSError:
        return False
    return os.path.realpath(path) in points


def _unescape_mount(field: bytes) -> bytes:
    """A mount point as /proc/self/mountinfo writes it: space, tab, newline and backslash as octal escapes."""
    for escape in (b"\\040", b"\\011", b"\\012", b"\\134"):
        field = field.replace(escape, bytes([int(escape[1:], 8)]))
    return field


def _not_the_sites(out: Path, child: Path) -> bool:
    """Whether `child`, at the output's top, belongs to something else than the site: a staging folder of ours
    being filled, our lock, or the file system's `lost+found`. Never counted, listed, named or removed."""
    return _our_staging(child) or _our_lock(child) or _file_systems_own(out, child)


def _file_systems_own(out: Path, child: Path) -> bool:
    """`lost+found` at the root of a mounted file system (ext4 makes one in each, and a file system check puts
    what it recovers there): the file system's, never ours to count, name or remove."""
    return child.name == LOST_AND_FOUND and child.is_dir() and not child.is_symlink() and is_mount_point(out)


def _our_lock(child: Path) -> bool:
    """The lock file a build made inside an output whose folder above cannot be written (see OutputLock)."""
    return child.name == INSIDE_LOCK and child.is_file() and not child.is_symlink()


def _our_staging(child: Path) -> bool:
    """A staging folder a build made inside the output (only a mount point's), marked as ours."""
    return child.name.startswith(INSIDE_STAGING_PREFIX) and (child / STAGING_MARKER).is_file()


class OutputLock:
    """The lock file beside the output, held by one build at a time. It also names the staging folder the
    holder is about to make, before the folder exists: a build killed at any moment leaves a name the next
    build can clean up, so no folder is ever removed on the strength of its name pattern alone.

    Where nothing can be made beside the output (a web server's `/var/www/html`, the user's own, in a folder
    only root may change), the lock file is inside it (`inside`): then no staging folder can be swapped in
    either, and the build stages inside the output, as for a mount point."""

    def __init__(self, handle: BinaryIO, inside: bool = False) -> None:
        self.handle = handle
        self.inside = inside

    def claim(self, names: list[str]) -> None:
        self.handle.seek(0)
        self.handle.truncate()
        # a folder's name is any bytes but NUL and `/` (os.fsencode keeps a name that is not UTF-8 as it is)
        self.handle.write(b"".join(os.fsencode(name) + b"\0" for name in names))
        self.handle.flush()
        os.fsync(self.handle.fileno())

    def claimed(self) -> list[str]:
        self.handle.seek(0)
        return [os.fsdecode(name) for name in self.handle.read().split(b"\0") if name]


@contextmanager
def output_lock(out: Path, waiting: Callable[[], None]) -> Iterator[OutputLock]:
    """Hold the output's lock (a file beside it, or inside it: see OutputLock); call `waiting` once if another
    build holds it first."""
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, inside = _open_lock(out)
    with handle:
        if not _locked_at_once(handle):
            waiting()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield OutputLock(handle, inside)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _lock_if_free(out: Path) -> Iterator[bool]:
    """Hold the output's lock if no build holds it (then True), without waiting."""
    handle, _inside = _open_lock(out)
    with handle:
        if not _locked_at_once(handle):
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _locked_at_once(handle: BinaryIO) -> bool:
    """Take the lock of `handle` if it is free; False if another build holds it."""
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
            raise
        return False
    return True


def _open_lock(out: Path) -> tuple[BinaryIO, bool]:
    """The output's lock file, opened: beside it, or inside it when the folder above refuses (see OutputLock).
    If neither can be opened, the error is the first one's."""
    try:
        return open(out.parent / f".{out.name}.lock", "a+b"), False
    except OSError as beside:
        if beside.errno not in (errno.EACCES, errno.EPERM, errno.EROFS) or not out.is_dir():
            raise
        try:
            return open(out / INSIDE_LOCK, "a+b"), True
        except OSError:
            raise beside from None


@dataclass(frozen=True)
class Entry:
    digest: str
    size: int
    mtime_ns: int
    inode: int
    key: str  # the view key the file was rendered from ("" for files that are not pages)

    def to_json(self) -> list[object]:
        return [self.digest, self.size, self.mtime_ns, self.inode, self.key]


def manifest_bytes(files: dict[str, Entry], pending: list[str]) -> bytes:
    """The manifest file's bytes: every file with its entry, and the files about to change (`pending`)."""
    rows = {path: entry.to_json() for path, entry in sorted(files.items())}
    data: dict[str, object] = {"generator": "briefing", "files": rows}
    if pending:
        data["pending"] = pending
    return (json.dumps(data, separators=(",", ":")) + "\n").encode("utf-8")


def _entry(path: Path | str, digest: str, key: str, st: os.stat_result | None = None) -> Entry:
    """The manifest's entry of a file (`st`: its stat, if the caller has it)."""
    st = st or os.stat(path)
    return Entry(digest, st.st_size, st.st_mtime_ns, st.st_ino, key)


@dataclass(frozen=True)
class Written:
    """The manifest a build wrote last, as it wrote it, and the manifest file's size, time and inode after."""

    entries: dict[str, Entry]
    stat: tuple[int, int, int]

    @classmethod
    def of(cls, writer: Writer) -> Written | None:
        try:
            st = os.lstat(writer.out / MARKER)
        except OSError:
            return None
        return cls(writer.manifest, (st.st_size, st.st_mtime_ns, st.st_ino))


class Previous:
    """The output as the last build left it, each file checked against the manifest before reuse.
    `written`: what this process's last build wrote there, if it may still be so; it saves reading the
    manifest while the manifest file's size, time and inode are the ones it had then (the preview)."""

    def __init__(self, out: Path, lock: OutputLock, written: Written | None = None) -> None:
        self.out = out
        self.lock = lock
        self.entries: dict[str, Entry] = {}
        self.pending: set[str] = set()  # files an interrupted in-place build may have touched
        self.written_ns = 0
        self._listing: list[str] | None = None
        self._checked: dict[tuple[str, bool], Entry | None] = {}  # what `reusable` found
        marker = out / MARKER
        if written is not None:
            try:
                st = os.lstat(marker)
            except OSError:
                st = None
            if st is not None and (st.st_size, st.st_mtime_ns, st.st_ino) == written.stat:
                self.entries, self.written_ns = written.entries, st.st_mtime_ns
                return
        try:
            data = json.loads(marker.read_text("utf-8"))
            self.written_ns = marker.stat().st_mtime_ns
            for path, row in dict(data.get("files", {})).items():
                digest, size, mtime_ns, inode, key = row
                self.entries[str(path)] = Entry(str(digest), int(size), int(mtime_ns), int(inode), str(key))
            self.pending = {str(p) for p in data.get("pending", [])}
        except (OSError, ValueError, TypeError, AttributeError):
            self.entries, self.pending = {}, set()

    def reusable(self, path: str, thorough: bool = False) -> Entry | None:
        """The entry of `path` if the file on disk is exactly what the last build wrote. `thorough` checks the
        bytes of every file (a one-off build, which publishes), not only of those the stat cannot vouch for: a
        hand edit that keeps size, inode and (restored) modification time is caught only by the bytes. Each
        file is looked at once a build: the build asks again before it writes, and its writes go elsewhere
        (a staging folder) or to files it does not ask about again (the preview's steps)."""
        if (path, thorough) not in self._checked:
            self._checked[(path, thorough)] = self._check(path, thorough)
        return self._checked[(path, thorough)]

    def _check(self, path: str, thorough: bool) -> Entry | None:
        entry = self.entries.get(path)
        if entry is None or path in self.pending:
            return None
        by_bytes = thorough or _in_doubt(entry, self.written_ns)
        return entry if _on_disk_as(os.path.join(self.out, path), entry, by_bytes) else None

    def files_on_disk(self) -> list[str]:
        """Every file under the output, as site paths (symbolic links to folders are not followed); listed
        once a build (the lock keeps other builds out meanwhile)."""
        if self._listing is None:
            self._listing = self._list()
        return self._listing

    def _list(self) -> list[str]:
        found: list[str] = []

        def walk(folder: str, prefix: str) -> None:
            with os.scandir(folder) as entries:
                for entry in sorted(entries, key=lambda e: e.name):
                    if entry.is_dir(follow_symlinks=False):
                        walk(entry.path, f"{prefix}{entry.name}/")
                    else:
                        found.append(prefix + entry.name)

        if self.out.is_dir():
            walk(str(self.out), "")
        others = [child for child in self.out.iterdir() if _not_the_sites(self.out, child)] if found else []
        if not others:
            return found
        names = {child.name for child in others}  # a file itself, or a folder and all it holds
        return [path for path in found if path.partition("/")[0] not in names]

    def strangers(self, made: set[str]) -> list[str]:
        """Files in the output that no build of ours made, and that this build does not make (the temporary of a
        file of ours, left by a preview killed while writing it, is ours)."""
        ours = set(self.entries) | self.pending | made | {MARKER}
        return [p for p in self.files_on_disk() if p not in ours and standing_for(Path(p)).as_posix() not in ours]


def _in_doubt(entry: Entry, written_ns: int) -> bool:
    """Whether the file of `entry` was written too close to the manifest (written at `written_ns`) for its stat to
    vouch for it: a same-size change in the same clock tick keeps its size, time and inode."""
    return entry.mtime_ns >= written_ns - RACY_NS


def _on_disk_as(file: str, entry: Entry, by_bytes: bool) -> bool:
    """Whether the file at `file` is the one `entry` records: its size, time and inode, and (`by_bytes`) its
    bytes. (No pathlib: the preview looks at thousands of files after a rename.)"""
    try:
        st = os.lstat(file)
        if (st.st_size, st.st_mtime_ns, st.st_ino) != (entry.size, entry.mtime_ns, entry.inode):
            return False
        return not by_bytes or _file_digest(file, st.st_size) == entry.digest
    except OSError:
        return False


def settle(out: Path, written: Written, go_on: Callable[[], bool]) -> Written | None:
    """The preview, idle after a build: the files it wrote within RACY_NS of its manifest, which the stat
    cannot vouch for (a change in the same clock tick keeps it), checked by their bytes once the clock has
    moved on, and the manifest stamped again; so the next build trusts their stat where it would read and hash
    them (after a hub rename at 4,400 pages, about 700 files and 30 MB). A change made after a file is read
    here gets a later time, which its stat shows.

    Returns the manifest to build on: `written` when nothing was done (another build holds the output, the
    manifest is no longer `written`'s, it is too soon, no file is in doubt, or `go_on` said stop); None when a
    file's bytes were not the manifest's: the manifest on disk then names it pending, to be rewritten."""
    try:
        with _lock_if_free(out) as free:
            st = os.lstat(out / MARKER)
            if not free or (st.st_size, st.st_mtime_ns, st.st_ino) != written.stat:
                return written
            if time.time_ns() < st.st_mtime_ns + RACY_NS:
                return written
            doubtful = [path for path, entry in written.entries.items() if _in_doubt(entry, st.st_mtime_ns)]
            if not doubtful:
                return written
            changed: list[str] = []
            for path in doubtful:
                if not go_on():
                    return written
                if not _on_disk_as(os.path.join(out, path), written.entries[path], by_bytes=True):
                    changed.append(path)
            st = _replace(out / MARKER, manifest_bytes(written.entries, changed))
    except OSError:  # the output gone, a full disk: the manifest is as it was, and the next build checks
        return written
    return None if changed else Written(written.entries, (st.st_size, st.st_mtime_ns, st.st_ino))


class Writer(ABC):
    """Common to both ways of writing (StagingWriter, InPlaceWriter): the manifest of what this build made."""

    def __init__(self, out: Path, previous: Previous) -> None:
        self.out = out
        self.previous = previous
        self.manifest: dict[str, Entry] = {}
        self.written = 0

    @abstractmethod
    def keep(self, path: str, entry: Entry) -> None: ...

    @abstractmethod
    def write(self, path: str, data: FileData, key: str = "", digest: str = "") -> None:
        """Write `data` at `path` (`digest`: its digest_of, if the caller has it already)."""

    @abstractmethod
    def add_tree(self, folder: str) -> None: ...

    @abstractmethod
    def commit(self, later: Collection[str] = ()) -> None:
        """Make what was written the output. `later`: files another commit of this writer will write (the
        preview's second step); until then the manifest names them as about to change."""

    @abstractmethod
    def abort(self) -> None: ...

    def manifest_json(self, pending: list[str] | None = None) -> bytes:
        return manifest_bytes(self.manifest, pending or [])


class StagingWriter(Writer):
    """A one-off build: a new folder beside the output, swapped in at the end; or, for an output that is a
    mount point, a new folder inside it, whose files are moved into place at the end."""

    def __init__(self, out: Path, previous: Previous) -> None:
        super().__init__(out, previous)
        self.lock = previous.lock
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(out, self.lock.claimed())
        self.inside = self.lock.inside or is_mount_point(out)
        try:
            self._make_staging()
        except OSError as error:  # the folder above refuses (its lock file was made when it did not): inside
            if self.inside or error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS) or not out.is_dir():
                raise
            self.inside = True
            self._make_staging()

    def _make_staging(self) -> None:
        token = secrets.token_hex(8)
        out = self.out
        self.staging = (
            out / f"{INSIDE_STAGING_PREFIX}{token}" if self.inside else out.parent / f".{out.name}.new-{token}"
        )
        self.lock.claim([_claim_name(out, self.staging)])  # named before it exists: see OutputLock
        self.staging.mkdir(mode=0o700)
        (self.staging / STAGING_MARKER).write_bytes(b"")

    def keep(self, path: str, entry: Entry) -> None:
        """Reuse the previous build's file (checked by the caller): a hard link, or a copy where links fail."""
        target = self.staging / path
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(self.out / path, target)
        except OSError:
            target.write_bytes((self.out / path).read_bytes())
            entry = _entry(target, entry.digest, entry.key)
        self.manifest[path] = entry

    def write(self, path: str, data: FileData, key: str = "", digest: str = "") -> None:
        if path in self.manifest:
            raise OutputProblem(f"two files for {path}")
        target = self.staging / path
        target.parent.mkdir(parents=True, exist_ok=True)
        st = _write_file(target, data)
        self.manifest[path] = _entry(target, digest or digest_of(data), key, st)
        self.written += 1

    def add_tree(self, folder: str) -> None:
        """Record files another program (the search indexer) wrote into the staging folder; those whose bytes
        are the last build's are not counted as written."""
        for root, _dirs, files in os.walk(self.staging / folder):
            for name in files:
                file = Path(root, name)
                path = file.relative_to(self.staging).as_posix()
                entry = self.manifest[path] = _entry(file, digest_of(file.read_bytes()), "")
                before = self.previous.entries.get(path)
                if before is None or before.digest != entry.digest:
                    self.written += 1

    def commit(self, later: Collection[str] = ()) -> None:
        assert not later, "a staging folder is swapped in whole"
        if self.inside:
            self._move_into_place()
            return
        (self.staging / STAGING_MARKER).unlink()
        (self.staging / MARKER).write_bytes(self.manifest_json())
        os.chmod(self.staging, 0o755)
        with ctrl_c_too_late():
            if self.out.exists():
                if not _exchange(self.staging, self.out):
                    old = self.out.parent / f".{self.out.name}.old-{secrets.token_hex(8)}"
                    self.lock.claim([self.staging.name, old.name])
                    old.mkdir(mode=0o700)
                    (old / STAGING_MARKER).write_bytes(b"")
                    os.rename(self.out, old / "site")
                    os.rename(self.staging, self.out)
                    self.staging = old
                remove_tree(self.staging)
            else:
                os.rename(self.staging, self.out)
            self.lock.claim([])

    def _move_into_place(self) -> None:
        """The staging folder's files moved to their places in the output (a mount point), each atomically;
        the previous build's files this one does not make, and strangers, removed. The manifest first names
        every file about to change, so a build killed midway leaves them to be redone."""
        made = set(self.manifest)
        gone = sorted(set(self.previous.files_on_disk()) - made - {MARKER})
        _replace(self.out / MARKER, self.manifest_json(pending=sorted(made | set(gone))))
        for path in reversed(gone):  # first, so that a stray file never stands where a folder must go
            _remove(self.out, path)
        for path in sorted(made):
            target = self.out / path
            _make_room(target)
            os.replace(self.staging / path, target)  # the same file system: its inode and time are kept
        _replace(self.out / MARKER, self.manifest_json())
        remove_tree(self.staging)
        self.lock.claim([])

    def abort(self) -> None:
        remove_tree(self.staging)
        self.lock.claim([])


@contextmanager
def ctrl_c_too_late() -> Iterator[None]:
    """From the swap on, the new site is published: a Ctrl+C that comes now is too late to stop the build,
    which would end saying "interrupted" (exit 130) with the new site in place. It is held off meanwhile and
    then dropped, as one pressed after the build would be; SIGTERM is held off only, then acted on."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        if signal.SIGINT in signal.sigpending():
            signal.sigtimedwait([signal.SIGINT], 0)
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def remove_tree(folder: Path) -> None:
    """Remove a folder the build made (a staging folder, the site it replaced), also where someone made its
    folders read-only (`chmod -R a-w site`): each of its folders that refuses is made writable by its owner,
    then tried again; never a folder outside it. What still refuses stays; the next build tries again
    (`remove_stale_staging`)."""
    top = os.path.abspath(folder)

    def writable_then_again(function: Callable[..., object], path: str, _error: object) -> None:
        try:
            for place in {os.path.abspath(os.path.dirname(path)), os.path.abspath(path)}:
                ours = place == top or place.startswith(top + os.sep)  # (one that cannot be listed: next build)
                if ours and os.path.isdir(place) and not os.path.islink(place):
                    os.chmod(place, stat.S_IMODE(os.lstat(place).st_mode) | stat.S_IRWXU)
            if function in (os.unlink, os.rmdir):
                function(path)
        except OSError:
            pass

    if sys.version_info >= (3, 12):  # `onerror` is deprecated there; the handler takes either's arguments
        shutil.rmtree(folder, onexc=writable_then_again)
    else:
        shutil.rmtree(folder, onerror=writable_then_again)


def _claim_name(out: Path, staging: Path) -> str:
    """How the lock file names a staging folder: beside the output by its name, inside it by `out/name`."""
    return staging.name if staging.parent != out else f"{out.name}/{staging.name}"


def _remove(out: Path, path: str) -> None:
    """Remove the file at site path `path`, and the folders it leaves empty."""
    target = out / path
    target.unlink(missing_ok=True)
    for folder in target.parents:
        if folder == out or any(folder.iterdir()):
            break
        folder.rmdir()


def remove_stale_staging(out: Path, claimed: list[str]) -> None:
    """Staging folders of builds that were killed. Called with the output's lock held, so no other build
    is filling one; only folders that carry our own marker, or that the lock file names, are removed."""
    prefixes = (f".{out.name}.new-", f".{out.name}.old-")
    for sibling in out.parent.glob(f".{out.name}.*-*"):
        ours = sibling.name in claimed or (sibling / STAGING_MARKER).is_file()
        if sibling.name.startswith(prefixes) and sibling.is_dir() and not sibling.is_symlink() and ours:
            remove_tree(sibling)
    if out.is_dir() and not out.is_symlink():
        for child in out.glob(f"{INSIDE_STAGING_PREFIX}*"):
            ours = _claim_name(out, child) in claimed or _our_staging(child)
            if ours and child.is_dir() and not child.is_symlink():
                remove_tree(child)


class InPlaceWriter(Writer):
    """The preview: changed files replaced one by one (each atomically), gone files removed, the rest
    untouched; the manifest first names every file about to change, so an interrupted build is redone."""

    def __init__(self, out: Path, previous: Previous) -> None:
        super().__init__(out, previous)
        self.staging = out
        self.pending: dict[str, tuple[FileData, str, str]] = {}
        self.removed: set[str] = set()  # by an earlier commit of this writer

    def keep(self, path: str, entry: Entry) -> None:
        self.manifest[path] = entry

    def write(self, path: str, data: FileData, key: str = "", digest: str = "") -> None:
        if path in self.manifest or path in self.pending:
            raise OutputProblem(f"two files for {path}")
        self.pending[path] = (data, key, digest)

    def add_tree(self, folder: str) -> None:
        raise OutputProblem("the preview does not index for search in place")

    def commit(self, later: Collection[str] = ()) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        ours = set(self.manifest) | set(self.pending) | set(later) | {MARKER}
        # files the last build made and this one does not; strangers too, in the last commit (a listing costs)
        on_disk = set(self.previous.entries) if later else set(self.previous.files_on_disk())
        gone = sorted(on_disk - ours - self.removed)
        touched = sorted({*self.pending, *gone, *later})
        if touched:
            _replace(self.out / MARKER, self.manifest_json(pending=touched))
        for path in reversed(gone):  # first, so that a stray file never stands where a folder must go
            _remove(self.out, path)
        out = str(self.out)
        for path, (data, key, digest) in self.pending.items():
            target = os.path.join(out, path)
            st = _replace(target, data)
            self.manifest[path] = _entry(target, digest or digest_of(data), key, st)
            self.written += 1
        self.removed.update(gone)
        if not later:  # until the last commit, the manifest written first stays: it names every file to come
            _replace(self.out / MARKER, self.manifest_json())
        self.pending.clear()

    def abort(self) -> None:
        self.pending.clear()


def standing_for(path: Path) -> Path:
    """The file a temporary of `_replace` stands for (`.x.123.tmp` → `x`); any other path as it is."""
    name, ours = path.name, path.name.endswith(TEMPORARY_SUFFIX)
    pid = name[: -len(TEMPORARY_SUFFIX)].rpartition(".")[2] if ours else ""
    if not (ours and name.startswith(".") and pid.isdigit()):
        return path
    return path.with_name(name[1 : -len(TEMPORARY_SUFFIX) - len(pid) - 1])


def _replace(target: Path | str, data: FileData) -> os.stat_result:
    """Write `target` whole or not at all: a reader sees the old file or the new one. Returns the new file's
    stat. (On str paths, with the folder made and a folder standing in the way removed only when writing finds
    them: the preview replaces thousands of files after a rename, most where a file of the same name was.)"""
    folder, name = os.path.split(target)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}{TEMPORARY_SUFFIX}")
    try:
        try:
            st = _write_file(temporary, data)
        except FileNotFoundError:  # its folder is not there yet
            os.makedirs(folder, exist_ok=True)
            st = _write_file(temporary, data)
        try:
            os.replace(temporary, target)  # (the file keeps its inode and times)
        except IsADirectoryError:  # a folder of the last build's stands where the file goes
            _make_room(Path(target))
            os.replace(temporary, target)
    except BaseException:  # a full disk, say: no half-written temporary is left for the next build to find
        with suppress(OSError):
            os.unlink(temporary)
        raise
    return st


def _make_room(target: Path) -> None:
    """Make way for a file at `target`: its folder made, a folder of the last build's standing there removed."""
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 with RENAME_EXCHANGE); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0
