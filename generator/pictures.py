"""Pictures drawn at build time as inline SVG: the pact's life on one line, per-entity sparklines and
the web of positions. Pure functions of the linked model; fixed number formatting keeps the bytes identical
from build to build. Colours come from the stylesheet's classes, so dark mode and print apply.

Every picture is an `<svg role="img">` with a <title> and <desc>, and the same information is always on
the page as text (the key dates list, the periods table, the event lists, the positions matrix), with the
same links. An image may not contain links (axe: nested-interactive), so the marks' links live in a second,
transparent SVG laid over the picture: `aria-hidden`, out of the tab order, for pointer users only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from generator.dates import PartialDate
from generator.model import Briefing, Entity, Event, Issue, Period, Stakeholder
from generator.schema import PERIOD_LANES

Url = Callable[[Entity], str]
WIDTH = 800
LEFT = 84
RIGHT = 24


def _n(value: float) -> str:
    """Numbers as SVG wants them, and always the same bytes."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _year(date: PartialDate) -> float:
    month = (date.month or 1) - 1
    day = (date.day or 1) - 1
    return date.year + (month + day / 31) / 12


@dataclass(frozen=True)
class Axis:
    first: int
    last: int

    def x(self, date: PartialDate) -> float:
        span = self.last - self.first
        return LEFT + (_year(date) - self.first) / span * (WIDTH - LEFT - RIGHT)


class Canvas:
    """A picture (role="img") and, over it, the links of its marks (aria-hidden, for the pointer)."""

    def __init__(self, kind: str, height: float, ident: str, title: str, desc: str) -> None:
        self.kind, self.height = kind, height
        self.drawing = [
            f'<svg class="picture {kind}" viewBox="0 0 {WIDTH} {_n(height)}" role="img" '
            f'aria-labelledby="{ident}-title {ident}-desc" xmlns="http://www.w3.org/2000/svg">',
            f'<title id="{ident}-title">{escape(title)}</title>',
            f'<desc id="{ident}-desc">{escape(desc)}</desc>',
        ]
        self.links: list[str] = []

    def draw(self, *elements: str) -> None:
        self.drawing.extend(elements)

    def link(self, href: str, title: str, element: str) -> None:
        """Draw `element`, and lay a same-shaped link over it."""
        self.drawing.append(element)
        hit = re.sub(r'class="[^"]*"', 'class="hit"', element, count=1)
        self.links.append(f'<a href={quoteattr(href)} tabindex="-1"><title>{escape(title)}</title>{hit}</a>')

    def markup(self) -> Markup:
        overlay = [
            f'<svg class="picture {self.kind} picture-links" viewBox="0 0 {WIDTH} {_n(self.height)}" '
            'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">',
            *self.links,
            "</svg>",
        ]
        return Markup('<div class="picture-stack">' + "\n".join([*self.drawing, "</svg>", *overlay]) + "</div>")


def time_axis(briefing: Briefing) -> Axis:
    """The time axis shared by every picture of a build: from the first date to the year after the last."""
    dates = [p.start for p in briefing.periods] + [p.end for p in briefing.periods if p.end]
    dates += [e.date for e in briefing.events]
    if briefing.config.next_date:
        dates.append(briefing.config.next_date.date)
    dates.append(briefing.config.as_of)
    first = min(d.year for d in dates)
    last = max(d.year for d in dates) + 1
    return Axis(first, max(last, first + 1))


def _ticks(axis: Axis, top: float, bottom: float) -> list[str]:
    step = 5 if axis.last - axis.first > 20 else 1
    out = []
    for year in range(axis.first - axis.first % step + step, axis.last + 1, step):
        x = _n(axis.x(PartialDate(year)))
        out.append(f'<line class="grid" x1="{x}" y1="{_n(top)}" x2="{x}" y2="{_n(bottom)}"/>')
        out.append(f'<text class="tick" x="{x}" y="{_n(bottom + 14)}" text-anchor="middle">{year}</text>')
    return out


def _marker(axis: Axis, date: PartialDate, label_y: float, bottom: float, label: str, css: str) -> list[str]:
    """A vertical line at `date` with its label on its own row above the lanes, kept inside the picture."""
    x = axis.x(date)
    anchor = "end" if x > WIDTH / 2 else "start"
    dx = -4 if anchor == "end" else 4
    return [
        f'<line class="{css}" x1="{_n(x)}" y1="{_n(label_y - 10)}" x2="{_n(x)}" y2="{_n(bottom)}"/>',
        f'<text class="{css}-label" x="{_n(x + dx)}" y="{_n(label_y)}" text-anchor="{anchor}">{escape(label)}</text>',
    ]


def pact_strip(briefing: Briefing, axis: Axis, url: Url, ident: str, compact: bool = False) -> Markup:
    """The pact's life on one line: periods by kind, key events, today and the next deadline."""
    config = briefing.config
    lane_height = 16 if compact else 22
    top = 40  # two rows above the lanes: today's label, then the next deadline's
    lanes = [(kind, name) for kind, name in PERIOD_LANES.items() if any(p.kind_of == kind for p in briefing.periods)]
    events_y = top + len(lanes) * (lane_height + 6) + 8
    bottom = events_y + 16
    events = [e for e in briefing.key_events if axis.first <= e.date.year <= axis.last]
    spans = "; ".join(f"{p.label} ({_span(p)})" for p in briefing.periods)
    deadline = config.next_date
    desc = (
        f"Timeline from {axis.first} to {axis.last}: {spans}. {len(events)} key dates are marked. "
        f"Today is {config.as_of.display}"
        + (f"; next deadline {deadline.date.display}: {deadline.label}." if deadline else ".")
        + " The same information is listed as text on this page."
    )
    title = f"{config.title}: periods and key dates, {axis.first}–{axis.last}"
    canvas = Canvas("strip", bottom + 22, ident, title, desc)
    canvas.draw(*_ticks(axis, top - 6, bottom))
    for index, (kind, name) in enumerate(lanes):
        y = top + index * (lane_height + 6)
        canvas.draw(
            f'<text class="lane-label" x="{LEFT - 8}" y="{_n(y + lane_height * 0.7)}" text-anchor="end">{name}</text>'
        )
        for period in (p for p in briefing.periods if p.kind_of == kind):
            x1 = axis.x(period.start)
            x2 = axis.x(period.end) if period.end else WIDTH - RIGHT
            css = f"period period-{kind}" + (" uncertain" if period.uncertain else "") + ("" if period.end else " open")
            canvas.link(
                url(period),
                f"{period.label}: {_span(period)}",
                f'<rect class="{css}" x="{_n(x1)}" y="{_n(y)}" width="{_n(max(x2 - x1, 2))}" '
                f'height="{_n(lane_height)}" rx="2"/>',
            )
    canvas.draw(
        f'<text class="lane-label" x="{LEFT - 8}" y="{_n(events_y + 4)}" text-anchor="end">Key dates</text>',
        f'<line class="baseline" x1="{LEFT}" y1="{_n(events_y)}" x2="{WIDTH - RIGHT}" y2="{_n(events_y)}"/>',
    )
    size = 4 if compact else 5
    for event in events:
        x = axis.x(event.date)
        points = (
            f"{_n(x)},{_n(events_y - size)} {_n(x + size)},{_n(events_y)} {_n(x)},{_n(events_y + size)} "
            f"{_n(x - size)},{_n(events_y)}"
        )
        canvas.link(url(event), f"{event.date.display}: {event.title}", f'<polygon class="mark" points="{points}"/>')
    canvas.draw(*_marker(axis, config.as_of, 13, bottom, f"Today, {config.as_of.display}", "today"))
    if deadline and deadline.date > config.as_of:
        canvas.draw(*_marker(axis, deadline.date, 29, bottom, f"{deadline.date.display}: {deadline.label}", "deadline"))
    return canvas.markup()


def _span(period: Period) -> str:
    return f"{period.start.display} – {period.end.display if period.end else 'open'}"


def sparkline(briefing: Briefing, axis: Axis, events: list[Event], url: Url, ident: str, subject: str) -> Markup:
    """A small strip of one entity's events on the pact's axis."""
    y = 16
    shown = [e for e in events if axis.first <= e.date.year <= axis.last]
    if not shown:
        return Markup("")
    desc = (
        f"{len(shown)} event{'s' if len(shown) != 1 else ''} on {subject}, from {shown[0].date.display} to "
        f"{shown[-1].date.display}, on a scale from {axis.first} to {axis.last}. They are listed below."
    )
    canvas = Canvas("sparkline", 44, ident, f"Events on {subject} over time", desc)
    canvas.draw(f'<line class="baseline" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"/>')
    for period in briefing.periods:
        if period.kind_of == "lapse":
            x1, x2 = axis.x(period.start), axis.x(period.end) if period.end else WIDTH - RIGHT
            canvas.draw(
                f'<rect class="period-lapse" x="{_n(x1)}" y="{y - 8}" width="{_n(max(x2 - x1, 2))}" height="16"/>'
            )
    for year in (axis.first, axis.last):
        x = _n(axis.x(PartialDate(year)))
        canvas.draw(f'<text class="tick" x="{x}" y="{y + 24}" text-anchor="middle">{year}</text>')
    for event in shown:
        x = _n(axis.x(event.date))
        css = "spark key" if event.key else "spark"
        canvas.link(
            url(event),
            f"{event.date.display}: {event.title}",
            f'<line class="{css}" x1="{x}" y1="{y - 8}" x2="{x}" y2="{y + 8}"/>',
        )
    x = _n(axis.x(briefing.config.as_of))
    canvas.draw(
        f'<line class="today" x1="{x}" y1="2" x2="{x}" y2="{y + 12}"/>',
        f'<text class="lane-label" x="{LEFT - 8}" y="{y + 4}" text-anchor="end">{len(shown)} events</text>',
    )
    return canvas.markup()


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def positions_web(briefing: Briefing, url: Url, ident: str) -> Markup:
    """Stakeholders (left) joined to the issues they take positions on (right), in a fixed order."""
    issues: list[Issue] = [i for i in briefing.issues if i.positions]
    holders = [s for s in briefing.stakeholders if s.links.positions]
    if not issues or not holders:
        return Markup("")
    order = {issue.id: index for index, issue in enumerate(issues)}

    def barycentre(stakeholder: Stakeholder) -> float:
        """Mean row of the issues a stakeholder is joined to: sorting by it untangles the lines."""
        rows = [order[p.issue.id] for p in stakeholder.links.positions if p.issue.id in order]
        return sum(rows) / len(rows)

    holders.sort(key=lambda s: (barycentre(s), s.name))
    row, top = 22, 16
    height = top * 2 + max(len(holders), len(issues)) * row
    left_x, right_x = 330, 470

    def spread(count: int, index: int) -> float:
        return top + (index + 0.5) * (height - 2 * top) / count

    holder_y = {s.id: spread(len(holders), i) for i, s in enumerate(holders)}
    issue_y = {issue.id: spread(len(issues), i) for i, issue in enumerate(issues)}
    links = sum(len(i.positions) for i in issues)
    desc = (
        f"{len(holders)} stakeholders on the left are joined to the {len(issues)} issues on the right on which "
        f"they take a position ({links} positions). The table below gives each position with its sources."
    )
    canvas = Canvas("web", height, ident, "Who takes positions on which issue", desc)
    mid = (left_x + right_x) / 2
    for issue in issues:
        for position in issue.positions:
            y1, y2 = holder_y[position.stakeholder.id], issue_y[issue.id]
            canvas.draw(
                f'<path class="web-link" d="M{left_x + 6} {_n(y1)} C{_n(mid)} {_n(y1)} {_n(mid)} {_n(y2)} '
                f'{right_x - 6} {_n(y2)}"/>'
            )
    for stakeholder in holders:
        y = _n(holder_y[stakeholder.id])
        canvas.draw(f'<circle class="node" cx="{left_x}" cy="{y}" r="4"/>')
        canvas.link(
            url(stakeholder),
            stakeholder.name,
            f'<text class="node-label" x="{left_x - 10}" y="{y}" dy="0.35em" text-anchor="end">'
            f"{escape(_shorten(stakeholder.name, 40))}</text>",
        )
    for issue in issues:
        y = _n(issue_y[issue.id])
        canvas.draw(f'<circle class="node issue-node" cx="{right_x}" cy="{y}" r="5"/>')
        canvas.link(
            url(issue),
            issue.title,
            f'<text class="node-label" x="{right_x + 10}" y="{y}" dy="0.35em">{escape(issue.title)}</text>',
        )
    return canvas.markup()
