"""The linked model every later stage reads: entities that hold each other, not ids.

`load` produces validated records; `resolve` turns them into these objects once per build, with every
reference replaced by the entity it names and every backlink computed. After resolve, an entity is looked up
by id only to finish what was written before the model existed and holds ids: the markers of compiled
Markdown (`[[id]]`, `[@id]`) and the name slots of pages already written (`Briefing.by_id`). The objects are
built fresh by each resolve and only read afterwards (a preview's edit of texts patches them in place).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.dates import PartialDate
from generator.markdown import Markdown


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record came from, for diagnostics."""

    file: Path
    line: int


@dataclass(frozen=True)
class Update:
    """One dated entry of an entity's public record of changes."""

    date: PartialDate
    text: Markdown
    correction: bool


@dataclass(frozen=True)
class Language:
    """One language of the site: its BCP 47 code, the folder its site is published under ("" for the first,
    the content's own language), its name in itself (for the switch) and the Babel locale it formats with."""

    code: str
    prefix: str
    name: str
    locale: str


@dataclass(frozen=True)
class Translated:
    """Where an entity's texts on one language's site come from. `status` is `original` (the content's own
    language), `current` (a translation made from the original as it is now), `outdated` (made from an
    earlier version) or `missing` (no translation: the original's text is shown, under a notice)."""

    status: str
    text_language: str  # the language the texts are in
    original_updated: PartialDate | None = None  # the original's latest dated update, if any
    file: str = ""  # the translation's file, for the translations page
    original_text: str = ""  # a quotation's words as spoken, a stakeholder's name as written in the original


ORIGINAL = Translated("original", "")


class _Short:
    """Linked objects refer to each other in cycles: show them by kind and id only."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {getattr(self, 'id', '')}>"


@dataclass(eq=False, repr=False, slots=True)
class Backlinks(_Short):
    """What links to one entity, in the order pages show it; computed once by resolve(). Most entities have
    none of most kinds: those share the empty tuple (at 11,000 pages, 100,000 empty lists fewer)."""

    events: Sequence[Event] = ()
    issues: Sequence[Issue] = ()
    stakeholders: Sequence[Stakeholder] = ()
    quotes: Sequence[Quote] = ()
    positions: Sequence[Position] = ()
    members: Sequence[Stakeholder] = ()
    cited_on: Sequence[Entity] = ()
    mentioned_on: Sequence[Entity] = ()
    sources: Sequence[Source] = ()

    def add(self, name: str, item: Any) -> None:
        """Append `item` to the backlinks called `name` (resolve, as it links)."""
        items = getattr(self, name)
        if isinstance(items, list):
            items.append(item)
        else:
            setattr(self, name, [item])


@dataclass(eq=False, repr=False, slots=True)
class Position(_Short):
    issue: Issue
    stakeholder: Stakeholder
    stance: Markdown
    sources: list[Source]
    leaning: str = ""  # a choice of schema.POSITION_LEANINGS, "" when the content does not say


@dataclass(eq=False, repr=False, slots=True)
class Issue(_Short):
    id: str
    title: str
    summary: Markdown
    status: str
    status_note: str
    order: int | None
    body: Markdown
    origin: Origin
    updates: list[Update]
    positions: list[Position] = field(default_factory=list)
    related: list[Issue] = field(default_factory=list)
    key_points: list[Markdown] = field(default_factory=list)
    links: Backlinks = field(default_factory=Backlinks)
    translated: Translated = ORIGINAL
    kind: str = "issue"

    @property
    def label(self) -> str:
        return self.title


@dataclass(eq=False, repr=False, slots=True)
class Stakeholder(_Short):
    id: str
    name: str
    kind_of: str  # a choice of schema.STAKEHOLDER_KINDS
    country: str  # "" when unknown
    role: str
    stance: Markdown | None
    body: Markdown
    origin: Origin
    updates: list[Update]
    affiliation: Stakeholder | str = ""  # the stakeholder it names, or free text
    links: Backlinks = field(default_factory=Backlinks)
    translated: Translated = ORIGINAL
    kind: str = "stakeholder"

    @property
    def label(self) -> str:
        return self.name


@dataclass(eq=False, repr=False, slots=True)
class Event(_Short):
    id: str
    date: PartialDate
    date_note: str
    title: str
    summary: Markdown
    key: bool
    origin: Origin
    updates: list[Update]
    issues: list[Issue] = field(default_factory=list)
    stakeholders: list[Stakeholder] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    links: Backlinks = field(default_factory=Backlinks)
    translated: Translated = ORIGINAL
    kind: str = "event"

    @property
    def label(self) -> str:
        return self.title


@dataclass(eq=False, repr=False, slots=True)
class Source(_Short):
    id: str
    title: str
    publisher: str
    date: PartialDate | None
    author: str
    url: str
    no_public_link: str
    note: Markdown | None
    origin: Origin
    updates: list[Update]
    links: Backlinks = field(default_factory=Backlinks)
    translated: Translated = ORIGINAL
    kind: str = "source"

    @property
    def label(self) -> str:
        return self.title


@dataclass(eq=False, repr=False, slots=True)
class Quote(_Short):
    id: str
    text: str
    date: PartialDate
    context: Markdown | None
    origin: Origin
    updates: list[Update]
    speaker: Stakeholder = None  # type: ignore[assignment]  # set by resolve
    source: Source = None  # type: ignore[assignment]
    issues: list[Issue] = field(default_factory=list)
    links: Backlinks = field(default_factory=Backlinks)
    translated: Translated = ORIGINAL
    kind: str = "quote"

    @property
    def label(self) -> str:
        return f"“{self.text}”"


@dataclass(eq=False, repr=False, slots=True)
class Period(_Short):
    id: str
    start: PartialDate
    end: PartialDate | None
    kind_of: str  # a choice of schema.PERIOD_KINDS
    label: str
    uncertain: bool
    note: Markdown | None
    origin: Origin
    sources: list[Source] = field(default_factory=list)
    links: Backlinks = field(default_factory=Backlinks)
    translated: Translated = ORIGINAL
    kind: str = "period"


@dataclass(eq=False, repr=False, slots=True)
class Page(_Short):
    id: str
    title: str
    summary: str
    body: Markdown
    origin: Origin
    updates: list[Update]
    links: Backlinks = field(default_factory=Backlinks)
    translated: Translated = ORIGINAL
    kind: str = "page"

    @property
    def label(self) -> str:
        return self.title


Entity = Issue | Stakeholder | Event | Source | Quote | Period | Page


@dataclass(eq=False, repr=False, slots=True)
class NextDate(_Short):
    date: PartialDate
    label: str
    event: Event | None


@dataclass(eq=False, repr=False, slots=True)
class Config(_Short):
    title: str
    summary: str
    as_of: PartialDate
    language: str
    base_url: str
    publisher: str
    licence: str
    state_of_play: Markdown
    navigation: list[str | Page]  # the menu: a section's name (`schema.NAVIGATION_SECTIONS`) or a free page
    origin: Origin
    next_date: NextDate | None = None
    key_dates: list[Event] = field(default_factory=list)
    translated: Translated = ORIGINAL


@dataclass(eq=False, repr=False, slots=True)
class Briefing(_Short):
    config: Config
    issues: list[Issue]
    stakeholders: list[Stakeholder]
    events: list[Event]
    sources: list[Source]
    quotes: list[Quote]
    periods: list[Period]
    pages: list[Page]
    by_id: dict[str, Entity]  # resolve's index, for finishing `[[id]]` and `[@id]` in texts
    key_events: list[Event] = field(default_factory=list)  # marked `key`, or named in key_dates; by date
    language: Language = Language("en", "", "English", "en")  # the language of this site
    languages: list[Language] = field(default_factory=list)  # every language of the briefing, the first its own
    # per other language: each entity with texts, beside its counterpart on that language's site
    translations: list[tuple[Language, list[tuple[Entity, Entity]]]] = field(default_factory=list)
