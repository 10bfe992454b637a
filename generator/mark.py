"""`briefing translations mark FILE…`: record in a translation which version of its original it was made from.

The translator runs it after bringing a translation up to date. It writes each entry's `translated_from`
(the fingerprint of its original's texts, see translate.fingerprint) and nothing else: a Markdown file's
front matter gets one line; a YAML file is edited in place by ruamel.yaml, keeping comments and layout.
"""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

from generator.diagnostics import ContentError, Diagnostic, Diagnostics
from generator.load import Record, content_jobs, load_content
from generator.translate import fingerprint

_FIELD = re.compile(r"^translated_from:.*$", re.MULTILINE)


def mark(content: Path, files: list[Path]) -> list[tuple[Path, int]]:
    """Mark each translation file; (file, entries marked). Raises ContentError for a file that is not a
    translation, or whose originals do not load."""
    diags = Diagnostics(root=content.parent)
    loaded = load_content(content, diags)
    diags.raise_if_errors()
    originals: dict[tuple[str, str], Record] = {(r.kind, r.id): r for r in loaded.records}
    if loaded.config is not None:
        originals[("briefing", "")] = loaded.config
    kinds = {path.resolve(): kind for path, kind in content_jobs(content)}
    problems, done = [], []
    for file in files:
        kind, _, language = kinds.get(file.resolve(), "").partition(".")
        if not language:
            hint = "name it like `issues/x.zh-Hans.md`, in the content folder"
            problems.append(Diagnostic(str(file), 0, "not a translation file", hint))
            continue
        if file.suffix == ".md":
            entity_id = file.stem.rpartition(".")[0]
            done.append((file, _mark_markdown(file, originals.get((kind, entity_id)), problems)))
        else:
            done.append((file, _mark_yaml(file, kind, originals, problems)))
    if problems:
        raise ContentError(problems)
    return done


def _mark_markdown(file: Path, original: Record | None, problems: list[Diagnostic]) -> int:
    if original is None:
        problems.append(Diagnostic(str(file), 0, "no original for this translation", "check the file's name"))
        return 0
    text = file.read_text(encoding="utf-8")
    end = text.find("\n---", 4)
    if not text.startswith("---\n") or end < 0:
        problems.append(Diagnostic(str(file), 1, "missing front matter"))
        return 0
    line = f"translated_from: {fingerprint(original)}"
    header = text[4:end]
    header = _FIELD.sub(line, header, count=1) if _FIELD.search(header) else f"{line}\n{header}"
    file.write_text("---\n" + header + text[end:], encoding="utf-8")
    return 1


def _mark_yaml(file: Path, kind: str, originals: dict[tuple[str, str], Record], problems: list[Diagnostic]) -> int:
    from ruamel.yaml import YAML

    editor = YAML(typ="rt")
    editor.preserve_quotes = True
    editor.width = 1_000_000  # never re-wrap a translator's lines
    editor.allow_unicode = True
    data: Any = editor.load(file.read_text(encoding="utf-8"))
    marked = 0
    entries = [("", data)] if kind == "briefing" else [(str(item.get("id", "")), item) for item in data or []]
    for entity_id, entry in entries:
        original = originals.get((kind, entity_id))
        if original is None:
            problems.append(Diagnostic(str(file), 0, f"no original {kind} `{entity_id}`"))
            continue
        if "translated_from" in entry:
            entry["translated_from"] = fingerprint(original)
        else:
            entry.insert(1 if entity_id else 0, "translated_from", fingerprint(original))
        marked += 1
    out = StringIO()
    editor.dump(data, out)
    file.write_text(out.getvalue(), encoding="utf-8")
    return marked
