"""Files → validated records: reading, front matter, YAML, schema. Nothing here knows other files."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.diagnostics import Diagnostic, Diagnostics
from generator.markdown import compile_markdown
from generator.model import Config, Event, Issue, NextDate, Origin, Page, Period, Position, Quote, Source, Stakeholder, Update
from generator.parallel import map_ordered
from generator.schema import (
    BRIEFING,
    EVENT,
    ISSUE,
    PAGE,
    PERIOD,
    QUOTE,
    SCHEMAS,
    SOURCE,
    STAKEHOLDER,
    Ref,
    Schema,
    check_slug,
    validate,
)
from generator.yamltext import YamlList, YamlProblem, parse_yaml

_FRONT_MATTER_END = re.compile(r"^---[ \t]*$", re.MULTILINE)
_EDITOR_JUNK = re.compile(r"(^\.|~$|\.sw[a-px]$|^4913$|^#.*#$|\.tmp$|\.bak$)")


def is_editor_junk(name: str) -> bool:
    """Hidden files, backups and editors' temporary files (`.x.swp`, `x~`, `4913`, `.#x`, `#x#`)."""
    return bool(_EDITOR_JUNK.search(name))


@dataclass
class Loaded:
    """Everything read from a content folder, before ids are resolved."""

    config: Config | None = None
    issues: list[Issue] = field(default_factory=list)
    stakeholders: list[Stakeholder] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    refs: list[tuple[Path, Ref, str, str]] = field(default_factory=list)  # file, ref, expected kind, context
    invalid: dict[str, str] = field(default_factory=dict)  # id → kind of records that failed validation
    unreadable: set[str] = field(default_factory=set)  # kinds with a file that could not be read at all
    # For memoising pages: hashes of everything but Markdown bodies ("structure"), and of each body.
    structure: list[str] = field(default_factory=list)
    bodies: dict[str, str] = field(default_factory=dict)

    def merge(self, other: Loaded) -> None:
        self.issues += other.issues
        self.stakeholders += other.stakeholders
        self.events += other.events
        self.sources += other.sources
        self.quotes += other.quotes
        self.periods += other.periods
        self.pages += other.pages
        self.refs += other.refs
        self.invalid.update(other.invalid)
        self.unreadable.update(other.unreadable)
        self.structure += other.structure
        self.bodies.update(other.bodies)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def outside(path: Path, root: Path) -> bool:
    """True if `path` (through any symlink) leads outside `root`."""
    try:
        return not path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return True


def read_text(path: Path, diags: Diagnostics) -> str | None:
    """UTF-8 text with a BOM dropped and line endings made `\\n`; None (and an error) if unreadable."""
    if diags.root is not None and outside(path, diags.root):
        diags.error(path, 0, "this file is a link to a place outside the project", "copy the file in instead")
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        diags.error(path, 0, f"cannot read file: {exc.strerror}")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        diags.error(path, line, f"not valid UTF-8 (byte offset {exc.start})", "save the file as UTF-8")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def content_files(folder: Path, suffix: str) -> list[Path]:
    """Files of one kind in a folder, sorted by name, skipping editor and hidden files."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == suffix and p.is_file() and not is_editor_junk(p.name))


def split_front_matter(text: str, path: Path, diags: Diagnostics) -> tuple[Any, str, int] | None:
    """(front matter, body, line where the body starts) of a Markdown file."""
    if not text.startswith("---\n"):
        diags.error(path, 1, "missing front matter", "start the file with a `---` line, the fields, and `---`")
        return None
    closing = _FRONT_MATTER_END.search(text, 4)
    if closing is None:
        diags.error(path, 1, "front matter is not closed", "add a line `---` after the fields")
        return None
    header = text[4 : closing.start()]
    body_start_line = text.count("\n", 0, closing.end()) + 2
    try:
        data = parse_yaml(header, first_line=2)
    except YamlProblem as problem:
        diags.error(path, problem.line, problem.message, problem.hint)
        return None
    return data, text[closing.end() + 1 :], body_start_line


def load_yaml_file(path: Path, diags: Diagnostics, structure: list[str] | None = None) -> Any:
    text = read_text(path, diags)
    if text is None:
        return None
    if structure is not None:
        structure.append(_digest(f"{path}\0{text}"))
    try:
        return parse_yaml(text)
    except YamlProblem as problem:
        diags.error(path, problem.line, problem.message, problem.hint)
        return None


def load_content(root: Path, diags: Diagnostics) -> Loaded:
    loaded = Loaded()
    loaded.config = _load_config(root / "briefing.yaml", loaded, diags)
    jobs = [
        (path, schema.kind, diags.root)
        for folder, schema in (("issues", ISSUE), ("stakeholders", STAKEHOLDER), ("pages", PAGE))
        for path in content_files(root / folder, ".md")
    ]
    for part, problems in map_ordered(_load_markdown_job, jobs):
        loaded.merge(part)
        diags.items.extend(problems)
    timeline_files = [root / "timeline.yaml"] if (root / "timeline.yaml").is_file() else []
    timeline_files += content_files(root / "timeline", ".yaml")
    for path in timeline_files:
        _load_list(path, EVENT, loaded, diags)
    if (root / "periods.yaml").is_file():
        _load_list(root / "periods.yaml", PERIOD, loaded, diags)
    for name, schema in (("sources.yaml", SOURCE), ("quotes.yaml", QUOTE)):
        if (root / name).is_file():
            _load_list(root / name, schema, loaded, diags)
        else:
            diags.error(root / name, 0, f"missing file `{name}`", "create it (an empty list `[]` is fine)")
    return loaded


def _load_config(path: Path, loaded: Loaded, diags: Diagnostics) -> Config | None:
    if not path.is_file():
        diags.error(path, 0, "missing file `briefing.yaml`", "run `briefing init` to start a new briefing")
        return None
    data = load_yaml_file(path, diags, loaded.structure)
    if data is None and not diags.errors:
        diags.error(path, 1, "briefing.yaml is empty")
    if data is None:
        return None
    values = validate(data, BRIEFING, path, 1, diags)
    if values is None:
        return None
    _collect_refs(path, values, BRIEFING, loaded, "briefing.yaml")
    next_date = values["next_date"]
    base_url = values["base_url"]
    if base_url and not base_url.endswith("/"):
        base_url += "/"
    return Config(
        title=values["title"],
        summary=values["summary"],
        as_of=values["as_of"],
        language=values["language"] or "en",
        base_url=base_url,
        publisher=values["publisher"],
        licence=values["licence"],
        state_of_play=_block(values["state_of_play"]),
        next_date=NextDate(next_date["date"], next_date["label"], next_date["event"].id if next_date["event"] else "")
        if next_date
        else None,
        key_dates=[ref.id for ref in values["key_dates"]],
        navigation=values["navigation"] or ["issues", "stakeholders", "timeline", "positions", "sources"],
        origin=Origin(path, 1),
    )


def _updates(values: dict[str, Any]) -> list[Update]:
    return [Update(u["date"], u["text"], u["correction"]) for u in values["updates"]]


def _block(markdown: Any) -> Any:
    """Re-compile a YAML field that holds paragraphs (not one line) as block Markdown."""
    return compile_markdown(markdown.text, markdown.file, markdown.line, inline=False)


def _collect_refs(path: Path, values: dict[str, Any], schema: Schema, loaded: Loaded, context: str) -> None:
    for spec in schema.fields:
        value = values.get(spec.name)
        if spec.type == "id" and isinstance(value, Ref) and spec.name != "id":
            loaded.refs.append((path, value, spec.refers_to, context))
        elif spec.type == "ids":
            loaded.refs.extend((path, ref, spec.refers_to, context) for ref in value)
        elif spec.type == "records" and spec.record is not None:
            for record in value:
                _collect_refs(path, record, spec.record, loaded, context)
        elif spec.type == "record" and spec.record is not None and value:
            _collect_refs(path, value, spec.record, loaded, context)


# A long-lived process (the preview server) keeps each file's loaded records while its bytes are unchanged.
# A one-off build leaves it off: it would only hold every file's bytes in memory for nothing.
_FILE_MEMO: dict[tuple[Path, str], tuple[bytes | None, Loaded, list[Diagnostic]]] = {}
REMEMBER_FILES = {"on": False}


def _bytes_if_remembering(path: Path) -> bytes | None:
    """The file's bytes, to key the memo — read only in a process that keeps one."""
    if not REMEMBER_FILES["on"]:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _load_markdown_job(job: tuple[Path, str, Path | None]) -> tuple[Loaded, list[Diagnostic]]:
    """Load one Markdown file on its own (possibly in a worker process: jobs are pickled, so the
    schema travels by name). A long-lived process reuses the result while the file's bytes are unchanged;
    records are never mutated after loading, so sharing them between builds is safe."""
    path, kind, root = job
    data = _bytes_if_remembering(path)
    remembered = _FILE_MEMO.get((path, kind))
    if remembered is not None and remembered[0] == data:
        return remembered[1], remembered[2]
    part, diags = Loaded(), Diagnostics(root)
    _load_markdown_entity(path, SCHEMAS[kind], part, diags)
    if REMEMBER_FILES["on"]:
        _FILE_MEMO[(path, kind)] = (data, part, diags.items)
    return part, diags.items


def _load_markdown_entity(path: Path, schema: Schema, loaded: Loaded, diags: Diagnostics) -> None:
    entity_id = path.stem
    problem = check_slug(entity_id)
    if problem:
        diags.error(path, 0, f"file name `{path.name}` is not a valid id", problem)
        return
    text = read_text(path, diags)
    split = split_front_matter(text, path, diags) if text is not None else None
    if split is None:
        loaded.invalid[entity_id] = schema.kind
        return
    data, body_text, body_line = split
    loaded.structure.append(_digest(f"{path}\0{text[: len(text) - len(body_text)]}"))
    loaded.bodies[entity_id] = _digest(body_text)
    values = validate(data, schema, path, 1, diags)
    if values is None:
        loaded.invalid[entity_id] = schema.kind  # already reported; references to it are not errors too
        return
    _collect_refs(path, values, schema, loaded, f"{schema.kind} `{entity_id}`")
    body = compile_markdown(body_text, path, body_line)
    origin = Origin(path, 1)
    if schema is ISSUE:
        positions = [
            Position(p["stakeholder"].id, p["stance"], [r.id for r in p["sources"]], entity_id)
            for p in values["positions"]
        ]
        loaded.issues.append(
            Issue(
                entity_id,
                values["title"],
                values["summary"],
                values["status"],
                values["status_note"],
                values["order"],
                positions,
                [r.id for r in values["related"]],
                body,
                origin,
                updates=_updates(values),
            )
        )
    elif schema is STAKEHOLDER:
        loaded.stakeholders.append(
            Stakeholder(
                entity_id,
                values["name"],
                values["kind"],
                values["country"],
                values["role"],
                values["affiliation"],
                values["stance"],
                body,
                origin,
                updates=_updates(values),
            )
        )
    else:
        loaded.pages.append(
            Page(entity_id, values["title"], values["summary"], body, origin, updates=_updates(values))
        )


def _load_list(path: Path, schema: Schema, loaded: Loaded, diags: Diagnostics) -> None:
    """Load a YAML list file; a long-lived process reuses the result while the file's bytes are unchanged."""
    data = _bytes_if_remembering(path)
    remembered = _FILE_MEMO.get((path, schema.kind))
    if remembered is None or remembered[0] != data:
        part, problems = Loaded(), Diagnostics(diags.root)
        _load_list_records(path, schema, part, problems)
        remembered = (data, part, problems.items)
        if REMEMBER_FILES["on"]:
            _FILE_MEMO[(path, schema.kind)] = remembered
    loaded.merge(remembered[1])
    diags.items.extend(remembered[2])


def _load_list_records(path: Path, schema: Schema, loaded: Loaded, diags: Diagnostics) -> None:
    errors_before = len(diags.errors)
    data = load_yaml_file(path, diags, loaded.structure)
    if len(diags.errors) > errors_before:
        loaded.unreadable.add(schema.kind)
        return
    if data is None:
        return
    if not isinstance(data, YamlList):
        loaded.unreadable.add(schema.kind)
        diags.error(path, getattr(data, "line", 1), f"expected a list of {schema.kind}s (lines starting `- id:`)")
        return
    for item, line in zip(data, data.item_lines, strict=True):
        values = validate(item, schema, path, line, diags)
        if values is None:
            raw_id = item.get("id") if isinstance(item, dict) else None
            if isinstance(raw_id, str):
                loaded.invalid[raw_id.strip()] = schema.kind
            continue
        origin = Origin(path, line)
        item_id = values["id"].id
        _collect_refs(path, values, schema, loaded, f"{schema.kind} `{item_id}`")
        if schema is EVENT:
            loaded.events.append(
                Event(
                    item_id,
                    values["date"],
                    values["date_note"],
                    values["title"],
                    values["summary"],
                    [r.id for r in values["issues"]],
                    [r.id for r in values["stakeholders"]],
                    [r.id for r in values["sources"]],
                    values["key"],
                    origin,
                    updates=_updates(values),
                )
            )
        elif schema is PERIOD:
            end = values["end"]
            if end is not None and end < values["start"]:
                diags.error(
                    path,
                    item.key_lines["end"],
                    f"period `{item_id}` ends ({end.iso}) before it starts ({values['start'].iso})",
                    "swap `start` and `end`",
                )
                continue
            loaded.periods.append(
                Period(
                    item_id,
                    values["start"],
                    end,
                    values["kind"],
                    values["label"],
                    [r.id for r in values["sources"]],
                    values["uncertain"],
                    values["note"],
                    origin,
                )
            )
        elif schema is SOURCE:
            loaded.sources.append(
                Source(
                    item_id,
                    values["title"],
                    values["publisher"],
                    values["date"],
                    values["author"],
                    values["url"],
                    values["note"],
                    origin,
                    no_public_link=values["no_public_link"],
                    updates=_updates(values),
                )
            )
        else:
            loaded.quotes.append(
                Quote(
                    item_id,
                    values["speaker"].id,
                    values["text"],
                    values["source"].id,
                    values["date"],
                    [r.id for r in values["issues"]],
                    values["context"],
                    origin,
                    updates=_updates(values),
                )
            )
