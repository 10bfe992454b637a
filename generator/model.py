"""The typed model every later stage reads: plain dataclasses, no behaviour beyond lookups."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from generator.dates import PartialDate
from generator.markdown import Markdown


@dataclass(frozen=True)
class Origin:
    """Where a record came from, for diagnostics and for "cited on" lists."""

    file: Path
    line: int


@dataclass(frozen=True)
class Update:
    """One dated entry of an entity's public record of changes."""

    date: PartialDate
    text: Markdown
    correction: bool


@dataclass
class Position:
    stakeholder: str
    stance: Markdown
    sources: list[str]
    issue: str = ""


@dataclass
class Issue:
    id: str
    title: str
    summary: Markdown
    status: str
    status_note: str
    order: int | None
    positions: list[Position]
    related: list[str]
    body: Markdown
    origin: Origin
    kind: str = "issue"
    updates: list[Update] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.title


@dataclass
class Stakeholder:
    id: str
    name: str
    kind_of: str  # person | institution | government | group
    country: str  # "" when unknown
    role: str
    affiliation: str  # a stakeholder id or free text; resolve() tells which
    stance: Markdown | None
    body: Markdown
    origin: Origin
    kind: str = "stakeholder"
    updates: list[Update] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.name


@dataclass
class Event:
    id: str
    date: PartialDate
    date_note: str
    title: str
    summary: Markdown
    issues: list[str]
    stakeholders: list[str]
    sources: list[str]
    key: bool
    origin: Origin
    kind: str = "event"
    updates: list[Update] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.title


@dataclass
class Source:
    id: str
    title: str
    publisher: str
    date: PartialDate | None
    author: str
    url: str
    note: Markdown | None
    origin: Origin
    kind: str = "source"
    no_public_link: str = ""
    updates: list[Update] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.title


@dataclass
class Quote:
    id: str
    speaker: str
    text: str
    source: str
    date: PartialDate
    issues: list[str]
    context: Markdown | None
    origin: Origin
    kind: str = "quote"
    updates: list[Update] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"“{self.text}”"


@dataclass
class Period:
    id: str
    start: PartialDate
    end: PartialDate | None
    kind_of: str  # term | extension | lapse
    label: str
    sources: list[str]
    uncertain: bool
    note: Markdown | None
    origin: Origin
    kind: str = "period"


@dataclass
class Page:
    id: str
    title: str
    summary: str
    body: Markdown
    origin: Origin
    kind: str = "page"
    updates: list[Update] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.title


Entity = Issue | Stakeholder | Event | Source | Quote | Period | Page


@dataclass
class NextDate:
    date: PartialDate
    label: str
    event: str


@dataclass
class Config:
    title: str
    summary: str
    as_of: PartialDate
    language: str
    base_url: str
    publisher: str
    licence: str
    state_of_play: Markdown
    next_date: NextDate | None
    key_dates: list[str]
    navigation: list[str]
    origin: Origin


@dataclass
class Backlinks:
    """What links to one entity, computed once by resolve()."""

    events: list[Event] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    stakeholders: list[Stakeholder] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    members: list[Stakeholder] = field(default_factory=list)
    cited_on: list[Entity] = field(default_factory=list)
    mentioned_on: list[Entity] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)


@dataclass
class Briefing:
    config: Config
    issues: list[Issue]
    stakeholders: list[Stakeholder]
    events: list[Event]
    sources: list[Source]
    quotes: list[Quote]
    periods: list[Period]
    pages: list[Page]
    by_id: dict[str, Entity]
    backlinks: dict[str, Backlinks]

    def get(self, entity_id: str) -> Entity:
        return self.by_id[entity_id]

    def links(self, entity_id: str) -> Backlinks:
        return self.backlinks[entity_id]
