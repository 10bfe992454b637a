"""Diagnostics are data: collected during a build, printed together, turned into an exit status."""

from __future__ import annotations

import codecs
import difflib
import errno
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath
from types import TracebackType
from typing import Literal

from generator.parallel import WorkerLost
from generator.write import INSIDE_STAGING_PREFIX, standing_for

Level = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: str
    line: int
    message: str
    hint: str = ""
    level: Level = "error"

    def format(self) -> str:
        where = _printable(f"{self.file}:{self.line}" if self.line else self.file, _UNPRINTABLE_IN_NAMES)
        text = f"{where}: {self.level}: {_printable(self.message)}"
        return f"{text} ({_printable(self.hint)})" if self.hint else text


# shown escaped, never sent to the terminal as they are (`\x1b[2J` would clear it): control characters, and
# the bytes of a file name that is not UTF-8 (kept by Python as surrogates); a line break only in a name
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_UNPRINTABLE_IN_NAMES = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _printable(text: str, unprintable: re.Pattern[str] = _UNPRINTABLE) -> str:
    def escaped(match: re.Match[str]) -> str:
        code = ord(match.group())
        if 0xDC80 <= code <= 0xDCFF:  # a byte of a name that is not UTF-8
            return f"\\x{code - 0xDC00:02x}"
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return unprintable.sub(escaped, text)


class ContentError(Exception):
    """Raised when a stage cannot go on; carries every diagnostic collected so far."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(d.format() for d in self.diagnostics))


class Diagnostics:
    """A collector shared by the stages of one build."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root
        self.items: list[Diagnostic] = []

    def display(self, path: Path | str) -> str:
        path = Path(path)
        if self.root is not None:
            for candidate, root in ((path, self.root), (path.absolute(), self.root.absolute())):
                try:
                    return candidate.relative_to(root).as_posix()
                except ValueError:
                    pass
        return path.as_posix()

    def error(self, file: Path | str, line: int, message: str, hint: str = "") -> None:
        self.items.append(Diagnostic(self.display(file), line, message, hint, "error"))

    def warning(self, file: Path | str, line: int, message: str, hint: str = "") -> None:
        self.items.append(Diagnostic(self.display(file), line, message, hint, "warning"))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.level == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.level == "warning"]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ContentError(self.errors)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A hint naming the closest known spelling, or an empty string."""
    matches = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    return f"did you mean `{matches[0]}`?" if matches else ""


GROUP_AFTER = 5


def format_report(diagnostics: Iterable[Diagnostic]) -> str:
    """Errors first, then warnings, each in file order, de-duplicated; a warning repeated for many
    entities is shown a few times, then counted (as Pelican does), so a real error is not drowned."""
    unique = sorted(set(diagnostics), key=lambda d: (d.level != "error", d.file, d.line, d.message))
    shown: list[str] = []
    warnings_of_shape: dict[str, int] = {}
    for diagnostic in unique:
        if diagnostic.level == "error":
            shown.append(diagnostic.format())
            continue
        shape = re.sub(r"`[^`]*`", "`…`", diagnostic.message)
        warnings_of_shape[shape] = warnings_of_shape.get(shape, 0) + 1
        if warnings_of_shape[shape] <= GROUP_AFTER:
            shown.append(diagnostic.format())
    for shape, count in warnings_of_shape.items():
        if count > GROUP_AFTER:
            shown.append(f"warning: … and {count - GROUP_AFTER} more like this: {shape}")
    return "\n".join(shown)


def internal_error(error: Exception) -> Diagnostic:
    """A bug of ours, as the preview shows it (it must not take the server down)."""
    return Diagnostic("briefing", 0, f"internal error: {type(error).__name__}: {error}")


# --- Faults of the machine or of a file, not of our code: a Diagnostic instead of "internal error" ------------

_OS_HINTS = {
    errno.ENOSPC: "free some space, or build onto another disk with --out",
    errno.EDQUOT: "free some space or raise your quota, or build onto another disk with --out",
    errno.EROFS: "this file system is mounted read-only; build somewhere writable with --out",
    errno.EACCES: "check the permissions of this path and of the folders above it",
    errno.EPERM: "check the permissions of this path and of the folders above it",
    errno.ENOTDIR: "a file stands where a folder is expected",
    errno.EISDIR: "a folder stands where a file is expected",
    errno.ELOOP: "a symbolic link leads to itself; remove the loop",
    errno.ENAMETOOLONG: "shorten the name or the path",
    errno.EIO: "the disk reported an error; check it",
    errno.EFBIG: "a file is larger than the file system or your `ulimit -f` allows; raise the limit or use --out",
    errno.EMFILE: "too many open files; raise the limit with `ulimit -n`",
    errno.ENFILE: "too many open files on this machine; close some programs",
    errno.EBUSY: "the file is in use by another program",
}
# no file named: blame the output
_DISK_WIDE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG})
_PATH_LOCALS = ("filename", "path", "target", "self")  # where a failing frame keeps the path it was working on


def describe_encoding(data: bytes) -> tuple[int, str, str] | None:
    """(line, message, hint) if `data` is not UTF-8 text (UTF-16 is named as such), else None."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or data[:64].count(0) * 4 >= len(data[:64]) > 1:
        return 1, "not valid UTF-8: the file is UTF-16", "save it as UTF-8"
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return line, f"not valid UTF-8 (byte offset {exc.start})", "save the file as UTF-8"
    return None


def outermost_name_problem(path: PurePath) -> Diagnostic | None:
    """`file_name_problem` of the outermost part of `path` whose name is not valid UTF-8, if any."""
    problems = (file_name_problem(part) for part in (*reversed(path.parents), path))
    return next((found for found in problems if found is not None), None)


def file_name_problem(path: PurePath) -> Diagnostic | None:
    """An error naming the folder if `path`'s own name is not valid UTF-8 (it holds surrogate escapes)."""
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(path.name).decode("utf-8", "backslashreplace")
        return Diagnostic(path.parent.as_posix(), 0, f"file name `{shown}` is not valid UTF-8", "rename it")
    return None


def os_message(error: OSError) -> str:
    """What the operating system said, as our messages say it: `no space left on device`."""
    return (error.strerror or str(error)).lower()


def os_hint(error: OSError) -> str:
    """What to do about an error of the machine or of a file, or an empty string if we know nothing to say."""
    return _OS_HINTS.get(error.errno or 0, "")


def from_exception(
    error: BaseException, fallback: Path, root: Path | None = None, output: Path | None = None
) -> Diagnostic | None:
    """The Diagnostic for an error that the machine or a file caused (a full disk, a permission, a file
    that is not UTF-8), with the path it concerns (`fallback` if none is known, shown relative to `root`);
    None for anything else, which is our bug."""
    if isinstance(error, OSError) and error.errno in _OS_HINTS:
        named = error.filename if error.filename is not None else _path_in_traceback(error.__traceback__)
        if named is None and error.errno not in _DISK_WIDE:
            return None
        path = Path(os.fsdecode(named)) if named is not None else fallback
        if error.errno in (errno.EACCES, errno.EPERM):
            path = _unlistable_parent(path) or path
        where = _shown(_unstaged(path, output) if output is not None else path, root)
        return Diagnostic(where, 0, os_message(error), _OS_HINTS[error.errno])
    if isinstance(error, UnicodeEncodeError) and "surrogates" in error.reason:
        named = _path_in_traceback(error.__traceback__)
        if named is None:
            return None
        path = Path(named)
        problem = outermost_name_problem(path)
        return relative(problem, root) if problem is not None else None
    if isinstance(error, WorkerLost):
        return Diagnostic(
            "briefing", 0, str(error), "if memory ran out, close other programs or build on a larger machine"
        )
    if isinstance(error, UnicodeDecodeError):
        named = _path_in_traceback(error.__traceback__)
        return _undecodable_file(Path(os.fsdecode(named)), root) if named is not None else None
    return None


def _unlistable_parent(path: Path) -> Path | None:
    """The folder holding `path` if it is that folder which cannot be read: the folder is what to fix."""
    try:
        os.listdir(path.parent)
    except OSError:
        return path.parent
    return None


def _undecodable_file(path: Path, root: Path | None) -> Diagnostic | None:
    try:
        found = describe_encoding(path.read_bytes())
    except OSError:
        return None
    if found is None:
        return None
    line, message, hint = found
    return Diagnostic(_shown(path, root), line, message, hint)


def _path_in_traceback(tb: TracebackType | None) -> str | PurePath | None:
    """The path that the innermost frame of a failure that names one was working on."""
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):
        for name in _PATH_LOCALS:
            value = frame.f_locals.get(name)
            if isinstance(value, PurePath) or (name == "filename" and isinstance(value, str)):
                return value
    return None


def _unstaged(path: Path, output: Path) -> Path:
    """A path in the build's staging folder (`.site.new-…/x` beside the output `site`, or `site/.briefing-new-…/x`
    inside it) or a temporary file (`site/.x.123.tmp`) as the output path it stands for (`site/x`): it is gone
    by the time the message is read."""
    path = standing_for(path)  # the preview's temporary, gone too
    try:
        inside = path.absolute().relative_to(output.absolute().parent)
    except ValueError:
        return path
    if len(inside.parts) > 2 and inside.parts[0] == output.name and inside.parts[1].startswith(INSIDE_STAGING_PREFIX):
        return output.joinpath(*inside.parts[2:])  # staged inside the output (a mount point's)
    if not inside.parts or not inside.parts[0].startswith(f".{output.name}."):
        return path
    return output.joinpath(*inside.parts[1:])


def _shown(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.absolute().relative_to(root.absolute()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def relative(diagnostic: Diagnostic, root: Path | None) -> Diagnostic:
    """The diagnostic with its absolute path (if it has one) shown relative to `root`, where it lies inside."""
    if not Path(diagnostic.file).is_absolute():
        return diagnostic
    shown = _shown(Path(diagnostic.file), root)
    return Diagnostic(shown, diagnostic.line, diagnostic.message, diagnostic.hint, diagnostic.level)
