"""`briefing init` and `briefing new`: a working skeleton, and new entries with their required fields."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
from pathlib import Path
from typing import Any

from yaml.reader import Reader

from generator.characters import forbidden_in_value
from generator.diagnostics import Diagnostic, describe_encoding
from generator.render import BUILTIN_TEMPLATES
from generator.schema import NEW_KINDS, check_slug
from generator.yamltext import YamlProblem, parse_yaml

FILL = "FILL IN"  # marks every stub an author must replace; `grep -rn "FILL IN" content/` finds them


class ScaffoldProblem(Exception):
    """A refusal, with the file or folder it concerns."""

    def __init__(self, message: str, path: Path, line: int = 0, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.path, self.line, self.hint = message, path, line, hint

    def format(self) -> str:
        return Diagnostic(self.path.as_posix(), self.line, self.message, self.hint).format()


def _today() -> str:
    return dt.date.today().isoformat()


def _check_title(title: str, concerned: Path) -> None:
    """Refuse a title the build would refuse in content, before anything is written."""
    found = forbidden_in_value(title)
    if found is not None:
        raise ScaffoldProblem(f"--title: {found.message}", concerned, hint=found.hint)


def _check_folder(folder: Path, hint: str) -> None:
    """Refuse, by name, a file or a link to nothing standing where `folder` or a folder above it is wanted:
    `mkdir(parents=True, exist_ok=True)` fails on either with a bare "File exists"."""
    for part in (*reversed(folder.parents), folder):
        if part.is_symlink() and not part.exists():
            raise ScaffoldProblem(
                "a link to a folder that does not exist", part, hint="remove the link, or create the folder it leads to"
            )
        if part.exists() and not part.is_dir():
            raise ScaffoldProblem("a file, not a folder", part, hint=hint)


def init(folder: Path, title: str, with_templates: bool) -> list[Path]:
    """Write a small briefing that builds as it is, into an empty or new folder."""
    _check_title(title, folder)
    _check_folder(folder, "choose a new folder")
    if folder.exists() and any(folder.iterdir()):
        raise ScaffoldProblem("folder is not empty", folder, hint="choose a new folder")
    content = folder / "content"
    files = {
        "briefing.yaml": f"""# yaml-language-server: $schema=../schemas/briefing.schema.json
title: {_yaml(title)}
summary: {_yaml(f"A sourced briefing on {title}.")}
as_of: {_today()}
language: en
publisher: {_yaml(f"{FILL} — who publishes this briefing")}
licence: CC BY 4.0
state_of_play: |
  {FILL} — the state of play in a few sentences, with sources [@first-source].
  [[first-issue]] and [[second-issue]] are the questions in dispute.
key_dates: [first-event]
navigation: [issues, stakeholders, timeline, positions, sources, about]
""",
        "issues/first-issue.md": f"""---
title: First issue
summary: {FILL} — what is contested, in one or two sentences.
status: open
order: 1
positions:
  - stakeholder: first-party
    stance: {FILL} — this side's position.
    sources: [first-source]
  - stakeholder: second-party
    stance: {FILL} — the other side's position.
    sources: [second-source]
related: [second-issue]
---
## What is at stake

{FILL} — the background, with a citation after each claim [@first-source].
[[first-party]] and [[second-party]] disagree.
""",
        "issues/second-issue.md": f"""---
title: Second issue
summary: {FILL} — what is contested.
status: open
order: 2
positions:
  - stakeholder: an-expert
    stance: {FILL} — the expert's view.
    sources: [second-source]
---
{FILL} — the background [@second-source]. See also [[first-issue]].
""",
        "stakeholders/first-party.md": f"""---
name: First party
kind: government
country: {FILL}
role: {FILL} — its role in the dispute
---
{FILL} — who they are and what they want [@first-source].
""",
        "stakeholders/second-party.md": f"""---
name: Second party
kind: institution
country: {FILL}
role: {FILL} — its role in the dispute
---
{FILL} — who they are and what they want [@second-source].
""",
        "stakeholders/an-expert.md": f"""---
name: An expert
kind: person
country: {FILL}
role: {FILL} — their field and affiliation
affiliation: second-party
---
{FILL} — why their view matters [@second-source].
""",
        "timeline.yaml": f"""# yaml-language-server: $schema=../schemas/event.schema.json
- id: first-event
  date: {_today()[:4]}
  title: {FILL} — what happened
  summary: {FILL} — one or two sentences [@first-source].
  issues: [first-issue]
  stakeholders: [first-party]
  sources: [first-source]
  key: true
- id: second-event
  date: {_today()[:7]}
  title: {FILL} — what happened next
  summary: {FILL} — one or two sentences [@second-source].
  issues: [first-issue, second-issue]
  stakeholders: [second-party, an-expert]
  sources: [second-source]
""",
        "sources.yaml": f"""# yaml-language-server: $schema=../schemas/source.schema.json
- id: first-source
  title: {FILL} — the title as published
  publisher: {FILL} — the original publisher
  date: {_today()[:4]}
- id: second-source
  title: {FILL} — the title as published
  publisher: {FILL} — the original publisher
""",
        "quotes.yaml": f"""# yaml-language-server: $schema=../schemas/quote.schema.json
- id: first-quote
  speaker: an-expert
  text: {FILL} the exact words, without quotation marks
  source: second-source
  date: {_today()[:4]}
  issues: [first-issue]
""",
        "pages/about.md": f"""---
title: About this briefing
summary: What this briefing covers and how it is sourced.
---
{FILL} — what the briefing covers, how it is sourced, and how to suggest a correction.
""",
    }
    written = []
    for name, text in files.items():
        path = content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        written.append(path)
    (folder / ".gitignore").write_text("/site/\n", "utf-8")
    written.append(folder / ".gitignore")
    written += write_schemas(folder / "schemas")
    if with_templates:
        shutil.copytree(BUILTIN_TEMPLATES, folder / "templates")
        written.append(folder / "templates")
    return written


def write_schemas(folder: Path) -> list[Path]:
    import json

    from generator.jsonschema import FILES, json_schema

    _check_folder(folder, "choose another --out")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in FILES:
        for translation, name in ((False, f"{kind}.schema.json"), (True, f"{kind}.translation.schema.json")):
            path = folder / name
            path.write_text(json.dumps(json_schema(kind, translation), indent=2) + "\n", "utf-8")
            written.append(path)
    return written


def _yaml(text: str) -> str:
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    # a character YAML may not hold as it is (DEL, a C1 control) is written as an escape, which it reads back
    return '"' + Reader.NON_PRINTABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", quoted) + '"'


LIST_FILES = ("timeline.yaml", "sources.yaml", "quotes.yaml", "periods.yaml")
_ID_LINE = re.compile(r"^- id:\s*['\"]?([^'\"\s#]+)", re.M)
_EMPTY_FLOW_LIST = re.compile(r"^([ \t]*)\[[ \t]*\]", re.M)
_COMMENT = re.compile(r"(?:^|\s)(#.*)$", re.M)


def _read(path: Path) -> str:
    """A content file's text; a file that is not UTF-8 (UTF-16 named as such) is refused, naming it."""
    data = path.read_bytes()
    problem = describe_encoding(data)
    if problem is not None:
        line, message, hint = problem
        raise ScaffoldProblem(message, path, line, hint)
    return data.decode("utf-8-sig")


def _ids_in(path: Path) -> list[str]:
    """The ids of a list file's entries, in order (by a plain search if the file is not valid YAML)."""
    text = _read(path)
    try:
        data = parse_yaml(text)
    except YamlProblem:
        return _ID_LINE.findall(text)
    items = data if isinstance(data, list) else []
    return [item["id"].strip() for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)]


def _existing_ids(content: Path) -> set[str]:
    ids = {p.stem for folder in ("issues", "stakeholders", "pages") for p in (content / folder).glob("*.md")}
    for path in [content / name for name in LIST_FILES] + sorted((content / "timeline").glob("*.yaml")):
        if path.is_file():
            ids.update(_ids_in(path))
    return ids


def _first(content: Path, folder: str, list_file: str = "") -> str:
    if list_file:
        path = content / list_file
        found = _ids_in(path) if path.is_file() else []
    else:
        found = sorted(p.stem for p in (content / folder).glob("*.md"))
    if not found:
        raise ScaffoldProblem(
            f"add a {folder.rstrip('s') or list_file} first: a new entry must refer to one",
            content / (list_file or folder),
        )
    return found[0]


def new(content: Path, kind: str, entity_id: str, title: str) -> Path:
    """Add one entry with its required fields stubbed and marked; return the file written."""
    problem = check_slug(entity_id)
    if problem:
        raise ScaffoldProblem(f"`{entity_id}` is not a valid id", content, hint=problem)
    _check_title(title, content)
    if not content.is_dir():
        raise ScaffoldProblem("content folder not found", content, hint="run `briefing init DIR` first")
    if entity_id in _existing_ids(content):
        raise ScaffoldProblem(f"the id `{entity_id}` is already used", content, hint="ids are unique across all kinds")
    label = title or entity_id.replace("-", " ").capitalize()
    if kind in ("issue", "stakeholder", "page"):
        folder = {"issue": "issues", "stakeholder": "stakeholders", "page": "pages"}[kind]
        path = content / folder / f"{entity_id}.md"
        if kind == "issue":
            front = (
                f"title: {_yaml(label)}\nsummary: {FILL} — what is contested.\nstatus: open\n"
                f"positions: []  # {FILL} — each side's position, with sources\n"
            )
            body = f"{FILL} — what is at stake, with a citation after each claim.\n"
        elif kind == "stakeholder":
            front = (
                f"name: {_yaml(label)}\nkind: person  # person | institution | government | group\n"
                f"country: {FILL}\nrole: {FILL} — their role\n"
            )
            body = f"{FILL} — who they are and where they stand.\n"
        else:
            front = f"title: {_yaml(label)}\n"
            body = f"{FILL} — the page's text.\n"
        _check_folder(path.parent, f"move the file away: new {folder} go into a folder of this name")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\n{front}---\n{body}", "utf-8")
        return path
    if kind == "event":
        issue, source = _first(content, "issues"), _first(content, "sources", "sources.yaml")
        path = content / "timeline.yaml" if not (content / "timeline").is_dir() else content / "timeline" / "new.yaml"
        entry = (
            f"- id: {entity_id}\n  date: {_today()}\n  title: {_yaml(label)}\n"
            f"  summary: {FILL} — what happened [@{source}].\n"
            f"  issues: [{issue}]  # {FILL} — the issues it bears on\n"
            f"  sources: [{source}]  # {FILL} — its sources\n"
        )
    elif kind == "source":
        path = content / "sources.yaml"
        entry = f"- id: {entity_id}\n  title: {_yaml(label)}\n  publisher: {FILL} — the original publisher\n"
    elif kind == "quote":
        speaker, source = _first(content, "stakeholders"), _first(content, "sources", "sources.yaml")
        path = content / "quotes.yaml"
        entry = (
            f"- id: {entity_id}\n  speaker: {speaker}  # {FILL} — who said it\n"
            f"  text: {FILL} the exact words, without quotation marks\n"
            f"  source: {source}  # {FILL} — where it was published\n  date: {_today()}\n"
        )
    else:
        raise ScaffoldProblem(f"unknown kind `{kind}`", content, hint=f"one of {', '.join(NEW_KINDS)}")
    _add_to_list(path, entry, entity_id)
    return path


def _add_to_list(path: Path, entry: str, entity_id: str) -> None:
    """Append `entry` (a block-style list item) to a YAML list file, keeping the file valid: appended as text
    where that gives the same list plus the entry (the rest of the file unchanged to the byte), else through
    a round-trip YAML editor (a list in flow style, `[…]`), else refused. The file is replaced atomically."""
    existing = _read(path) if path.is_file() else ""
    old = _list_in(existing, path)
    if not old:  # an empty flow list (`[]` on a line of its own) gives way to the first entry
        existing = _EMPTY_FLOW_LIST.sub(r"\1", existing, count=1)
    for edit in (_appended_as_text, _appended_round_trip):
        text = edit(existing, entry)
        if text is not None and _adds_exactly(text, old, entity_id):
            _write_atomically(path, text)
            return
    raise ScaffoldProblem(
        "cannot add an entry to this file without changing the rest of it",
        path,
        hint="write its list as lines starting `- id:`, or add the entry by hand",
    )


def _list_in(text: str, path: Path) -> list[Any]:
    try:
        data = parse_yaml(text)
    except YamlProblem as problem:
        raise ScaffoldProblem(
            f"{problem.message}; nothing was changed", path, problem.line, problem.hint or "fix the file first"
        ) from None
    if data is not None and not isinstance(data, list):
        raise ScaffoldProblem("expected a list of entries (lines starting `- id:`)", path, getattr(data, "line", 1))
    return list(data or [])


def _appended_as_text(existing: str, entry: str) -> str:
    if not existing.strip():
        return entry
    return existing + ("" if existing.endswith("\n") else "\n") + entry


def _appended_round_trip(existing: str, entry: str) -> str | None:
    """The file re-written by ruamel.yaml with the entry added and the top-level list in block style; None if
    that fails or would drop one of the file's comments."""
    from ruamel.yaml import YAML

    editor = YAML(typ="rt")
    editor.width = 4096  # never re-wrap long lines
    editor.preserve_quotes = True
    editor.indent(mapping=2, sequence=2, offset=0)
    try:
        items = editor.load(existing)
        items.fa.set_block_style()
        items.append(editor.load(entry)[0])
        out = io.StringIO()
        editor.dump(items, out)
    except Exception:  # ruamel's emitter has failed on unusual layouts; refusing is the safe answer
        return None
    text = out.getvalue()
    kept = all(comment.strip() in text for comment in _COMMENT.findall(existing))
    return text if kept else None


def _adds_exactly(text: str, old: list[Any], entity_id: str) -> bool:
    """`text` reads (with the build's own strict loader) as the old entries, unchanged, and then the new one."""
    try:
        new = parse_yaml(text)
    except YamlProblem:
        return False
    return (
        isinstance(new, list)
        and len(new) == len(old) + 1
        and list(new[:-1]) == old
        and isinstance(new[-1], dict)
        and new[-1].get("id") == entity_id
    )


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, "utf-8")
        os.replace(temporary, path)
    except OSError as error:  # named by the file the author knows: the temporary is gone when this is read
        raise OSError(error.errno, error.strerror, str(path)) from None
    finally:
        temporary.unlink(missing_ok=True)
