"""The output folder: build beside it, then swap it in at once; unchanged files are hard-linked.

A build writes into a fresh sibling folder. Files whose bytes equal the previous build's (known from
the manifest kept in the marker file) are hard-linked from the old folder instead of written again.
The new folder replaces the old one by an atomic exchange of names (Linux `renameat2`), or by two
renames elsewhere, so a reader or a killed build never sees a half-written site.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

MARKER = ".briefing-build"


class OutputProblem(Exception):
    pass


def refuse_dangerous_output(out: Path, content: Path) -> None:
    """Never replace a folder that holds anything but a previous build."""
    out = out.resolve()
    content = content.resolve()
    home = Path.home().resolve()
    forbidden = {Path("/"), home, content, content.parent}
    if out in forbidden or content.is_relative_to(out):
        raise OutputProblem(f"refusing to use {out} as the output folder: it holds the content or the project")
    if out.exists() and not out.is_dir():
        raise OutputProblem(f"the output path {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise OutputProblem(
            f"refusing to replace {out}: it was not made by `briefing build` "
            f"(no {MARKER} file); remove it or choose another --out"
        )


def marker_digest(out: Path) -> str:
    """Identifies the build that made `out` (its marker lists every file with its digest)."""
    try:
        return hashlib.blake2b((out / MARKER).read_bytes(), digest_size=16).hexdigest()
    except OSError:
        return ""


class SiteWriter:
    """Collects the files of one build in a staging folder; `commit()` swaps it in."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self._clean_stale_siblings()
        self.staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
        self.previous = self._read_manifest()
        self.manifest: dict[str, str] = {}
        self.written = 0
        self.linked = 0

    def _read_manifest(self) -> dict[str, str]:
        try:
            data = json.loads((self.out / MARKER).read_text("utf-8"))
            return dict(data.get("files", {}))
        except (OSError, ValueError, AttributeError):
            return {}

    def _clean_stale_siblings(self) -> None:
        for sibling in self.out.parent.glob(f".{self.out.name}.*-*"):
            if sibling.is_dir() and (
                sibling.name.startswith(f".{self.out.name}.new-") or sibling.name.startswith(f".{self.out.name}.old-")
            ):
                shutil.rmtree(sibling, ignore_errors=True)

    def add(self, path: str, data: bytes) -> None:
        self.record(path, *self.store(path, data))

    def store(self, path: str, data: bytes) -> tuple[str, bool]:
        """Put one file in the staging folder: hard-linked from the last build if its bytes are unchanged.
        Safe to call from worker processes; returns (digest, written) for `record`."""
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        target = self.staging / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.previous.get(path) == digest:
            try:
                os.link(self.out / path, target)
                return digest, False
            except OSError:
                pass
        target.write_bytes(data)
        return digest, True

    def reuse(self, path: str) -> bool:
        """Hard-link the previous build's file into the new one, unread; False if that is impossible."""
        target = self.staging / path
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(self.out / path, target)
        except OSError:
            return False
        return True

    def record(self, path: str, digest: str, written: bool) -> None:
        if path in self.manifest:
            raise OutputProblem(f"two files for {path}")
        self.manifest[path] = digest
        if written:
            self.written += 1
        else:
            self.linked += 1

    def add_file(self, path: str, source: Path) -> None:
        self.add(path, source.read_bytes())

    def commit(self) -> None:
        marker = {"generator": "briefing", "files": dict(sorted(self.manifest.items()))}
        (self.staging / MARKER).write_text(json.dumps(marker, separators=(",", ":")) + "\n", "utf-8")
        os.chmod(self.staging, 0o755)
        if self.out.exists():
            if not _exchange(self.staging, self.out):
                old = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.old-", dir=self.out.parent))
                os.rename(self.out, old / "site")
                os.rename(self.staging, self.out)
                self.staging = old
            shutil.rmtree(self.staging, ignore_errors=True)
        else:
            os.rename(self.staging, self.out)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


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


class InPlaceWriter(SiteWriter):
    """For the preview server: after the whole build has rendered, each changed file replaces the old one
    atomically, files that are gone are removed, and unchanged files are not touched (at thousands of pages,
    re-linking every file into a new folder costs more than the edit). A request during a build gets the
    complete old or the complete new file; a failed build writes nothing."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.staging = out
        self.previous = self._read_manifest()
        self.manifest = {}
        self.written = 0
        self.linked = 0
        self.pending: dict[str, bytes] = {}

    def store(self, path: str, data: bytes) -> tuple[str, bool]:
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        if self.previous.get(path) == digest and (self.out / path).is_file():
            return digest, False
        self.pending[path] = data
        return digest, True

    def reuse(self, path: str) -> bool:
        return (self.out / path).is_file()

    def commit(self) -> None:
        for path, data in self.pending.items():
            _replace(self.out / path, data)
        for path in sorted(set(self.previous) - set(self.manifest), reverse=True):
            target = self.out / path
            target.unlink(missing_ok=True)
            for folder in target.parents:
                if folder == self.out or any(folder.iterdir()):
                    break
                folder.rmdir()
        marker = {"generator": "briefing", "files": dict(sorted(self.manifest.items()))}
        _replace(self.out / MARKER, (json.dumps(marker, separators=(",", ":")) + "\n").encode("utf-8"))
        self.pending.clear()

    def abort(self) -> None:
        self.pending.clear()


def _replace(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)
