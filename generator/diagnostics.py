"""Diagnostics are data: collected during a build, printed together, turned into an exit status."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Level = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: str
    line: int
    message: str
    hint: str = ""
    level: Level = "error"

    def format(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.level}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


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
            try:
                return path.relative_to(self.root).as_posix()
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
    seen: dict[str, int] = {}
    for diagnostic in unique:
        shape = re.sub(r"`[^`]*`", "`…`", diagnostic.message)
        seen[shape] = seen.get(shape, 0) + 1
        if diagnostic.level == "error" or seen[shape] <= GROUP_AFTER:
            shown.append(diagnostic.format())
    for shape, count in seen.items():
        if count > GROUP_AFTER and any(
            d.level == "warning" and re.sub(r"`[^`]*`", "`…`", d.message) == shape for d in unique
        ):
            shown.append(f"warning: … and {count - GROUP_AFTER} more like this: {shape}")
    return "\n".join(shown)
