"""Page views: one typed context per page kind, prepared in Python from the linked model.

A view holds everything its template shows and nothing else: texts already finished (links relative to
the page, citations numbered in the order the page shows them), URLs from the route table, labels from
the schema. Templates only read views. Because a page is a pure function of its template and its view, a
view's digest is the key that lets a build skip rendering a page whose view has not changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from generator import exports, jsonld, pictures
from generator.dates import PartialDate
from generator.i18n import Texts
from generator.markdown import MARKER, Markdown
from generator.model import (
    ORIGINAL,
    Briefing,
    Config,
    Entity,
    Event,
    Issue,
    Language,
    Page,
    Period,
    Position,
    Quote,
    Source,
    Stakeholder,
    Translated,
    Update,
)
from generator.schema import (
    ENTITY_KINDS,
    ISSUE_STATUSES,
    N_,
    NAVIGATION_SECTIONS,
    PERIOD_KINDS,
    POSITION_LEANINGS,
    SEARCH_KINDS,
    STAKEHOLDER_GROUPS,
    STAKEHOLDER_KINDS,
    TRANSLATION_STATUSES,
)
from generator.spool import Extent, Spool, chunks_in
from generator.urls import (
    BRIEFING_JSON,
    CALENDAR,
    FEED,
    HOME_PAGE,
    ISSUES_PAGE,
    NOT_FOUND_PAGE,
    POSITIONS_CSV,
    PRINT_PAGE,
    PRINT_SHORT_PAGE,
    SEARCH_PAGE,
    SOURCES_CSV,
    SOURCES_PAGE,
    STAKEHOLDERS_PAGE,
    TIMELINE_CSV,
    TIMELINE_PAGE,
    TRANSLATIONS_PAGE,
    UPDATES_FEED,
    UPDATES_PAGE,
    absolute,
    entity_path,
    in_language,
    in_part,
    relative,
    section_path,
)
from generator.write import Blob, digest_of

HOME_ISSUES = 24  # issues shown on the home page before "All n issues"
HOME_LATEST = 6  # latest events on the home page
HOME_STAKEHOLDERS = 12  # most linked stakeholders on the home page
# Long lists on issue and stakeholder pages: the most relevant few are shown, the rest behind a <details>.
ISSUE_EVENTS_SHOWN = 3  # key events first, then the newest; shown newest first
ISSUE_QUOTES_SHOWN = 2  # the newest quotations
ISSUE_STAKEHOLDERS_SHOWN = 6  # those holding a position here first, then the most linked
REFERENCES_SHOWN = 8  # references shown before the rest are folded, on issue and stakeholder pages
REFERENCES_FOLD_MIN = 6  # fold only when at least this many would be hidden
STAKEHOLDER_EVENTS_SHOWN = 5  # on a stakeholder page, chosen as on an issue page
TOC_MIN_SECTIONS = 4  # a stakeholder page gets "On this page" from this many sections (issue pages always)
# Pages that style.css alone styles: the home page (the lightest to load), the issues list and the 404 page.
# Every other page also loads pages.css (lists, tables, positions, contents, search, the print pages).
FRONT_PAGES = frozenset({"home", "issues", "404"})


# ---- pieces shared by many views ------------------------------------------------------------------------


class _Item:
    """A view's small value, of which a big page has thousands: a dataclass with slots (a third of the memory of
    one with a dict), pickled — for the view's digest — as its class and its fields' values, taken in one call
    (a dataclass with slots is otherwise pickled by a Python method that looks up its fields each time)."""

    __slots__ = ()
    _values: Callable[[object], tuple[object, ...]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = cls.__dict__.get("__slots__")
        if names:  # the class `dataclass(slots=True)` makes: a slot per field, in their order
            get = attrgetter(*names)
            cls._values = staticmethod(get if len(names) > 1 else lambda item: (get(item),))  # type: ignore[method-assign]

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return type(self), self._values(self)


@dataclass(frozen=True, slots=True)
class Link(_Item):
    href: str
    label: str  # Markup where it comes from `PageText.link` (Chinese in it marked with its language)


@dataclass(frozen=True, slots=True)
class NavItem(_Item):
    href: str
    label: str
    current: bool


@dataclass(frozen=True, slots=True)
class Reference(_Item):
    number: int
    href: str
    title: str
    publisher: Markup
    date: str  # as shown, or ""
    lang: str = ""  # the title's language, where it is not the page's


@dataclass(frozen=True, slots=True)
class DateText(_Item):
    iso: str
    display: str


@dataclass(frozen=True, slots=True)
class UpdateItem(_Item):
    date: DateText
    text: Markup
    correction: bool
    lang: str = ""  # updates are not translated: their language on another language's site


@dataclass(frozen=True, slots=True)
class Tag(_Item):
    href: str
    label: str
    is_issue: bool


@dataclass(frozen=True, slots=True)
class EventItem(_Item):
    anchor: str  # the event's id where this list is its home (the timeline), else ""
    href: str  # link to the event's home, where anchor is ""
    date: DateText
    date_note: str
    key: bool
    title: str
    summary: Markup
    issue_ids: str
    stakeholder_ids: str
    tags: list[Tag]
    updates: list[UpdateItem] = field(default_factory=list)  # shown where the event is at home
    lang: str = ""  # the language of its title and summary, where it is not the page's (untranslated)


@dataclass(frozen=True, slots=True)
class QuoteItem(_Item):
    id: str
    text: str
    speaker: Link | None
    date: DateText
    cites: Markup
    context: Markup
    lang: str = ""  # the quotation's language where it is not the page's (e.g. "zh-Hans")
    original: str = ""  # the words as spoken, where `text` is our translation of them
    original_lang: str = ""
    context_lang: str = ""  # the context's language, where it is not the page's (untranslated)


@dataclass(frozen=True, slots=True)
class StatusText(_Item):
    value: str
    label: str
    note: str
    lang: str = ""  # the note's language, where it is not the page's (an untranslated issue)


@dataclass(frozen=True, slots=True)
class IssueCard(_Item):
    href: str
    title: str
    status: StatusText
    summary: Markup
    key_point: Markup  # the issue's first key point where the card shows it (home), else empty
    lang: str = ""  # the language of its texts, where it is not the page's (untranslated)


@dataclass(frozen=True, slots=True)
class LeaningText(_Item):
    value: str  # a choice of schema.POSITION_LEANINGS
    label: str


@dataclass(frozen=True, slots=True)
class PositionItem(_Item):
    holder: Link
    stance: Markup
    cites: Markup
    leaning: LeaningText | None = None
    lang: str = ""  # the stance's language, where it is not the page's (its issue is untranslated)


@dataclass(frozen=True, slots=True)
class TocEntry(_Item):
    href: str  # "#section-id"
    label: str
    lang: str = ""  # a heading of an untranslated body: its language


@dataclass(frozen=True, slots=True)
class More(_Item):
    """The rest of a long list, behind a <details>: its summary line says how many."""

    summary: str
    count: int


@dataclass(frozen=True, slots=True)
class StakeholderItem(_Item):
    href: str
    name: str
    role: str
    lang: str = ""  # the language of its name and role, where it is not the page's (untranslated)


@dataclass(frozen=True, slots=True)
class Alternate(_Item):
    """The same page in one of the site's languages (for hreflang and the language switch)."""

    lang: str
    name: str
    href: str  # relative, for the switch
    link: str  # for `<link rel="alternate" hreflang>`: absolute when the briefing has a base_url
    current: bool


@dataclass(frozen=True, slots=True)
class Notice(_Item):
    """Said above a page whose texts are not (or no longer) a translation of its original."""

    status: str  # outdated / missing
    message: str
    href: str  # the original
    link: str
    lang: str  # the original's language


@dataclass
class Chrome:
    """What base.html shows around every page: head, header, navigation, references, footer."""

    lang: str
    kind: str
    head_title: str
    title: str
    site_title: str
    description: str
    canonical: str
    og_type: str
    stylesheet: str
    feed: str
    updates: str
    updates_feed: str
    home: str
    search_action: str
    nav: list[NavItem]
    search_kind: str
    json_ld: dict[str, Any] | None
    references: list[Reference]
    publisher: str
    licence: str
    as_of: DateText
    sources: str
    data: str
    calendar: str
    print: str
    script: str
    print_short: str = ""
    theme_script: str = ""
    more_stylesheet: str = ""  # pages.css, on all but the FRONT_PAGES
    timeline_csv: str = ""
    positions_csv: str = ""
    sources_csv: str = ""
    cite_script: str = ""
    references_shown: int = 0  # on long pages, the first this many references; the rest behind a <details>
    references_more: str = ""  # that <details>'s summary, or "" when every reference is shown
    alternates: list[Alternate] = field(default_factory=list)  # every language's version, when there are several
    x_default: str = ""  # the link of the version in the briefing's own language (hreflang x-default), if several
    notice: Notice | None = None
    settings_lang: str = ""  # the language of the briefing's title, publisher and licence, where untranslated
    translations: str = ""  # the translations page, when the briefing has several languages


# ---- finishing texts for one page ---------------------------------------------------------------------


# where a view shows an entity's name (`PageText.name`), in a page's bytes
NAME_SLOT_BYTES = re.compile(rb"\x00N([wejx])([^\x00]+)\x00")
# kinds whose page address is their id alone (a quotation's is its speaker's page): their links may leave the
# name to be laid in later
_NAMED_LATE = (Issue, Stakeholder, Event, Source, Page)


def name_html(briefing: Briefing, slot: str) -> str:
    """The HTML a name slot (`PageText.name`: its form, then the entity's id) stands for on `briefing`'s site:
    `w` the name as words (its Chinese marked on a page in another language), `e` the name escaped, `x` escaped
    as the pictures escape their texts (`pictures.Canvas`), `j` inside a JSON string that a template's `tojson`
    made (`render.dumps_keeping_slots`)."""
    return name_in_form(briefing, briefing.by_id[slot[1:]].label, slot[0])


def name_in_form(briefing: Briefing, name: str, form: str) -> str:
    if form == "w":
        return words_in(briefing, name)
    if form == "x":
        return xml_escape(name)
    if form == "j":
        return str(htmlsafe_json_dumps(name))[1:-1]
    return str(escape(name))


def words_in(briefing: Briefing, plain: str) -> str:
    """Plain text (a name, a publisher), escaped, its Chinese marked on a page in another language."""
    html = str(escape(plain))
    return html if briefing.language.code.startswith("zh") else mark_chinese(html)


class PageText:
    """Finishes texts for one page: entity links made relative to it, citations numbered in page order.

    It also records what the page shows (`reads`): every entity a view links to, cites or names passes
    through here, and views call `uses` for the rest. `id` is anything of the entity, `id~` anything but its
    name (a link: its address, and its name left as a slot), `id!` its name shown in a slot, `id#body` its
    body, `*kind` which entities of a kind exist. A later build re-builds the view only if something it read
    changed, and lays the names in again where only names in slots changed (see build.ViewMemo)."""

    def __init__(
        self, path: str, briefing: Briefing, texts: Texts, fragments: Fragments | None = None, deferred: bool = False
    ) -> None:
        self.path = path
        self.briefing = briefing
        self.texts = texts
        self._ = texts.gettext
        self._inside = ""  # the language of the text being finished, where it is not the page's
        self.citations: dict[str, int] = {}
        self._cite_count: dict[str, int] = {}
        self.reads: set[str] = set()
        self.slots: set[str] = set()  # the names left as slots: form and id (`name`)
        self.fragments = fragments if fragments is not None else Fragments()
        self.deferred = deferred  # citations left as markers, to be numbered where the piece lands on its page
        # what citations and name slots come to on this page, made once each (the print page has tens of
        # thousands of both, most of them the same few)
        self._citations_html: dict[tuple[int, bool], str] = {}
        self._names_html: dict[str, str] = {}
        self._links: dict[str, Link] = {}  # a page of every issue links the same few hubs thousands of times

    def uses(self, entity: Entity, but_name: bool = False) -> None:
        """The view shows the entity: all of it, or (`but_name`) all but its name, which it shows through `name`."""
        self.reads.add(entity.id + "~" if but_name else entity.id)

    def uses_body(self, entity: Entity) -> None:
        self.reads.add(entity.id + "#body")

    def uses_all(self, kind: str, entities: Iterable[Entity], names_in_slots: bool = False) -> None:
        """A list that picks, orders or counts among every entity of a kind reads them all. `names_in_slots`:
        it reads anything of them but their names, which it shows only through `name` (and orders by nothing
        that a name decides)."""
        self.reads.add("*" + kind)
        self.reads.update(entity.id + "~" if names_in_slots else entity.id for entity in entities)

    def name(self, entity: Entity, form: str = "w") -> Markup:
        """The entity's name, left as a slot that the rendered page gets its name in (`render.NameSplicer`):
        so a name changed elsewhere is laid into the pages that show it without building their views again.
        `form` `w`: as `words`; `e`: escaped only; `x`, `j`: in a picture's text, in a JSON string (`name_html`)."""
        if not isinstance(entity, _NAMED_LATE):
            self.reads.add(entity.id)
            return Markup(name_in_form(self.briefing, entity.label, form))
        self.reads.update((entity.id + "~", entity.id + "!"))
        self.slots.add(form + entity.id)
        return Markup(f"\x00N{form}{entity.id}\x00")

    def link_url(self, entity: Entity) -> str:
        """A link to the entity's page, reading its address only (`id~`), where its name is shown as a slot."""
        if not isinstance(entity, _NAMED_LATE):
            return self.url(entity)
        self.reads.add(entity.id + "~")
        return self.site_url(in_language(entity_path(entity), self.briefing.language))

    def url(self, target: str | Entity) -> str:
        """A link to a page of this language's site (or to a file all languages share)."""
        if isinstance(target, str):
            path = in_language(target, self.briefing.language)
        else:
            self.reads.add(target.id)
            path = in_language(entity_path(target), self.briefing.language)
        return self.site_url(path)

    def url_in(self, entity: Entity, language: Language) -> str:
        """A link to `entity`'s page on the site of another language."""
        self.reads.add(entity.id)
        return self.site_url(in_language(entity_path(entity), language))

    def date(self, date: PartialDate) -> DateText:
        return DateText(date.iso, self.texts.date(date))

    def site_url(self, path: str) -> str:
        """A link to a site path (with its language's folder, if any)."""
        base = self.briefing.config.base_url
        if self.path == NOT_FOUND_PAGE and base:
            return absolute(base, path)  # a host serves 404.html at any missing address: relative links break
        return relative(path, self.path)

    def link(self, entity: Entity) -> Link:
        """A link to the entity's page, with its name (one value per entity and page, where its name is a slot)."""
        if not isinstance(entity, _NAMED_LATE):
            return Link(self.link_url(entity), self.name(entity))
        known = self._links.get(entity.id)
        if known is None:
            known = self._links[entity.id] = Link(self.link_url(entity), self.name(entity))
        return known

    def md(self, text: Markdown | None, prefix: str = "", lang: str = "") -> Markup:
        """`prefix` namespaces a text's own ids (heading anchors, footnotes) where several bodies share a page.
        `lang`: the text's language where it is not the page's (an untranslated text): the names its links show,
        in the page's language, then say so."""
        if text is None:
            return Markup("")
        html = _prefix_ids(text.html, prefix) if prefix else text.html
        if not self.briefing.language.code.startswith("zh"):
            html = mark_chinese(html)
        self._inside = lang
        return Markup(runs(MARKER.sub(self._replace_marker, html)))

    def lang_of(self, entity: Entity | Config) -> str:
        """The language of an entity's texts where it is not the page's (an untranslated entity), else ""."""
        status = entity.translated
        if status.status == "missing" and status.text_language != self.briefing.language.code:
            return status.text_language
        return ""

    @property
    def untranslated_lang(self) -> str:
        """The language of texts never translated (updates, source notes): the original's, on another site."""
        languages = self.briefing.languages
        return languages[0].code if languages and languages[0] != self.briefing.language else ""

    def title_lang(self, title: str) -> str:
        """The language of a title kept as published (a source's): by its script, else the original's."""
        languages, page = self.briefing.languages, self.briefing.language.code
        if page.startswith("zh") and _HAN.search(title):
            return ""  # partly in Chinese (`The Paper (澎湃新闻)`): read as the page's own
        return _other(text_lang(title, languages[0].code if languages else page), page)

    def words(self, plain: str) -> Markup:
        """Plain text (a name, a publisher), escaped, its Chinese marked on a page in another language."""
        return Markup(words_in(self.briefing, plain))

    def cite(self, sources: Iterable[Source]) -> Markup:
        return Markup(runs("".join(self._citation(source.id) for source in sources)))

    def references(self) -> list[Reference]:
        by_id = self.briefing.by_id
        out = []
        for source_id, number in self.citations.items():
            source = by_id[source_id]
            assert isinstance(source, Source)
            date = self.texts.date(source.date) if source.date else ""
            lang = self.title_lang(source.title)
            publisher = self.words(source.publisher)
            if self.title_lang(source.publisher):
                publisher = Markup(f'<span lang="{self.title_lang(source.publisher)}">{publisher}</span>')
            out.append(Reference(number, self.url(source), source.title, publisher, date, lang))
        return out

    def _replace_marker(self, match: re.Match[str]) -> str:
        kind, payload = match.groups()
        if kind == "C":
            return self._citation(payload)
        target, _, label = payload.partition("|")
        entity = self.briefing.by_id[target]  # resolve checked every target
        own = f' lang="{self.briefing.language.code}"' if self._inside and not label else ""  # the entity's name
        shown = escape(label) if label else self.name(entity, "e")
        return f'<a href="{escape(self.link_url(entity))}"{own}>{shown}</a>'

    def _citation(self, source_id: str) -> str:
        self.reads.add(source_id)
        if self.deferred:
            return f"\x00C{source_id}\x00"
        return self.citation_html(*self.cite_number(source_id))

    def cite_number(self, source_id: str) -> tuple[int, bool]:
        """The number of a citation of `source_id` on this page, and whether it is the first."""
        number = self.citations.setdefault(source_id, len(self.citations) + 1)
        use = self._cite_count[source_id] = self._cite_count.get(source_id, 0) + 1
        return number, use == 1

    def citation_html(self, number: int, first: bool) -> str:
        known = self._citations_html.get((number, first))
        if known is None:
            anchor = f' id="cite-{number}"' if first else ""
            label = escape(self._("Source %(number)s") % {"number": number})
            link = f'<a href="#ref-{number}"{anchor} aria-label="{label}">[{number}]</a>'
            known = self._citations_html[(number, first)] = f'<sup class="cite">{link}</sup>'
        return known

    def name_html(self, slot: str) -> str:
        """What a name slot stands for on this page (`name_html`)."""
        known = self._names_html.get(slot)
        if known is None:
            known = self._names_html[slot] = name_html(self.briefing, slot)
        return known


def runs(html: str) -> str:
    """A citation right after another ("[1][2]") is marked `next`, for the stylesheet to set it off just enough
    for each to keep its own 24 px target; one after a word or a space is not."""
    return html.replace('</sup><sup class="cite">', '</sup><sup class="cite next">')


_HEADING = re.compile(r"<(/?)h([1-6])\b")


def demote_headings(html: Markup, levels: int) -> Markup:
    """A body's own headings, moved down where the body sits under a page's section and article headings."""
    return Markup(_HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + levels, 6)}", html))


_ID_ATTRIBUTE = re.compile(r'\b(id="|href="#)([^"]+)"')


def _prefix_ids(html: str, prefix: str) -> str:
    return _ID_ATTRIBUTE.sub(lambda m: f'{m.group(1)}{prefix}-{m.group(2)}"', html)


def status_of(text: PageText, issue: Issue) -> StatusText:
    return StatusText(issue.status, text._(ISSUE_STATUSES[issue.status]), issue.status_note, text.lang_of(issue))


def leaning_of(text: PageText, position: Position) -> LeaningText | None:
    return LeaningText(position.leaning, text._(POSITION_LEANINGS[position.leaning])) if position.leaning else None


def leaning_legend(text: PageText) -> list[LeaningText]:
    return [LeaningText(value, text._(label)) for value, label in POSITION_LEANINGS.items()]


MORE = {  # "n more …" of each long list: singular, plural
    "events": (N_("%(num)d more event"), N_("%(num)d more events")),
    "quotations": (N_("%(num)d more quotation"), N_("%(num)d more quotations")),
    "stakeholders": (N_("%(num)d more stakeholder"), N_("%(num)d more stakeholders")),
    "references": (N_("%(num)d more reference"), N_("%(num)d more references")),
}


def more_text(texts: Texts, count: int, noun: str) -> str:
    singular, plural = MORE[noun]
    return texts.ngettext(singular, plural, count) % {"num": count}


def more(text: PageText, rest: list[Any], noun: str) -> More | None:
    if not rest:
        return None
    return More(more_text(text.texts, len(rest), noun), len(rest))


def split_events(events: list[Event], shown: int) -> tuple[list[Event], list[Event]]:
    """The key events, then the newest, up to `shown` (newest first); the rest in date order."""
    newest = sorted(events, key=lambda e: e.date, reverse=True)
    latest = newest[: min(2, shown)]  # what is new
    ranked = latest + sorted((e for e in newest if e not in latest), key=lambda e: not e.key)  # then key dates
    first = sorted(ranked[:shown], key=lambda e: e.date, reverse=True)
    chosen = {id(e) for e in first}
    return first, [e for e in events if id(e) not in chosen]


_H2 = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', re.S)


def body_toc(body: Markup, lang: str = "") -> list[TocEntry]:
    """The body's own second-level headings, for "On this page" (`lang`: the body's, where not the page's)."""
    return [TocEntry(f"#{anchor}", Markup(label).striptags(), lang) for anchor, label in _H2.findall(str(body))]


def event_item(text: PageText, event: Event, anchor: bool, page_of: Entity | None = None) -> EventItem:
    """`page_of`: the issue or stakeholder whose page lists the event, not tagged again on its own page."""
    text.uses(event)
    tags = [Tag(text.link_url(i), text.name(i, "e"), True) for i in event.issues if i is not page_of]
    tags += [Tag(text.link_url(s), text.name(s, "e"), False) for s in event.stakeholders if s is not page_of]
    return EventItem(
        anchor=event.id if anchor else "",
        href="" if anchor else text.url(event),
        date=text.date(event.date),
        date_note=event.date_note,
        key=event.key,
        title=event.title,
        summary=text.md(event.summary, lang=text.lang_of(event)),
        issue_ids=" ".join(i.id for i in event.issues),
        stakeholder_ids=" ".join(s.id for s in event.stakeholders),
        tags=tags,
        updates=update_items(text, event.updates) if anchor else [],
        lang=text.lang_of(event),
    )


def event_link(text: PageText, event: Event) -> EventItem:
    """An event as one line (date and linked title): its summary is not shown, so not finished."""
    date, lang = text.date(event.date), text.lang_of(event)
    return EventItem("", text.url(event), date, "", event.key, event.title, Markup(""), "", "", [], [], lang)


def quote_item(text: PageText, quote: Quote, show_speaker: bool) -> QuoteItem:
    text.uses(quote)
    speaker = text.link(quote.speaker) if show_speaker else None
    cites = text.cite([quote.source])
    context = text.md(quote.context, lang=text.lang_of(quote))
    page_lang = text.briefing.language.code
    original = quote.translated.original_text if quote.translated.status in ("current", "outdated") else ""
    default = text.briefing.languages[0].code if text.briefing.languages else page_lang
    if original and text_lang(original, default) == text_lang(quote.text, page_lang):
        original = ""  # spoken in this page's language: the quotation is the original itself
    return QuoteItem(
        quote.id,
        quote.text,
        speaker,
        text.date(quote.date),
        cites,
        context,
        _other(text_lang(quote.text, page_lang), page_lang),
        original,
        _other(text_lang(original, default), page_lang) if original else "",
        text.lang_of(quote),
    )


def _other(lang: str, page_lang: str) -> str:
    """`lang` where it differs from the page's language (so it needs its own `lang` attribute), else ""."""
    return "" if lang.split("-")[0] == page_lang.split("-")[0] else lang


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


_TAG = re.compile(r"(<[^>]*>)")
_HAN_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# a run of Chinese, with its punctuation (also ASCII punctuation between two Chinese characters)
_HAN_RUN = re.compile(f"[{_HAN_CHARS}](?:[\u3000-\u303f{_HAN_CHARS}\uff00-\uffef]|[,;:!?] ?(?=[{_HAN_CHARS}]))*")


def in_lang(html: Markup, lang: str) -> Markup:
    """A block of finished text, marked with its language where it is not the page's."""
    return Markup(f'<div lang="{lang}">') + html + Markup("</div>") if lang else html


def mark_chinese(html: str) -> str:
    """Runs of Chinese characters in a text's words (not its tags) marked `lang="zh-Hans"`, so that screen
    readers pronounce them and browsers pick a font for them, on a page in another language."""
    if not _HAN.search(html):
        return html
    parts = _TAG.split(html)
    for index in range(0, len(parts), 2):  # even parts are text between tags
        parts[index] = _HAN_RUN.sub(lambda m: f'<span lang="zh-Hans">{m.group(0)}</span>', parts[index])
    return "".join(parts)


def text_lang(text: str, otherwise: str) -> str:
    """The language of a quotation from its script: Chinese characters outnumbering Latin letters make it
    Chinese (the bundled briefing quotes the mainland in simplified script), else `otherwise`."""
    han = len(_HAN.findall(text))
    return "zh-Hans" if han and han >= len(_LATIN_LETTER.findall(text)) else otherwise


def issue_card(text: PageText, issue: Issue, key_point: bool = False) -> IssueCard:
    lang = text.lang_of(issue)
    point = text.md(issue.key_points[0], lang=lang) if key_point and issue.key_points else Markup("")
    summary = text.md(issue.summary, lang=lang)
    return IssueCard(text.url(issue), issue.title, status_of(text, issue), summary, point, lang)


def stakeholder_item(text: PageText, stakeholder: Stakeholder) -> StakeholderItem:
    return StakeholderItem(
        text.link_url(stakeholder), text.name(stakeholder, "e"), stakeholder.role, text.lang_of(stakeholder)
    )


def update_items(text: PageText, updates: list[Update]) -> list[UpdateItem]:
    """Newest first, as a reader looks for what is new."""
    ordered = sorted(updates, key=lambda u: u.date, reverse=True)
    lang = text.untranslated_lang
    return [UpdateItem(text.date(u.date), text.md(u.text, lang=lang), u.correction, lang) for u in ordered]


def position_item(text: PageText, position: Position, holder: Entity) -> PositionItem:
    lang = text.lang_of(position.issue)
    stance = text.md(position.stance, lang=lang)
    return PositionItem(text.link(holder), stance, text.cite(position.sources), leaning_of(text, position), lang)


# ---- one view per page kind -----------------------------------------------------------------------------


@dataclass
class HomeView:
    lang: str  # the language of the title, summary and state of play, where it is not the page's
    title: str
    summary: str
    as_of: DateText
    state_of_play: Markup
    next_date: DateText | None
    next_label: str
    next_href: str
    strip: Markup
    strip_more: str
    key_events: list[EventItem]
    issues: list[IssueCard]
    all_issues: Link | None
    issues_href: str
    main_stakeholders: list[Link]
    stakeholders_href: str
    latest: list[EventItem]
    timeline_href: str


@dataclass
class IssuesView:
    site_title: str
    issues: list[IssueCard]


@dataclass
class IssueView:
    lang: str  # the language of its texts, where it is not the page's (untranslated)
    up: str
    title: str
    summary: Markup
    status: StatusText
    key_points: list[Markup]
    positions: list[PositionItem]
    leanings: list[LeaningText]  # the legend, when a position has a leaning
    body: Markup
    updates: list[UpdateItem]
    sparkline: Markup
    events: list[EventItem]  # the key and newest few
    more_events: list[EventItem]  # the rest, behind a <details>
    events_more: More | None
    quotes: list[QuoteItem]
    more_quotes: list[QuoteItem]
    quotes_more: More | None
    stakeholders: list[StakeholderItem]
    more_stakeholders: list[StakeholderItem]
    stakeholders_more: More | None
    related: list[Link]
    last_update: UpdateItem | None
    toc: list[TocEntry]


@dataclass(slots=True)
class CountryGroup(_Item):
    country: str
    members: list[StakeholderItem]


@dataclass
class KindGroup:
    kind: str
    title: str
    countries: list[CountryGroup]


@dataclass
class StakeholdersView:
    site_title: str
    groups: list[KindGroup]


@dataclass(slots=True)
class MentionItem(_Item):
    href: str
    label: str
    kind: str


@dataclass
class StakeholderView:
    lang: str  # the language of its texts, where it is not the page's (untranslated)
    up: str
    name: str
    original_name: str  # the name as written in the original language, where this page shows a translation
    original_lang: str
    role: str
    affiliation: Link | str
    country: str
    kind: str
    stance: Markup
    body: Markup
    updates: list[UpdateItem]
    positions: list[PositionItem]
    quotes: list[QuoteItem]
    sparkline: Markup
    events: list[EventItem]  # the key and newest few
    more_events: list[EventItem]  # the rest, behind a <details>
    events_more: More | None
    members: list[StakeholderItem]
    mentioned_on: list[MentionItem]
    last_update: UpdateItem | None
    leanings: list[LeaningText]  # the legend, when a position has a leaning
    toc: list[TocEntry]  # "On this page", for a page of at least TOC_MIN_SECTIONS sections; else empty


@dataclass(slots=True)
class PeriodRow(_Item):
    id: str
    start: DateText
    end: DateText | None
    kind: str
    uncertain: bool
    label: str
    cites: Markup
    note: Markup


@dataclass(slots=True)
class FilterOption(_Item):
    value: str
    label: str


@dataclass(slots=True)
class YearGroup(_Item):
    year: int
    events: list[EventItem]


@dataclass
class TimelineView:
    count: int
    strip: Markup
    periods: list[PeriodRow]
    by_issue: list[Link]
    by_stakeholder: list[Link]
    issue_options: list[FilterOption]
    stakeholder_options: list[FilterOption]
    years: list[YearGroup]
    csv: str = ""


@dataclass(slots=True)
class MatrixCell(_Item):
    stance: Markup
    cites: Markup
    leaning: LeaningText | None = None
    lang: str = ""  # the stance's language, where it is not the page's (its issue is untranslated)


@dataclass(slots=True)
class MatrixRow(_Item):
    stakeholder: Link
    cells: list[MatrixCell | None]


@dataclass(slots=True)
class WhoStandsWhere(_Item):
    """One issue's row of the compact view: who holds a position, by leaning (columns as in `leanings`)."""

    issue: Link
    by_leaning: list[list[Link]]
    unstated: list[Link]  # positions without a leaning


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A picture of the positions too large to show: how many stakeholders and issues it would have drawn."""

    stakeholders: int
    issues: int


@dataclass
class PositionsView:
    web: Markup
    columns: list[Link]
    rows: list[MatrixRow]
    csv: str = ""
    leanings: list[LeaningText] = field(default_factory=list)  # the legend of the cells' leanings
    who: list[WhoStandsWhere] = field(default_factory=list)  # issues (rows) by leaning (columns): names only
    unstated: str = ""  # the title of the last column of `who`, where some position gives no leaning
    left_out: LeftOut | None = None  # a grid too large to show
    web_left_out: LeftOut | None = None  # a web too tall to show


@dataclass(slots=True)
class SourceItem(_Item):
    id: str
    title: str
    url: str
    publisher: Markup
    author: Markup
    date: DateText | None
    note: Markup
    no_public_link: str  # why there is no link, for a source without a URL
    cited_on: list[Link]
    updates: list[UpdateItem]
    lang: str = ""  # the title's language, where it is not the page's
    note_lang: str = ""  # the note's (and no_public_link's), where it is not translated
    publisher_lang: str = ""


@dataclass
class SourcesView:
    count: int
    sources: list[SourceItem]
    csv: str = ""


@dataclass
class PageView:
    lang: str  # the language of its texts, where it is not the page's (untranslated)
    title: str
    body: Markup
    updates: list[UpdateItem]
    last_update: UpdateItem | None


@dataclass(slots=True)
class UpdateEntry(_Item):
    date: DateText
    href: str
    label: str
    kind: str
    text: Markup
    correction: bool
    lang: str = ""  # updates are not translated: their language on another language's site
    label_lang: str = ""  # the label's, where it is not the page's (a source's title as published)


@dataclass
class UpdatesView:
    count: int
    corrections: int
    feed: str
    entries: list[UpdateEntry]


@dataclass
class SearchView:
    issues: str
    stakeholders: str
    timeline: str
    sources: str
    index: str  # Pagefind's script: one index for every language, each page searching its own language
    kinds: dict[str, str]  # the result kinds (Pagefind's `kind` metadata), as this language names them


@dataclass(slots=True)
class PrintIssue(_Item):
    id: str
    title: str
    summary: Markup
    status: StatusText
    key_points: list[Markup]
    positions: list[PositionItem]
    body: Markup
    lang: str = ""  # the language of its texts, where it is not the page's (untranslated)


@dataclass(slots=True)
class PrintStakeholder(_Item):
    id: str
    name: str
    role: str
    country: str
    body: Markup
    lang: str = ""  # the language of its texts, where it is not the page's (untranslated)


SPLICED = re.compile(rb"\x00spliced:([0-9]+)\x00")  # where a template showed a Spliced value


@dataclass(frozen=True, eq=False)
class Spliced:
    """HTML too big to hold as text: the print page's articles (42 MB at 11,000 pages, and twice that as a
    Python string once one character is not ASCII), kept as their UTF-8 bytes — in a one-off build's spool,
    as they are made. A template shows it as it shows any Markup; the page's bytes get its bytes where it
    stands (`render.render_template`)."""

    parts: tuple[bytes | Extent, ...]

    def __html__(self) -> str:
        return f"\x00spliced:{id(self)}\x00"

    def __bool__(self) -> bool:
        return any(len(part) for part in self.parts)

    def __reduce__(self) -> tuple[type[Spliced], tuple[tuple[bytes]]]:
        """A view is pickled only to be hashed (its digest, `render.Renderer.view_key`): a Spliced value is
        pickled as the digest of its bytes, read a piece at a time (a pickle of its parts themselves would
        keep a copy of each part in a spool, 42 MB at 11,000 pages, till the whole view is pickled)."""
        return Spliced, ((digest_of(Blob(self.parts)).encode(),),)


@dataclass
class PrintView:
    """The whole briefing on one page. Its articles arrive rendered (by the macros of print_items.html),
    so that a long-lived engine re-renders only the articles whose content changed."""

    title: str
    summary: str
    as_of: DateText
    state_of_play: Markup
    issues: Spliced
    stakeholders: Spliced
    events: Spliced
    strip: Markup
    short: str  # the short edition
    lang: str = ""  # the language of the title and summary, where they are not translated


@dataclass
class ShortPrintView:
    """The short edition, to print in about six A4 pages, as a Congressional Research Service In Focus: the
    state of play, the key dates with the strip, and every issue's status and key points, with their sources.
    Its issues are `PrintIssue`s without positions or body."""

    title: str
    summary: str
    as_of: DateText
    state_of_play: Markup
    strip: Markup
    key_dates: list[EventItem]
    issues: list[PrintIssue]
    full: str  # the whole briefing on one page
    lang: str = ""  # the language of the title and summary, where they are not translated


@dataclass
class Fragments:
    """Rendered pieces of the whole-briefing page, each with what it read; kept by a long-lived engine and
    reused while nothing a piece read has changed (`changed` None: anything may have). `keep` False: an
    engine that builds once keeps none (at 11,000 pages they would hold twice the page's 42 MB for nothing)."""

    entries: dict[str, Piece] = field(default_factory=dict)
    changed: set[str] | None = None
    render: Callable[[str, object], str] | None = None  # (macro of print_items.html, item) → HTML
    keep: bool = True
    spool: Spool | None = None  # this build's, where the articles go as they are made (a one-off build's)

    def spliced(self, pieces: Iterable[bytes]) -> Spliced:
        """Articles as one `Spliced` value: in the spool, if there is one, as they are made."""
        return Spliced(chunks_in(self.spool, pieces))

    def piece(self, text: PageText, key: str, macro: str, make: Callable[[PageText], object]) -> bytes:
        known = self.entries.get(key)
        if known is None or self.changed is None or not known.reads.isdisjoint(self.changed):
            piece = PageText(text.path, text.briefing, text.texts, deferred=True)
            assert self.render is not None
            known = Piece(self.render(macro, make(piece)), frozenset(piece.reads), frozenset(piece.slots))
            if self.keep:
                self.entries[key] = known
        text.reads |= known.reads
        text.slots |= known.slots
        return known.numbered(text)


PIECE_MARKERS = re.compile(r"\x00(?:C[^\x00]*|N[we][^\x00]+)\x00")  # a piece's citations and names
_CITATION_MARKER = re.compile(r"\x00C([^\x00]*)\x00")


class Piece:
    """One rendered piece with its citations left as markers, and the numbers they were last given: a piece
    whose citations get the same numbers as last time (most of them, after an edit elsewhere) is not filled
    again. Its names stay slots, which the page lays in with its own (`render.NameSplicer`): a name changed
    elsewhere changes no piece, and is laid into the page's file as into any page's."""

    def __init__(self, html: str, reads: frozenset[str], slots: frozenset[str]) -> None:
        self.reads = reads
        self.slots = slots  # its names' slots, which the page shows
        parts = _CITATION_MARKER.split(html)
        self.texts: list[str] = parts[::2]  # the text around the citations
        self.sources: list[str] = parts[1::2]  # the source each cites
        self.numbers: list[tuple[int, bool]] | None = None
        self.data = b""

    def numbered(self, text: PageText) -> bytes:
        """The piece, as UTF-8, with its citations numbered where it lands on `text`'s page (continuing its
        numbering)."""
        numbers = [text.cite_number(source) for source in self.sources]
        if numbers != self.numbers:
            out = [self.texts[0]]
            for number, after in zip(numbers, self.texts[1:], strict=True):
                out += [text.citation_html(*number), after]
            self.data, self.numbers = runs("".join(out)).encode("utf-8"), numbers
        return self.data


@dataclass(frozen=True, slots=True)
class TranslationRow(_Item):
    kind: str
    link: Link  # the page on the translated site
    status: str  # a choice of schema.TRANSLATION_STATUSES
    status_label: str
    original: str  # the original's page
    file: str  # the translation's file, for editors ("" when there is none)


@dataclass(frozen=True)
class TranslationTable:
    lang: str
    name: str
    counts: list[tuple[str, str, int]]  # status, label, how many
    rows: list[TranslationRow]  # outdated first, then missing, then current


@dataclass
class TranslationsView:
    original_lang: str
    tables: list[TranslationTable]


TRANSLATION_ORDER = ("outdated", "missing", "current")


def translations_view(text: PageText, briefing: Briefing, axis: pictures.Axis, spec: PageSpec) -> TranslationsView:
    """Every text of the briefing, per translated language: current, out of date, or not translated."""
    for kind, entities in (
        ("issue", briefing.issues),
        ("stakeholder", briefing.stakeholders),
        ("event", briefing.events),
        ("quote", briefing.quotes),
        ("period", briefing.periods),
        ("page", briefing.pages),
    ):
        text.uses_all(kind, entities)
        for entity in entities:  # a translation is out of date once its original's body changed, too
            text.uses_body(entity)
    original = briefing.languages[0]
    tables = []
    for language, pairs in briefing.translations:
        rows = [
            TranslationRow(
                text._(ENTITY_KINDS[mine.kind]),
                Link(text.url_in(theirs, language), theirs.label),
                theirs.translated.status,
                text._(TRANSLATION_STATUSES[theirs.translated.status]),
                text.url_in(mine, original),
                theirs.translated.file,
            )
            for mine, theirs in pairs
        ]
        rows.sort(key=lambda row: TRANSLATION_ORDER.index(row.status))
        counts = [
            (status, text._(TRANSLATION_STATUSES[status]), sum(1 for row in rows if row.status == status))
            for status in TRANSLATION_ORDER
        ]
        tables.append(TranslationTable(language.code, language.name, counts, rows))
    return TranslationsView(original.code, tables)


@dataclass
class NotFoundView:
    home: str
    issues: str
    stakeholders: str
    timeline: str
    # A host sends 404.html for any missing address, at any depth. With base_url its links are absolute; without,
    # they are written for the site's root and a small script rebases them on the nearest folder of the address
    # that holds this file (a site path), or "" (base_url set: nothing to find).
    find_root: str = ""


View = (
    HomeView
    | IssuesView
    | IssueView
    | StakeholdersView
    | StakeholderView
    | TimelineView
    | PositionsView
    | SourcesView
    | PageView
    | UpdatesView
    | SearchView
    | PrintView
    | ShortPrintView
    | NotFoundView
    | TranslationsView
)


@dataclass
class PageSpec:
    """What the route table knows of an HTML page before its view is built."""

    path: str
    kind: str
    title: str
    description: str
    search_kind: str = ""
    script: str = ""  # an asset the page loads, e.g. assets/timeline.js
    entity: Entity | None = None
    alternates: list[tuple[Language, str]] = field(default_factory=list)  # this page in every language


def build_view(
    spec: PageSpec, briefing: Briefing, axis: pictures.Axis, texts: Texts, fragments: Fragments | None = None
) -> tuple[tuple[Chrome, View], set[str], set[str]]:
    """The page's view and the chrome around it, what they show (`PageText.reads`) and the names they left as
    slots. Citations are numbered as the page shows them, so the view is built in page order, and the chrome
    (which lists the references) last."""
    text = PageText(spec.path, briefing, texts, fragments)
    if spec.entity is not None:  # a stakeholder's page shows its own name in slots only: see `chrome`
        text.uses(spec.entity, but_name=isinstance(spec.entity, Stakeholder))
    view = BUILDERS[spec.kind](text, briefing, axis, spec)
    return (chrome(spec, text, briefing), view), text.reads, text.slots


def stakeholder_description(name: str, role: str) -> str:
    """A stakeholder page's description (its route's, and its chrome's with the name in a slot)."""
    return f"{name}: {role}"


def chrome(spec: PageSpec, text: PageText, briefing: Briefing) -> Chrome:
    config = briefing.config
    nav = []
    for entry in config.navigation:
        if isinstance(entry, Page):
            text.uses(entry)
            target, label = entity_path(entry), entry.label
        else:
            target, label = section_path(entry), text._(NAVIGATION_SECTIONS[entry])
        nav.append(NavItem(text.url(target), label, spec.path == target))
    json_ld = None
    title, description = spec.title, spec.description
    if isinstance(spec.entity, Issue):
        json_ld = jsonld.article(briefing, spec.entity)
    elif isinstance(spec.entity, Stakeholder):
        # the page of a hub stakeholder lists thousands of positions: renamed, it gets its new name laid in, as
        # the pages that link to it do, instead of being built again (`render.entity_route`'s title and
        # description, in slots)
        title = str(text.name(spec.entity, "e"))  # (escaped where the template shows it: a slot is left as it is)
        description = stakeholder_description(title, spec.entity.role)
        json_ld = jsonld.stakeholder(briefing, spec.entity, str(text.name(spec.entity, "j")))
    translated = spec.entity.translated if spec.entity is not None else ORIGINAL
    if spec.kind == "home":
        translated = config.translated
    alternates = [
        Alternate(
            language.code,
            language.name,
            text.site_url(path),
            absolute(config.base_url, path) if config.base_url else text.site_url(path),
            language == briefing.language,
        )
        for language, path in spec.alternates
    ]
    return Chrome(
        lang=briefing.language.code,
        kind=spec.kind,
        head_title=config.title if spec.kind == "home" else f"{title} · {config.title}",
        title=title,
        site_title=config.title,
        description=description,
        canonical=absolute(config.base_url, spec.path) if config.base_url else "",
        og_type="website" if spec.kind == "home" else "article",
        stylesheet=text.url("assets/style.css"),
        feed=text.url(FEED),
        updates=text.url(UPDATES_PAGE),
        updates_feed=text.url(UPDATES_FEED),
        home=text.url(HOME_PAGE),
        search_action=text.url(SEARCH_PAGE),
        nav=nav,
        search_kind=spec.search_kind,
        json_ld=json_ld,
        references=text.references(),
        publisher=config.publisher,
        licence=config.licence,
        as_of=text.date(config.as_of),
        sources=text.url(SOURCES_PAGE),
        data=text.url(BRIEFING_JSON),
        calendar=text.url(CALENDAR),
        print=text.url(PRINT_PAGE),
        print_short=text.url(PRINT_SHORT_PAGE),
        script=text.url(spec.script) if spec.script else "",
        theme_script=text.url("assets/theme.js"),
        more_stylesheet="" if spec.kind in FRONT_PAGES else text.url("assets/pages.css"),
        timeline_csv=text.url(TIMELINE_CSV),
        positions_csv=text.url(POSITIONS_CSV),
        sources_csv=text.url(SOURCES_CSV),
        cite_script=text.url("assets/cite.js") if text.citations else "",  # chrome is built last: all cited
        **_folded_references(spec, len(text.citations), text.texts),
        alternates=alternates,
        x_default=alternates[0].link if alternates else "",
        notice=translation_notice(text, spec, translated),
        settings_lang=text.lang_of(config),
        translations=text.url(TRANSLATIONS_PAGE) if len(briefing.languages) > 1 else "",
    )


def translation_notice(text: PageText, spec: PageSpec, translated: Translated) -> Notice | None:
    """What a reader of a translated site is told about a page whose texts are not a current translation."""
    if translated.status not in ("outdated", "missing") or not spec.alternates:
        return None
    _, texts = text._, text.texts
    original, path = spec.alternates[0]
    name = texts.language_name(original.code)
    link = _("Read the original in %(language)s") % {"language": name}
    if translated.status == "missing":
        message = _("This page has not been translated yet; its text is shown in %(language)s.") % {"language": name}
    elif translated.original_updated is not None:
        message = _("The %(language)s original was updated on %(date)s; this translation may be out of date.") % {
            "language": name,
            "date": texts.date(translated.original_updated),
        }
    else:
        message = _("The %(language)s original has changed since this translation was made; it may be out of date.") % {
            "language": name
        }
    return Notice(translated.status, message, text.site_url(path), link, original.code)


def _folded_references(spec: PageSpec, count: int, texts: Texts) -> dict[str, Any]:
    """Issue and stakeholder pages show their first references (those of the key points and positions, the
    first cited) and fold the rest, when there are enough to be worth folding."""
    if spec.kind not in ("issue", "stakeholder") or count < REFERENCES_SHOWN + REFERENCES_FOLD_MIN:
        return {"references_shown": count, "references_more": ""}
    rest = count - REFERENCES_SHOWN
    return {"references_shown": REFERENCES_SHOWN, "references_more": more_text(texts, rest, "references")}


def home_view(text: PageText, briefing: Briefing, axis: pictures.Axis, spec: PageSpec) -> HomeView:
    config = briefing.config
    text.uses_all("issue", briefing.issues)
    text.uses_all("event", briefing.events)
    text.uses_all("stakeholder", briefing.stakeholders)
    lang = text.lang_of(config)  # the settings' texts, where untranslated: the home page's lists may be translated
    state = in_lang(text.md(config.state_of_play, lang=lang), lang)
    next_date = config.next_date
    strip = (
        pictures.pact_strip(briefing, axis, text.url, "strip", text.texts, compact=True)
        if briefing.periods
        else Markup("")
    )
    past = [e for e in briefing.events if e.date <= config.as_of]  # future dates are not news
    issues = briefing.issues
    return HomeView(
        lang=lang,
        title=config.title,
        summary=config.summary,
        as_of=text.date(config.as_of),
        state_of_play=state,
        next_date=text.date(next_date.date) if next_date else None,
        next_label=next_date.label if next_date else "",
        next_href=text.url(next_date.event) if next_date and next_date.event else "",
        strip=strip,
        strip_more=text.url(in_part(TIMELINE_PAGE, "periods-title")),
        key_events=[event_link(text, e) for e in config.key_dates],
        issues=[issue_card(text, i, key_point=True) for i in issues[:HOME_ISSUES]],
        all_issues=Link(
            text.url(ISSUES_PAGE),
            text.texts.ngettext("All %(num)d issue", "All %(num)d issues", len(issues)) % {"num": len(issues)},
        )
        if len(issues) > HOME_ISSUES
        else None,
        issues_href=text.url(ISSUES_PAGE),
        main_stakeholders=[text.link(s) for s in main_stakeholders(briefing, HOME_STAKEHOLDERS)],
        stakeholders_href=text.url(STAKEHOLDERS_PAGE),
        latest=[event_link(text, e) for e in past[::-1][:HOME_LATEST]],
        timeline_href=text.url(TIMELINE_PAGE),
    )


def main_stakeholders(briefing: Briefing, count: int) -> list[Stakeholder]:
    """The stakeholders most linked to, by positions, events, quotes and mentions."""

    return sorted(briefing.stakeholders, key=lambda s: (-_weight(s), s.name))[:count]


def issues_view(text: PageText, briefing: Briefing, axis: pictures.Axis, spec: PageSpec) -> IssuesView:
    text.uses_all("issue", briefing.issues)
    return IssuesView(briefing.config.title, [issue_card(text, i) for i in briefing.issues])


def issue_view(text: PageText, briefing: Briefing, axis: pictures.Axis, spec: PageSpec) -> IssueView:
    issue = spec.entity
    assert isinstance(issue, Issue)
    text.uses_body(issue)
    links = issue.links
    lang = text.lang_of(issue)
    summary = text.md(issue.summary, lang=lang)
    key_points = [text.md(point, lang=lang) for point in issue.key_points]
    positions = [position_item(text, p, p.stakeholder) for p in issue.positions]
    body = text.md(issue.body, lang=lang)
    sparkline = pictures.sparkline(briefing, axis, links.events, text.url, "spark", issue.title, text.texts)
    shown_events, rest_events = split_events(links.events, ISSUE_EVENTS_SHOWN)
    events = [event_item(text, e, anchor=False, page_of=issue) for e in shown_events]
    more_events = [event_item(text, e, anchor=False, page_of=issue) for e in rest_events]
    newest_quotes = sorted(links.quotes, key=lambda q: q.date, reverse=True)
    shown_quotes = newest_quotes[:ISSUE_QUOTES_SHOWN]
    quotes = [quote_item(text, q, show_speaker=True) for q in shown_quotes]
    rest_quotes = [q for q in links.quotes if q not in shown_quotes]
    more_quotes = [quote_item(text, q, show_speaker=True) for q in rest_quotes]
    holders = {id(p.stakeholder) for p in issue.positions}
    ranked = by_name_in_ties(text, links.stakeholders, lambda s: (id(s) not in holders, -_weight(s)))
    shown_people = ranked[:ISSUE_STAKEHOLDERS_SHOWN]
    rest_people = [s for s in links.stakeholders if s not in shown_people]
    related = [text.link(i) for i in links.issues]
    updates = update_items(text, issue.updates)
    _ = text._
    toc = [TocEntry("#key-points-title", _("Key points"))] if key_points else []
    toc += [TocEntry("#positions-title", _("Positions"))] if positions else []
    toc += body_toc(body, lang)
    toc += [TocEntry("#events-title", _("Timeline of this issue"))] if events else []
    toc += [TocEntry("#quotes-title", _("In their words"))] if quotes else []
    toc += [TocEntry("#stakeholders-title", _("Stakeholders"))] if shown_people else []
    toc += [TocEntry("#related-title", _("Related issues"))] if related else []
    toc += [TocEntry("#updates-title", _("Updates"))] if updates else []
    toc += [TocEntry("#references-title", _("References"))] if text.citations else []
    return IssueView(
        lang=lang,
        up=text.url(ISSUES_PAGE),
        title=issue.title,
        summary=summary,
        status=status_of(text, issue),
        key_points=key_points,
        positions=positions,
        leanings=leaning_legend(text) if any(p.leaning for p in positions) else [],
        body=body,
        updates=updates,
        sparkline=sparkline,
        events=events,
        more_events=more_events,
        events_more=more(text, rest_events, "events"),
        quotes=quotes,
        more_quotes=more_quotes,
        quotes_more=more(text, rest_quotes, "quotations"),
        stakeholders=[stakeholder_item(text, s) for s in shown_people],
        more_stakeholders=[stakeholder_item(text, s) for s in rest_people],
        stakeholders_more=more(text, rest_people, "stakeholders"),
        related=related,
        last_update=updates[0] if updates else None,
        toc=toc,
    )


def by_name_in_ties(
    text: PageText, stakeholders: list[Stakeholder], key: Callable[[Stakeholder], Any]
) -> list[Stakeholder]:
    """`stakeholders` sorted by `key`, ties broken by name: a name is read only where it breaks a tie, so that a
    name changed elsewhere reorders no page that holds it alone in its place (such a page gets the new name in
    its slot)."""
    ordered: list[Stakeholder] = []
    for _key, tied in groupby(sorted(stakeholders, key=key), key=key):
        group = list(tied)
        for s in group:
            text.reads.add(s.id + "~")  # (`key` reads what links to it)
            if len(group) > 1:
                text.uses(s)
        ordered += sorted(group, key=lambda s: s.name) if len(group) > 1 else group
    return ordered


def _weight(s: Stakeholder) -> int:
    b = s.links
    return 3 * len(b.positions) + len(b.events) + 2 * len(b.quotes) + len(b.mentioned_on)


def stakeholders_view(text: PageText, briefing: Briefing, axis: pictures.Axis, spec: PageSpec) -> StakeholdersView:
    text.uses_all("stakeholder", briefing.stakeholders)
    groups = []
    for kind, title in STAKEHOLDER_GROUPS.items():
        members = [s for s in briefing.stakeholders if s.kind_of == kind]
        if not members:
            continue
        unstated = text._("Country not stated")
        by_country = sorted(members, key=lambda s: s.country or unstated)
        countries = [
            CountryGroup(country, [stakeholder_item(text, s) for s in people])
            for country, people in groupby(by_country, key=lambda s: s.country or unstated)
        ]
        groups.append(KindGroup(kind, text._(title), countries))
    return StakeholdersView(briefing.config.title, groups)


def stakeholder_view(text: PageText, briefing: Briefing, axis: pictures.Axis, spec: PageSpec) -> StakeholderView:
    s = spec.entity
    assert isinstance(s, Stakeholder)
    text.uses_body(s)
    links = s.links
    affiliation: Link | str = text.link(s.affiliation) if isinstance(s.affiliation, Stakeholder) else s.affiliation
    stance = text.md(s.stance, lang=text.lang_of(s))
    body = text.md(s.body, lang=text.lang_of(s))
    positions = [position_item(text, p, p.issue) for p in links.positions]
    quotes = [quote_item(text, q, show_speaker=False) for q in links.quotes]
    name = text.name(s, "e")  # (its page's other parts that show it: `chrome`)
    sparkline = pictures.sparkline(briefing, axis, links.events, text.url, "spark", text.name(s, "x"), text.texts)
    shown_events, rest_events = split_events(links.events, STAKEHOLDER_EVENTS_SHOWN)
    events = [event_item(text, e, anchor=False, page_of=s) for e in shown_events]
    more_events = [event_item(text, e, anchor=False, page_of=s) for e in rest_events]
    members = [stakeholder_item(text, m) for m in links.members]
    mentioned_on = [
        MentionItem(text.url(e), text.words(e.label), text._(ENTITY_KINDS[e.kind])) for e in links.mentioned_on
    ]
    updates = update_items(text, s.updates)
    _ = text._
    translated = s.translated.status in ("current", "outdated") and s.translated.original_text != s.name
    original_name = s.translated.original_text if translated else ""
    toc = body_toc(body, text.lang_of(s))
    toc += [TocEntry("#positions-title", _("Positions"))] if positions else []
    toc += [TocEntry("#quotes-title", _("Quotations"))] if quotes else []
    toc += [TocEntry("#events-title", _("Timeline"))] if events else []
    toc += [TocEntry("#members-title", _("People and bodies affiliated"))] if members else []
    toc += [TocEntry("#mentioned-title", _("Mentioned on"))] if mentioned_on else []
    toc += [TocEntry("#updates-title", _("Updates"))] if updates else []
    toc += [TocEntry("#references-title", _("References"))] if text.citations else []
    return StakeholderView(
        lang=text.lang_of(s),
        up=text.url(STAKEHOLDERS_PAGE),
        name=name,
        original_name=original_name,
        original_lang=text.untranslated_lang if original_name else "",
        role=s.role,
        affiliation=affiliation,
        country=s.country,
        kind=text._(STAKEHOLDER_KINDS[s.kind_of]),
        stance=stance,
        body=body,
        updates=updates,
        positions=positions,
        quotes=quotes,
        sparkline=sparkline,
        events=events,
        more_events=more_events,
        events_more=more(text, rest_events, "events"),
        members=members,
        mentioned_on=mentioned_on,
        last_update=updates[0] if updates else None,
        leanings=leaning_legend(text) if any(p.leaning for p in links.positions) else [],
        toc=toc if len(toc) >= TOC_MIN_SECTIONS else [],
    )


def _period_row(text: PageText, period: Period) -> PeriodRow:
    return PeriodRow(
        period.id,
        text.date(period.start),
        text.date(period.end) if period.end else None,
        text._(PERIOD_KINDS[period.kind_of]),
        period.uncertain,
        period.label,
        text.cite(period.sources),
        text.md(period.note, lang=text.lang_of(period)),
    )


def timeline_view(text: PageText, briefing: Briefing, axis: pictures.Axis, spec: PageSpec) -> TimelineView:
    text.uses_all("event", briefing.events)
    text.uses_all("issue", briefing.issues, names_in_slots=True)
    text.uses_all("stakeholder", briefing.stakeholders, names_in_slots=True)
    strip = pictures.pact_strip(briefing, axis, text.url, "strip", text.texts) if briefing.periods else Markup("")
    periods = [_period_row(text, p) for p in briefing.periods]
    with_events = [s for s in briefing.stakeholders if s.links.events]
    return TimelineView(
        count=len(briefing.events),
        strip=strip,
        periods=periods,
        by_issue=[
            Link(text.url(in_part(entity_path(i), "events-title")), text.name(i, "e"))
            for i in briefing.issues
            if i.links.events
        ],
        by_stakeholder=[
            Link(text.url(in_part(entity_path(s), "events-title")), text.name(s, "e")) for s in with_events
        ],
        issue_options=[FilterOption(i.id, text.name(i, "e")) for i in briefing.issues],
        stakeholder_options=[FilterOption(s.id, text.name(s, "e")) for s in with_events],
        years=[
            YearGroup(year, [event_item(text, e, anchor=True) for e in events])
            for year, events in groupby(briefing.events, key=lambda e: e.date.year)
        ],
        csv=text.url(TIMELINE_CSV),
    )


MATRIX_MAX_CELLS = 5_000  # a grid larger than this (say 50 issues by 100 stakeholders) is not read, only scrolled
WEB_MAX_ROWS = 150  # a web with more names than this on one side (over 3,300 px tall) is not seen, only scrolled


def positions_view(text: PageText, briefing: Briefing, axis: pictures.Axis, spec: PageSpec) -> PositionsView:
    """Stakeholders (rows) × issues (columns), only those with at least one position. A grid of more than
    MATRIX_MAX_CELLS cells is left out (it would grow with the square of the briefing): the table of who
    stands where, above it, already gives every position, issue by issue. So is the web of positions with
    more than WEB_MAX_ROWS names on a side."""
    text.uses_all("issue", briefing.issues, names_in_slots=True)
    text.uses_all("stakeholder", briefing.stakeholders, names_in_slots=True)
    issues = [i for i in briefing.issues if i.positions]
    holders = [s for s in briefing.stakeholders if s.links.positions]
    if max(len(issues), len(holders)) > WEB_MAX_ROWS:
        web, web_left_out = Markup(""), LeftOut(len(holders), len(issues))
    else:  # the web draws the names, and places them by their length
        text.uses_all("issue", issues)
        text.uses_all("stakeholder", holders)
        web, web_left_out = pictures.positions_web(briefing, text.url, "web", text.texts), None
    csv, leanings = text.url(POSITIONS_CSV), leaning_legend(text)
    who = [
        WhoStandsWhere(
            text.link(issue),
            [[text.link(p.stakeholder) for p in issue.positions if p.leaning == value] for value in POSITION_LEANINGS],
            [text.link(p.stakeholder) for p in issue.positions if not p.leaning],
        )
        for issue in issues
    ]
    unstated = text._("Leaning not given") if any(row.unstated for row in who) else ""
    if len(issues) * len(holders) > MATRIX_MAX_CELLS:
        return PositionsView(
            web, [], [], csv, leanings, who, unstated, LeftOut(len(holders), len(issues)), web_left_out
        )
    columns = [text.link(i) for i in issues]
    rows = []
    for stakeholder in holders:
        held = {id(p.issue): p for p in stakeholder.links.positions}
        cells: list[MatrixCell | None] = []
        for issue in issues:
            position = held.get(id(issue))
            cells.append(
                MatrixCell(
                    text.md(position.stance, lang=text.lang_of(issue)),
                    text.cite(position.sources),
                    leaning_of(text, position),
                    text.lang_of(issue),
                )
                if position
                else None
            )
        rows.append(MatrixRow(text.link(stakeholder), cells))
    return PositionsView(web, columns, rows, csv, leanings, who, unstated, web_left_out=web_left_out)


def sources_view(text: PageText, briefing: Briefing, axis: pictures.Axis, spec: PageSpec) -> SourcesView:
    text.uses_all("source", briefing.sources)
    items = [
        SourceItem(
            id=s.id,
            title=s.title,
            url=s.url,
            publisher=text.words(s.publisher),
            publisher_lang=text.title_lang(s.publisher),
            author=text.words(s.author),
            date=text.date(s.date) if s.date else None,
            note=text.md(s.note, lang=text.untranslated_lang if s.translated.status != "current" else ""),
            no_public_link=s.no_public_link,
            cited_on=[text.link(e) for e in s.links.cited_on],
            updates=update_items(text, s.updates),
            lang=text.title_lang(s.title),
            note_lang=text.untranslated_lang if s.translated.status != "current" else "",
        )
        for s in briefing.sources
    ]
    return SourcesView(len(items), items, csv=text.url(SOURCES_CSV))


def page_view(text: PageText, briefing: Briefing, axis: pictures.Axis, spec: PageSpec) -> PageView:
    page = spec.entity
    assert isinstance(page, Page)
    text.uses_body(page)
    updates = update_items(text, page.updates)
    body = text.md(page.body, lang=text.lang_of(page))
    return PageView(text.lang_of(page), page.title, body, updates, updates[0] if updates else None)


def updates_view(text: PageText, briefing: Briefing, axis: pictures.Axis, spec: PageSpec) -> UpdatesView:
    kinds = (
        ("issue", briefing.issues),
        ("stakeholder", briefing.stakeholders),
        ("event", briefing.events),
        ("source", briefing.sources),
        ("quote", briefing.quotes),
        ("page", briefing.pages),
    )
    for kind, entities in kinds:
        text.uses_all(kind, entities)
    entries = [
        UpdateEntry(
            text.date(u.date),
            text.url(e),
            text.words(e.label),
            text._(ENTITY_KINDS[e.kind]),
            text.md(u.text, lang=text.untranslated_lang),
            u.correction,
            text.untranslated_lang,
            text.title_lang(e.label) if isinstance(e, Source) else text.lang_of(e),
        )
        for u, e in exports.all_updates(briefing)
    ]
    corrections = sum(1 for entry in entries if entry.correction)
    return UpdatesView(len(entries), corrections, text.url(UPDATES_FEED), entries)


def search_view(text: PageText, briefing: Briefing, axis: pictures.Axis, spec: PageSpec) -> SearchView:
    return SearchView(
        text.url(ISSUES_PAGE),
        text.url(STAKEHOLDERS_PAGE),
        text.url(TIMELINE_PAGE),
        text.url(SOURCES_PAGE),
        text.url("pagefind/pagefind.js"),
        {kind: text._(label) for kind, label in SEARCH_KINDS.items()},
    )


def print_view(text: PageText, briefing: Briefing, axis: pictures.Axis, spec: PageSpec) -> PrintView:
    config = briefing.config
    text.uses_all("event", briefing.events)
    text.uses_all("issue", briefing.issues, names_in_slots=True)
    text.uses_all("stakeholder", briefing.stakeholders, names_in_slots=True)
    for entities in (briefing.events, briefing.issues, briefing.stakeholders):
        for entity in entities:
            text.uses_body(entity)
    state = in_lang(text.md(config.state_of_play, "state", text.lang_of(config)), text.lang_of(config))
    pieces = text.fragments

    def issue_piece(issue: Issue) -> Callable[[PageText], PrintIssue]:
        def make(piece: PageText) -> PrintIssue:
            piece.uses(issue, but_name=True)
            piece.uses_body(issue)
            lang = piece.lang_of(issue)
            summary = piece.md(issue.summary, lang=lang)
            key_points = [piece.md(point, lang=lang) for point in issue.key_points]
            positions = [
                PositionItem(
                    Link("", piece.name(p.stakeholder, "e")),
                    piece.md(p.stance, lang=lang),
                    piece.cite(p.sources),
                    leaning_of(piece, p),
                )
                for p in issue.positions
            ]
            body = demote_headings(piece.md(issue.body, issue.id, lang), 2)
            status = status_of(piece, issue)
            title = piece.name(issue, "e")
            return PrintIssue(issue.id, title, summary, status, key_points, positions, body, lang)

        return make

    def stakeholder_piece(s: Stakeholder) -> Callable[[PageText], PrintStakeholder]:
        def make(piece: PageText) -> PrintStakeholder:
            piece.uses(s, but_name=True)
            piece.uses_body(s)
            lang = piece.lang_of(s)
            body = demote_headings(piece.md(s.body, s.id, lang), 2)
            return PrintStakeholder(s.id, piece.name(s, "e"), s.role, s.country, body, lang)

        return make

    def event_piece(e: Event) -> Callable[[PageText], EventItem]:
        return lambda piece: event_item(piece, e, anchor=False)

    issues = pieces.spliced(pieces.piece(text, f"issue:{i.id}", "print_issue", issue_piece(i)) for i in briefing.issues)
    stakeholders = pieces.spliced(
        pieces.piece(text, f"stakeholder:{s.id}", "print_stakeholder", stakeholder_piece(s))
        for s in briefing.stakeholders
    )
    events = pieces.spliced(pieces.piece(text, f"event:{e.id}", "print_event", event_piece(e)) for e in briefing.events)
    strip = pictures.pact_strip(briefing, axis, text.url, "strip", text.texts) if briefing.periods else Markup("")
    return PrintView(
        config.title,
        config.summary,
        text.date(config.as_of),
        state,
        issues,
        stakeholders,
        events,
        strip,
        text.url(PRINT_SHORT_PAGE),
        text.lang_of(config),
    )


def short_print_view(text: PageText, briefing: Briefing, axis: pictures.Axis, spec: PageSpec) -> ShortPrintView:
    config = briefing.config
    text.uses_all("issue", briefing.issues)
    text.uses_all("event", briefing.events)
    state = in_lang(text.md(config.state_of_play, lang=text.lang_of(config)), text.lang_of(config))
    strip = pictures.pact_strip(briefing, axis, text.url, "strip", text.texts) if briefing.periods else Markup("")
    key_dates = [event_link(text, e) for e in config.key_dates]
    issues = [
        PrintIssue(
            issue.id,
            issue.title,
            Markup(""),
            status_of(text, issue),
            [text.md(point, lang=text.lang_of(issue)) for point in issue.key_points],
            [],
            Markup(""),
            text.lang_of(issue),
        )
        for issue in briefing.issues
    ]
    return ShortPrintView(
        config.title,
        config.summary,
        text.date(config.as_of),
        state,
        strip,
        key_dates,
        issues,
        text.url(PRINT_PAGE),
        text.lang_of(config),
    )


def not_found_view(text: PageText, briefing: Briefing, axis: pictures.Axis, spec: PageSpec) -> NotFoundView:
    return NotFoundView(
        text.url(HOME_PAGE),
        text.url(ISSUES_PAGE),
        text.url(STAKEHOLDERS_PAGE),
        text.url(TIMELINE_PAGE),
        "" if briefing.config.base_url else "assets/style.css",
    )


BUILDERS = {
    "home": home_view,
    "issues": issues_view,
    "issue": issue_view,
    "stakeholders": stakeholders_view,
    "stakeholder": stakeholder_view,
    "timeline": timeline_view,
    "positions": positions_view,
    "sources": sources_view,
    "page": page_view,
    "updates": updates_view,
    "search": search_view,
    "print": print_view,
    "print-short": short_print_view,
    "404": not_found_view,
    "translations": translations_view,
}
