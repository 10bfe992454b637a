"""Records → Briefing: ids checked, cross-references resolved, backlinks and orderings computed."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.dates import PartialDate
from generator.diagnostics import Diagnostics, did_you_mean
from generator.load import Loaded, Record, Translation, texts_of
from generator.markdown import Markdown
from generator.model import (
    ORIGINAL,
    Briefing,
    Config,
    Entity,
    Event,
    Issue,
    NextDate,
    Page,
    Period,
    Position,
    Quote,
    Source,
    Stakeholder,
    Translated,
    Update,
)
from generator.schema import DEFAULT_NAVIGATION, NAVIGATION_SECTIONS, Ref

STALE_AFTER_DAYS = 90


def markdown_of(entity: Entity) -> Iterator[Markdown]:
    """Every Markdown text an entity carries, in the order its page shows them."""
    if isinstance(entity, Issue):
        yield entity.summary
        yield from entity.key_points
        yield from (p.stance for p in entity.positions)
        yield entity.body
    elif isinstance(entity, Stakeholder):
        if entity.stance:
            yield entity.stance
        yield entity.body
    elif isinstance(entity, Event):
        yield entity.summary
    elif isinstance(entity, Source):
        if entity.note:
            yield entity.note
    elif isinstance(entity, Quote):
        if entity.context:
            yield entity.context
    elif isinstance(entity, Period):
        if entity.note:
            yield entity.note
    else:
        yield entity.body
    yield from (update.text for update in getattr(entity, "updates", ()))


def resolve(
    loaded: Loaded,
    diags: Diagnostics,
    translated: dict[str, Translated] | None = None,
) -> Briefing | None:
    """Check every id and reference, then link the records into a Briefing (None if there were errors).
    `translated` is given for another language's site (see translate.overlay): where each entity's texts
    come from; the editor's warnings are given once, for the original."""
    by_record: dict[str, Record] = {}
    for record in loaded.records:
        first = by_record.get(record.id)
        if first is not None:
            diags.error(
                record.origin.file,
                record.origin.line,
                f"duplicate id `{record.id}`: already used by the {first.kind} at "
                f"{diags.display(first.origin.file)}:{first.origin.line}",
                "ids are unique across all kinds",
            )
            continue
        by_record[record.id] = record
    _check_references(loaded, by_record, diags)
    _check_periods(loaded.of_kind("period"), diags)
    if diags.errors or loaded.config is None:
        return None
    briefing = _link(loaded.config, [by_record[r.id] for r in loaded.records if by_record.get(r.id) is r])
    _finish(briefing, diags, translated)
    return briefing


def _finish(briefing: Briefing, diags: Diagnostics, translated: dict[str, Translated] | None) -> None:
    if translated is None:
        _warn(briefing, diags, _today())
    else:
        for entity in briefing.by_id.values():
            entity.translated = translated.get(entity.id, ORIGINAL)
        briefing.config.translated = translated.get("", ORIGINAL)


@dataclass
class _Linked:
    """One resolve's inputs and result: the records (each with what it was made from), and the model."""

    config: tuple[object, ...]
    records: list[Record]
    sources: list[tuple[object, ...]]
    briefing: Briefing


class Linker:
    """`resolve`, kept incremental by a long-lived engine (the preview).

    After an edit that changes no reference and no ordering — a body, a summary, a stance, a name that
    keeps its place — the last model is patched instead of linked anew: each changed record's entity gets
    the fields of a freshly made entity, in place, so everything that holds it sees the new texts. Any
    other edit (an id, a reference added, moved or removed, an order, a period, the settings, an error)
    resolves from scratch. Either way the model equals what `resolve` makes of the same records;
    tests/test_incremental.py holds the patched model to that, field by field. `keep` False: an engine that
    builds once keeps nothing for a next resolve."""

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self.last: dict[str, _Linked] = {}  # per edition (language code)
        self.patched: dict[str, list[Entity] | None] = {}  # per edition: the entities the last resolve patched
        self.patches = 0  # how many resolves were patches (for tests and benchmarks)

    def resolve(
        self,
        loaded: Loaded,
        diags: Diagnostics,
        edition: str = "",
        translated: dict[str, Translated] | None = None,
        sources: list[tuple[object, ...]] | None = None,
        config_from: tuple[object, ...] | None = None,
    ) -> Briefing | None:
        """`resolve(loaded, …)`. `sources[i]` names the objects `loaded.records[i]` was made from (by default
        the record itself), `config_from` those of the settings: a record made from the very same objects
        as last time is unchanged."""
        if not self.keep:
            return resolve(loaded, diags, translated)
        made_from = sources if sources is not None else [(record,) for record in loaded.records]
        config = config_from if config_from is not None else (loaded.config,)
        known = self.last.pop(edition, None)
        self.patched[edition] = None
        briefing = None
        if known is not None and not diags.errors and _same(config, known.config):
            patch = _patched(known, loaded, made_from, diags)
            if patch is not None:
                briefing, self.patched[edition] = patch
                self.patches += 1
                _finish(briefing, diags, translated)
        if briefing is None:
            briefing = resolve(loaded, diags, translated)
        if briefing is not None and loaded.config is not None:
            self.last[edition] = _Linked(config, list(loaded.records), made_from, briefing)
        return briefing


_LINKED_FIELDS = frozenset(
    {"links", "translated", "kind", "positions", "related", "affiliation", "issues", "stakeholders", "sources"}
    | {"speaker", "source"}
)


def _patched(
    known: _Linked, loaded: Loaded, sources: list[tuple[object, ...]], diags: Diagnostics
) -> tuple[Briefing, list[Entity]] | None:
    """The last model with the changed records' fields laid in, and the entities changed; or None when the edit
    needs a full resolve."""
    records = loaded.records
    if len(records) != len(known.records):
        return None
    changed: list[tuple[Record, Record]] = []
    for index in _differing(sources, known.sources):
        record, before = records[index], known.records[index]
        if record.id != before.id or record.kind != before.kind or record.kind == "period":
            return None
        if reference_skeleton(record) != reference_skeleton(before):
            return None
        changed.append((record, before))
    briefing = known.briefing
    for record, _before in changed:
        for text in texts_of(record.values, record.body):
            if text.too_deep:
                return None  # an error: let resolve report it
    reordered, entities = False, []
    for record, _before in changed:
        entity, fresh = briefing.by_id[record.id], _entity(record)
        entities.append(entity)
        reordered = reordered or _order_key(entity) != _order_key(fresh)
        for name in fresh.__dataclass_fields__:
            if name not in _LINKED_FIELDS:
                setattr(entity, name, getattr(fresh, name))
        if isinstance(entity, Issue):
            for position, value in zip(entity.positions, record.values["positions"], strict=True):
                position.stance, position.leaning = value["stance"], value["leaning"]
    if reordered:  # (while no entity's sort key changed, every list keeps its order)
        orders = _orders(briefing.by_id.values())
        for now, then in zip(
            orders,
            (briefing.issues, briefing.events, briefing.stakeholders, briefing.sources, briefing.quotes),
            strict=False,
        ):
            if len(now) != len(then) or any(a is not b for a, b in zip(now, then, strict=True)):
                return None  # the last model is dropped: resolve links a new one
    briefing.key_events = _key_events(briefing.config, briefing.events)
    return briefing, entities


def _same(made: tuple[object, ...], before: tuple[object, ...]) -> bool:
    return len(made) == len(before) and all(a is b for a, b in zip(made, before, strict=True))


def _differing(made: list[tuple[object, ...]], before: list[tuple[object, ...]]) -> list[int]:
    """The places where `made` and `before` (of equal length) differ, element by element, by identity."""
    firsts = [m[0] if len(m) == 1 else m for m in made]  # the common case, a record made from itself alone
    firsts_before = [m[0] if len(m) == 1 else m for m in before]
    return [
        index
        for index, (a, b) in enumerate(zip(firsts, firsts_before, strict=True))
        if a is not b and not (isinstance(a, tuple) and isinstance(b, tuple) and _same(a, b))
    ]


def _check_references(loaded: Loaded, by_record: dict[str, Record], diags: Diagnostics) -> None:
    kinds_by_pool: dict[str, list[str]] = {}

    def pool(expected: str) -> list[str]:
        if expected not in kinds_by_pool:
            kinds_by_pool[expected] = [r.id for r in by_record.values() if not expected or r.kind == expected]
            kinds_by_pool[expected] += [i for i, kind in loaded.invalid.items() if not expected or kind == expected]
        return kinds_by_pool[expected]

    def check(file: Path, line: int, target: str, expected: str, context: str) -> None:
        found = by_record.get(target)
        if found is None and loaded.reported(target, expected):
            return
        if found is None:
            diags.error(
                file, line, f"unknown {expected or 'id'} `{target}` in {context}", did_you_mean(target, pool(expected))
            )
        elif expected and found.kind != expected:
            diags.error(file, line, f"`{target}` is a {found.kind}, not a {expected} ({context})")

    for file, ref, expected, context in loaded.refs:
        check(file, ref.line, ref.id, expected, context)
    texts = [text for record in loaded.records for text in texts_of(record.values, record.body)]
    texts += loaded.unlinked
    if loaded.config is not None:
        texts.append(loaded.config.values["state_of_play"])
    for text in texts:
        if text.too_deep:
            diags.error(
                text.file,
                text.too_deep,
                "Markdown nested too deeply (lists or quotes more than 98 levels deep); the text inside would be lost",
                "flatten the nesting",
            )
        for link in text.links:
            check(text.file, link.line, link.target, "", f"link `[[{link.target}]]`")
        for cite in text.citations:
            check(text.file, cite.line, cite.target, "source", f"citation `[@{cite.target}]`")
    config = loaded.config
    if config is not None:
        pages = {r.id for r in by_record.values() if r.kind == "page"}
        pages |= {i for i, kind in loaded.invalid.items() if kind == "page"}
        for entry in config.values["navigation"]:
            if entry not in NAVIGATION_SECTIONS and entry not in pages:
                diags.error(
                    config.origin.file,
                    config.origin.line,
                    f"unknown navigation entry `{entry}`",
                    did_you_mean(entry, [*NAVIGATION_SECTIONS, *pages]),
                )


def record_targets(record: Record | Translation) -> frozenset[str]:
    """What a record refers to, each id named with where it is referred to (`positions:p-014`, `text:nat-2024`):
    a reference that moves (a person named in the text who now takes a position too) changes the backlinks of
    its target as much as a new one does. `target_ids` gives the bare ids."""
    return frozenset(
        f"text:{target}" if where.endswith(("[[", "[@")) else f"{where.split('.')[1]}:{target}"
        for where, target in reference_skeleton(record)
    )


def reference_skeleton(record: Record | Translation) -> list[tuple[str, str]]:
    """Every reference of a record in order, each with where it stands (`.positions.0.stakeholder`,
    `body[@`): two records with the same skeleton link (and backlink) the same entities in the same order."""
    found: list[tuple[str, str]] = []

    def walk(value: Any, where: str) -> None:
        if isinstance(value, Ref):
            found.append((where, value.id))
        elif isinstance(value, Markdown):
            found.extend((where + "[[", link.target) for link in value.links)
            found.extend((where + "[@", cite.target) for cite in value.citations)
        elif isinstance(value, dict):
            for name, item in value.items():
                walk(item, f"{where}.{name}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{where}.{index}")
        elif where == ".affiliation" and isinstance(value, str) and value:
            found.append((where, value))

    walk({name: value for name, value in record.values.items() if name != "id"}, "")  # its own id is no reference
    if record.body is not None:
        walk(record.body, "body")
    return found


def target_ids(targets: Iterable[str]) -> set[str]:
    """The ids of `record_targets`, without where they are referred to."""
    return {target.partition(":")[2] for target in targets}


def _updates(values: dict[str, Any]) -> list[Update]:
    return [Update(u["date"], u["text"], u["correction"]) for u in values.get("updates", ())]


def _link(config_record: Record, records: list[Record]) -> Briefing:
    """Records → entities holding each other; backlinks in one pass over every reference (linear)."""
    entities: dict[str, Entity] = {}
    for record in records:
        entities[record.id] = _entity(record)

    def one(ref: Ref) -> Any:
        return entities[ref.id]

    def many(refs: list[Ref]) -> list[Any]:
        return [entities[ref.id] for ref in refs]

    for record in records:
        entity, values = entities[record.id], record.values
        if isinstance(entity, Issue):
            entity.related = many(values["related"])
            entity.positions = [
                Position(entity, one(p["stakeholder"]), p["stance"], many(p["sources"]), p["leaning"])
                for p in values["positions"]
            ]
        elif isinstance(entity, Stakeholder):
            parent = entities.get(values["affiliation"] or "")
            entity.affiliation = parent if isinstance(parent, Stakeholder) else values["affiliation"]
        elif isinstance(entity, Event):
            entity.issues = many(values["issues"])
            entity.stakeholders = many(values["stakeholders"])
            entity.sources = many(values["sources"])
        elif isinstance(entity, Quote):
            entity.speaker = one(values["speaker"])
            entity.source = one(values["source"])
            entity.issues = many(values["issues"])
        elif isinstance(entity, Period):
            entity.sources = many(values["sources"])

    values = config_record.values
    next_date, navigation = values["next_date"], values["navigation"] or DEFAULT_NAVIGATION
    config = Config(
        title=values["title"],
        summary=values["summary"],
        as_of=values["as_of"],
        language=values["language"] or "en",
        base_url=_with_slash(values["base_url"]),
        publisher=values["publisher"],
        licence=values["licence"],
        state_of_play=values["state_of_play"],
        navigation=[entry if entry in NAVIGATION_SECTIONS else entities[entry] for entry in navigation],
        origin=config_record.origin,
        next_date=NextDate(
            next_date["date"], next_date["label"], one(next_date["event"]) if next_date["event"] else None
        )
        if next_date
        else None,
        key_dates=many(values["key_dates"]),
    )
    issues, events, stakeholders, sources, quotes, pages, periods = _orders(entities.values())
    briefing = Briefing(config, issues, stakeholders, events, sources, quotes, periods, pages, entities)
    briefing.key_events = _key_events(config, events)
    _backlinks(briefing)
    return briefing


_UNDATED = PartialDate(0)
# how the site orders each kind's entities: issues, events, stakeholders, sources, quotes, pages, periods
_ORDER_KEYS: dict[type, Callable[[Any], object]] = {
    Issue: lambda i: (i.order is None, i.order or 0, i.title.lower(), i.id),
    Event: lambda e: e.date,  # stable: same-date events keep file order
    Stakeholder: lambda s: (s.name.lower(), s.id),
    Source: lambda s: (s.publisher.lower(), s.date or _UNDATED, s.title.lower(), s.id),
    Quote: lambda q: (q.date, q.id),
    Page: lambda p: p.id,
    Period: lambda p: (p.start, p.id),
}


def _order_key(entity: Entity) -> object:
    return _ORDER_KEYS[type(entity)](entity)


def _orders(entities: Iterable[Entity]) -> tuple[list[Any], ...]:
    """Each kind's entities in the order the site lists them: issues, events, stakeholders, sources, quotes,
    pages, periods."""
    of = _by_kind(entities)
    return tuple(sorted(of[kind], key=key) for kind, key in _ORDER_KEYS.items())


def _key_events(config: Config, events: list[Event]) -> list[Event]:
    chosen = {id(e) for e in config.key_dates}
    return [e for e in events if e.key or id(e) in chosen]


def _with_slash(base_url: str) -> str:
    return base_url if not base_url or base_url.endswith("/") else base_url + "/"


def _by_kind(entities: Iterable[Entity]) -> dict[type, list[Any]]:
    out: dict[type, list[Any]] = {kind: [] for kind in (Issue, Stakeholder, Event, Source, Quote, Page, Period)}
    for entity in entities:
        out[type(entity)].append(entity)
    return out


def _entity(record: Record) -> Entity:
    v, origin = record.values, record.origin
    body = record.body
    if record.kind == "issue":
        assert body is not None
        issue = Issue(
            record.id, v["title"], v["summary"], v["status"], v["status_note"], v["order"], body, origin, _updates(v)
        )
        issue.key_points = list(v["key_points"])
        return issue
    if record.kind == "stakeholder":
        assert body is not None
        return Stakeholder(
            record.id, v["name"], v["kind"], v["country"], v["role"], v["stance"], body, origin, _updates(v)
        )
    if record.kind == "page":
        assert body is not None
        return Page(record.id, v["title"], v["summary"], body, origin, _updates(v))
    if record.kind == "event":
        return Event(record.id, v["date"], v["date_note"], v["title"], v["summary"], v["key"], origin, _updates(v))
    if record.kind == "source":
        return Source(
            record.id,
            v["title"],
            v["publisher"],
            v["date"],
            v["author"],
            v["url"],
            v["no_public_link"],
            v["note"],
            origin,
            _updates(v),
        )
    if record.kind == "quote":
        return Quote(record.id, v["text"], v["date"], v["context"], origin, _updates(v))
    assert record.kind == "period"
    return Period(record.id, v["start"], v["end"], v["kind"], v["label"], v["uncertain"], v["note"], origin)


def _check_periods(periods: list[Record], diags: Diagnostics) -> None:
    """Spans of one kind may touch but not overlap (an open span runs on forever)."""
    reach: dict[str, Record] = {}  # per kind: the span seen so far that ends last
    for period in sorted(periods, key=lambda p: (p.values["start"], p.id)):
        kind, start, end = period.values["kind"], period.values["start"], period.values["end"]
        widest = reach.get(kind)
        widest_end = widest.values["end"] if widest is not None else None
        if widest is not None and (widest_end is None or start < widest_end):
            diags.error(
                period.origin.file,
                period.origin.line,
                f"{kind} `{period.id}` overlaps {kind} `{widest.id}` (line {widest.origin.line})",
                "periods of one kind must not overlap",
            )
        if widest is None or (widest_end is not None and (end is None or end > widest_end)):
            reach[kind] = period


def _backlinks(briefing: Briefing) -> None:
    """Fill every entity's `links` in one pass over every reference. A set of (list, item) beside the lists
    keeps each item once per list in constant time: a hub linked from thousands of pages stays linear."""
    seen: set[tuple[int, str, str, str]] = set()

    def add(owner: Entity, name: str, item: Any) -> None:
        key = (id(owner), name, item.kind, item.id)
        if key not in seen:
            seen.add(key)
            owner.links.add(name, item)

    for issue in briefing.issues:
        for other in issue.related:
            add(other, "issues", issue)
            add(issue, "issues", other)
        for position in issue.positions:
            position.stakeholder.links.add("positions", position)
            add(issue, "stakeholders", position.stakeholder)
            for source in position.sources:
                add(source, "cited_on", issue)
                add(issue, "sources", source)
    for event in briefing.events:
        for issue in event.issues:
            issue.links.add("events", event)
        for stakeholder in event.stakeholders:
            stakeholder.links.add("events", event)
            for issue in event.issues:
                add(issue, "stakeholders", stakeholder)
        for source in event.sources:
            add(source, "cited_on", event)
    for quote in briefing.quotes:
        quote.speaker.links.add("quotes", quote)
        add(quote.source, "cited_on", quote)
        for issue in quote.issues:
            issue.links.add("quotes", quote)
    for stakeholder in briefing.stakeholders:
        if isinstance(stakeholder.affiliation, Stakeholder):
            stakeholder.affiliation.links.add("members", stakeholder)
    by_id = briefing.by_id
    for entity in [*briefing.issues, *briefing.stakeholders, *briefing.events, *briefing.quotes, *briefing.pages]:
        for text in markdown_of(entity):
            for link in text.links:
                if link.target != entity.id:
                    add(by_id[link.target], "mentioned_on", entity)
            for cite in text.citations:
                source = by_id[cite.target]
                add(source, "cited_on", entity)
                if isinstance(entity, Issue | Stakeholder):
                    add(entity, "sources", source)
    for period in briefing.periods:
        for source in period.sources:
            source.links.add("cited_on", period)


def _today() -> dt.date:
    """Today, or the day SOURCE_DATE_EPOCH names (reproducible builds fix the clock with it)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


def _warn(briefing: Briefing, diags: Diagnostics, today: dt.date) -> None:
    """Things that build but that an editor should look at; `check --strict` makes them errors."""
    for stakeholder in briefing.stakeholders:
        b = stakeholder.links
        if not (b.positions or b.events or b.quotes or b.mentioned_on or b.members):
            diags.warning(
                stakeholder.origin.file,
                1,
                f"stakeholder `{stakeholder.id}` is linked from nowhere",
                "add it to an event, a position or a [[link]]",
            )
    for issue in briefing.issues:
        if not issue.positions:
            diags.warning(issue.origin.file, 1, f"issue `{issue.id}` has no positions")
        if not issue.links.sources:
            diags.warning(issue.origin.file, 1, f"issue `{issue.id}` cites no source")
    as_of = briefing.config.as_of
    age = (today - dt.date(as_of.year, as_of.month, as_of.day)).days
    if age > STALE_AFTER_DAYS:
        diags.warning(
            briefing.config.origin.file,
            1,
            f"`as_of` is {age} days old ({as_of.iso})",
            "review the briefing and update `as_of`",
        )
