"""Machine-readable files: the positions matrix, Atom feed, sitemap, JSON export, iCalendar, robots.txt.

Everything here is a pure function of the Briefing; times come from `as_of`, never from the clock,
so two builds of the same content are byte-identical.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from generator import __version__
from generator.markdown import Markdown
from generator.model import Briefing, Event, Issue, Position, Stakeholder
from generator.urls import absolute, entity_path


@dataclass
class MatrixRow:
    stakeholder: Stakeholder
    cells: list[Position | None]


def positions_matrix(briefing: Briefing) -> tuple[list[Issue], list[MatrixRow]]:
    """Stakeholders (rows) × issues (columns), only those with at least one position."""
    issues = [i for i in briefing.issues if i.positions]
    rows = []
    for stakeholder in briefing.stakeholders:
        held = {p.issue: p for p in briefing.links(stakeholder.id).positions}
        if held:
            rows.append(MatrixRow(stakeholder, [held.get(i.id) for i in issues]))
    return issues, rows


def _feed_id(briefing: Briefing, path: str) -> str:
    config = briefing.config
    if config.base_url:
        return absolute(config.base_url, path)
    slug = re.sub(r"[^a-z0-9]+", "-", config.title.lower()).strip("-") or "briefing"
    return f"urn:briefing:{slug}:{path}"


def _link(briefing: Briefing, path: str) -> str:
    base = briefing.config.base_url
    return absolute(base, path) if base else path


def atom_feed(briefing: Briefing) -> bytes:
    config = briefing.config
    updated = f"{config.as_of.iso}T00:00:00Z"
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(config.language)}>',
        f"  <title>{escape(config.title)}: timeline</title>",
        f"  <subtitle>{escape(config.summary)}</subtitle>",
        f"  <id>{escape(_feed_id(briefing, 'feed.xml'))}</id>",
        f"  <updated>{updated}</updated>",
        f"  <author><name>{escape(config.publisher)}</name></author>",
        f'  <link rel="alternate" href={quoteattr(_link(briefing, "timeline/index.html"))}/>',
        f'  <generator version="{__version__}">Briefing</generator>',
    ]
    for event in sorted(briefing.events, key=lambda e: e.date, reverse=True):
        path = entity_path(event)
        lines += [
            "  <entry>",
            f"    <title>{escape(event.date.display)}: {escape(event.title)}</title>",
            f"    <id>{escape(_feed_id(briefing, path))}</id>",
            f"    <updated>{event.date.earliest_iso}T00:00:00Z</updated>",
            f"    <link href={quoteattr(_link(briefing, path))}/>",
            f"    <summary>{escape(plain(event.summary))}</summary>",
            "  </entry>",
        ]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def sitemap(briefing: Briefing, paths: list[str] | None = None) -> bytes:
    """All HTML pages; without a base URL the locations are relative (set `base_url` to publish)."""
    pages = paths if paths is not None else html_paths(briefing)
    lastmod = briefing.config.as_of.iso
    lines = ['<?xml version="1.0" encoding="utf-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    lines += [f"  <url><loc>{escape(_link(briefing, p))}</loc><lastmod>{lastmod}</lastmod></url>" for p in pages]
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def html_paths(briefing: Briefing) -> list[str]:
    paths = [
        "index.html",
        "issues/index.html",
        "stakeholders/index.html",
        "timeline/index.html",
        "positions/index.html",
        "sources/index.html",
    ]
    paths += [entity_path(e) for e in [*briefing.issues, *briefing.stakeholders, *briefing.pages]]
    return paths


def robots(briefing: Briefing) -> bytes:
    text = "User-agent: *\nAllow: /\n"
    if briefing.config.base_url:
        text += f"Sitemap: {briefing.config.base_url}sitemap.xml\n"
    return text.encode("utf-8")


_TAGS = re.compile(r"<[^>]+>|\x00[EC]([^\x00|]*)(?:\|[^\x00]*)?\x00")


def plain(text: Markdown | None) -> str:
    """The Markdown source without citation markers, for feeds and exports."""
    if text is None:
        return ""
    without_citations = re.sub(r"\s*\[@[^\]]*\]", "", text.text)
    return re.sub(
        r"\[\[([^\]|]+)\|([^\]]+)\]\]|\[\[([^\]]+)\]\]", lambda m: m.group(2) or m.group(3), without_citations
    ).strip()


def briefing_json(briefing: Briefing) -> bytes:
    config = briefing.config

    def md(text: Markdown | None) -> str | None:
        return text.text if text else None

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
                "event": config.next_date.event or None,
            }
            if config.next_date
            else None
        ),
        "key_dates": config.key_dates,
        "issues": [
            {
                "id": i.id,
                "url": entity_path(i),
                "title": i.title,
                "summary": md(i.summary),
                "status": i.status,
                "status_note": i.status_note or None,
                "positions": [
                    {"stakeholder": p.stakeholder, "stance": md(p.stance), "sources": p.sources} for p in i.positions
                ],
                "related": i.related,
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
                "affiliation": s.affiliation or None,
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
                "issues": e.issues,
                "stakeholders": e.stakeholders,
                "sources": e.sources,
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
                "speaker": q.speaker,
                "text": q.text,
                "source": q.source,
                "date": q.date.iso,
                "issues": q.issues,
                "context": md(q.context),
            }
            for q in briefing.quotes
        ],
        "pages": [{"id": p.id, "url": entity_path(p), "title": p.title, "body": md(p.body)} for p in briefing.pages],
    }
    # compact: the C encoder (an indent forces the pure-Python one, ten times slower on a large briefing)
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _ics_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545 §3.1: lines longer than 75 octets continue on the next line after a space."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode("utf-8")) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    out.append(current)
    return "\r\n".join(out)


def key_events(briefing: Briefing) -> list[Event]:
    chosen = {e for e in briefing.config.key_dates}
    return [e for e in briefing.events if e.key or e.id in chosen]


def icalendar(briefing: Briefing) -> bytes:
    """Key dates with a known day, as all-day events."""
    config = briefing.config
    stamp = config.as_of.iso.replace("-", "") + "T000000Z"
    domain = re.sub(r"^https?://([^/]+).*$", r"\1", config.base_url) if config.base_url else "briefing.invalid"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Briefing//Briefing " + __version__ + "//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_ics_escape(config.title)}",
    ]
    for event in key_events(briefing):
        if event.date.precision != "day":
            continue
        day = event.date.iso.replace("-", "")
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.id}@{domain}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{day}",
            f"SUMMARY:{_ics_escape(event.title)}",
            f"DESCRIPTION:{_ics_escape(plain(event.summary))}",
        ]
        if config.base_url:
            lines.append(f"URL:{absolute(config.base_url, entity_path(event))}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")
