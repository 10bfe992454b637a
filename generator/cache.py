"""A persistent cache of pure results, so warm builds skip work a cold build would repeat.

Two things are kept, per content folder, in the user's cache directory (never in the project, where a
committed cache could smuggle HTML into pages): compiled Markdown keyed by the hash of its text, and the
fingerprint of the inputs of the last build with the manifest it wrote. Everything is keyed by the
generator's version, so an upgrade starts afresh. The cache may skip work, never change a result: a hit
returns exactly what the computation would.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from generator import __version__
from generator.markdown import MARKDOWN_RULES

FORMAT = f"briefing {__version__} / markdown {MARKDOWN_RULES}"


def cache_dir(content: Path) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    key = hashlib.blake2b(str(content.resolve()).encode(), digest_size=8).hexdigest()
    return base / "briefing" / key


def load(content: Path, name: str) -> dict[str, Any]:
    try:
        data = json.loads((cache_dir(content) / f"{name}.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


def save(content: Path, name: str, entries: dict[str, Any]) -> None:
    folder = cache_dir(content)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{name}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps({"format": FORMAT, "entries": entries}, separators=(",", ":")), "utf-8")
        os.replace(temporary, folder / f"{name}.json")
    except OSError:
        pass  # a cache that cannot be written only costs time


def fingerprint(paths: list[Path], extra: str) -> str:
    """Hash of the bytes and names of every input file, and of the options that shape the output."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(FORMAT.encode())
    digest.update(extra.encode())
    for path in sorted(paths):
        digest.update(str(path).encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"\0missing")
        digest.update(b"\0")
    return digest.hexdigest()
