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
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from generator.dates import PartialDate
from generator.i18n import Texts
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

    def __init__(
        self,
        kind: str,
        height: float,
        ident: str,
        title: str,
        desc: str,
        width: float = WIDTH,
        variant: str = "",
        words_of: str = "",
    ) -> None:
        """`variant` ("narrow" or "wide") names the screens a picture drawn twice is for (see NARROW). At phone
        size the marks are too small to tap, so the narrow drawing has no links: the list beside it has them.
        `words_of`: the ident of the other drawing of the same picture, whose title and description this one
        is labelled by (they are said once; a hidden element named by aria-labelledby still names)."""
        self.kind, self.height, self.width, self.variant = kind, height, width, variant
        self.linked = variant != "narrow"
        words = words_of or ident
        self.drawing = [
            f'<svg class="picture {kind}" viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
            f'aria-labelledby="{words}-title {words}-desc" xmlns="http://www.w3.org/2000/svg">'
        ]
        if not words_of:
            self.drawing += [
                f'<title id="{ident}-title">{escape(title)}</title>',
                f'<desc id="{ident}-desc">{escape(desc)}</desc>',
            ]
        self.links: list[str] = []

    def draw(self, *elements: str) -> None:
        self.drawing.extend(elements)

    def link(self, href: str, title: str, element: str) -> None:
        """Draw `element`, and lay a link of the same shape over it (its looks are the stylesheet's
        `.picture-links`: no class, no rounded corners)."""
        self.drawing.append(element)
        if not self.linked:
            return
        hit = re.sub(r' (class|rx)="[^"]*"', "", element)
        self.links.append(f'<a href={quoteattr(href)} tabindex="-1"><title>{escape(title)}</title>{hit}</a>')

    def markup(self) -> Markup:
        overlay = [
            f'<svg class="picture {self.kind} picture-links" viewBox="0 0 {_n(self.width)} {_n(self.height)}" '
            'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">',
            *self.links,
            "</svg>",
        ]
        stack = f"picture-stack variant-{self.variant}" if self.variant else "picture-stack"
        if not self.linked:
            return Markup(f'<div class="{stack}">' + "\n".join([*self.drawing, "</svg>"]) + "</div>")
        return Markup(f'<div class="{stack}">' + "\n".join([*self.drawing, "</svg>", *overlay]) + "</div>")


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


# Pictures for every width. The strip and the sparklines are drawn twice, at phone size (NARROW wide, so their
# 12 px text stays about 12 px on a phone) and for wider screens; the stylesheet shows one (`variant-narrow`,
# `variant-wide`) and hides the other with display:none, so only one is in the accessibility tree. A span of
# more than twice RECENT_YEARS is drawn on two scales: the early years compressed into EARLY_SHARE of the
# width (shaded), a visible break, then the last RECENT_YEARS wide. Labels are placed by `place_labels` so
# that none overlaps another or crosses another's line.
NARROW = 344
STRIP_WIDE = 880
SPARK_WIDE = 672
RECENT_YEARS = 13
EARLY_SHARE = 0.3
GAP = 14
ROW = 15
FONT = 12


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def meets(self, other: Box, pad: float = 0) -> bool:
        return (
            self.x0 - pad < other.x1
            and other.x0 - pad < self.x1
            and self.y0 - pad < other.y1
            and other.y0 - pad < self.y1
        )


def text_width(text: str, size: float = FONT, bold: bool = False) -> float:
    """A generous estimate of the width of `text` in the pictures' sans-serif (measured in Chromium: ≤ 0.58 em)."""
    wide = sum(1 for char in text if unicodedata.east_asian_width(char) in "WF")  # CJK: a full em each
    return ((len(text) - wide) * (0.64 if bold else 0.6) + wide * 1.05) * size


def _wrap(text: str, width: float, bold: bool) -> tuple[str, ...]:
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", bold=bold) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return tuple(lines)


@dataclass(frozen=True)
class Label:
    x: float  # the point it names
    text: str
    css: str
    bold: bool = False


@dataclass(frozen=True)
class Placed:
    label: Label
    lines: tuple[str, ...]
    row: int  # the lowest row it takes; row 0 sits just above the lanes, and its line runs down from there
    x0: float
    x1: float


def place_labels(labels: list[Label], left: float, right: float) -> list[Placed]:
    """Rows of labels above the lanes, lowest first: each beside its point (after it, else before it, else over
    it), wrapped to fit between `left` and `right`, never overlapping another label or crossing another's line."""
    placed: list[Placed] = []
    for index, label in enumerate(labels):
        lines = _wrap(label.text, right - left, label.bold)
        width = max(text_width(line, bold=label.bold) for line in lines)
        starts = [label.x + 4, label.x - 4 - width, min(max(label.x - width / 2, left), right - width)]
        # the labels still to place will sit on this row or above it: leave their lines' way clear (while a
        # row above every placed label has no place that does, give up on that)
        pending = [other.x for other in labels[index + 1 :]]
        row = 0
        while True:
            if row > len(placed) + 1:
                pending = []
            fits = [
                Placed(label, lines, row, x0, x0 + width)
                for x0 in starts
                if left <= x0
                and x0 + width <= right
                and not any(x0 - 3 <= x <= x0 + width + 3 for x in pending)
                and not _clashes(Placed(label, lines, row, x0, x0 + width), placed)
            ]
            if fits:
                placed.append(fits[0])
                break
            row += 1
    return placed


def _clashes(candidate: Placed, placed: list[Placed]) -> bool:
    for other in placed:
        rows = candidate.row < other.row + len(other.lines) and other.row < candidate.row + len(candidate.lines)
        if rows and candidate.x0 - 6 < other.x1 and other.x0 - 6 < candidate.x1:
            return True
        # a label's line runs from its lowest row down to the lanes: no other label may sit across it
        if other.row > candidate.row and candidate.x0 - 3 <= other.label.x <= candidate.x1 + 3:
            return True
        if candidate.row > other.row and other.x0 - 3 <= candidate.label.x <= other.x1 + 3:
            return True
    return False


def _draw_labels(placed: list[Placed], base: float, bottoms: dict[str, float]) -> list[str]:
    """The labels, rows counted up from `base`, and each one's line down to `bottoms[css]`."""
    out = []
    for p in placed:
        top_line = base - (p.row + len(p.lines)) * ROW + 11
        css, x = p.label.css, p.label.x
        line_css = css if css in ("today", "deadline") else "leader"
        out.append(
            f'<line class="{line_css}" x1="{_n(x)}" y1="{_n(base - p.row * ROW)}" x2="{_n(x)}" '
            f'y2="{_n(bottoms[css])}"/>'
        )
        if len(p.lines) == 1:
            out.append(f'<text class="{css}-label" x="{_n(p.x0)}" y="{_n(top_line)}">{escape(p.lines[0])}</text>')
        else:
            spans = "".join(
                f'<tspan x="{_n(p.x0)}" y="{_n(top_line + i * ROW)}">{escape(line)}</tspan>'
                for i, line in enumerate(p.lines)
            )
            out.append(f'<text class="{css}-label" x="{_n(p.x0)}" y="{_n(top_line)}">{spans}</text>')
    return out


@dataclass(frozen=True)
class Scale:
    """Years to x: one linear scale, or — over more than twice RECENT_YEARS — two: the early years compressed,
    a break of GAP, then the recent years wide."""

    first: float
    last: float
    x0: float
    x1: float

    @property
    def split(self) -> float | None:
        return self.last - RECENT_YEARS if self.last - self.first > 2 * RECENT_YEARS else None

    @property
    def segments(self) -> list[tuple[float, float, float, float]]:
        split = self.split
        if split is None:
            return [(self.first, self.last, self.x0, self.x1)]
        middle = self.x0 + (self.x1 - self.x0 - GAP) * EARLY_SHARE
        return [(self.first, split, self.x0, middle), (split, self.last, middle + GAP, self.x1)]

    def at(self, year: float) -> float:
        segments = self.segments
        for a, b, xa, xb in segments:
            if year < b or (a, b, xa, xb) == segments[-1]:
                return xa + (min(max(year, a), b) - a) / (b - a) * (xb - xa)
        raise AssertionError  # pragma: no cover

    def x(self, date: PartialDate) -> float:
        return self.at(_year(date))

    def pieces(self, start: float, end: float) -> list[tuple[float, float]]:
        """The x-spans of the years from `start` to `end`, one per scale they fall on."""
        if end <= start:
            return [(self.at(start), self.at(start))]
        return [
            (self.at(max(start, a)), self.at(min(end, b)) if min(end, b) < b else xb)
            for a, b, xa, xb in self.segments
            if max(start, a) < min(end, b)
        ]

    def describe(self, texts: Texts) -> str:
        split = self.split
        if split is None:
            return ""
        return texts.gettext(
            " The years %(first)s–%(split)s are drawn compressed (shaded), then %(split)s–%(last)s wide."
        ) % {
            "first": int(self.first),
            "split": int(split),
            "last": int(self.last),
        }


def _scale_marks(
    scale: Scale, width: float, top: float, bottom: float, labelled: list[int], narrow: bool, texts: Texts
) -> list[str]:
    """Grid lines and year labels under `bottom` up to the last `labelled` year (none overlapping, none outside
    `width`: the `labelled` years first, then every step that leaves room), the shaded compressed years, and
    the break between the scales."""
    out: list[str] = []
    years = list(labelled)
    split = scale.split
    if split is not None:
        years.append(int(split))
    for a, b, xa, xb in scale.segments:
        per_year = (xb - xa) / (b - a)
        step = next((s for s in (1, 2, 5, 10, 20, 50, 100) if s * per_year >= 40), 100)
        years += [y for y in range(int(a) + (-int(a)) % step, int(b) + 1, step)]
    boxes: list[Box] = []
    grid: list[str] = []
    ticks: list[str] = []
    for year in dict.fromkeys(years):
        if not scale.first <= year <= max(labelled):
            continue
        half = text_width(str(year)) / 2
        x = min(max(scale.at(year), half + 2), width - half - 2)
        box = Box(x - half, 0, x + half, 1)
        if any(box.meets(other, pad=6) for other in boxes):
            continue
        boxes.append(box)
        grid.append(f"M{_n(scale.at(year))} {_n(top)}V{_n(bottom)}")
        ticks.append(f'<text x="{_n(x)}">{year}</text>')
    out.insert(0, f'<path class="grid" d="{"".join(grid)}"/>')
    out.append(f'<g class="tick" text-anchor="middle" transform="translate(0 {_n(bottom + 14)})">{"".join(ticks)}</g>')
    if split is not None:
        (a, b, xa, xb), (_, _, ya, _) = scale.segments
        out.insert(
            0,
            f'<rect class="compressed" x="{_n(xa)}" y="{_n(top)}" width="{_n(xb - xa)}" height="{_n(bottom - top)}"/>',
        )
        mid = (xb + ya) / 2
        out.append(
            f'<path class="break" d="M{_n(mid - 4)} {_n(bottom + 5)} l4 -10 M{_n(mid)} {_n(bottom + 5)} l4 -10"/>'
        )
        note = texts.gettext("compressed") if narrow else texts.gettext("compressed scale")
        if not narrow or xb - xa > text_width(note, 11):
            out.append(
                f'<text class="scale-note" x="{_n((xa + xb) / 2)}" y="{_n(bottom + 29)}" text-anchor="middle">'
                f"{escape(note)}</text>"
            )
    return out


def _brief_span(period: Period, texts: Texts) -> str:
    if period.end is None:
        return texts.gettext("from %(date)s") % {"date": texts.short_date(period.start)}
    same = period.start.year == period.end.year and period.start.month
    return f"{texts.short_date(period.start, year=not same)} – {texts.short_date(period.end)}"


def pact_strip(briefing: Briefing, axis: Axis, url: Url, ident: str, texts: Texts, compact: bool = False) -> Markup:
    """The pact's life on one line: periods by kind, key events, today and the next deadline; drawn for
    phones and for wider screens."""
    return Markup(
        _strip(briefing, axis, url, f"{ident}-narrow", texts, compact, narrow=True)
        + _strip(briefing, axis, url, f"{ident}-wide", texts, compact, narrow=False)
    )


def _strip(briefing: Briefing, axis: Axis, url: Url, ident: str, texts: Texts, compact: bool, narrow: bool) -> Markup:
    config, _, day = briefing.config, texts.gettext, texts.date
    width = NARROW if narrow else STRIP_WIDE
    left, right = (8, NARROW - 8) if narrow else (LEFT, STRIP_WIDE - RIGHT)
    scale = Scale(axis.first, axis.last, left, right)
    lane_height = 12 if narrow else 16 if compact else 22
    lane_step = lane_height + (18 if narrow else 6)  # phones: the lane's name on a row of its own above it
    lanes = [(kind, _(name)) for kind, name in PERIOD_LANES.items() if any(p.kind_of == kind for p in briefing.periods)]
    events = [e for e in briefing.key_events if axis.first <= e.date.year <= axis.last]
    deadline = config.next_date
    # the labels above the lanes: the lapses, today, the next deadline
    labels = [
        Label(
            sum(scale.x(d) for d in (p.start, p.end or p.start)) / 2,
            _("Lapse, %(span)s") % {"span": _brief_span(p, texts)},
            "lapse",
        )
        for p in briefing.periods
        if p.kind_of == "lapse"
    ]
    labels.append(Label(scale.x(config.as_of), _("Today, %(date)s") % {"date": day(config.as_of)}, "today"))
    if deadline and deadline.date > config.as_of:
        labels.append(Label(scale.x(deadline.date), day(deadline.date) + _(": ") + deadline.label, "deadline", True))
    placed = place_labels(labels, left if narrow else 8, right + (0 if narrow else RIGHT - 4))
    rows = max((p.row + len(p.lines) for p in placed), default=0)
    top = 6 + rows * ROW + 6
    events_y = top + len(lanes) * lane_step + (22 if narrow else 8)
    bottom = events_y + 12
    height = bottom + (38 if scale.split is not None else 22)
    kinds = [(name.lower(), [p for p in briefing.periods if p.kind_of == kind]) for kind, name in lanes]
    spans = ", ".join(f"{len(ps)} {name}" for name, ps in kinds) + "".join(
        f"; {p.label} ({_span(p, texts)})" for p in briefing.periods if p.kind_of == "lapse"
    )
    facts = {"first": axis.first, "last": axis.last, "spans": spans, "count": len(events), "today": day(config.as_of)}
    desc = (
        _("Timeline from %(first)s to %(last)s: %(spans)s. %(count)s key dates are marked. Today is %(today)s") % facts
        + (
            _("; next deadline %(date)s: %(label)s.") % {"date": day(deadline.date), "label": deadline.label}
            if deadline
            else "."
        )
        + scale.describe(texts)
        + _(" The key dates are listed as text too, and the periods in the timeline's table.")
    )
    title = _("%(title)s: periods and key dates, %(first)s–%(last)s") % {**facts, "title": config.title}
    words_of = ident.removesuffix("-narrow") + "-wide" if narrow else ""
    canvas = Canvas("strip", height, ident, title, desc, width, "narrow" if narrow else "wide", words_of)
    canvas.draw(*_scale_marks(scale, width, top - 6, bottom, [axis.first, axis.last], narrow, texts))
    lane_y = {}
    for index, (kind, name) in enumerate(lanes):
        y = top + index * lane_step + (14 if narrow else 0)
        lane_y[kind] = y
        if narrow:
            canvas.draw(f'<text class="lane-label" x="{left}" y="{_n(y - 4)}">{name}</text>')
        else:
            canvas.draw(
                f'<text class="lane-label" x="{LEFT - 8}" y="{_n(y + lane_height * 0.7)}" text-anchor="end">'
                f"{name}</text>"
            )
        for period in (p for p in briefing.periods if p.kind_of == kind):
            css = f"period period-{kind}" + (" uncertain" if period.uncertain else "") + ("" if period.end else " open")
            end = _year(period.end) if period.end else scale.last
            for x1, x2 in scale.pieces(_year(period.start), end):
                canvas.link(
                    url(period),
                    period.label + texts.gettext(": ") + _span(period, texts),
                    f'<rect class="{css}" x="{_n(min(x1, right - 4))}" y="{_n(y)}" width="{_n(max(x2 - x1, 4))}" '
                    f'height="{_n(lane_height)}" rx="2"/>',
                )
    key_dates = escape(_("Key dates"))
    if narrow:
        canvas.draw(f'<text class="lane-label" x="{left}" y="{_n(events_y - 10)}">{key_dates}</text>')
    else:
        canvas.draw(
            f'<text class="lane-label" x="{LEFT - 8}" y="{_n(events_y + 4)}" text-anchor="end">{key_dates}</text>'
        )
    canvas.draw(f'<line class="baseline" x1="{left}" y1="{_n(events_y)}" x2="{right}" y2="{_n(events_y)}"/>')
    size = 4 if narrow or compact else 5
    for event in events:
        x = scale.x(event.date)
        diamond = f"M{_n(x)} {_n(events_y - size)}l{size} {size}-{size} {size}-{size}-{size}z"
        canvas.link(
            url(event), day(event.date) + texts.gettext(": ") + event.title, f'<path class="mark" d="{diamond}"/>'
        )
    lapse_top = lane_y.get("lapse", top)
    canvas.draw(*_draw_labels(placed, top - 6, {"lapse": lapse_top, "today": bottom, "deadline": bottom}))
    return canvas.markup()


def _span(period: Period, texts: Texts) -> str:
    end = texts.date(period.end) if period.end else texts.gettext("open")
    return f"{texts.date(period.start)} – {end}"


def sparkline(
    briefing: Briefing, axis: Axis, events: list[Event], url: Url, ident: str, subject: str, texts: Texts
) -> Markup:
    """A small strip of one entity's events over its own span, from its first event's year to its last's;
    drawn for phones and for wider screens."""
    shown = [e for e in events if axis.first <= e.date.year <= axis.last]
    if not shown:
        return Markup("")
    return Markup(
        _spark(briefing, shown, url, f"{ident}-narrow", subject, texts, narrow=True)
        + _spark(briefing, shown, url, f"{ident}-wide", subject, texts, narrow=False)
    )


def _spark(
    briefing: Briefing, shown: list[Event], url: Url, ident: str, subject: str, texts: Texts, narrow: bool
) -> Markup:
    _, day, y = texts.gettext, texts.date, 16
    width = NARROW if narrow else SPARK_WIDE
    left, right = (8, NARROW - 8) if narrow else (LEFT, SPARK_WIDE - 12)
    first, last = shown[0].date.year, shown[-1].date.year
    pad = 16  # a mark on the first or last day stays clear of the ends
    scale = Scale(first, last + 1, left + pad, right - pad)
    count = texts.ngettext("%(num)d event", "%(num)d events", len(shown)) % {"num": len(shown)}
    facts = {"count": count, "subject": subject, "first": first, "last": last}
    desc = (
        _("%(count)s on %(subject)s, from %(start)s to %(end)s, on a scale from %(first)s to the end of %(last)s.")
        % {**facts, "start": day(shown[0].date), "end": day(shown[-1].date)}
        + scale.describe(texts)
        + _(" They are listed below.")
    )
    height = 44 + (14 if scale.split is not None else 0)
    words_of = ident.removesuffix("-narrow") + "-wide" if narrow else ""
    title = _("Events on %(subject)s over time") % facts
    canvas = Canvas("sparkline", height, ident, title, desc, width, "narrow" if narrow else "wide", words_of)
    canvas.draw(*_scale_marks(scale, width, y - 10, y + 10, [first, last], narrow, texts))
    canvas.draw(f'<line class="baseline" x1="{left}" y1="{y}" x2="{right}" y2="{y}"/>')
    for period in briefing.periods:
        if period.kind_of != "lapse":
            continue
        start, end = max(_year(period.start), first), min(_year(period.end) if period.end else last + 1, last + 1)
        if start >= end:
            continue  # the lapse falls outside this entity's span
        for x1, x2 in scale.pieces(start, end):
            canvas.draw(
                f'<rect class="period-lapse" x="{_n(x1)}" y="{y - 8}" width="{_n(max(x2 - x1, 2))}" height="16"/>'
            )
    for event in shown:
        x = _n(scale.x(event.date))
        css = "spark key" if event.key else "spark"
        canvas.link(
            url(event),
            day(event.date) + texts.gettext(": ") + event.title,
            f'<line class="{css}" x1="{x}" y1="{y - 8}" x2="{x}" y2="{y + 8}"/>',
        )
    if first <= briefing.config.as_of.year <= last:
        x = _n(scale.x(briefing.config.as_of))
        canvas.draw(f'<line class="today" x1="{x}" y1="4" x2="{x}" y2="{y + 10}"/>')
    if not narrow:
        canvas.draw(f'<text class="lane-label" x="{LEFT - 8}" y="{y + 4}" text-anchor="end">{escape(count)}</text>')
    return canvas.markup()


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def positions_web(briefing: Briefing, url: Url, ident: str, texts: Texts) -> Markup:
    """Stakeholders (left) joined to the issues they take positions on (right), in a fixed order; drawn for
    phones (names wrapped beside a narrow web) and for wider screens."""
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
    return Markup(
        _web(issues, holders, url, f"{ident}-narrow", texts, narrow=True)
        + _web(issues, holders, url, f"{ident}-wide", texts, narrow=False)
    )


WEB_FONT = 13  # the size of the web's labels (the stylesheet's `.picture text`)
WEB_LINE = 15  # between the lines of a wrapped label on phones


def _web_rows(labels: list[tuple[str, ...]], row: float, top: float, height: float) -> list[float]:
    """The y of each label's middle: spread evenly over `height`, each given room for its lines."""
    sizes = [max(row, len(lines) * WEB_LINE + 7) for lines in labels]
    spare = (height - 2 * top - sum(sizes)) / len(sizes)
    ys, y = [], top
    for size in sizes:
        ys.append(y + (size + spare) / 2)
        y += size + spare
    return ys


def _web_label(lines: tuple[str, ...], x: float, y: float, anchor: str) -> str:
    """A label of one or more lines, centred on `y`."""
    anchored = ' text-anchor="end"' if anchor == "end" else ""
    if len(lines) == 1:
        return f'<text class="node-label" x="{_n(x)}" y="{_n(y)}" dy="0.35em"{anchored}>{escape(lines[0])}</text>'
    first = y - (len(lines) - 1) * WEB_LINE / 2
    spans = "".join(
        f'<tspan x="{_n(x)}" y="{_n(first + i * WEB_LINE)}" dy="0.35em">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text class="node-label" x="{_n(x)}" y="{_n(first)}"{anchored}>{spans}</text>'


def _wrapped(text: str, width: float, most: int) -> tuple[str, ...]:
    """`text` in lines of at most `width` at the web's size, at most `most` of them (the last cut short)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", WEB_FONT) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    if len(lines) > most:
        lines = [*lines[: most - 1], _shorten(" ".join(lines[most - 1 :]), int(width // (WEB_FONT * 0.6)))]
    return tuple(lines)


def _web(issues: list[Issue], holders: list[Stakeholder], url: Url, ident: str, texts: Texts, narrow: bool) -> Markup:
    """Wide: names on one line each side of the web. Narrow (NARROW wide, so its 13 px text stays 13 px on a
    phone): names wrapped in two columns beside a narrow web, and no links (the tables below have them)."""
    top = 16
    if narrow:
        width, left_x, right_x = NARROW, 150, 200
        holder_labels = [_wrapped(s.name, left_x - 10 - 6, 3) for s in holders]
        issue_labels = [_wrapped(i.title, width - right_x - 10 - 6, 3) for i in issues]
        row = 22.0
        needed = max(sum(max(row, len(ls) * WEB_LINE + 7) for ls in labels) for labels in (holder_labels, issue_labels))
        height = round(top * 2 + needed)
    else:
        width, left_x, right_x = WIDTH, 330, 470
        holder_labels = [(_shorten(s.name, 40),) for s in holders]
        issue_labels = [(i.title,) for i in issues]
        row = 22.0
        height = top * 2 + max(len(holders), len(issues)) * row
    holder_y = dict(zip((s.id for s in holders), _web_rows(holder_labels, row, top, height), strict=True))
    issue_y = dict(zip((i.id for i in issues), _web_rows(issue_labels, row, top, height), strict=True))
    links = sum(len(i.positions) for i in issues)
    desc = texts.gettext(
        "%(holders)s stakeholders on the left are joined to the %(issues)s issues on the right on which they take "
        "a position (%(links)s positions). The tables below give each position with its sources."
    ) % {"holders": len(holders), "issues": len(issues), "links": links}
    desc += texts.gettext(
        " A line's colour and pattern give the position's leaning: solid for supports, dashed for opposes, dotted "
        "for mixed, thin grey for neutral or not stated."
    )
    words_of = ident.removesuffix("-narrow") + "-wide" if narrow else ""
    title = texts.gettext("Who takes positions on which issue")
    canvas = Canvas("web", height, ident, title, desc, width, "narrow" if narrow else "wide", words_of)
    mid = (left_x + right_x) / 2
    for issue in issues:
        for position in issue.positions:
            y1, y2 = holder_y[position.stakeholder.id], issue_y[issue.id]
            css = f"web-link web-{position.leaning}" if position.leaning else "web-link"  # colour and dashes
            canvas.draw(
                f'<path class="{css}" d="M{left_x + 6} {_n(y1)} C{_n(mid)} {_n(y1)} {_n(mid)} {_n(y2)} '
                f'{right_x - 6} {_n(y2)}"/>'
            )
    for stakeholder, lines in zip(holders, holder_labels, strict=True):
        y = holder_y[stakeholder.id]
        canvas.draw(f'<circle class="node" cx="{left_x}" cy="{_n(y)}" r="4"/>')
        canvas.link(url(stakeholder), stakeholder.name, _web_label(lines, left_x - 10, y, "end"))
    for issue, lines in zip(issues, issue_labels, strict=True):
        y = issue_y[issue.id]
        canvas.draw(f'<circle class="node issue-node" cx="{right_x}" cy="{_n(y)}" r="5"/>')
        canvas.link(url(issue), issue.title, _web_label(lines, right_x + 10, y, "start"))
    return canvas.markup()
