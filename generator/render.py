"""Pages: the route table (every file of the site, in one place) and the Jinja2 environment.

A route is a path and a way to produce its bytes: an HTML page is a template applied to its view (see
views.py); an export is a pure function of the briefing. The sitemap is derived from this table.
"""

from __future__ import annotations

import json
import pickle
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

import jinja2
import rcssmin
import xxhash

from generator import __version__, exports, pictures, views
from generator.diagnostics import Diagnostics, outermost_name_problem
from generator.i18n import Texts, template_gettext
from generator.load import Loaded
from generator.model import Briefing, Entity, Issue, Language, Origin, Page, Stakeholder
from generator.search import INDEX_FOLDER
from generator.spool import Extent, Spool, chunks_in
from generator.urls import (
    BRIEFING_JSON,
    CALENDAR,
    FEED,
    HOME_PAGE,
    ISSUES_PAGE,
    NOT_FOUND_PAGE,
    POSITIONS_CSV,
    POSITIONS_PAGE,
    PRINT_PAGE,
    PRINT_SHORT_PAGE,
    ROBOTS,
    SEARCH_PAGE,
    SITEMAP,
    SOURCES_CSV,
    SOURCES_PAGE,
    STAKEHOLDERS_PAGE,
    TIMELINE_CSV,
    TIMELINE_PAGE,
    TRANSLATIONS_PAGE,
    UPDATES_FEED,
    UPDATES_PAGE,
    entity_path,
    in_language,
)
from generator.views import PageSpec
from generator.write import MARKER, PROTECTED, STAGING_MARKER, Blob, FileData

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
if not BUILTIN_TEMPLATES.is_dir():  # running from a source checkout: templates/ sits beside generator/
    BUILTIN_TEMPLATES = Path(__file__).parent.parent / "templates"

BUILD_OWN_NAMES = (MARKER, STAGING_MARKER, INDEX_FOLDER)  # what the build writes at the site's top, itself
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
    "translations": "translations.html",
}
NOT_IN_SITEMAP = frozenset({"search", "print", "print-short", "404"})
WHOLE_BRIEFING_PAGES = frozenset({"print", "print-short"})
PIECES_PER_CHUNK = 16384  # of a template's output: a page of more is encoded in chunks (of a few hundred KB)


class TemplateProblem(Exception):
    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(message)
        self.file, self.line, self.message = file, line, message


# an export's bytes; a big one's as the chunks it makes them in (`briefing.json`), taken as they come
Export = Callable[[Briefing, list[exports.SitemapEntry], exports.Pieces], bytes | Iterator[bytes]]


@dataclass
class Route:
    """One file of the site. `page` is set for HTML pages (rendered from a view); `export` for the rest.
    `language` is the code of the site it belongs to; `local` its path within that site (the same for the
    same page in every language)."""

    path: str
    origin: Origin | None  # the content behind it, for collision messages; None for built-in pages
    page: PageSpec | None = None
    export: Export | None = None
    language: str = ""
    local: str = ""

    @property
    def whole_briefing(self) -> bool:
        """A file that shows (nearly) every entity: a data export or feed, or the print editions. The preview
        writes these last, after the pages an editor is looking at."""
        return self.page is None or self.page.kind in WHOLE_BRIEFING_PAGES


def routes(briefing: Briefing, texts: Texts) -> list[Route]:
    """Every file of one language's site, in a fixed order; the first language's site has the data exports
    and the sitemap. Collisions between routes are checked by the caller."""
    config, _ = briefing.config, texts.gettext
    title = config.title
    language = briefing.language

    def page(path: str, kind: str, heading: str, description: str, **more: str) -> Route:
        return _page(language, path, kind, heading, description, **more)

    def export(path: str, make: Export) -> Route:
        return Route(in_language(path, language), None, export=make, language=language.code, local=path)

    table = [page(HOME_PAGE, "home", title, config.summary)]
    table.append(page(ISSUES_PAGE, "issues", _("Issues"), _("The contested issues of %s.") % title))
    table += [entity_route(issue, briefing) for issue in briefing.issues]
    table.append(
        page(
            STAKEHOLDERS_PAGE,
            "stakeholders",
            _("Stakeholders"),
            _("People, institutions and governments in %s.") % title,
        )
    )
    table += [entity_route(stakeholder, briefing) for stakeholder in briefing.stakeholders]
    table += [
        page(
            TIMELINE_PAGE,
            "timeline",
            _("Timeline"),
            _("Dated events of %s.") % title,
            search_kind="Timeline",
            script="assets/timeline.js",
        ),
        page(POSITIONS_PAGE, "positions", _("Positions"), _("Who holds which position on each issue.")),
        page(SOURCES_PAGE, "sources", _("Sources"), _("Every source cited in %s.") % title, search_kind="Sources"),
    ]
    table += [entity_route(free_page, briefing) for free_page in briefing.pages]
    table += [
        page(
            UPDATES_PAGE,
            "updates",
            _("Updates"),
            _("What changed in %s, and why; corrections marked.") % title,
        ),
        page(SEARCH_PAGE, "search", _("Search"), _("Search %s.") % title, script="assets/search.js"),
        page(PRINT_PAGE, "print", title, _("%s: the whole briefing on one page.") % title),
        page(
            PRINT_SHORT_PAGE,
            "print-short",
            title,
            _("%s: the short edition, in about six pages.") % title,
        ),
        page(NOT_FOUND_PAGE, "404", _("Page not found"), _("This page does not exist.")),
        export(FEED, lambda b, _s, pieces: exports.atom_feed(b, texts, pieces)),
        export(UPDATES_FEED, lambda b, _s, _p: exports.updates_feed(b, texts)),
    ]
    if len(briefing.languages) > 1:
        table.append(
            page(
                TRANSLATIONS_PAGE,
                "translations",
                _("Translations"),
                _("Which pages are translated, and how recently."),
            )
        )
    if language.prefix:
        return table
    table += [
        export(SITEMAP, lambda b, sitemap, _p: exports.sitemap(b, sitemap)),
        export(BRIEFING_JSON, lambda b, _s, pieces: exports.briefing_json(b, pieces)),
        export(TIMELINE_CSV, lambda b, _s, pieces: exports.timeline_csv(b, pieces)),
        export(POSITIONS_CSV, lambda b, _s, pieces: exports.positions_csv(b, pieces)),
        export(SOURCES_CSV, lambda b, _s, pieces: exports.sources_csv(b, pieces)),
        export(CALENDAR, lambda b, _s, _p: exports.icalendar_file(b)),
        export(ROBOTS, lambda b, _s, _p: exports.robots(b)),
    ]
    return table


def entity_route(entity: Issue | Stakeholder | Page, briefing: Briefing) -> Route:
    """The route of an entity's own page, on `briefing`'s site."""
    if isinstance(entity, Issue):
        kind, heading, description, search_kind = "issue", entity.title, entity.summary.text, "Issue"
    elif isinstance(entity, Stakeholder):
        kind, heading, description, search_kind = (
            "stakeholder",
            entity.name,
            views.stakeholder_description(entity.name, entity.role),
            "Stakeholder",
        )
    else:
        kind, heading, description, search_kind = (
            "page",
            entity.title,
            entity.summary or briefing.config.summary,
            "Page",
        )
    return _page(briefing.language, entity_path(entity), kind, heading, description, search_kind, entity=entity)


def _page(
    language: Language,
    path: str,
    kind: str,
    heading: str,
    description: str,
    search_kind: str = "",
    script: str = "",
    entity: Issue | Stakeholder | Page | None = None,
) -> Route:
    spec = PageSpec(in_language(path, language), kind, heading, description, search_kind, script, entity)
    return Route(spec.path, entity.origin if entity is not None else None, spec, language=language.code, local=path)


@dataclass
class RouteMemo:
    """A long-lived engine's route table of one language, kept while the model is patched in place (the same
    entities, in the same order, under the same settings): then only the routes of the entities patched are
    made anew (their titles, summaries and places in their files may have changed). The engine drops it when
    a build fails, as a patch laid in by that build's resolve would not be known to the next. (A model patched
    in place kept its settings, so its languages too.)"""

    briefing: Briefing | None = None
    texts: Texts | None = None
    table: list[Route] = field(default_factory=list)
    place: dict[str, int] = field(default_factory=dict)  # entity id → the index of its page's route

    def routes(self, briefing: Briefing, texts: Texts, patched: list[Entity] | None) -> list[Route]:
        """`routes(briefing, texts)`, given the entities this model was patched in since the last call (None:
        the model was linked anew)."""
        if patched is None or briefing is not self.briefing or texts is not self.texts:
            self.table = routes(briefing, texts)
            self.place = {
                route.page.entity.id: index
                for index, route in enumerate(self.table)
                if route.page is not None and route.page.entity is not None
            }
        else:
            for entity in patched:
                index = self.place.get(entity.id)
                if index is not None:
                    self.table[index] = entity_route(entity, briefing)  # type: ignore[arg-type]
        self.briefing, self.texts = briefing, texts
        return list(self.table)  # (the caller's own: this one is patched next time)


def sitemap_entries(table: list[Route]) -> list[exports.SitemapEntry]:
    """Every language's pages for the sitemap, each with its versions (when there are several languages)."""
    return [
        (r.path, [(language.code, path) for language, path in r.page.alternates])
        for r in table
        if r.page is not None and r.page.kind not in NOT_IN_SITEMAP
    ]


class Renderer:
    """Renders one build's routes: the compiled templates, the briefing and what every page shares."""

    def __init__(
        self,
        env: jinja2.Environment,
        templates_digest: str,
        briefing: Briefing,
        sitemap: list[exports.SitemapEntry],
        texts: Texts,
        fragments: views.Fragments,
        pieces: exports.Pieces,
        spool: Spool | None,
    ) -> None:
        """`spool`: where big files' chunks go as they are made (a one-off build's; see spool.py)."""
        self.env = env
        self.briefing = briefing
        self.texts = texts
        self.axis = pictures.time_axis(briefing)
        self.sitemap = sitemap
        self.salt = f"{__version__}\0{templates_digest}".encode()  # templates_digest covers the catalogues too
        self.fragments = fragments
        self.fragments.render, self.fragments.spool = self.render_piece, spool
        self.spool = spool
        self.pieces = pieces
        # a name slot → the HTML it stands for, as UTF-8; → what it adds to a page's key (`page_key`). (Made by
        # functions that do not hold this renderer: a cycle would keep it, and the sitemap it holds, till the
        # collector looks at old objects, which the preview does only every few builds.)
        self._names = _MadeOnce(partial(_name_bytes, briefing))
        self._slot_keys = _MadeOnce(partial(_slot_key, self._names))
        # what a name slot (`views.PageText.name`) stands for on this language's site
        self.name_bytes: Callable[[str], bytes] = self._names.__getitem__

    def page_key(self, view_digest: str, slots: tuple[str, ...]) -> str:
        """A page's key: its view's digest and, when its view left names as slots (`slots`, sorted), the names
        they stand for now (equal keys mean byte-equal pages)."""
        if not slots:
            return view_digest
        digest = xxhash.xxh3_128(view_digest.encode())
        digest.update(b"".join(map(self._slot_keys.__getitem__, slots)))
        return digest.hexdigest()

    def relay_names(self, data: bytes, names_at: NamesAt) -> tuple[bytes, NamesAt]:
        """A page's bytes, as a build that showed other names wrote them (`names_at`: where each name lies),
        with the names as they are now: what rendering its view again would give."""
        names, view = self._names, memoryview(data)  # (its slices are not copies)
        out: list[bytes | memoryview] = []
        placed: list[tuple[int, int, str]] = []
        keep, place, end_before, shift = out.append, placed.append, 0, 0
        for start, end, slot in names_at:
            name = names[slot]
            keep(view[end_before:start])
            keep(name)
            place((start + shift, start + shift + len(name), slot))
            shift += len(name) - end + start
            end_before = end
        keep(view[end_before:])
        return b"".join(out), tuple(placed)

    def render_piece(self, macro: str, item: object) -> str:
        """One article of the print page, by its macro in print_items.html."""
        try:
            html = str(getattr(self.env.get_template("print_items.html").module, macro)(item))
        except jinja2.TemplateError as exc:
            file, line = _template_position(exc, "print_items.html")
            raise TemplateProblem(file, line, f"template error: {exc.message}") from None
        if "\x00" in views.PIECE_MARKERS.sub("", html):  # its citations and names are laid in later
            raise _name_changed("print_items.html")
        return html

    def globals_digest(self, loaded: Loaded) -> str:
        """What every page may show: the settings, the periods (sparklines), the templates, the time axis."""
        parts = [self.salt.decode(), repr(self.axis)]
        parts += [loaded.config.digest if loaded.config else ""]
        parts += sorted(r.digest for r in loaded.records if r.kind == "period")
        parts += sorted(t.digest for t in loaded.translations if t.kind in ("briefing", "period"))
        return xxhash.xxh3_128_hexdigest("\0".join(parts).encode())

    def view_key(self, route: Route) -> tuple[str, object, set[str], tuple[str, ...]]:
        """The page's view, its digest (with the names in its slots: `page_key`, equal digests mean
        byte-equal pages, as templates are pure), what it shows (`views.PageText.reads`), and its name slots
        (sorted)."""
        assert route.page is not None
        built, reads, slots = views.build_view(route.page, self.briefing, self.axis, self.texts, self.fragments)
        digest = xxhash.xxh3_128(self.salt)
        pickle.Pickler(_Hashing(digest), protocol=5).dump(built)  # the pickle's bytes, never held whole
        return digest.hexdigest(), built, reads, tuple(sorted(slots))

    def render_view(self, route: Route, built: object) -> tuple[FileData, NamesAt]:
        """The page's bytes, with the names its view left as slots laid in, and where they lie."""
        assert route.page is not None
        chrome, view = built  # type: ignore[misc]
        splicer = NameSplicer(self.name_bytes)
        data = render_template(self.env, TEMPLATE_OF[route.page.kind], chrome, view, self.spool, splicer)
        return data, splicer.placed()

    def export(self, route: Route) -> FileData:
        assert route.export is not None
        made = route.export(self.briefing, self.sitemap, self.pieces)
        if isinstance(made, bytes):
            return made
        return Blob(chunks_in(self.spool, made))


def _name_bytes(briefing: Briefing, slot: str) -> bytes:
    return views.name_html(briefing, slot).encode("utf-8")


def _slot_key(names: dict[str, bytes], slot: str) -> bytes:
    return b"\0" + slot.encode() + b"\0" + names[slot]


class _MadeOnce(dict[str, bytes]):
    """A value per key, made by `make` when first asked for (then looked up at the speed of a dict)."""

    def __init__(self, make: Callable[[str], bytes]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: str) -> bytes:
        value = self[key] = self.make(key)
        return value


class _Hashing:
    """A file that hashes what is written to it."""

    def __init__(self, digest: xxhash.xxh3_128) -> None:
        self.write = digest.update


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once for every language's environment. They differ only in what `_()` and the
    other globals give when a page is rendered, so a template compiled for one serves all; Jinja keys each
    by the template's name and file, and uses it only while the checksum of its source is the same."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self.compiled.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)  # (left empty if the source changed: Jinja compiles it again)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


def make_environment(template_dirs: Iterable[Path], texts: Texts, compiled: CompiledTemplates) -> jinja2.Environment:
    """The templates of one language: `_()`, `gettext`, `ngettext` and `{% trans %}` give its strings.
    `compiled`: templates compiled for another language's environment, to use again."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]),
        bytecode_cache=compiled,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["json.dumps_function"] = dumps_keeping_slots
    translations = texts.translations
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    fast_gettext, fast_ngettext = template_gettext(translations)  # the same results, looked up once
    env.globals.update(_=fast_gettext, gettext=fast_gettext, ngettext=fast_ngettext)
    return env


# a `j` name slot (`views.PageText.name`) as JSON writes it: its NULs escaped (but not an escaped backslash
# followed by the text "u0000")
_JSON_NAME_SLOT = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000(Nj[^\\\"]+)\\u0000")


def dumps_keeping_slots(value: Any, **options: Any) -> str:
    """`json.dumps` for the templates' `tojson`, which leaves a `j` name slot in a JSON string as it is, for
    the name to be laid in (escaped for JSON) after the template ran."""
    return _JSON_NAME_SLOT.sub("\\1\x00\\2\x00", json.dumps(value, **options))


def template_dirs(content_root: Path) -> list[Path]:
    """A project's own `templates/` (beside its content folder) overrides the built-in ones, file by file."""
    own = content_root.parent / "templates"
    dirs = [own] if own.is_dir() and own.resolve() != BUILTIN_TEMPLATES.resolve() else []
    return [*dirs, BUILTIN_TEMPLATES]


def template_files(dirs: Iterable[Path]) -> list[Path]:
    return sorted(p for d in dirs for p in d.rglob("*") if p.is_file())


def templates_digest(dirs: list[Path]) -> str:
    """Digest of every template and asset (names and bytes): part of every page's key."""
    digest = xxhash.xxh3_128()
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


NamesAt = tuple[tuple[int, int, str], ...]  # where a page's names lie in its bytes: start, end, name slot


class NameSplicer:
    """Lays entity names into a page's bytes where its view left them as slots (`views.PageText.name`), a
    chunk at a time, noting where each lands: a later build lays a changed name in there without building the
    page's view or rendering it again (`Renderer.relay_names`)."""

    def __init__(self, names: Callable[[str], bytes]) -> None:
        self.names = names
        self.at: list[tuple[int, int, str]] = []
        self.length = 0  # of the page's bytes so far

    def __call__(self, chunk: bytes) -> bytes:
        if b"\x00N" in chunk:
            out, start = [], 0
            for match in views.NAME_SLOT_BYTES.finditer(chunk):
                before = chunk[start : match.start()]
                name = self.names((match.group(1) + match.group(2)).decode("utf-8"))
                place = self.length + len(before)
                self.at.append((place, place + len(name), (match.group(1) + match.group(2)).decode("utf-8")))
                self.length = place + len(name)
                out += [before, name]
                start = match.end()
            out.append(chunk[start:])
            chunk = b"".join(out)
            self.length += len(out[-1])
        else:
            self.length += len(chunk)
        return chunk

    def placed(self) -> NamesAt:
        return tuple(self.at)


def render_template(
    env: jinja2.Environment,
    name: str,
    chrome: views.Chrome,
    view: object,
    spool: Spool | None = None,
    splicer: NameSplicer | None = None,
) -> FileData:
    """The page's bytes. The template's output is taken a few thousand pieces at a time and encoded, so that a
    huge page (the timeline of 100,000 events: 73 MB) is never held whole as a string, nor joined; with a
    `spool`, its chunks go there as they are made. The bytes of the view's `Spliced` values (the print page's
    articles) are laid in where the template showed them. A `splicer` lays names into each chunk as it is
    made, in page order."""
    values = {id(value): value for value in getattr(view, "__dict__", {}).values() if isinstance(value, views.Spliced)}
    lay = splicer if splicer is not None else (lambda chunk: chunk)
    try:
        pieces = env.get_template(name).generate(chrome=chrome, view=view)
        batches = iter(lambda: list(islice(pieces, PIECES_PER_CHUNK)), [])
        encoded: Iterable[bytes] = ("".join(batch).encode("utf-8") for batch in batches)
        if values:  # the values' bytes laid in first, so that their names are laid in, and placed, in page order
            encoded = (part if isinstance(part, bytes) else bytes(part) for part in _spliced(list(encoded), values))
        # (NUL is in no content, and in no chunk once its names are laid in, but for a Spliced value's marker)
        chunks = chunks_in(spool, (_named(lay(chunk), name, bool(values)) for chunk in encoded))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(exc.filename or name, exc.lineno, f"template syntax error: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateProblem(name, 0, f"template not found: {exc.name}") from None
    except jinja2.UndefinedError as exc:
        file, line = _template_position(exc, name)
        raise TemplateProblem(file, line, f"template error: {exc.message}") from None
    return chunks[0] if len(chunks) == 1 and isinstance(chunks[0], bytes) else Blob(chunks)


def _named(chunk: bytes, template: str, spliced: bool) -> bytes:
    """A chunk with its names laid in; a NUL left (but a `Spliced` value's marker) is what is left of a name
    slot that a template changed before showing it."""
    if b"\x00" in chunk and (not spliced or b"\x00" in views.SPLICED.sub(b"", chunk)):
        raise _name_changed(template)
    return chunk


def _name_changed(template: str) -> TemplateProblem:
    return TemplateProblem(
        template,
        0,
        "template error: the template changed an entity's name before showing it (a filter such as `lower`"
        " on a name?): names are laid into the page after the template ran, so show them as they are",
    )


def _spliced(chunks: list[bytes], values: dict[int, views.Spliced]) -> Iterator[bytes | Extent]:
    """The page's chunks with the chunks of each `Spliced` value of its view where the template showed it (each
    a whole number of articles: no name slot is cut in two)."""
    for chunk in chunks:  # (a value's marker is one piece of the template's output, so within one chunk)
        for index, part in enumerate(views.SPLICED.split(chunk)):
            if index % 2 == 0:
                if part:
                    yield part
            elif (value := values.get(int(part))) is not None:
                yield from (piece for piece in value.parts if len(piece))
            else:  # not one of this view's (cannot come from content, which holds no NUL): left as it was
                yield b"\x00spliced:" + part + b"\x00"


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


def static_files(dirs: Iterable[Path], diags: Diagnostics) -> dict[str, Path]:
    """`assets/…` files from the template folders, the project's own taking precedence; a link leading out
    of its template folder is refused."""
    found: dict[str, Path] = {}
    for directory in dirs:
        assets = directory / "assets"
        if not assets.is_dir():
            continue
        for path in sorted(assets.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            if not path.resolve().is_relative_to(directory.resolve()):
                diags.error(path, 0, "this file is a link to a place outside the project", "copy the file in instead")
                continue
            found.setdefault(path.relative_to(directory).as_posix(), path)
    return found


def minify_css(text: str) -> str:
    """The same rules in fewer bytes: comments dropped and spaces squeezed, never inside a string (rcssmin).
    The theme's stylesheets are written to be read (a fifth of their bytes are comments and spacing); the site
    gets them squeezed."""
    return rcssmin.cssmin(text) + "\n"


def asset_bytes(source: Path) -> bytes:
    """An asset of the theme as the site gets it: stylesheets squeezed (see `minify_css`), the rest as it is."""
    data = source.read_bytes()
    if source.suffix != ".css":
        return data
    try:
        return minify_css(data.decode("utf-8")).encode("utf-8")
    except UnicodeDecodeError:
        return data


def publish_files(content_root: Path, diags: Diagnostics) -> dict[str, Path]:
    """The project's `static/` folder (beside its content folder), copied to the site as it is: CNAME,
    .nojekyll, favicons, .well-known. A version-control folder (a submodule's `.git`) is never published: it
    would publish the project's history, and the next build would refuse an output holding it. Refused, each
    named: a link leading out of the project, a name that is not UTF-8, a name the build writes itself."""
    folder = content_root.parent / "static"
    if not folder.is_dir():
        return {}
    project = content_root.parent.resolve()
    found = {}
    for path in sorted(folder.rglob("*")):
        inside = path.relative_to(folder)
        if any(part in PROTECTED for part in inside.parts) or not path.is_file():
            continue
        problem = outermost_name_problem(path)
        if problem is not None:
            diags.error(problem.file, 0, problem.message, problem.hint)
        elif not path.resolve().is_relative_to(project):
            diags.error(path, 0, "this file is a link to a place outside the project", "copy the file in instead")
        elif inside.parts[0] in BUILD_OWN_NAMES:
            diags.error(path, 0, f"`{inside.parts[0]}` is a name the build writes itself", "rename it")
        else:
            found[inside.as_posix()] = path
    return found
