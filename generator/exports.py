"""Machine-readable files: Atom feed, sitemap, JSON and CSV exports, iCalendar, robots.txt.

Everything here is a pure function of the Briefing; times come from `as_of`, never from the clock,
so two builds of the same content are byte-identical.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from generator import __version__
from generator.i18n import Texts
from generator.markdown import Markdown
from generator.model import Briefing, Entity, Event, Issue, Page, Quote, Source, Stakeholder, Update
from generator.urls import (
    FEED,
    POSITIONS_CSV,
    SITEMAP,
    SOURCES_CSV,
    TIMELINE_CSV,
    TIMELINE_PAGE,
    UPDATES_FEED,
    UPDATES_PAGE,
    absolute,
    entity_path,
    in_language,
    page_path,
)

SitemapEntry = tuple[str, list[tuple[str, str]]]  # a page's site path, and its versions: (language, path)


def _feed_id(briefing: Briefing, path: str) -> str:
    config = briefing.config
    if config.base_url:
        return absolute(config.base_url, path)
    slug = re.sub(r"[^a-z0-9]+", "-", config.title.lower()).strip("-") or "briefing"
    return f"urn:briefing:{slug}:{path}"


def _link(briefing: Briefing, path: str) -> str:
    base = briefing.config.base_url
    return absolute(base, path) if base else path


def atom_feed(briefing: Briefing, texts: Texts, pieces: Pieces) -> bytes:
    """The timeline as an Atom feed, newest event first (one entry a piece)."""
    config, _ = briefing.config, texts.gettext
    updated, language = f"{config.as_of.iso}T00:00:00Z", briefing.language
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(config.language)}>',
        f"  <title>{escape(_('%(title)s: timeline') % {'title': config.title})}</title>",
        f"  <subtitle>{escape(config.summary)}</subtitle>",
        f"  <id>{escape(_feed_id(briefing, FEED))}</id>",
        f"  <updated>{updated}</updated>",
        f"  <author><name>{escape(config.publisher)}</name></author>",
        f'  <link rel="alternate" href={quoteattr(_link(briefing, in_language(TIMELINE_PAGE, language)))}/>',
        f'  <generator version="{__version__}">Briefing</generator>',
    ]

    def entry(event: Event) -> str:
        path = page_path(event, language)
        return (
            "\n  <entry>"
            f"\n    <title>{escape(texts.date(event.date))}: {escape(event.title)}</title>"
            f"\n    <id>{escape(_feed_id(briefing, path))}</id>"
            f"\n    <updated>{event.date.earliest_iso}T00:00:00Z</updated>"
            f"\n    <link href={quoteattr(_link(briefing, path))}/>"
            f"\n    <summary>{escape(plain(event.summary, briefing))}</summary>"
            "\n  </entry>"
        )

    newest_first = sorted(briefing.events, key=lambda e: e.date, reverse=True)
    entries = pieces.join(FEED, newest_first, lambda e: _plain_reads(e, e.summary), entry)
    return ("\n".join(lines) + entries + "\n</feed>\n").encode("utf-8")


def all_updates(briefing: Briefing) -> list[tuple[Update, Entity]]:
    """Every entity's dated updates, newest first (then in the briefing's own order)."""
    found = [
        (update, entity)
        for entities in (briefing.issues, briefing.stakeholders, briefing.events, briefing.sources, briefing.quotes)
        for entity in entities
        for update in entity.updates
    ]
    found += [(update, page) for page in briefing.pages for update in page.updates]
    return sorted(found, key=lambda pair: pair[0].date, reverse=True)


def updates_feed(briefing: Briefing, texts: Texts) -> bytes:
    """The public record of changes as an Atom feed: what changed, where, and whether it was a correction."""
    config, _, language = briefing.config, texts.gettext, briefing.language
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(config.language)}>',
        f"  <title>{escape(_('%(title)s: updates and corrections') % {'title': config.title})}</title>",
        f"  <id>{escape(_feed_id(briefing, UPDATES_FEED))}</id>",
        f"  <updated>{config.as_of.iso}T00:00:00Z</updated>",
        f"  <author><name>{escape(config.publisher)}</name></author>",
        f'  <link rel="alternate" href={quoteattr(_link(briefing, in_language(UPDATES_PAGE, language)))}/>',
        f'  <generator version="{__version__}">Briefing</generator>',
    ]
    seen: dict[str, int] = {}
    for update, entity in all_updates(briefing):
        path = page_path(entity, language)
        ident = f"{path}@{update.date.iso}"
        seen[ident] = seen.get(ident, 0) + 1
        what = _("Correction") if update.correction else _("Updated")
        lines += [
            "  <entry>",
            f"    <title>{what}: {escape(entity.label)}</title>",
            f"    <id>{escape(_feed_id(briefing, f'{ident}/{seen[ident]}'))}</id>",
            f"    <updated>{update.date.iso}T00:00:00Z</updated>",
            f"    <link href={quoteattr(_link(briefing, path))}/>",
            f"    <summary>{escape(plain(update.text, briefing))}</summary>",
            "  </entry>",
        ]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def sitemap(briefing: Briefing, pages: list[SitemapEntry]) -> bytes:
    """The given HTML pages (the route table's), each with its versions in the other languages (Google's
    `xhtml:link` alternates); without a base URL the locations are relative."""
    lastmod = briefing.config.as_of.iso
    namespaces = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    if any(alternates for _path, alternates in pages):
        namespaces += ' xmlns:xhtml="http://www.w3.org/1999/xhtml"'
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f"<urlset {namespaces}>"]
    for path, alternates in pages:
        links = "".join(
            f'<xhtml:link rel="alternate" hreflang={quoteattr(lang)} href={quoteattr(_link(briefing, other))}/>'
            for lang, other in alternates
        )
        lines.append(f"  <url><loc>{escape(_link(briefing, path))}</loc><lastmod>{lastmod}</lastmod>{links}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots(briefing: Briefing) -> bytes:
    text = "User-agent: *\nAllow: /\n"
    if briefing.config.base_url:
        text += f"Sitemap: {absolute(briefing.config.base_url, SITEMAP)}\n"
    return text.encode("utf-8")


def plain(text: Markdown | None, briefing: Briefing) -> str:
    """The Markdown source without citation markers, entity links as their labels, for feeds and exports;
    inside code, as on the pages, both are left as written."""
    if text is None:
        return ""

    def label(match: re.Match[str]) -> str:
        target, _, own = match.group(1).partition("|")
        entity = briefing.by_id.get(target.strip())  # the id a compiled text's marker holds; resolve checked it
        return own.strip() or (entity.label if entity is not None else target)

    def unmarked(prose: str) -> str:
        return _ENTITY_LINK.sub(label, _CITATION.sub("", prose))

    return _apart_from_code(text.text, unmarked).strip()


_CITATION = re.compile(r"\s*\[@[^\]]*\]")
_ENTITY_LINK = re.compile(r"\[\[([^\]\n]+)\]\]")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)


def _apart_from_code(text: str, change: Callable[[str], str]) -> str:
    """`text` with `change` made to its prose; its code spans and fenced code blocks kept as they are."""
    out: list[str] = []
    prose: list[str] = []
    fence = ""

    def flush() -> None:
        joined, last = "".join(prose), 0
        for span in _CODE_SPAN.finditer(joined):
            out.extend((change(joined[last : span.start()]), span.group()))
            last = span.end()
        out.append(change(joined[last:]))
        prose.clear()

    for line in text.splitlines(keepends=True):
        if fence:
            out.append(line)
            closing = line.strip()
            if closing.startswith(fence) and closing == fence[0] * len(closing) and len(line) - len(line.lstrip()) < 4:
                fence = ""
            continue
        opening = _FENCE.match(line)
        if opening and not (opening.group(1)[0] == "`" and "`" in line[opening.end() :]):
            flush()
            fence = opening.group(1)
            out.append(line)
        else:
            prose.append(line)
    flush()
    return "".join(out)


def _md(text: Markdown | None) -> str | None:
    return text.text if text else None


def _ids(entities: list[Any]) -> list[str]:
    return [e.id for e in entities]


@dataclass
class Pieces:
    """Each entity's piece of the whole-briefing exports (its JSON object, its CSV rows), with the ids it read;
    kept by a long-lived engine and reused while nothing a piece read has changed (`changed` as the view memo
    names it; None: anything may have). The files are these pieces joined in the order of the day; a kind's
    joined pieces are kept too, while its entities, their order and everything they read are unchanged."""

    entries: dict[str, tuple[frozenset[str], str]] = field(default_factory=dict)
    joined: dict[str, Joined] = field(default_factory=dict)
    changed: set[str] | None = None
    keep: bool = True  # False: an engine that builds once keeps nothing

    def get(self, key: str, reads: frozenset[str], make: Callable[[], str]) -> str:
        if not self.keep:
            return make()
        known = self.entries.get(key)
        if known is None or self.changed is None or known[0] != reads or not reads.isdisjoint(self.changed):
            known = self.entries[key] = (reads, make())
        return known[1]

    def join(
        self,
        key: str,
        entities: list[Any],
        reads: Callable[[Any], frozenset[str]],
        make: Callable[[Any], str],
        separator: str = "",
    ) -> str:
        """The pieces of `entities` (`make`, each reading `reads`) joined by `separator`."""
        if not self.keep:
            return separator.join(make(entity) for entity in entities)
        known = self._kept(key, entities, reads, make)
        if not known.text:
            known.text = separator.join(known.parts)
        return known.text

    def parts(
        self, key: str, entities: list[Any], reads: Callable[[Any], frozenset[str]], make: Callable[[Any], str]
    ) -> Iterable[str]:
        """The pieces of `entities`, in order, each made as it is taken when nothing is kept."""
        if not self.keep:
            return (make(entity) for entity in entities)
        return self._kept(key, entities, reads, make).parts

    def _kept(
        self, key: str, entities: list[Any], reads: Callable[[Any], frozenset[str]], make: Callable[[Any], str]
    ) -> Joined:
        """A kind's pieces as kept, made anew where what they read changed."""
        known = self.joined.get(key)
        changed = self.changed
        # list equality is identity here (entities compare by identity): the same entities in the same order
        if known is None or changed is None or known.entities != entities:
            each = [(e, reads(e)) for e in entities]
            parts = [self.get(f"{key}:{e.id}", r, partial(make, e)) for e, r in each]
            known = self.joined[key] = Joined(list(entities), [r for _e, r in each], parts)
        elif not known.everything.isdisjoint(changed):
            for index, before in enumerate(known.reads):
                if not before.isdisjoint(changed):
                    entity = entities[index]
                    now = known.reads[index] = reads(entity)
                    part = known.parts[index] = make(entity)
                    self.entries[f"{key}:{entity.id}"] = (now, part)
            known.everything = frozenset().union(*known.reads)
            known.text = ""
        return known


@dataclass
class Joined:
    """A kind's pieces in one export, in order, with what each read, and their join."""

    entities: list[Any]
    reads: list[frozenset[str]]
    parts: list[str]
    text: str = ""
    everything: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.everything = frozenset().union(*self.reads)


def _json(value: Any) -> str:
    # compact: the C encoder (an indent forces the pure-Python one, ten times slower on a large briefing)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _own(entity: Entity) -> frozenset[str]:
    """What a piece made only of an entity's own fields reads: its fields and its body."""
    return frozenset((entity.id, entity.id + "#body"))


def _issue_json(i: Issue) -> dict[str, Any]:
    return {
        "id": i.id,
        "url": entity_path(i),
        "title": i.title,
        "summary": _md(i.summary),
        "status": i.status,
        "status_note": i.status_note or None,
        "positions": [
            {"stakeholder": p.stakeholder.id, "stance": _md(p.stance), "sources": _ids(p.sources)} for p in i.positions
        ],
        "related": _ids(i.related),
        "body": _md(i.body),
    }


def _stakeholder_json(s: Stakeholder) -> dict[str, Any]:
    return {
        "id": s.id,
        "url": entity_path(s),
        "name": s.name,
        "kind": s.kind_of,
        "country": s.country,
        "role": s.role,
        "affiliation": (s.affiliation.id if not isinstance(s.affiliation, str) else s.affiliation) or None,
        "stance": _md(s.stance),
        "body": _md(s.body),
    }


def _event_json(e: Event) -> dict[str, Any]:
    return {
        "id": e.id,
        "url": entity_path(e),
        "date": e.date.iso,
        "date_note": e.date_note or None,
        "title": e.title,
        "summary": _md(e.summary),
        "issues": _ids(e.issues),
        "stakeholders": _ids(e.stakeholders),
        "sources": _ids(e.sources),
        "key": e.key,
    }


def _source_json(s: Source) -> dict[str, Any]:
    return {
        "id": s.id,
        "url": s.url or None,
        "title": s.title,
        "publisher": s.publisher,
        "date": s.date.iso if s.date else None,
        "author": s.author or None,
        "note": _md(s.note),
    }


def _quote_json(q: Quote) -> dict[str, Any]:
    return {
        "id": q.id,
        "speaker": q.speaker.id,
        "text": q.text,
        "source": q.source.id,
        "date": q.date.iso,
        "issues": _ids(q.issues),
        "context": _md(q.context),
    }


def _page_json(p: Page) -> dict[str, Any]:
    return {"id": p.id, "url": entity_path(p), "title": p.title, "body": _md(p.body)}


def briefing_json(briefing: Briefing, pieces: Pieces) -> Iterator[bytes]:
    """The whole briefing as JSON: the settings, then each kind's entities, each object a piece of its own; as
    UTF-8 chunks, made as they are taken."""
    config = briefing.config
    settings: dict[str, Any] = {
        "generator": f"Briefing {__version__}",
        "title": config.title,
        "summary": config.summary,
        "as_of": config.as_of.iso,
        "language": config.language,
        "base_url": config.base_url or None,
        "publisher": config.publisher,
        "licence": config.licence,
        "state_of_play": _md(config.state_of_play),
        "next_date": (
            {
                "date": config.next_date.date.iso,
                "label": config.next_date.label,
                "event": config.next_date.event.id if config.next_date.event else None,
            }
            if config.next_date
            else None
        ),
        "key_dates": _ids(config.key_dates),
    }
    kinds: list[tuple[str, list[Any], Callable[[Any], dict[str, Any]]]] = [
        ("issues", briefing.issues, _issue_json),
        ("stakeholders", briefing.stakeholders, _stakeholder_json),
        ("events", briefing.events, _event_json),
        ("sources", briefing.sources, _source_json),
        ("quotes", briefing.quotes, _quote_json),
        ("pages", briefing.pages, _page_json),
    ]
    # the same bytes as one json.dumps of the whole, `{…,"issues":[{…},…],…}`, encoded a few hundred pieces at a
    # time and never joined: at 11,000 pages the file is 32 MB, and a copy of it as text or bytes would be held
    # beside the pieces
    yield _json(settings)[:-1].encode("utf-8")
    for name, entities, make in kinds:
        yield f',"{name}":['.encode()
        yield from _utf8_chunks(pieces.parts(f"json:{name}", entities, _own, partial(_piece_json, make)), ",")
        yield b"]"
    yield b"}\n"


def _utf8_chunks(texts: Iterable[str], separator: str, size: int = 1 << 19) -> Iterator[bytes]:
    """`separator.join(texts)` as UTF-8, in chunks of about `size` characters or more: never the whole at once."""
    group: list[str] = []
    length, lead = 0, ""
    for text in texts:
        group.append(text)
        length += len(text)
        if length >= size:
            yield (lead + separator.join(group)).encode("utf-8")
            group, length, lead = [], 0, separator
    if group:
        yield (lead + separator.join(group)).encode("utf-8")


def _piece_json(make: Callable[[Any], dict[str, Any]], entity: Entity) -> str:
    return _json(make(entity))


def _csv(header: list[str], rows: list[str]) -> bytes:
    """RFC 4180 as Python's csv module writes it: CRLF line ends, fields with commas, quotes or newlines
    quoted; UTF-8, like briefing.json. `rows` are lines made by `_csv_line`."""
    return (_csv_line(header) + "".join(rows)).encode("utf-8")


def _csv_line(row: list[str]) -> str:
    out = io.StringIO(newline="")
    csv.writer(out).writerow(row)
    return out.getvalue()


def _plain_reads(entity: Entity, *texts: Markdown | None) -> frozenset[str]:
    """What a row of an entity's fields with `plain` texts reads: the entity, and the names its links show."""
    return _own(entity).union(*({link.target for link in text.links} for text in texts if text))


def _id_list(entities: list[Any]) -> str:
    return " ".join(e.id for e in entities)


def timeline_csv(briefing: Briefing, pieces: Pieces) -> bytes:
    """One row per event, oldest first; ids separated by spaces; the url relative to the site (or absolute)."""

    def row(e: Event) -> str:
        return _csv_line(
            [
                e.id,
                e.date.iso,
                e.title,
                plain(e.summary, briefing),
                _id_list(e.issues),
                _id_list(e.stakeholders),
                _id_list(e.sources),
                _link(briefing, entity_path(e)),
            ]
        )

    rows = pieces.join(TIMELINE_CSV, briefing.events, lambda e: _plain_reads(e, e.summary), row)
    return _csv(["id", "date", "title", "summary", "issues", "stakeholders", "sources", "url"], [rows])


def positions_csv(briefing: Briefing, pieces: Pieces) -> bytes:
    """One row per stated position, issue by issue."""

    def rows(i: Issue) -> str:
        return "".join(
            _csv_line([i.id, p.stakeholder.id, plain(p.stance, briefing), _id_list(p.sources)]) for p in i.positions
        )

    def reads(i: Issue) -> frozenset[str]:
        return _plain_reads(i, *(p.stance for p in i.positions))

    joined = pieces.join(POSITIONS_CSV, briefing.issues, reads, rows)
    return _csv(["issue", "stakeholder", "stance", "sources"], [joined])


def sources_csv(briefing: Briefing, pieces: Pieces) -> bytes:

    def row(s: Source) -> str:
        return _csv_line(
            [
                s.id,
                s.title,
                s.publisher,
                s.author,
                s.date.iso if s.date else "",
                s.url,
                s.no_public_link,
                plain(s.note, briefing),
            ]
        )

    rows = pieces.join(SOURCES_CSV, briefing.sources, lambda s: _plain_reads(s, s.note), row)
    return _csv(["id", "title", "publisher", "author", "date", "url", "no_public_link", "note"], [rows])


def icalendar_file(briefing: Briefing) -> bytes:
    """Key dates with a known day, as all-day events (written by the `icalendar` package: RFC 5545 escaping
    and line folding are its job)."""
    import icalendar  # here, not at the top: its import takes longer than a build's first step, and is needed once

    config = briefing.config
    stamp = dt.datetime(config.as_of.year, config.as_of.month, config.as_of.day, tzinfo=dt.UTC)
    domain = re.sub(r"^https?://([^/]+).*$", r"\1", config.base_url) if config.base_url else "briefing.invalid"
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//Briefing//Briefing {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", config.title)
    for event in briefing.key_events:
        if event.date.precision != "day":
            continue
        entry = icalendar.Event()
        entry.add("uid", f"{event.id}@{domain}")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", dt.date(event.date.year, event.date.month, event.date.day))
        entry.add("summary", event.title)
        entry.add("description", plain(event.summary, briefing))
        if config.base_url:
            entry.add("url", absolute(config.base_url, entity_path(event)))
        calendar.add_component(entry)
    return calendar.to_ical()
