"""Records → Briefing: ids checked, cross-references resolved, backlinks and orderings computed."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

from generator.dates import PartialDate
from generator.diagnostics import Diagnostics, did_you_mean
from generator.load import Loaded
from generator.markdown import Markdown
from generator.model import Backlinks, Briefing, Entity, Event, Issue, Page, Period, Quote, Source, Stakeholder

BUILT_IN_SECTIONS = ("issues", "stakeholders", "timeline", "positions", "sources", "search", "print")
STALE_AFTER_DAYS = 90


def markdown_of(entity: Entity) -> Iterator[Markdown]:
    """Every Markdown text an entity carries, in the order its page shows them."""
    if isinstance(entity, Issue):
        yield entity.summary
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


def resolve(loaded: Loaded, diags: Diagnostics, today: dt.date | None = None) -> Briefing | None:
    by_id: dict[str, Entity] = {}
    entities: list[Entity] = [
        *loaded.periods,
        *loaded.issues,
        *loaded.stakeholders,
        *loaded.events,
        *loaded.sources,
        *loaded.quotes,
        *loaded.pages,
    ]
    for entity in entities:
        first = by_id.get(entity.id)
        if first is not None:
            diags.error(
                entity.origin.file,
                entity.origin.line,
                f"duplicate id `{entity.id}`: already used by the {first.kind} at "
                f"{diags.display(first.origin.file)}:{first.origin.line}",
                "ids are unique across all kinds",
            )
            continue
        by_id[entity.id] = entity

    def check(file: Path, line: int, target: str, expected: str, context: str) -> bool:
        found = by_id.get(target)
        if found is None and _already_reported(loaded, target, expected):
            return False
        if found is None:
            pool = [e.id for e in by_id.values() if not expected or e.kind == expected]
            hint = did_you_mean(target, pool)
            diags.error(file, line, f"unknown {expected or 'id'} `{target}` in {context}", hint)
            return False
        if expected and found.kind != expected:
            diags.error(file, line, f"`{target}` is a {found.kind}, not a {expected} ({context})")
            return False
        return True

    for file, ref, expected, context in loaded.refs:
        check(file, ref.line, ref.id, expected, context)
    for entity in entities:
        for text in markdown_of(entity):
            if text.too_deep:
                diags.error(
                    text.file,
                    text.too_deep,
                    "Markdown nested too deeply (lists or quotes more than "
                    "98 levels deep); the text inside would be lost",
                    "flatten the nesting",
                )
            for link in text.links:
                check(text.file, link.line, link.target, "", f"link `[[{link.target}]]`")
            for cite in text.citations:
                check(text.file, cite.line, cite.target, "source", f"citation `[@{cite.target}]`")
    config = loaded.config
    if config is not None:
        for link in config.state_of_play.links:
            check(config.state_of_play.file, link.line, link.target, "", f"link `[[{link.target}]]`")
        for cite in config.state_of_play.citations:
            check(config.state_of_play.file, cite.line, cite.target, "source", f"citation `[@{cite.target}]`")
        pages = {p.id for p in loaded.pages} | {i for i, kind in loaded.invalid.items() if kind == "page"}
        for entry in config.navigation:
            if entry not in BUILT_IN_SECTIONS and entry not in pages:
                diags.error(
                    config.origin.file,
                    config.origin.line,
                    f"unknown navigation entry `{entry}`",
                    did_you_mean(entry, [*BUILT_IN_SECTIONS, *pages]),
                )
    _check_periods(loaded.periods, diags)
    if diags.errors or config is None:
        return None

    issues = sorted(loaded.issues, key=lambda i: (i.order is None, i.order or 0, i.title.lower(), i.id))
    events = sorted(loaded.events, key=lambda e: e.date)  # stable: same-date events keep file order
    stakeholders = sorted(loaded.stakeholders, key=lambda s: (s.name.lower(), s.id))
    undated = PartialDate(0)
    sources = sorted(loaded.sources, key=lambda s: (s.publisher.lower(), s.date or undated, s.title.lower(), s.id))
    quotes = sorted(loaded.quotes, key=lambda q: (q.date, q.id))
    pages = sorted(loaded.pages, key=lambda p: p.id)
    periods = sorted(loaded.periods, key=lambda p: (p.start, p.id))
    backlinks = _backlinks(by_id, issues, stakeholders, events, quotes, pages)
    for period in periods:
        for source in period.sources:
            backlinks[source].cited_on.append(period)
    briefing = Briefing(config, issues, stakeholders, events, sources, quotes, periods, pages, by_id, backlinks)
    _warn(briefing, diags, today or _today())
    return briefing


def _check_periods(periods: list[Period], diags: Diagnostics) -> None:
    """Spans of one kind may touch but not overlap (an open span runs on forever)."""
    reach: dict[str, Period] = {}  # per kind: the span seen so far that ends last
    for period in sorted(periods, key=lambda p: (p.start, p.id)):
        widest = reach.get(period.kind_of)
        if widest is not None and (widest.end is None or period.start < widest.end):
            diags.error(
                period.origin.file,
                period.origin.line,
                f"{period.kind_of} `{period.id}` overlaps {widest.kind_of} `{widest.id}` (line {widest.origin.line})",
                "periods of one kind must not overlap",
            )
        if widest is None or (widest.end is not None and (period.end is None or period.end > widest.end)):
            reach[period.kind_of] = period


def _already_reported(loaded: Loaded, target: str, expected: str) -> bool:
    """A reference to a record that failed validation, or into a file that could not be read at all."""
    if target in loaded.invalid and (not expected or loaded.invalid[target] == expected):
        return True
    return bool(loaded.unreadable) and (not expected or expected in loaded.unreadable)


def _backlinks(
    by_id: dict[str, Entity],
    issues: list[Issue],
    stakeholders: list[Stakeholder],
    events: list[Event],
    quotes: list[Quote],
    pages: list[Page],
) -> dict[str, Backlinks]:
    links = {entity_id: Backlinks() for entity_id in by_id}

    def add(items: list, item: object) -> None:  # type: ignore[type-arg]
        if item not in items:
            items.append(item)

    for issue in issues:
        for other in issue.related:
            add(links[other].issues, issue)
            add(links[issue.id].issues, by_id[other])
        for position in issue.positions:
            links[position.stakeholder].positions.append(position)
            add(links[issue.id].stakeholders, by_id[position.stakeholder])
            for source in position.sources:
                add(links[source].cited_on, issue)
                add(links[issue.id].sources, by_id[source])
    for event in events:
        for issue_id in event.issues:
            links[issue_id].events.append(event)
        for stakeholder_id in event.stakeholders:
            links[stakeholder_id].events.append(event)
            for issue_id in event.issues:
                add(links[issue_id].stakeholders, by_id[stakeholder_id])
        for source in event.sources:
            add(links[source].cited_on, event)
    for quote in quotes:
        links[quote.speaker].quotes.append(quote)
        add(links[quote.source].cited_on, quote)
        for issue_id in quote.issues:
            links[issue_id].quotes.append(quote)
    for stakeholder in stakeholders:
        parent = by_id.get(stakeholder.affiliation)
        if isinstance(parent, Stakeholder):
            links[parent.id].members.append(stakeholder)
    for entity in [*issues, *stakeholders, *events, *quotes, *pages]:
        for text in markdown_of(entity):
            for link in text.links:
                if link.target != entity.id:
                    add(links[link.target].mentioned_on, entity)
            for cite in text.citations:
                add(links[cite.target].cited_on, entity)
                if isinstance(entity, Issue | Stakeholder):
                    add(links[entity.id].sources, by_id[cite.target])
    return links


def _today() -> dt.date:
    """Today, or the day SOURCE_DATE_EPOCH names (reproducible builds fix the clock with it)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


def _warn(briefing: Briefing, diags: Diagnostics, today: dt.date) -> None:
    """Things that build but that an editor should look at; `check --strict` makes them errors."""
    for stakeholder in briefing.stakeholders:
        b = briefing.links(stakeholder.id)
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
        if not briefing.links(issue.id).sources:
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
