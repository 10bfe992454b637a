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
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import icalendar

from generator import __version__
from generator.i18n import Texts
from generator.markdown import Markdown
from generator.model import Briefing, Entity, Update
from generator.urls import absolute, entity_path, in_language, page_path

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


def atom_feed(briefing: Briefing, texts: Texts) -> bytes:
    config, _ = briefing.config, texts.gettext
    updated, language = f"{config.as_of.iso}T00:00:00Z", briefing.language
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(config.language)}>',
        f"  <title>{escape(_('%(title)s: timeline') % {'title': config.title})}</title>",
        f"  <subtitle>{escape(config.summary)}</subtitle>",
        f"  <id>{escape(_feed_id(briefing, 'feed.xml'))}</id>",
        f"  <updated>{updated}</updated>",
        f"  <author><name>{escape(config.publisher)}</name></author>",
        f'  <link rel="alternate" href={quoteattr(_link(briefing, in_language("timeline/index.html", language)))}/>',
        f'  <generator version="{__version__}">Briefing</generator>',
    ]
    for event in sorted(briefing.events, key=lambda e: e.date, reverse=True):
        path = page_path(event, language)
        lines += [
            "  <entry>",
            f"    <title>{escape(texts.date(event.date))}: {escape(event.title)}</title>",
            f"    <id>{escape(_feed_id(briefing, path))}</id>",
            f"    <updated>{event.date.earliest_iso}T00:00:00Z</updated>",
            f"    <link href={quoteattr(_link(briefing, path))}/>",
            f"    <summary>{escape(plain(event.summary, briefing))}</summary>",
            "  </entry>",
        ]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


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
        f"  <id>{escape(_feed_id(briefing, 'updates.xml'))}</id>",
        f"  <updated>{config.as_of.iso}T00:00:00Z</updated>",
        f"  <author><name>{escape(config.publisher)}</name></author>",
        f'  <link rel="alternate" href={quoteattr(_link(briefing, in_language("updates/index.html", language)))}/>',
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
        text += f"Sitemap: {briefing.config.base_url}sitemap.xml\n"
    return text.encode("utf-8")


def plain(text: Markdown | None, briefing: Briefing) -> str:
    """The Markdown source without citation markers, entity links as their labels, for feeds and exports."""
    if text is None:
        return ""
    without_citations = re.sub(r"\s*\[@[^\]]*\]", "", text.text)

    def label(match: re.Match[str]) -> str:
        target, _, own = match.group(1).partition("|")
        entity = briefing.by_id.get(target.strip())
        return own.strip() or (entity.label if entity is not None else target)

    return re.sub(r"\[\[([^\]\n]+)\]\]", label, without_citations).strip()


def _md(text: Markdown | None) -> str | None:
    return text.text if text else None


def _ids(entities: list[Any]) -> list[str]:
    return [e.id for e in entities]


def briefing_json(briefing: Briefing) -> bytes:
    config = briefing.config
    md = _md

    data: dict[str, Any] = {
        "generator": f"Briefing {__version__}",
        "title": config.title,
        "summary": config.summary,
        "as_of": config.as_of.iso,
        "language": config.language,
        "base_url": config.base_url or None,
        "publisher": config.publisher,
        "licence": config.licence,
        "state_of_play": md(config.state_of_play),
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
        "issues": [
            {
                "id": i.id,
                "url": entity_path(i),
                "title": i.title,
                "summary": md(i.summary),
                "status": i.status,
                "status_note": i.status_note or None,
                "positions": [
                    {"stakeholder": p.stakeholder.id, "stance": md(p.stance), "sources": _ids(p.sources)}
                    for p in i.positions
                ],
                "related": _ids(i.related),
                "body": md(i.body),
            }
            for i in briefing.issues
        ],
        "stakeholders": [
            {
                "id": s.id,
                "url": entity_path(s),
                "name": s.name,
                "kind": s.kind_of,
                "country": s.country,
                "role": s.role,
                "affiliation": (s.affiliation.id if not isinstance(s.affiliation, str) else s.affiliation) or None,
                "stance": md(s.stance),
                "body": md(s.body),
            }
            for s in briefing.stakeholders
        ],
        "events": [
            {
                "id": e.id,
                "url": entity_path(e),
                "date": e.date.iso,
                "date_note": e.date_note or None,
                "title": e.title,
                "summary": md(e.summary),
                "issues": _ids(e.issues),
                "stakeholders": _ids(e.stakeholders),
                "sources": _ids(e.sources),
                "key": e.key,
            }
            for e in briefing.events
        ],
        "sources": [
            {
                "id": s.id,
                "url": s.url or None,
                "title": s.title,
                "publisher": s.publisher,
                "date": s.date.iso if s.date else None,
                "author": s.author or None,
                "note": md(s.note),
            }
            for s in briefing.sources
        ],
        "quotes": [
            {
                "id": q.id,
                "speaker": q.speaker.id,
                "text": q.text,
                "source": q.source.id,
                "date": q.date.iso,
                "issues": _ids(q.issues),
                "context": md(q.context),
            }
            for q in briefing.quotes
        ],
        "pages": [{"id": p.id, "url": entity_path(p), "title": p.title, "body": md(p.body)} for p in briefing.pages],
    }
    # compact: the C encoder (an indent forces the pure-Python one, ten times slower on a large briefing)
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    """RFC 4180 as Python's csv module writes it: CRLF line ends, fields with commas, quotes or newlines
    quoted; UTF-8, like briefing.json."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _id_list(entities: list[Any]) -> str:
    return " ".join(e.id for e in entities)


def timeline_csv(briefing: Briefing) -> bytes:
    """One row per event, oldest first; ids separated by spaces; the url relative to the site (or absolute)."""
    rows = [
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
        for e in briefing.events
    ]
    return _csv(["id", "date", "title", "summary", "issues", "stakeholders", "sources", "url"], rows)


def positions_csv(briefing: Briefing) -> bytes:
    """One row per stated position, issue by issue."""
    rows = [
        [i.id, p.stakeholder.id, plain(p.stance, briefing), _id_list(p.sources)]
        for i in briefing.issues
        for p in i.positions
    ]
    return _csv(["issue", "stakeholder", "stance", "sources"], rows)


def sources_csv(briefing: Briefing) -> bytes:
    rows = [
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
        for s in briefing.sources
    ]
    return _csv(["id", "title", "publisher", "author", "date", "url", "no_public_link", "note"], rows)


def icalendar_file(briefing: Briefing) -> bytes:
    """Key dates with a known day, as all-day events (written by the `icalendar` package: RFC 5545 escaping
    and line folding are its job)."""
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
