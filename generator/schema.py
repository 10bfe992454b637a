"""What each content kind may contain: one declaration used by the validator (and JSON Schemas).

A field's type says how its text is read. Validation turns a YamlMap into a dict of typed values
and reports every problem at its own line; later stages never see an unchecked value.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from generator.dates import PartialDate
from generator.diagnostics import Diagnostics, did_you_mean
from generator.markdown import SLUG, compile_markdown
from generator.safeurl import is_safe_url
from generator.yamltext import YamlList, YamlMap

FieldType = Literal[
    "text",
    "markdown",
    "date",
    "full_date",
    "int",
    "bool",
    "id",
    "ids",
    "url",
    "language",
    "choice",
    "records",
    "record",
    "texts",
    "markdowns",
]


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    required: bool = False
    doc: str = ""
    choices: tuple[str, ...] = ()
    refers_to: str = ""  # for id / ids: the kind the ids name ("" = any)
    min_items: int = 0
    max_items: int = 0  # 0 = no limit
    record: Schema | None = None
    translatable: bool = False  # text a translation gives in its own language (see translation_schema)
    translation_key: bool = False  # in a list of records, what a translation names an item by


@dataclass(frozen=True)
class Schema:
    kind: str
    fields: tuple[Field, ...]
    doc: str = ""
    by_name: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})


def N_(message: str) -> str:
    """Marks an interface string for `pybabel extract`; pages translate it where they show it."""
    return message


# Every choice list and its labels, once: the validator, the JSON Schemas and the pages all read these.
ISSUE_STATUSES = {
    "open": N_("Open"),
    "contested": N_("Contested"),
    "partly-addressed": N_("Partly addressed"),
    "addressed": N_("Addressed"),
    "terms-unpublished": N_("Terms unpublished"),
}
# The site's sections a menu may name (besides free pages, by their ids), with their menu labels
NAVIGATION_SECTIONS = {
    "issues": N_("Issues"),
    "stakeholders": N_("Stakeholders"),
    "timeline": N_("Timeline"),
    "positions": N_("Positions"),
    "sources": N_("Sources"),
    "updates": N_("Updates"),
    "search": N_("Search"),
    "print": N_("Print"),
}
DEFAULT_NAVIGATION = ["issues", "stakeholders", "timeline", "positions", "sources"]  # where briefing.yaml names none
# A position's leaning, of the pact (or its renewal): what the stakeholder wants done with it.
POSITION_LEANINGS = {
    "supports": N_("Supports"),
    "opposes": N_("Opposes"),
    "mixed": N_("Mixed"),
    "neutral": N_("Neutral"),
}
STAKEHOLDER_KINDS = {
    "government": N_("Government"),
    "institution": N_("Institution"),
    "person": N_("Person"),
    "group": N_("Group"),
}
STAKEHOLDER_GROUPS = {
    "government": N_("Governments"),
    "institution": N_("Institutions"),
    "person": N_("People"),
    "group": N_("Groups"),
}
PERIOD_KINDS = {"term": N_("Term"), "extension": N_("Extension"), "lapse": N_("Lapse")}
PERIOD_LANES = {"term": N_("Terms"), "extension": N_("Extensions"), "lapse": N_("Lapse")}  # the strip's row titles
# The kinds of entity, each with its label where a list names the kind of each entry (mentions, updates, translations)
ENTITY_KINDS = {
    "issue": N_("Issue"),
    "stakeholder": N_("Stakeholder"),
    "event": N_("Event"),
    "quote": N_("Quotation"),
    "period": N_("Period"),
    "page": N_("Page"),
    "source": N_("Source"),
}
NEW_KINDS = ("issue", "stakeholder", "event", "source", "quote", "page")  # what `briefing new` adds
# What a search result is (the `kind` each page gives the search index), with its label
SEARCH_KINDS = {
    "Issue": N_("Issue"),
    "Stakeholder": N_("Stakeholder"),
    "Event": N_("Event"),
    "Source": N_("Source"),
    "Page": N_("Page"),
    "Timeline": N_("Timeline"),
}
# Where a page's texts come from, on a translated site (see translate.py and the translations page)
TRANSLATION_STATUSES = {
    "current": N_("Translated"),
    "outdated": N_("Translation out of date"),
    "missing": N_("Not translated"),
    "original": N_("Original"),
}


@dataclass(frozen=True, slots=True)
class Ref:
    """An id written in content, with its line, checked later by resolve()."""

    id: str
    line: int


POSITION = Schema(
    "position",
    (
        Field(
            "stakeholder",
            "id",
            True,
            "The stakeholder who holds this position.",
            refers_to="stakeholder",
            translation_key=True,
        ),
        Field("stance", "markdown", True, "The position in one or two sentences.", translatable=True),
        Field(
            "leaning",
            "choice",
            False,
            "Of the pact or its renewal: `supports` (keep or renew it), `opposes` (end it or let it lapse), "
            "`mixed` (conditions both ways), `neutral` (describes without taking a side); leave out when unknown.",
            choices=tuple(POSITION_LEANINGS),
        ),
        Field("sources", "ids", True, "Sources for the position.", refers_to="source", min_items=1),
    ),
)

UPDATE = Schema(
    "update",
    (
        Field("date", "full_date", True, "When the change was made (YYYY-MM-DD)."),
        Field("text", "markdown", True, "What changed and why, with citations where they help."),
        Field("correction", "bool", False, "The change corrects an error; readers are told so."),
    ),
)

_UPDATES = Field("updates", "records", False, "Dated public record of changes to this entry.", record=UPDATE)

NEXT_DATE = Schema(
    "next_date",
    (
        Field("date", "date", True, "The date."),
        Field("label", "text", True, "What happens then.", translatable=True),
        Field("event", "id", False, "The timeline event for it.", refers_to="event"),
    ),
)

LANGUAGE = Schema(
    "language",
    (
        Field("code", "language", True, "BCP 47 tag (`en`, `zh-Hans`); translation files are named with it."),
        Field("prefix", "text", False, "Folder of this language's site (default: the code); none for the first."),
        Field("name", "text", False, "The language's name in itself, for the switch (default: from Babel)."),
    ),
)

BRIEFING = Schema(
    "briefing",
    (
        Field("title", "text", True, "The briefing's title.", translatable=True),
        Field("summary", "text", True, "One sentence: used in page descriptions and feeds.", translatable=True),
        Field("as_of", "full_date", True, "When the briefing was last brought up to date (YYYY-MM-DD)."),
        Field(
            "language",
            "language",
            False,
            "BCP 47 language tag of the content (`en`, `en-GB`, `zh-Hans`), default `en`.",
        ),
        Field(
            "languages",
            "records",
            False,
            "The site's languages, the first being the content's own (it replaces `language`); the others are "
            "translations, each published under its own prefix.",
            record=LANGUAGE,
        ),
        Field("base_url", "url", False, "Absolute address the site is published at, ending in `/`."),
        Field("publisher", "text", True, "Who publishes the briefing.", translatable=True),
        Field("licence", "text", True, "The content licence.", translatable=True),
        Field(
            "state_of_play",
            "markdown",
            True,
            "The home page's opening: the state of play in a few sentences.",
            translatable=True,
        ),
        Field("next_date", "record", False, "The next date to watch.", record=NEXT_DATE, translatable=True),
        Field("key_dates", "ids", False, "Events shown as key dates.", refers_to="event"),
        Field("navigation", "texts", False, "Menu entries: built-in sections or page ids."),
    ),
    "briefing.yaml: the briefing's settings and home page text.",
)

ISSUE = Schema(
    "issue",
    (
        Field("title", "text", True, "Short title.", translatable=True),
        Field("summary", "markdown", True, "One or two sentences.", translatable=True),
        Field("status", "choice", True, "Where the issue stands.", choices=tuple(ISSUE_STATUSES)),
        Field("status_note", "text", False, "One line on how the issue was left.", translatable=True),
        Field(
            "key_points",
            "markdowns",
            False,
            "3 to 5 short points a reader should take away, each cited like any text; shown first.",
            min_items=3,
            max_items=5,
            translatable=True,
        ),
        Field("order", "int", False, "Position in lists; unordered issues follow, by title."),
        Field("positions", "records", False, "Each side's position.", record=POSITION, translatable=True),
        Field("related", "ids", False, "Related issues.", refers_to="issue"),
        _UPDATES,
    ),
    "issues/<id>.md: one contested issue (front matter, then a Markdown body).",
)

STAKEHOLDER = Schema(
    "stakeholder",
    (
        Field("name", "text", True, "Display name.", translatable=True),
        Field(
            "kind",
            "choice",
            True,
            "What sort of stakeholder.",
            choices=tuple(STAKEHOLDER_KINDS),
        ),
        Field("country", "text", False, "Country, in words; leave out when unknown.", translatable=True),
        Field("role", "text", True, "Role, as of when they matter to the briefing.", translatable=True),
        Field("affiliation", "text", False, "A stakeholder id, or free text.", translatable=True),
        Field("stance", "markdown", False, "The stakeholder's stance in one sentence.", translatable=True),
        _UPDATES,
    ),
    "stakeholders/<id>.md: one person, institution, government or group.",
)

EVENT = Schema(
    "event",
    (
        Field("id", "id", True, "Unique id."),
        Field("date", "date", True, "YYYY, YYYY-MM or YYYY-MM-DD."),
        Field("date_note", "text", False, "A qualifier shown with the date (approximate, a span…).", translatable=True),
        Field("title", "text", True, "Short headline.", translatable=True),
        Field("summary", "markdown", True, "What happened, with citations.", translatable=True),
        Field("issues", "ids", True, "The issues the event bears on.", refers_to="issue", min_items=1),
        Field("stakeholders", "ids", False, "Who took part.", refers_to="stakeholder"),
        Field("sources", "ids", True, "Sources for the event.", refers_to="source", min_items=1),
        Field("key", "bool", False, "A key date (signing, expiry, extension, end of term)."),
        _UPDATES,
    ),
    "timeline.yaml or timeline/*.yaml: a list of dated events.",
)

SOURCE = Schema(
    "source",
    (
        Field("id", "id", True, "Unique id."),
        Field("title", "text", True, "Title as published."),
        Field("publisher", "text", True, "The original publisher."),
        Field("date", "date", False, "Publication date, as precise as known; leave out when unknown."),
        Field("author", "text", False, "Author(s)."),
        Field("url", "url", False, "The original publisher's own address (never a mirror)."),
        Field(
            "no_public_link",
            "text",
            False,
            'Why there is no public original to link to (readers see "no public link" and this note).',
            translatable=True,
        ),
        Field("note", "markdown", False, "Caveats: unconfirmed date, title from a copy…", translatable=True),
        _UPDATES,
    ),
    "sources.yaml: the bibliography.",
)

QUOTE = Schema(
    "quote",
    (
        Field("id", "id", True, "Unique id."),
        Field("speaker", "id", True, "The stakeholder quoted.", refers_to="stakeholder"),
        Field("text", "text", True, "The exact words, without quotation marks.", translatable=True),
        Field("source", "id", True, "Where the words were published.", refers_to="source"),
        Field("date", "date", True, "When they were said or published."),
        Field("issues", "ids", False, "Issues the quotation bears on.", refers_to="issue"),
        Field("context", "markdown", False, "When and why it was said.", translatable=True),
        _UPDATES,
    ),
    "quotes.yaml: quotations.",
)

PERIOD = Schema(
    "period",
    (
        Field("id", "id", True, "Unique id."),
        Field("start", "date", True, "First day of the span (YYYY, YYYY-MM or YYYY-MM-DD)."),
        Field("end", "date", False, "Day the span ends; leave out while it is open."),
        Field("kind", "choice", True, "What the span is.", choices=tuple(PERIOD_KINDS)),
        Field("label", "text", True, "Short label.", translatable=True),
        Field("sources", "ids", True, "Sources for the span.", refers_to="source", min_items=1),
        Field("uncertain", "bool", False, "The record does not fix this span; it is drawn dashed."),
        Field("note", "markdown", False, "What is uncertain, calculated or disputed.", translatable=True),
    ),
    "periods.yaml: dated spans (terms, extensions, lapses) drawn on the timeline strip.",
)

PAGE = Schema(
    "page",
    (
        Field("title", "text", True, "Page title.", translatable=True),
        Field("summary", "text", False, "One sentence for the page description.", translatable=True),
        _UPDATES,
    ),
    "pages/<id>.md: a free page (about, method).",
)

SCHEMAS = {s.kind: s for s in (BRIEFING, ISSUE, STAKEHOLDER, EVENT, SOURCE, QUOTE, PERIOD, PAGE)}


TRANSLATED_FROM = Field(
    "translated_from",
    "text",
    False,
    "Fingerprint of the original this translation was made from; written by `briefing translations mark`.",
)


def translation_schema(schema: Schema) -> Schema:
    """What a translation of `schema`'s records may hold: the id (in list files), `translated_from`, and the
    translatable fields, none required here (a translation must give each field its original has; the
    translation step checks that against the original, where it knows which ones those are)."""
    fields: list[Field] = [f for f in schema.fields if f.name == "id" or f.translation_key]
    if schema.kind in SCHEMAS:  # whole entries carry the fingerprint; their parts (positions) do not
        fields.append(TRANSLATED_FROM)
    for spec in schema.fields:
        if not spec.translatable:
            continue
        if spec.record is not None:
            fields.append(replace(spec, required=False, record=translation_schema(spec.record)))
        else:
            fields.append(replace(spec, required=False, min_items=0, max_items=0))
    return Schema(schema.kind, tuple(fields), f"A translation of {schema.kind} texts.")


TRANSLATION_SCHEMAS = {kind: translation_schema(schema) for kind, schema in SCHEMAS.items()}

_SAFE_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)

# A well-formed BCP 47 tag (RFC 5646, section 2.1; the irregular grandfathered tags aside), in syntax that
# Python and JSON Schema (ECMA-262) read alike. The tag reaches Pagefind, which names files after it, so
# nothing but letters, digits and hyphens may pass; and Pagefind 1.x panics on tags of about 30 characters
# (it cuts a hash to the tag's length plus 8), so 24 is the limit: real tags (`hy-Latn-IT-arevela`) are shorter.
_ALNUM = "[A-Za-z0-9]"
LANGUAGE_TAG_PATTERN = (
    "^(?:(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"  # language, with extended language subtags
    "(?:-[A-Za-z]{4})?"  # script
    "(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"  # region
    f"(?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*"  # variants
    f"(?:-[0-9A-WY-Za-wy-z](?:-{_ALNUM}{{2,8}})+)*"  # extensions
    f"(?:-[xX](?:-{_ALNUM}{{1,8}})+)?"  # private use
    f"|[xX](?:-{_ALNUM}{{1,8}})+)$"  # private use only
)
LANGUAGE_TAG_MAX = 24
_LANGUAGE_TAG = re.compile(LANGUAGE_TAG_PATTERN)


def is_language_tag(text: str) -> bool:
    return len(text) <= LANGUAGE_TAG_MAX and bool(_LANGUAGE_TAG.fullmatch(text))


WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)


def check_slug(value: str) -> str:
    """An empty string if `value` is a valid id, else what is wrong with it. Ids become folder names,
    so besides the slug rule they may not be names Windows reserves for devices."""
    if SLUG.fullmatch(value):
        if value in WINDOWS_DEVICES:
            return f"`{value}` is a device name on Windows and cannot name a folder; choose another id"
        return ""
    suggestion = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    suggestion = re.sub(r"[^a-z0-9]+", "-", suggestion).strip("-")
    hint = f"ids are lowercase letters, digits and single hyphens, e.g. `{suggestion or 'my-id'}`"
    return hint


def validate(data: Any, schema: Schema, file: Path, line: int, diags: Diagnostics) -> dict[str, Any] | None:
    """Check one record against its schema; None if it is unusable."""
    values, in_error = checked(data, schema, file, line, diags)
    return None if in_error else values


def checked(
    data: Any, schema: Schema, file: Path, line: int, diags: Diagnostics
) -> tuple[dict[str, Any] | None, frozenset[str]]:
    """Check one record against its schema: its values (a field in error left at its default; None if `data`
    is not a mapping of fields), and the fields in error, each reported (none: the record is valid)."""
    if not isinstance(data, YamlMap):
        what = "empty" if data is None else "a list" if isinstance(data, list) else "plain text"
        diags.error(file, line, f"expected a mapping of fields for this {schema.kind}, found {what}")
        return None, frozenset({""})
    values: dict[str, Any] = {}
    in_error: set[str] = set()
    for key in data:
        if key not in schema.by_name:
            hint = did_you_mean(key, schema.by_name) or "known fields: " + ", ".join(schema.by_name)
            diags.error(file, data.key_lines[key], f"unknown field `{key}` in {schema.kind}", hint)
            in_error.add(key)
    for spec in schema.fields:
        raw = data.get(spec.name)
        at = data.key_lines.get(spec.name, data.line)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.required:
                state = "is empty" if spec.name in data else "is missing"
                diags.error(
                    file,
                    at,
                    f"required field `{spec.name}` {state} in {schema.kind}",
                    spec.doc[0].lower() + spec.doc[1:] if spec.doc else "",
                )
                in_error.add(spec.name)
            values[spec.name] = _default(spec)
            continue
        try:
            values[spec.name] = _convert(spec, raw, file, at, diags)
        except _Invalid as problem:
            diags.error(file, problem.line or at, f"field `{spec.name}`: {problem.message}", problem.hint)
            in_error.add(spec.name)
            values[spec.name] = _default(spec)
    return values, frozenset(in_error)


class _Invalid(Exception):
    def __init__(self, message: str, hint: str = "", line: int = 0) -> None:
        super().__init__(message)
        self.message, self.hint, self.line = message, hint, line


def _default(spec: Field) -> Any:
    if spec.type in ("ids", "records", "texts", "markdowns"):
        return []
    if spec.type == "bool":
        return False
    if spec.type in ("text", "url", "language", "choice"):
        return ""
    return None


def _text(raw: Any) -> str:
    if not isinstance(raw, str):
        raise _Invalid(
            f"expected text, found {'a list' if isinstance(raw, list) else 'a mapping'}",
            "quote the value if it contains `: ` or starts with `[` or `{`",
        )
    return raw.strip()


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _convert(spec: Field, raw: Any, file: Path, line: int, diags: Diagnostics) -> Any:
    kind = spec.type
    if kind == "records":
        if not isinstance(raw, YamlList):
            raise _Invalid("expected a list")
        records = []
        for item, item_line in zip(raw, raw.item_lines, strict=True):
            assert spec.record is not None
            record = validate(item, spec.record, file, item_line, diags)
            if record is None:
                raise _Invalid("has an invalid entry (see above)", line=item_line)
            records.append(record)
        return records
    if kind == "record":
        assert spec.record is not None
        record = validate(raw, spec.record, file, line, diags)
        if record is None:
            raise _Invalid("is invalid (see above)")
        return record
    if kind in ("ids", "texts", "markdowns"):
        items = raw if isinstance(raw, YamlList) else None
        if items is None:
            if isinstance(raw, str) and kind == "ids":
                raise _Invalid("expected a list of ids", f"write `[{raw.strip()}]`")
            raise _Invalid("expected a list")
        out = []
        for item, item_line in zip(items, items.item_lines, strict=True):
            if item is None:
                raise _Invalid("has an empty entry", line=item_line)
            text = _text(item)
            if kind == "ids":
                problem = check_slug(text)
                if problem:
                    raise _Invalid(f"`{text}` is not a valid id", problem, item_line)
                out.append(Ref(text, item_line))
            elif kind == "markdowns":
                out.append(compile_markdown(text, file, item_line, inline=True))
            else:
                out.append(text)
        if len(out) < spec.min_items:
            raise _Invalid(f"needs at least {spec.min_items} entr{'y' if spec.min_items == 1 else 'ies'}")
        if spec.max_items and len(out) > spec.max_items:
            raise _Invalid(f"has {len(out)} entries; at most {spec.max_items}")
        return out
    text = _text(raw)
    if kind == "text":
        return text
    if kind == "markdown":
        return compile_markdown(text, file, line, inline=True)
    if kind in ("date", "full_date"):
        try:
            date = PartialDate.parse(text)
        except ValueError as exc:
            raise _Invalid(str(exc)) from None
        if kind == "full_date" and date.precision != "day":
            raise _Invalid(f"`{text}` must be a full date", "write YYYY-MM-DD")
        return date
    if kind == "int":
        if not re.fullmatch(r"[+-]?\d{1,9}", text):
            raise _Invalid(f"`{text}` is not a whole number")
        return int(text)
    if kind == "bool":
        lowered = text.lower()
        if lowered not in ("true", "false"):
            raise _Invalid(f"`{text}` is not `true` or `false`")
        return lowered == "true"
    if kind == "id":
        problem = check_slug(text)
        if problem:
            raise _Invalid(f"`{text}` is not a valid id", problem)
        return Ref(text, line)
    if kind == "url":
        if not (_SAFE_URL.fullmatch(text) and is_safe_url(text)):
            raise _Invalid(f"`{_short(text)}` is not an http(s) address", "write the full address, https://…")
        return text
    if kind == "language":
        if not is_language_tag(text):
            raise _Invalid(
                f"`{_short(text)}` is not a language tag",
                f"write a BCP 47 tag of at most {LANGUAGE_TAG_MAX} characters, such as `en`, `en-GB`, `zh-Hans`",
            )
        return text
    if kind == "choice":
        if text not in spec.choices:
            hint = did_you_mean(text, spec.choices) or "one of: " + ", ".join(spec.choices)
            raise _Invalid(f"`{text}` is not allowed", hint)
        return text
    raise AssertionError(kind)
