"""JSON Schemas for every content kind, generated from the same declarations the validator uses
(schema.py), so editors can complete and check content as it is typed and the two cannot drift."""

from __future__ import annotations

from typing import Any

from generator.schema import LANGUAGE_TAG_MAX, LANGUAGE_TAG_PATTERN, SCHEMAS, SLUG, TRANSLATION_SCHEMAS, Field, Schema

DATE = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
SLUG_PATTERN = f"^{SLUG.pattern}$"
# Which file holds which kind, and whether the file is a list of records or one record (front matter).
FILES = {
    "briefing": ("briefing.yaml", False),
    "issue": ("issues/<id>.md (front matter)", False),
    "stakeholder": ("stakeholders/<id>.md (front matter)", False),
    "page": ("pages/<id>.md (front matter)", False),
    "event": ("timeline.yaml", True),
    "source": ("sources.yaml", True),
    "quote": ("quotes.yaml", True),
    "period": ("periods.yaml", True),
}


def _field(spec: Field) -> dict[str, Any]:
    out: dict[str, Any]
    kind = spec.type
    if kind in ("text", "markdown"):
        out = {"type": "string", "minLength": 1}
    elif kind == "date":
        out = {"type": "string", "pattern": DATE}
    elif kind == "full_date":
        out = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
    elif kind == "int":
        out = {"type": ["integer", "string"], "pattern": r"^[+-]?[0-9]{1,9}$"}
    elif kind == "bool":
        out = {"type": ["boolean", "string"], "enum": [True, False, "true", "false"]}
    elif kind == "id":
        out = {"type": "string", "pattern": SLUG_PATTERN}
    elif kind == "ids":
        out = {"type": "array", "items": {"type": "string", "pattern": SLUG_PATTERN}}
        if spec.min_items:
            out["minItems"] = spec.min_items
    elif kind == "markdowns":
        out = {"type": "array", "items": {"type": "string", "minLength": 1}}
        if spec.min_items:
            out["minItems"] = spec.min_items
        if spec.max_items:
            out["maxItems"] = spec.max_items
    elif kind == "url":
        out = {"type": "string", "pattern": r"^[hH][tT][tT][pP][sS]?://[^\s<>\"'`]+$"}
    elif kind == "language":
        out = {"type": "string", "pattern": LANGUAGE_TAG_PATTERN, "maxLength": LANGUAGE_TAG_MAX}
    elif kind == "choice":
        out = {"type": "string", "enum": list(spec.choices)}
    elif kind == "records":
        assert spec.record is not None
        out = {"type": "array", "items": record(spec.record)}
    elif kind == "record":
        assert spec.record is not None
        out = record(spec.record)
    else:
        out = {"type": "array", "items": {"type": "string"}}
    if spec.doc:
        out["description"] = spec.doc + (f" (refers to a {spec.refers_to})" if spec.refers_to else "")
    return out


def record(schema: Schema) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {spec.name: _field(spec) for spec in schema.fields},
        "required": [spec.name for spec in schema.fields if spec.required],
        "additionalProperties": False,
    }


def translation_file(kind: str) -> str:
    """`issues/<id>.<language>.md`: where a translation of a kind's texts lives."""
    file = FILES[kind][0]
    if "<id>.md" in file:
        return file.replace("<id>.md", "<id>.<language>.md")
    return file.replace(".yaml", ".<language>.yaml")


def json_schema(kind: str, translation: bool = False) -> dict[str, Any]:
    """The JSON Schema of one content kind's file, or of a translation of it."""
    schema = TRANSLATION_SCHEMAS[kind] if translation else SCHEMAS[kind]
    file, is_list = FILES[kind]
    body = record(schema)
    out: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"briefing-{kind}{'-translation' if translation else ''}.schema.json",
        "title": f"Briefing: {translation_file(kind) if translation else file}",
        "description": schema.doc,
    }
    if is_list:
        out |= {"type": "array", "items": body}
    else:
        out |= body
    return out
