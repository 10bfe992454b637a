"""Pages: the Jinja2 environment, the per-page context, and the route table (every URL, in one place)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from generator import exports, jsonld, pictures
from generator.markdown import MARKER, Markdown
from generator.model import Briefing, Entity, Event, Origin, Source, Stakeholder
from generator.templatedocs import TEMPLATES
from generator.urls import absolute, entity_path, relative

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
if not BUILTIN_TEMPLATES.is_dir():  # running from a source checkout: templates/ sits beside generator/
    BUILTIN_TEMPLATES = Path(__file__).parent.parent / "templates"

STAKEHOLDER_KIND_TITLES = {
    "government": "Governments",
    "institution": "Institutions",
    "person": "People",
    "group": "Groups",
}
NAV_TITLES = {
    "issues": "Issues",
    "stakeholders": "Stakeholders",
    "timeline": "Timeline",
    "positions": "Positions",
    "sources": "Sources",
    "search": "Search",
    "print": "Print",
}
STATUS_LABELS = {"open": "Open", "addressed": "Addressed in 2024", "settled": "Settled", "lapsed": "Lapsed"}


class TemplateProblem(Exception):
    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(message)
        self.file, self.line, self.message = file, line, message


@dataclass
class Route:
    path: str  # site path of the output file
    render: Callable[[], bytes]
    origin: Origin | None  # the content behind it, for collision messages; None for built-in pages
    # What the page shows besides the briefing's structure (everything but Markdown bodies), for memoising:
    body_of: str = ""  # the one entity whose body it shows
    all_bodies: bool = False  # shows every body (the print page, the JSON export)


@dataclass
class PageContext:
    """What a template knows about the page it renders: its path, links, citations."""

    path: str
    briefing: Briefing
    title: str
    description: str
    kind: str
    citations: dict[str, int] = field(default_factory=dict)
    _cite_uses: dict[str, int] = field(default_factory=dict)

    def url(self, target: str | Entity) -> str:
        path = target if isinstance(target, str) else entity_path(target)
        if self.path == "404.html" and self.briefing.config.base_url:
            # a host serves 404.html at any missing address, so relative links would break there
            return absolute(self.briefing.config.base_url, path)
        return relative(path, self.path)

    @property
    def canonical(self) -> str:
        base = self.briefing.config.base_url
        return absolute(base, self.path) if base else ""

    def md(self, text: Markdown | None, prefix: str = "") -> Markup:
        """A compiled Markdown text with its links made relative to this page and its citations numbered.

        `prefix` namespaces the text's own ids (heading anchors, footnotes) where several bodies share a
        page, as on /print/.
        """
        if text is None:
            return Markup("")
        html = _prefix_ids(text.html, prefix) if prefix else text.html
        return Markup(MARKER.sub(self._replace_marker, html))

    def cite(self, source_ids: Iterable[str]) -> Markup:
        return Markup("".join(self._citation(source_id) for source_id in source_ids))

    def strip(self, compact: bool = False) -> Markup:
        return pictures.pact_strip(self.briefing, self.url, "strip", compact)

    def sparkline(self, events: list[Event], subject: str) -> Markup:
        return pictures.sparkline(self.briefing, events, self.url, "spark", subject)

    def web(self) -> Markup:
        return pictures.positions_web(self.briefing, self.url, "web")

    @property
    def references(self) -> list[tuple[int, Source]]:
        by_id = self.briefing.by_id
        return [(number, by_id[source_id]) for source_id, number in self.citations.items()]  # type: ignore[misc]

    def _replace_marker(self, match: re.Match[str]) -> str:
        kind, payload = match.groups()
        if kind == "C":
            return self._citation(payload)
        target, _, label = payload.partition("|")
        entity = self.briefing.by_id[target]
        return f'<a href="{escape(self.url(entity))}">{escape(label or entity.label)}</a>'

    def _citation(self, source_id: str) -> str:
        number = self.citations.setdefault(source_id, len(self.citations) + 1)
        use = self._cite_uses[source_id] = self._cite_uses.get(source_id, 0) + 1
        anchor = f' id="cite-{number}"' if use == 1 else ""
        return f'<sup class="cite"><a href="#ref-{number}"{anchor} aria-label="Source {number}">[{number}]</a></sup>'


_ID_ATTRIBUTE = re.compile(r'\b(id="|href="#)([^"]+)"')


def _prefix_ids(html: str, prefix: str) -> str:
    return _ID_ATTRIBUTE.sub(lambda m: f'{m.group(1)}{prefix}-{m.group(2)}"', html)


def make_environment(template_dirs: Iterable[Path]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["status_labels"] = STATUS_LABELS
    env.globals["kind_titles"] = STAKEHOLDER_KIND_TITLES
    env.globals["nav_titles"] = NAV_TITLES
    return env


def template_dirs(content_root: Path) -> list[Path]:
    """A project's own `templates/` (beside its content folder) overrides the built-in ones, file by file."""
    own = content_root.parent / "templates"
    dirs = [own] if own.is_dir() and own.resolve() != BUILTIN_TEMPLATES.resolve() else []
    return [*dirs, BUILTIN_TEMPLATES]


def preload_templates(env: jinja2.Environment) -> None:
    """Compile every template once, here, so that worker processes inherit them compiled."""
    for name in env.list_templates(filter_func=lambda name: name.endswith(".html")):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(exc.filename or name, exc.lineno, f"template syntax error: {exc.message}") from None


def render_template(env: jinja2.Environment, name: str, page: PageContext, **context: object) -> bytes:
    try:
        template = env.get_template(name)
        context = {"search_kind": "", "json_ld": None, **context}
        html = template.render(page=page, briefing=page.briefing, config=page.briefing.config, **context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(exc.filename or name, exc.lineno, f"template syntax error: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateProblem(name, 0, f"template not found: {exc.name}") from None
    except jinja2.UndefinedError as exc:
        file, line = _template_position(exc, name)
        raise TemplateProblem(file, line, f"template error: {exc.message}") from None
    return html.encode("utf-8")


def _template_position(exc: BaseException, fallback: str) -> tuple[str, int]:
    """The innermost template frame of a Jinja2 runtime error."""
    file, line = fallback, 0
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.endswith(".html") or "<template>" in code.co_filename:
            template = tb.tb_frame.f_globals.get("__jinja_template__")
            file = code.co_filename
            line = template.get_corresponding_lineno(tb.tb_lineno) if template else tb.tb_lineno
        tb = tb.tb_next
    return file, line


def years(events: list[Event]) -> list[tuple[int, list[Event]]]:
    return [(year, list(group)) for year, group in groupby(events, key=lambda e: e.date.year)]


def routes(briefing: Briefing, env: jinja2.Environment) -> Iterator[Route]:
    """Every file of the site. Collisions between routes are checked by the caller."""
    config = briefing.config

    def page(
        path: str,
        template: str,
        title: str,
        description: str,
        kind: str,
        origin: Origin | None = None,
        body_of: str = "",
        all_bodies: bool = False,
        **context: object,
    ) -> Route:
        undocumented = set(context) - {"search_kind", "json_ld"} - set(TEMPLATES[template])
        assert not undocumented, f"document {undocumented} for {template} in templatedocs.TEMPLATES"

        def render() -> bytes:
            ctx = PageContext(path, briefing, title, description, kind)
            return render_template(env, template, ctx, **context)

        return Route(path, render, origin, body_of, all_bodies)

    yield page(
        "index.html",
        "home.html",
        config.title,
        config.summary,
        "home",
        latest=_latest(briefing, 6),
        main_stakeholders=_main_stakeholders(briefing, 12),
        key_events=[briefing.by_id[i] for i in config.key_dates],
    )
    yield page("issues/index.html", "issues.html", "Issues", f"The contested issues of {config.title}.", "issues")
    for issue in briefing.issues:
        yield page(
            entity_path(issue),
            "issue.html",
            issue.title,
            issue.summary.text,
            "issue",
            issue.origin,
            body_of=issue.id,
            search_kind="Issue",
            json_ld=jsonld.article(briefing, issue),
            issue=issue,
            links=briefing.links(issue.id),
        )
    kinds = [(kind, [s for s in briefing.stakeholders if s.kind_of == kind]) for kind in STAKEHOLDER_KIND_TITLES]
    yield page(
        "stakeholders/index.html",
        "stakeholders.html",
        "Stakeholders",
        f"People, institutions and governments in {config.title}.",
        "stakeholders",
        groups=[(kind, members) for kind, members in kinds if members],
    )
    for stakeholder in briefing.stakeholders:
        yield page(
            entity_path(stakeholder),
            "stakeholder.html",
            stakeholder.name,
            f"{stakeholder.name}: {stakeholder.role}",
            "stakeholder",
            stakeholder.origin,
            body_of=stakeholder.id,
            search_kind="Stakeholder",
            json_ld=jsonld.stakeholder(briefing, stakeholder),
            stakeholder=stakeholder,
            links=briefing.links(stakeholder.id),
            affiliation=_affiliation(briefing, stakeholder),
        )
    yield page(
        "timeline/index.html",
        "timeline.html",
        "Timeline",
        f"Dated events of {config.title}.",
        "timeline",
        search_kind="Timeline",
        years=years(briefing.events),
    )
    yield page(
        "positions/index.html",
        "positions.html",
        "Positions",
        "Who holds which position on each issue.",
        "positions",
        matrix=exports.positions_matrix(briefing),
    )
    yield page(
        "sources/index.html",
        "sources.html",
        "Sources",
        f"Every source cited in {config.title}.",
        "sources",
        search_kind="Sources",
    )
    for free_page in briefing.pages:
        yield page(
            entity_path(free_page),
            "page.html",
            free_page.title,
            free_page.summary or config.summary,
            "page",
            free_page.origin,
            body_of=free_page.id,
            search_kind="Page",
            free_page=free_page,
        )
    yield page("search/index.html", "search.html", "Search", f"Search {config.title}.", "search")
    yield page(
        "print/index.html",
        "print.html",
        config.title,
        f"{config.title}: the whole briefing on one page.",
        "print",
        all_bodies=True,
    )
    yield page("404.html", "404.html", "Page not found", "This page does not exist.", "404")
    yield Route("feed.xml", lambda: exports.atom_feed(briefing), None)
    yield Route("sitemap.xml", lambda: exports.sitemap(briefing), None)
    yield Route("briefing.json", lambda: exports.briefing_json(briefing), None, all_bodies=True)
    yield Route("timeline.ics", lambda: exports.icalendar(briefing), None)
    yield Route("robots.txt", lambda: exports.robots(briefing), None)


def _latest(briefing: Briefing, count: int) -> list[Event]:
    """The most recent events that have happened by `as_of` (future dates are not news)."""
    past = [e for e in briefing.events if e.date <= briefing.config.as_of]
    return past[::-1][:count]


def _main_stakeholders(briefing: Briefing, count: int) -> list[Stakeholder]:
    """The stakeholders most linked to, by positions, events, quotes and mentions."""

    def weight(s: Stakeholder) -> int:
        b = briefing.links(s.id)
        return 3 * len(b.positions) + len(b.events) + 2 * len(b.quotes) + len(b.mentioned_on)

    return sorted(briefing.stakeholders, key=lambda s: (-weight(s), s.name))[:count]


def _affiliation(briefing: Briefing, stakeholder: Stakeholder) -> Entity | str:
    parent = briefing.by_id.get(stakeholder.affiliation)
    return parent if isinstance(parent, Stakeholder) else stakeholder.affiliation


def static_files(dirs: Iterable[Path]) -> dict[str, Path]:
    """`assets/…` files from the template folders, the project's own taking precedence."""
    found: dict[str, Path] = {}
    for directory in dirs:
        assets = directory / "assets"
        if not assets.is_dir():
            continue
        for path in sorted(assets.rglob("*")):
            inside = path.resolve().is_relative_to(directory.resolve())  # no symlink out of the theme
            if path.is_file() and inside and not path.name.startswith("."):
                found.setdefault(path.relative_to(directory).as_posix(), path)
    return found
