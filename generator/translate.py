"""Translations: a briefing's languages, each translation laid over its original, and how old it is.

A translation (`issues/x.zh-Hans.md`, `timeline.zh-Hans.yaml`, …) gives only texts; ids, dates, sources and
links stay the original's. `overlay` makes, for one language, the records that language's site is built
from: every original record with its translated texts where a translation exists, the original's texts
where none does. A translation records the fingerprint of the original's texts it was made from
(`translated_from`, written by `briefing translations mark`); when the original's texts change, the
fingerprints differ and the translation is outdated — its page says so and `check --strict` fails.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

from babel import Locale, UnknownLocaleError

from generator.diagnostics import Diagnostics, did_you_mean
from generator.load import Loaded, Record, Translation, canonical, texts_of
from generator.markdown import Markdown
from generator.model import Language, Translated
from generator.schema import SCHEMAS, Field


def languages(config: Record, diags: Diagnostics) -> list[Language]:
    """The briefing's languages: `languages` in briefing.yaml, or the one `language` (default `en`)."""
    values = config.values
    entries = values.get("languages") or [{"code": values.get("language") or "en", "prefix": "", "name": ""}]
    found: list[Language] = []
    for index, entry in enumerate(entries):
        code = entry["code"]
        if any(language.code == code for language in found):
            diags.error(config.origin.file, config.origin.line, f"language `{code}` is listed twice in `languages`")
            continue
        locale = _locale(code)
        prefix = "" if index == 0 else (entry["prefix"] or code).strip("/")
        name = entry["name"] or _own_name(code) or code
        found.append(Language(code, prefix, name, str(locale)))
    if values.get("languages") and values.get("language") and values["language"] != found[0].code:
        diags.error(
            config.origin.file,
            config.origin.line,
            f"`language` is `{values['language']}` but the first of `languages` is `{found[0].code}`",
            "leave out `language`: the first of `languages` is the content's own",
        )
    return found


def check_languages(translations: list[Translation], languages: list[Language], diags: Diagnostics) -> None:
    """Each translation is into one of the briefing's languages other than its first."""
    known = {language.code for language in languages}
    for translation in translations:
        if translation.language not in known or translation.language == languages[0].code:
            diags.error(
                translation.origin.file,
                translation.origin.line,
                f"translation into `{translation.language}`, which is not one of the briefing's other languages",
                "add it to `languages` in briefing.yaml, or rename the file"
                + (f"; the languages are {', '.join(sorted(known))}" if known else ""),
            )


def _locale(code: str) -> Locale:
    """Babel's data for a language tag: the tag itself, else its language alone, else British English (a
    well-formed tag Babel has no data for, such as a private-use `x-…`, still names the content's language)."""
    for candidate in (code, code.split("-")[0]):
        try:
            locale = Locale.parse(candidate, sep="-")
        except (UnknownLocaleError, ValueError):
            continue
        if locale.language == "en" and not locale.territory:
            return Locale.parse("en_GB")  # dates day-month-year, as the house style writes them
        return locale
    return Locale.parse("en_GB")


def _own_name(code: str) -> str:
    """A language's name in itself (`English`, `中文 (简体)`), as Babel's data gives it; "" if it has none."""
    try:
        locale = Locale.parse(code, sep="-")
    except (UnknownLocaleError, ValueError):
        return ""
    return locale.get_display_name(locale) or ""


def fingerprint(record: Record) -> str:
    """Of the texts a translation translates (translatable fields and body): what `translated_from` names."""
    schema = SCHEMAS[record.kind]
    texts = {spec.name: _texts(spec, record.values.get(spec.name)) for spec in schema.fields if spec.translatable}
    data = repr((record.kind, record.id, canonical(texts), record.body.text if record.body else ""))
    # (kept in translations' files: not the build's own digest function, which may change between releases)
    return hashlib.blake2b(data.encode(), digest_size=8).hexdigest()


def _texts(spec: Field, value: Any) -> Any:
    """The translatable part of a field's value (of a list of positions: each one's key and stance)."""
    if spec.record is None or not value:
        return value
    keep = {f.name for f in spec.record.fields if f.translatable or f.translation_key}
    items = value if isinstance(value, list) else [value]
    picked = [{k: v for k, v in item.items() if k in keep} for item in items]
    return picked if isinstance(value, list) else picked[0]


@dataclass
class Overlay:
    """One language's records, and where each entry's texts come from."""

    language: Language
    loaded: Loaded
    translated: dict[str, Translated] = field(default_factory=dict)  # record id ("" the settings) → state
    sources: list[tuple[object, ...]] = field(default_factory=list)  # per record: its original and translation
    config_from: tuple[object, ...] = ()  # the settings' original and translation


def overlay(loaded: Loaded, language: Language, default: Language, diags: Diagnostics) -> Overlay:
    """The records of `language`'s site: each original with its translation's texts laid over it."""
    mine = [t for t in loaded.translations if t.language == language.code]
    by_key: dict[tuple[str, str], Translation] = {}
    result = Overlay(language, Loaded(refs=loaded.refs, invalid=loaded.invalid, unreadable=loaded.unreadable))
    unlaid = result.loaded.unlinked  # texts of translations laid over nothing: their references are checked too
    for translation in mine:
        key = (translation.kind, translation.id)
        first = by_key.get(key)
        if first is not None:
            diags.error(
                translation.origin.file,
                translation.origin.line,
                f"second {language.code} translation of {_name(translation.kind, translation.id)}",
                f"the first is at {diags.display(first.origin.file)}:{first.origin.line}",
            )
            unlaid.extend(texts_of(translation.values, translation.body))
            continue
        by_key[key] = translation
    originals = {(r.kind, r.id): r for r in loaded.records}
    if loaded.config is not None:
        originals[("briefing", "")] = loaded.config
    for (kind, entity_id), translation in by_key.items():
        if (kind, entity_id) in originals:
            continue
        unlaid.extend(texts_of(translation.values, translation.body))
        if kind != "briefing" and not loaded.reported(entity_id, kind):  # an original in error was reported
            pool = [r.id for r in loaded.records if r.kind == kind]
            diags.error(
                translation.origin.file,
                translation.origin.line,
                f"translation of unknown {kind} `{entity_id}`",
                did_you_mean(entity_id, pool) or f"translations are named after their original's id ({kind})",
            )
    ids = {r.id for r in loaded.records}

    def laid(record: Record) -> Record:
        translation = by_key.get((record.kind, record.id))
        updated = max((u["date"] for u in record.values.get("updates", ())), default=None)
        if translation is None:
            result.translated[record.id] = Translated("missing", default.code, updated)
            return record
        values, body = _merge(record, translation, ids, diags)
        status = "current" if translation.values["translated_from"] == fingerprint(record) else "outdated"
        file = diags.display(translation.origin.file)
        spoken = {"quote": "text", "stakeholder": "name"}.get(record.kind, "")  # kept: the words, the name as written
        spoken = record.values[spoken] if spoken else ""
        result.translated[record.id] = Translated(status, language.code, updated, file, spoken)
        if status == "outdated" and "translated_from" not in translation.in_error:
            _warn_outdated(translation, record, diags)
        return replace(record, values=values, body=body)

    result.loaded.records = [laid(record) for record in loaded.records]
    result.sources = [(record, by_key.get((record.kind, record.id))) for record in loaded.records]
    if loaded.config is not None:
        result.loaded.config = laid(loaded.config)
        result.config_from = (loaded.config, by_key.get(("briefing", "")))
    return result


def _merge(
    record: Record, translation: Translation, ids: set[str], diags: Diagnostics
) -> tuple[dict[str, Any], Markdown | None]:
    """The original's values with the translated texts; every text of the original must be translated."""
    values = dict(record.values)
    where = translation.origin
    name = _name(record.kind, record.id)

    def problem(message: str, hint: str = "", value: Any = None) -> None:
        diags.error(where.file, getattr(value, "line", 0) or where.line, f"{message} ({name})", hint)

    for spec in SCHEMAS[record.kind].fields:
        if not spec.translatable or spec.name in translation.in_error:  # a field in error was reported
            continue
        original, given = record.values.get(spec.name), translation.values.get(spec.name)
        if spec.name == "affiliation" and original in ids:
            if given:
                problem("`affiliation` names a stakeholder: a translation does not repeat it", "remove it")
            continue
        if not original:
            if given:
                problem(f"the original has no `{spec.name}` to translate", "remove it", given)
            continue
        if not given:
            problem(f"missing translation of `{spec.name}`", "translate every text of the original")
            continue
        if spec.type == "markdowns" and len(given) != len(original):
            problem(
                f"`{spec.name}` has {len(given)} items; the original has {len(original)}",
                "translate each item, in the original's order",
            )
            continue
        if spec.type == "records":
            values[spec.name] = _merge_items(spec, original, given, problem)
        elif spec.type == "record":
            values[spec.name] = {**original, **{k: v for k, v in given.items() if v}}
        else:
            values[spec.name] = given
    body = record.body
    if body is not None and body.text.strip():
        if translation.body is None or not translation.body.text.strip():
            problem("the translation has no body", "translate the original's text below the front matter")
        else:
            body = translation.body
    return values, body


def _merge_items(spec: Field, original: list[dict[str, Any]], given: list[dict[str, Any]], problem: Any) -> list:
    """Items of a list of records (positions), matched by their key (the stakeholder)."""
    assert spec.record is not None
    key = next(f.name for f in spec.record.fields if f.translation_key)
    texts = [f.name for f in spec.record.fields if f.translatable]
    by_key = {item[key].id: item for item in given}
    merged = []
    for item in original:
        match = by_key.pop(item[key].id, None)
        if match is None:
            problem(f"no translation of the {spec.record.kind} of `{item[key].id}`", "translate it")
            merged.append(item)
            continue
        missing = [name for name in texts if item.get(name) and not match.get(name)]
        if missing:
            problem(f"missing `{missing[0]}` in the {spec.record.kind} of `{item[key].id}`")
        merged.append({**item, **{name: match[name] for name in texts if match.get(name)}})
    for extra, item in by_key.items():
        problem(f"the original has no {spec.record.kind} of `{extra}`", "remove it", item[key])
    return merged


def _warn_outdated(translation: Translation, record: Record, diags: Diagnostics) -> None:
    name = _name(record.kind, record.id)
    if not translation.values["translated_from"]:
        message = f"{translation.language} translation of {name} is not marked with the version it was made from"
    else:
        message = f"{translation.language} translation of {name} is out of date: the original changed since"
    hint = f"bring it up to date, then run `briefing translations mark {diags.display(translation.origin.file)}`"
    diags.warning(translation.origin.file, translation.origin.line, message, hint)


def _name(kind: str, entity_id: str) -> str:
    return "the briefing's settings" if kind == "briefing" else f"{kind} `{entity_id}`"
