"""Pages: the route table (every file of the site, in one place) and the Jinja2 environment.

A route is a path and a way to produce its bytes: an HTML page is a template applied to its view (see
views.py); an export is a pure function of the briefing. The sitemap is derived from this table.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from generator import __version__, exports, pictures, views
from generator.load import Loaded
from generator.model import Briefing, Origin
from generator.urls import entity_path
from generator.views import PageSpec

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
if not BUILTIN_TEMPLATES.is_dir():  # running from a source checkout: templates/ sits beside generator/
    BUILTIN_TEMPLATES = Path(__file__).parent.parent / "templates"

TEMPLATE_OF = {
    "home": "home.html",
    "issues": "issues.html",
    "issue": "issue.html",
    "stakeholders": "stakeholders.html",
    "stakeholder": "stakeholder.html",
    "timeline": "timeline.html",
    "positions": "positions.html",
    "sources": "sources.html",
    "page": "page.html",
    "updates": "updates.html",
    "search": "search.html",
    "print": "print.html",
    "print-short": "print_short.html",
    "404": "404.html",
}
NOT_IN_SITEMAP = frozenset({"search", "print", "print-short", "404"})


class TemplateProblem(Exception):
    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(message)
        self.file, self.line, self.message = file, line, message


@dataclass
class Route:
    """One file of the site. `page` is set for HTML pages (rendered from a view); `export` for the rest."""

    path: str
    origin: Origin | None  # the content behind it, for collision messages; None for built-in pages
    page: PageSpec | None = None
    export: Callable[[Briefing, list[str]], bytes] | None = None


def routes(briefing: Briefing) -> list[Route]:
    """Every file of the site, in a fixed order. Collisions between routes are checked by the caller."""
    config = briefing.config
    title = config.title

    def page(path: str, kind: str, heading: str, description: str, **more: object) -> Route:
        entity = more.get("entity")
        origin = entity.origin if entity is not None else None  # type: ignore[attr-defined]
        return Route(path, origin, PageSpec(path, kind, heading, description, **more))  # type: ignore[arg-type]

    table = [page("index.html", "home", title, config.summary)]
    table.append(page("issues/index.html", "issues", "Issues", f"The contested issues of {title}."))
    for issue in briefing.issues:
        table.append(
            page(entity_path(issue), "issue", issue.title, issue.summary.text, search_kind="Issue", entity=issue)
        )
    table.append(
        page(
            "stakeholders/index.html",
            "stakeholders",
            "Stakeholders",
            f"People, institutions and governments in {title}.",
        )
    )
    for s in briefing.stakeholders:
        table.append(
            page(entity_path(s), "stakeholder", s.name, f"{s.name}: {s.role}", search_kind="Stakeholder", entity=s)
        )
    table += [
        page(
            "timeline/index.html",
            "timeline",
            "Timeline",
            f"Dated events of {title}.",
            search_kind="Timeline",
            script="assets/timeline.js",
        ),
        page("positions/index.html", "positions", "Positions", "Who holds which position on each issue."),
        page("sources/index.html", "sources", "Sources", f"Every source cited in {title}.", search_kind="Sources"),
    ]
    for free_page in briefing.pages:
        description = free_page.summary or config.summary
        table.append(
            page(entity_path(free_page), "page", free_page.title, description, search_kind="Page", entity=free_page)
        )
    table += [
        page("updates/index.html", "updates", "Updates", f"What changed in {title}, and why; corrections marked."),
        page("search/index.html", "search", "Search", f"Search {title}.", script="assets/search.js"),
        page("print/index.html", "print", title, f"{title}: the whole briefing on one page."),
        page("print/short/index.html", "print-short", title, f"{title}: the short edition, in about six pages."),
        page("404.html", "404", "Page not found", "This page does not exist."),
        Route("feed.xml", None, export=lambda b, _: exports.atom_feed(b)),
        Route("updates.xml", None, export=lambda b, _: exports.updates_feed(b)),
        Route("sitemap.xml", None, export=exports.sitemap),
        Route("briefing.json", None, export=lambda b, _: exports.briefing_json(b)),
        Route("timeline.csv", None, export=lambda b, _: exports.timeline_csv(b)),
        Route("positions.csv", None, export=lambda b, _: exports.positions_csv(b)),
        Route("sources.csv", None, export=lambda b, _: exports.sources_csv(b)),
        Route("timeline.ics", None, export=lambda b, _: exports.icalendar_file(b)),
        Route("robots.txt", None, export=lambda b, _: exports.robots(b)),
    ]
    return table


def sitemap_paths(table: list[Route]) -> list[str]:
    return [r.path for r in table if r.page is not None and r.page.kind not in NOT_IN_SITEMAP]


class Renderer:
    """Renders one build's routes: the compiled templates, the briefing and what every page shares."""

    def __init__(
        self,
        env: jinja2.Environment,
        templates_digest: str,
        briefing: Briefing,
        table: list[Route],
        fragments: views.Fragments | None = None,
    ) -> None:
        self.env = env
        self.briefing = briefing
        self.axis = pictures.time_axis(briefing)
        self.sitemap = sitemap_paths(table)
        self.salt = f"{__version__}\0{templates_digest}".encode()
        self.fragments = fragments if fragments is not None else views.Fragments()
        self.fragments.render = self.render_piece

    def render_piece(self, macro: str, item: object) -> str:
        """One article of the print page, by its macro in print_items.html."""
        try:
            return str(getattr(self.env.get_template("print_items.html").module, macro)(item))
        except jinja2.TemplateError as exc:
            file, line = _template_position(exc, "print_items.html")
            raise TemplateProblem(file, line, f"template error: {exc.message}") from None

    def globals_digest(self, loaded: Loaded) -> str:
        """What every page may show: the settings, the periods (sparklines), the templates, the time axis."""
        parts = [self.salt.decode(), repr(self.axis)]
        parts += [loaded.config.digest if loaded.config else ""]
        parts += sorted(r.digest for r in loaded.records if r.kind == "period")
        return hashlib.blake2b("\0".join(parts).encode(), digest_size=16).hexdigest()

    def view_key(self, route: Route) -> tuple[str, object, set[str]]:
        """The page's view, its digest (equal digests mean byte-equal pages: templates are pure) and the
        ids of the entities it shows."""
        assert route.page is not None
        built, reads = views.build_view(route.page, self.briefing, self.axis, self.fragments)
        digest = hashlib.blake2b(self.salt, digest_size=16)
        digest.update(pickle.dumps(built, protocol=5))
        return digest.hexdigest(), built, reads

    def render_view(self, route: Route, built: object) -> bytes:
        assert route.page is not None
        chrome, view = built  # type: ignore[misc]
        return render_template(self.env, TEMPLATE_OF[route.page.kind], chrome, view)

    def export(self, route: Route) -> bytes:
        assert route.export is not None
        return route.export(self.briefing, self.sitemap)


def make_environment(template_dirs: Iterable[Path]) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def template_dirs(content_root: Path) -> list[Path]:
    """A project's own `templates/` (beside its content folder) overrides the built-in ones, file by file."""
    own = content_root.parent / "templates"
    dirs = [own] if own.is_dir() and own.resolve() != BUILTIN_TEMPLATES.resolve() else []
    return [*dirs, BUILTIN_TEMPLATES]


def template_files(dirs: Iterable[Path]) -> list[Path]:
    return sorted(p for d in dirs for p in d.rglob("*") if p.is_file())


def templates_digest(dirs: list[Path]) -> str:
    """Digest of every template and asset (names and bytes): part of every page's key."""
    digest = hashlib.blake2b(digest_size=16)
    for path in template_files(dirs):
        digest.update(str(path).encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"\0unreadable")
        digest.update(b"\0")
    return digest.hexdigest()


def preload_templates(env: jinja2.Environment) -> None:
    """Compile every template once, here, so that worker processes inherit them compiled."""
    for name in env.list_templates(filter_func=lambda name: name.endswith(".html")):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(exc.filename or name, exc.lineno, f"template syntax error: {exc.message}") from None


def render_template(env: jinja2.Environment, name: str, chrome: views.Chrome, view: object) -> bytes:
    try:
        html = env.get_template(name).render(chrome=chrome, view=view)
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


_STRING_OR_COMMENT = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|/\*.*?\*/', re.S)


def minify_css(text: str) -> str:
    """The same rules in fewer bytes: comments dropped and spaces squeezed, never inside a string. The theme's
    stylesheets are written to be read (a fifth of their bytes are comments and spacing); the site gets them
    squeezed."""
    strings: list[str] = []

    def set_aside(match: re.Match[str]) -> str:
        if match.group(0).startswith("/*"):
            return " "
        strings.append(match.group(0))
        return f"\x00{len(strings) - 1}\x00"

    code = re.sub(r"\s+", " ", _STRING_OR_COMMENT.sub(set_aside, text))
    code = re.sub(r" ?([{};,>]) ?", r"\1", code).replace(": ", ":").replace(";}", "}")
    return re.sub("\x00([0-9]+)\x00", lambda m: strings[int(m.group(1))], code).strip() + "\n"


def asset_bytes(source: Path) -> bytes:
    """An asset of the theme as the site gets it: stylesheets squeezed (see `minify_css`), the rest as it is."""
    data = source.read_bytes()
    if source.suffix != ".css":
        return data
    try:
        return minify_css(data.decode("utf-8")).encode("utf-8")
    except UnicodeDecodeError:
        return data


def publish_files(content_root: Path) -> dict[str, Path]:
    """The project's `static/` folder (beside its content folder), copied to the site as it is: CNAME,
    .nojekyll, favicons. Links leading out of the project are refused (not copied)."""
    folder = content_root.parent / "static"
    if not folder.is_dir():
        return {}
    project = content_root.parent.resolve()
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.resolve().is_relative_to(project):
            found[path.relative_to(folder).as_posix()] = path
    return found
