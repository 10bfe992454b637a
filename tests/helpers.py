"""Small helpers shared by the tests."""

from __future__ import annotations

from pathlib import Path

from generator.linkcheck import LinkChecker


def read_site(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def broken_links(site: Path) -> list[tuple[str, str, str]]:
    checker = LinkChecker()
    for path, data in read_site(site).items():
        checker.add(path, data)
    return checker.problems()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")
