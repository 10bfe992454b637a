"""`briefing init` and `briefing new`: a working skeleton, and new entries with their required fields."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

from generator.render import BUILTIN_TEMPLATES
from generator.schema import check_slug

FILL = "FILL IN"  # marks every stub an author must replace; `grep -rn "FILL IN" content/` finds them


class ScaffoldProblem(Exception):
    pass


def _today() -> str:
    return dt.date.today().isoformat()


def init(folder: Path, title: str, with_templates: bool) -> list[Path]:
    """Write a small briefing that builds as it is, into an empty or new folder."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ScaffoldProblem(f"{folder} is not empty; choose a new folder")
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

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in FILES:
        path = folder / f"{kind}.schema.json"
        path.write_text(json.dumps(json_schema(kind), indent=2) + "\n", "utf-8")
        written.append(path)
    return written


def _yaml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


KINDS = ("issue", "stakeholder", "event", "source", "quote", "page")


def _existing_ids(content: Path) -> set[str]:
    ids = {p.stem for folder in ("issues", "stakeholders", "pages") for p in (content / folder).glob("*.md")}
    for name in ("timeline.yaml", "sources.yaml", "quotes.yaml", "periods.yaml"):
        path = content / name
        if path.is_file():
            ids.update(re.findall(r"^- id:\s*['\"]?([^'\"\s#]+)", path.read_text("utf-8"), flags=re.M))
    for path in (content / "timeline").glob("*.yaml"):
        ids.update(re.findall(r"^- id:\s*['\"]?([^'\"\s#]+)", path.read_text("utf-8"), flags=re.M))
    return ids


def _first(content: Path, folder: str, list_file: str = "") -> str:
    if list_file:
        path = content / list_file
        found = (
            re.findall(r"^- id:\s*['\"]?([^'\"\s#]+)", path.read_text("utf-8"), flags=re.M) if path.is_file() else []
        )
    else:
        found = sorted(p.stem for p in (content / folder).glob("*.md"))
    if not found:
        raise ScaffoldProblem(f"add a {folder.rstrip('s') or list_file} first: a new entry must refer to one")
    return found[0]


def new(content: Path, kind: str, entity_id: str, title: str) -> Path:
    """Add one entry with its required fields stubbed and marked; return the file written."""
    problem = check_slug(entity_id)
    if problem:
        raise ScaffoldProblem(f"`{entity_id}` is not a valid id: {problem}")
    if not content.is_dir():
        raise ScaffoldProblem(f"content folder {content} not found (run `briefing init DIR` first)")
    if entity_id in _existing_ids(content):
        raise ScaffoldProblem(f"the id `{entity_id}` is already used; ids are unique across all kinds")
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
        raise ScaffoldProblem(f"unknown kind `{kind}`: one of {', '.join(KINDS)}")
    existing = path.read_text("utf-8") if path.is_file() else ""
    if existing.strip() in ("[]", ""):
        existing = ""
    elif not existing.endswith("\n"):
        existing += "\n"
    path.write_text(existing + entry, "utf-8")
    return path
