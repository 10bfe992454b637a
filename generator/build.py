"""The pipeline: load → resolve → views → render → write. `Engine._build` reads top to bottom on one screen.

An Engine owns everything a build may reuse (the records of files whose bytes are unchanged); a one-off
build makes one and drops it, the preview keeps one. What a build skips is decided only by checked facts:
a file's bytes (for its records) and a page's view digest together with the output file verified on disk
(for its rendering) — so every build's output equals a clean build's.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from functools import partial
from pathlib import Path

import jinja2

from generator import translate
from generator.diagnostics import ContentError, Diagnostic, Diagnostics
from generator.exports import Pieces
from generator.i18n import Texts, catalogues_digest
from generator.linkcheck import LinkChecker, extract
from generator.load import FileMemo, Loaded, Record, Translation, canonical, load_content
from generator.model import Briefing, Language
from generator.parallel import imap
from generator.render import (
    CompiledTemplates,
    NamesAt,
    Renderer,
    Route,
    RouteMemo,
    TemplateProblem,
    asset_bytes,
    make_environment,
    preload_templates,
    publish_files,
    sitemap_entries,
    static_files,
    template_dirs,
    templates_digest,
)
from generator.resolve import Linker, record_targets, resolve, target_ids
from generator.search import INDEX_FOLDER, SearchProblem, index_site
from generator.spool import Spool
from generator.views import Fragments
from generator.write import (
    Entry,
    FileData,
    InPlaceWriter,
    OutputProblem,
    Previous,
    StagingWriter,
    Writer,
    Written,
    digest_of,
    output_lock,
    output_target,
    refuse_dangerous_output,
    remove_stale_staging,
    settle,
)


class Mode(Enum):
    BUILD = "build"  # a one-off build: staging folder, atomic swap
    CHECK = "check"  # validate and check every link; write nothing
    PREVIEW = "preview"  # `briefing serve`: the site updated in place, file by file


@dataclass
class BuildOptions:
    content: Path
    out: Path
    mode: Mode = Mode.BUILD
    search: bool = True  # index the site with Pagefind
    fresh: bool = False  # write every file anew instead of keeping unchanged ones (`--no-cache`)
    progress: Callable[[int, int], None] | None = None
    waiting: Callable[[], None] = lambda: None  # told when another build holds the output
    # the preview: told, once every page but the whole-briefing files is written, which files that step
    # rewrote and which are still to come
    ready: Callable[[set[str], set[str]], None] | None = None
    open_pages: Callable[[], set[str]] = set  # the preview: the pages open in a browser now, written first of all


@dataclass
class BuildResult:
    pages: int = 0
    files: int = 0
    written: int = 0
    seconds: float = 0.0
    warnings: list[Diagnostic] = field(default_factory=list)
    briefing: Briefing | None = None
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class Produced:
    """One route's result, as a worker returns it: bytes only when they must be written."""

    index: int
    key: str = ""
    data: FileData | None = None
    problem: TemplateProblem | None = None
    reads: frozenset[str] | None = None  # what the page's view read (`PageText.reads`); None: it was not built
    view: tuple[str, tuple[str, ...]] | None = None  # its view digest and name slots (sorted), if built
    names_at: NamesAt | None = None  # where the names lie in `data` (made here), if remembered


@dataclass
class ViewMemo:
    """What the last build of this engine knew of each page, to know which views an edit can change.

    A page's view is rebuilt when something it showed changed: a record's fields or body, the backlinks
    of an entity (a record that refers to it changed its references), the members of a kind it lists, or
    anything every page shows (the settings, the periods, the templates, the time axis). Rebuilding a
    view does not mean rendering it: that still waits for its digest to change."""

    globals: str = ""
    digests: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # id → kind, digests of fields, body
    reads: dict[str, frozenset[str]] = field(default_factory=dict)  # page path → what its view read (`PageText.reads`)
    # what a view showed → the pages that showed it (made when first needed: a one-off build never does)
    readers: dict[str, set[str]] | None = None
    keys: dict[str, str] = field(default_factory=dict)  # page path → view digest
    changed: set[str] | None = None  # what changed since the last build (None: anything may have)
    # a build has taken in this build's records but not yet written what they show: if it fails now, this memo
    # no longer says what the output shows
    ahead: bool = False
    views: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)  # page path → view digest, slots
    # page path → the key of the file whose names lie where this says (`render.NameSplicer`)
    names_at: dict[str, tuple[str, NamesAt]] = field(default_factory=dict)
    # pages whose view is unchanged but which show a name (`id!`) of an entity that changed: their key is made anew
    renamed: set[str] = field(default_factory=set)
    records: list[Record] = field(default_factory=list)  # the last build's, to tell which are new objects
    translations: list[Translation] = field(default_factory=list)
    by_id: dict[str, Record] = field(default_factory=dict)
    translated: dict[str, list[Translation]] = field(default_factory=dict)  # record id → its translations
    keep: bool = True  # False: an engine that builds once remembers no page (nor do its other memos)

    def unchanged_views(self, loaded: Loaded, globals_digest: str, orders_kept: bool) -> dict[str, str]:
        """Pages whose view cannot have changed since the last build, with their key; of those, `renamed` names
        the pages that show a changed entity's name in a slot (their key is made anew, their names laid in).

        What changed is named as views record what they read (`views.PageText`): `id` (anything of an entity),
        `id~` (anything but its name), `id#body` (its body) and `*kind` (which entities of a kind exist). A
        record whose references changed also changes the backlinks of every entity it refers to, before or
        after. `orders_kept`: the model was patched, so every list kept its order (a name that changed did not
        move its entity in any list)."""
        self.ahead = True
        before_digests, before_by_id, before_translated = self.digests, self.by_id, self.translated
        fresh = self._fresh_records(loaded)
        # when the loads reused every other record as it was, only the fresh ones can have changed
        ids = self._look_at_all(loaded) if fresh is None else self._look_at(fresh)
        self.records, self.translations = loaded.records, loaded.translations
        self.changed, self.renamed = None, set()
        if globals_digest != self.globals:
            self.globals = globals_digest
            return {}
        changed: set[str] = set()
        for record_id in ids:
            now, then = self.digests.get(record_id), before_digests.get(record_id)
            if now == then:
                continue
            if now is None or then is None:
                changed.add("*" + (now or then)[0])  # type: ignore[index]
            if now is None or then is None or now[1] != then[1]:
                changed.add(record_id)
                if not (orders_kept and self._name_alone_changed(before_by_id, before_translated, record_id)):
                    changed.add(record_id + "~")
            if now is None or then is None or now[2] != then[2]:
                changed.add(record_id + "#body")
            # what it refers to, before and after: looked at only now, for the few records that changed
            now_targets = _targets_of(self.by_id, self.translated, record_id)
            for target in target_ids(now_targets ^ _targets_of(before_by_id, before_translated, record_id)):
                changed |= {target, target + "~"}
        self.changed = changed
        if self.readers is None:
            self.readers = {}
            for path, names in self.reads.items():
                for name in names:
                    self.readers.setdefault(name, set()).add(path)
        unchanged = dict(self.keys)
        for name in changed:
            for path in self.readers.get(name, ()):
                unchanged.pop(path, None)
        for name in changed:
            self.renamed.update(path for path in self.readers.get(name + "!", ()) if path in unchanged)
        return unchanged

    def _name_alone_changed(
        self, before_by_id: dict[str, Record], before_translated: dict[str, list[Translation]], record_id: str
    ) -> bool:
        """Whether the record's edit changed its name (or title) and nothing else of it: then a page that links
        to it shows nothing new but the name in its slot. Only for entities of a file of their own (a list
        file's digest also covers its neighbours), with no translation (whose age the edit changes)."""
        now, then = self.by_id.get(record_id), before_by_id.get(record_id)
        if now is None or then is None or now.kind != then.kind or now.kind not in NAME_FIELDS:
            return False
        if self.translated.get(record_id) or before_translated.get(record_id):
            return False
        name = NAME_FIELDS[now.kind]
        return canonical({k: v for k, v in now.values.items() if k != name}) == canonical(
            {k: v for k, v in then.values.items() if k != name}
        )

    def _fresh_records(self, loaded: Loaded) -> list[Record] | None:
        """The records that are not the very objects of the last build, when nothing else can have changed:
        the same number of records, each fresh one with the id of the one it replaces, and the same
        translations."""
        records, before = loaded.records, self.records
        if len(records) != len(before) or len(loaded.translations) != len(self.translations):
            return None
        if any(a is not b for a, b in zip(loaded.translations, self.translations, strict=True)):
            return None
        fresh = [(a, b) for a, b in zip(records, before, strict=True) if a is not b]
        if any(a.id != b.id for a, b in fresh):
            return None
        return [a for a, _b in fresh]

    def _look_at_all(self, loaded: Loaded) -> set[str]:
        """Every record's digests anew; returns the ids of this build and the last."""
        digests = {r.id: (r.kind, r.digest, r.body_digest) for r in loaded.records}
        translated: dict[str, list[Translation]] = {}  # a translation is read with its original, as one record
        for t in sorted(loaded.translations, key=lambda t: (t.language, t.digest)):
            if t.id in digests:
                translated.setdefault(t.id, []).append(t)
        for record_id, translations in translated.items():
            digests[record_id] = _with_translations(digests[record_id], translations)
        before = self.digests
        self.digests, self.translated = digests, translated
        self.by_id = {r.id: r for r in loaded.records}
        return digests.keys() | before.keys()

    def _look_at(self, fresh: list[Record]) -> set[str]:
        """The digests of records read anew, each with the last build's translations."""
        self.digests, self.by_id = dict(self.digests), dict(self.by_id)
        for record in fresh:
            translations = self.translated.get(record.id, [])
            digest = _with_translations((record.kind, record.digest, record.body_digest), translations)
            self.digests[record.id], self.by_id[record.id] = digest, record
        return {record.id for record in fresh}

    def remember(self, table: list[Route], produced: list[Produced]) -> None:
        if not self.keep:
            return
        paths = {route.path for route in table}
        for item in produced:
            path = table[item.index].path
            if item.reads is not None:
                self._read(path, item.reads)
            if item.view is not None:
                self.views[path] = item.view
            if path in self.reads and table[item.index].page is not None:
                self.keys[path] = item.key
            if item.names_at is not None:
                self.names_at[path] = (item.key, item.names_at)
        for path in set(self.keys) - paths:
            self._read(path, frozenset())
            del self.keys[path], self.reads[path]
            self.views.pop(path, None)
            self.names_at.pop(path, None)

    def _read(self, path: str, reads: frozenset[str]) -> None:
        """Note that the page at `path` now shows `reads`."""
        before = self.reads.get(path, frozenset())
        self.reads[path] = reads
        if self.readers is None:
            return
        for name in before - reads:
            self.readers[name].discard(path)
        for name in reads - before:
            self.readers.setdefault(name, set()).add(path)


# the field an entity's name (`label`) is, for the kinds that come a file each (model.py's `label`)
NAME_FIELDS = {"issue": "title", "stakeholder": "name", "page": "title"}
ENTITIES_PER_PAGE_OF_WORK = 1000  # in a briefing of n entities, rendering one page counts as n / this pages


class Engine:
    def __init__(self, options: BuildOptions, once: bool = False) -> None:
        """`once`: this engine builds only once, so its memos keep nothing for a next build (at 11,000 pages
        they would hold the print page twice over, and every page's reads, for a build that never comes)."""
        self.options = options
        self.files = FileMemo(keep=not once)
        self.linker = Linker(keep=not once)
        self.views = ViewMemo(keep=not once)
        self.routes: dict[str, RouteMemo] = {}  # per language: the route table
        self.fragments: dict[str, Fragments] = {}  # per language: the print page's pieces
        self.pieces: dict[str, Pieces] = {}  # per language: the data exports' pieces
        self.templates: dict[str, tuple[str, jinja2.Environment]] = {}  # per language: templates digest, compiled
        self.compiled = CompiledTemplates()  # the templates compiled, for every language's environment
        self.texts: dict[Language, tuple[str, Texts]] = {}  # per language: catalogues digest, compiled
        self.written: Written | None = None  # the manifest the last build wrote, if it finished

    def build(self, changed: Iterable[Path] | None = None) -> BuildResult:
        """Build the site, or raise ContentError with every problem found. Never leaves a half-built site.
        `changed`: every file that changed since this engine's last build, if the caller watches them (the
        preview); then only those content files are read again."""
        thresholds = gc.get_threshold()
        gc.set_threshold(100_000, 50, 100)  # millions of long-lived objects, few cycles: collect rarely
        try:
            result = self._build(changed)
        except BaseException:
            if self.views.ahead:  # a full disk, a template error: start again from what the output shows
                self.views, self.fragments, self.pieces = ViewMemo(keep=self.views.keep), {}, {}
            self.routes = {}
            raise
        finally:
            gc.set_threshold(*thresholds)
        self.views.ahead = False
        return result

    def settle(self, go_on: Callable[[], bool]) -> None:
        """The preview, idle: the files its last build wrote just before the manifest are checked by their bytes
        now, so that the next build need not (`write.settle`). `go_on` is false once a build is asked for."""
        if self.written is not None and self.options.mode is Mode.PREVIEW:
            self.written = settle(output_target(self.options.out), self.written, go_on)

    def _build(self, changed: Iterable[Path] | None) -> BuildResult:
        started, options = time.perf_counter(), self.options
        result, diags = BuildResult(), Diagnostics(root=options.content.parent)
        self._check_folders()
        loaded = load_content(options.content, diags, self.files, changed)
        editions = self._resolve(loaded, diags)
        result.timings["resolve"] = time.perf_counter() - started
        dirs = template_dirs(options.content)
        catalogues = catalogues_digest()  # read once a build: the interface strings of every language
        texts = {b.language.code: self._texts(b.language, catalogues) for b in editions}
        table = self._route_table(editions, texts)
        assets = static_files(dirs, diags)  # the theme's: stylesheets are squeezed
        extra = {**assets, **publish_files(options.content, diags)}  # the project's static/ files, as they are
        _check_collisions(table, extra, diags)
        diags.raise_if_errors()
        renderers = self._renderers(editions, table, dirs, templates_digest(dirs) + catalogues, texts)
        unchanged = self._unchanged_views(loaded, renderers[editions[0].language.code])
        with self._output() as previous:
            if previous is None:  # check mode: nothing is written
                self._check(table, renderers, unchanged, extra, diags, result, started)
            else:
                self._write(table, renderers, previous, unchanged, extra, set(assets), diags, result, started)
        result.briefing, result.warnings = editions[0], diags.warnings
        result.pages = sum(1 for route in table if route.page is not None)
        result.seconds = time.perf_counter() - started
        return result

    def _resolve(self, loaded: Loaded, diags: Diagnostics) -> list[Briefing]:
        """The linked model in each of the briefing's languages, the original's first; raises every error."""
        briefing = self.linker.resolve(loaded, diags)
        if briefing is None and loaded.config is not None:
            _check_translations(loaded, diags)
        diags.raise_if_errors()
        assert briefing is not None and loaded.config is not None
        editions = _editions(briefing, loaded, diags, self.linker)
        diags.raise_if_errors()
        return editions

    def _route_table(self, editions: list[Briefing], texts: dict[str, Texts]) -> list[Route]:
        """Every file of every language's site, each page knowing its versions in the other languages."""
        tables = [self._routes(edition, index, texts[edition.language.code]) for index, edition in enumerate(editions)]
        return _with_alternates(tables, editions)

    def _renderers(
        self, editions: list[Briefing], table: list[Route], dirs: list[Path], digest: str, texts: dict[str, Texts]
    ) -> dict[str, Renderer]:
        """Per language, what makes its pages' views and bytes. `digest`: what every page's look depends on,
        besides its view (the templates' and catalogues' bytes)."""
        renderers, sitemap = {}, sitemap_entries(table)
        # a one-off build keeps its big files' chunks out of every process's heap; a long-lived engine keeps the
        # print page's articles in its memo anyway, and the preview wants its files at once
        spool = Spool() if not self.views.keep else None
        for edition in editions:
            code = edition.language.code
            fragments = self.fragments.setdefault(code, Fragments(keep=self.views.keep))
            pieces = self.pieces.setdefault(code, Pieces(keep=self.views.keep))
            env = self._environment(dirs, digest, texts[code])
            renderers[code] = Renderer(env, digest, edition, sitemap, texts[code], fragments, pieces, spool)
        return renderers

    def _unchanged_views(self, loaded: Loaded, original: Renderer) -> dict[str, str]:
        """The pages whose view cannot have changed since this engine's last build, with their view digest;
        the whole-briefing files' memos are told what changed."""
        orders_kept = bool(self.linker.patched) and all(p is not None for p in self.linker.patched.values())
        unchanged = self.views.unchanged_views(loaded, original.globals_digest(loaded), orders_kept)
        for memo in [*self.fragments.values(), *self.pieces.values()]:
            memo.changed = self.views.changed
        return unchanged

    def _check(
        self,
        table: list[Route],
        renderers: dict[str, Renderer],
        unchanged: dict[str, str],
        extra: dict[str, Path],
        diags: Diagnostics,
        result: BuildResult,
        started: float,
    ) -> None:
        """Render every file, and check every template and link, writing nothing (`briefing check`)."""
        made = self._produce(table, renderers, None, unchanged, range(len(table)))
        produced = sorted(made, key=lambda p: p.index)
        self.views.remember(table, produced)
        _report_problems(produced, diags)
        result.timings["render"] = time.perf_counter() - started
        _check_links(table, produced, extra, diags)
        result.timings["check links"] = time.perf_counter() - started

    @property
    def _thorough(self) -> bool:
        """A one-off build checks the bytes of every file it reuses; the preview trusts the stat where it can."""
        return self.options.mode is not Mode.PREVIEW

    def _check_folders(self) -> None:
        content, out = self.options.content, self.options.out
        if not content.is_dir():
            hint = "pass --content DIR, or run `briefing init DIR`"
            raise ContentError([Diagnostic(str(content), 0, "content folder not found", hint)])
        if self.options.mode is not Mode.CHECK:
            check_output(out, content)

    def _routes(self, edition: Briefing, index: int, texts: Texts) -> list[Route]:
        """One language's route table, made anew only for what the linker patched since the last build."""
        code = edition.language.code
        patched = self.linker.patched.get(code if index else "")
        return self.routes.setdefault(code, RouteMemo()).routes(edition, texts, patched)

    def _environment(self, dirs: list[Path], digest: str, texts: Texts) -> jinja2.Environment:
        """One language's compiled templates, kept while every template file's and catalogue's bytes are unchanged."""
        known = self.templates.get(texts.language.code)
        if known is not None and known[0] == digest:
            return known[1]
        env = make_environment(dirs, texts, self.compiled)
        try:
            preload_templates(env)
        except TemplateProblem as problem:
            raise ContentError([Diagnostic(problem.file, problem.line, problem.message)]) from None
        self.templates[texts.language.code] = (digest, env)
        return env

    def _texts(self, language: Language, catalogues: str) -> Texts:
        """One language's interface, its catalogue compiled once while the catalogues' bytes are unchanged."""
        known = self.texts.get(language)
        if known is None or known[0] != catalogues:
            known = self.texts[language] = (catalogues, Texts(language))
        return known[1]

    @contextmanager
    def _output(self) -> Iterator[Previous | None]:
        """The previous output, read and checked under the output's lock (nothing in check mode)."""
        if self.options.mode is Mode.CHECK:
            yield None
            return
        out = output_target(self.options.out)
        with output_lock(out, self.options.waiting) as lock:
            refuse_dangerous_output(out, self.options.content)  # again, now that no other build can change it
            yield Previous(out, lock, self.written)

    def _produce(
        self,
        table: list[Route],
        renderers: dict[str, Renderer],
        previous: Previous | None,
        unchanged: dict[str, str],
        indices: Iterable[int],
    ) -> Iterator[Produced]:
        """The bytes of the routes at `indices`, each as soon as it is made — except pages whose view is
        unchanged and whose file is intact on disk. `unchanged` names pages whose view this engine knows to be
        the same as last time (not even built)."""
        indices = list(indices)
        written_as: dict[str, str] = {}  # each page's key when the last build wrote its file
        if previous is not None and not self.options.fresh:
            for index in indices:
                route = table[index]
                entry = previous.entries.get(route.path) if route.page is not None else None
                if entry is not None:
                    written_as[route.path] = entry.key
        thorough = self._thorough

        def intact(path: str, key: str) -> bool:
            """Whether the file at `path` is the page of `key`, exactly as the last build wrote it (looked at on
            disk only when the key is the one wanted: a page to be written anew is never read or hashed)."""
            if written_as.get(path) != key or previous is None:
                return False
            return previous.reusable(path, thorough) is not None

        def make(index: int) -> Produced:
            route = table[index]
            renderer = renderers[route.language]
            try:
                if route.page is None:
                    return Produced(index, data=renderer.export(route))
                view, built, reads, slots = renderer.view_key(route)
                key = renderer.page_key(view, slots)
                keep = self.views.keep  # what the view memo remembers, if it does
                shown = frozenset(reads) if keep else None
                made = (view, slots) if keep else None
                if intact(route.path, key):
                    return Produced(index, key, reads=shown, view=made)
                data, placed = renderer.render_view(route, built)
                return Produced(index, key, data, reads=shown, view=made, names_at=placed if keep else None)
            except TemplateProblem as problem:
                return Produced(index, problem=problem)

        def relay(index: int, key: str, at: NamesAt) -> Produced:
            """A page whose names alone changed, with them laid into its file as the last build wrote it."""
            route = table[index]
            try:
                with open(os.path.join(out, route.path), "rb") as file:
                    data, placed = renderers[route.language].relay_names(file.read(), at)
            except OSError:  # gone or unreadable since it was looked at: the page is built in full
                return make(index)
            return Produced(index, key, data, names_at=placed)

        # pages known unchanged and intact on disk need no work: settle them here, so that workers are started
        # (and the model copied into them) only for what must be built; a page whose view is unchanged but
        # whose names changed gets them laid into its file as the last build wrote it, where that build said
        # they lie (here: reading a file and joining its pieces is less work than sending the bytes back)
        out = str(previous.out) if previous is not None else ""
        todo: list[int] = []
        here: list[Callable[[], Produced]] = []  # made in this process, while workers (if any) make the rest
        for index in indices:
            route = table[index]
            known = unchanged.get(route.path) if route.page is not None else None
            if known is not None and route.path in self.views.renamed:
                view, slots = self.views.views[route.path]
                known = renderers[route.language].page_key(view, slots)
                at = self.views.names_at.get(route.path)
                if at is not None and at[0] != known and intact(route.path, at[0]):
                    here.append(partial(relay, index, known, at[1]))
                    continue
            if known is not None and intact(route.path, known):
                yield Produced(index, known)
            elif route.whole_briefing and self.views.keep:  # it fills memos that this process keeps
                here.append(partial(make, index))
            else:
                todo.append(index)
        total = len(todo)
        progress = self.options.progress
        report = (lambda done: progress(done, total)) if progress else None
        # the few big pages (lists, timeline, print, exports) first, then the entities' pages, those that show the
        # most first, so that no worker is left with a big one at the end
        order = sorted(todo, key=lambda index: (table[index].origin is not None, -_links_shown(table[index])))
        # a page lists up to every entity of its kind: in a huge briefing, a few pages are work enough for workers
        weight = max(1, max(len(r.briefing.by_id) for r in renderers.values()) // ENTITIES_PER_PAGE_OF_WORK)
        lists = sum(1 for index in order if table[index].origin is None)  # the big pages, which come first
        spools = [*{id(r.spool): r.spool for r in renderers.values() if r.spool is not None}.values()]
        # (the writer takes any order)
        yield from imap(make, order, report, weight, alone=lists, in_order=False, shared=spools, meanwhile=here)

    def _write(
        self,
        table: list[Route],
        renderers: dict[str, Renderer],
        previous: Previous,
        unchanged: dict[str, str],
        extra: dict[str, Path],
        assets: set[str],
        diags: Diagnostics,
        result: BuildResult,
        started: float,
    ) -> None:
        """Render and write every file. The preview (given `ready`) writes in two steps: first the pages whose
        view may have changed, except the whole-briefing files (print editions, exports) — only those open in
        a browser, if any of them is; then `ready` is told which files are still to come, and those are
        written — the other pages, the whole-briefing files and the pages checked intact on disk — and
        strangers in the output removed. A build killed between the steps leaves them named in the manifest
        as about to change, to be redone."""
        ready = self.options.ready if self.options.mode is Mode.PREVIEW else None
        steps = [list(range(len(table)))]
        if ready is not None:  # first the pages that may show something new; the rest after `ready`
            renamed = self.views.renamed
            first = [
                i
                for i, route in enumerate(table)
                if not route.whole_briefing and (route.path not in unchanged or route.path in renamed)
            ]
            watched = self.options.open_pages()  # of those, the pages open in a browser (if any): alone, at once
            first = [i for i in first if table[i].path in watched] or first
            chosen = set(first)
            steps = [first, [i for i in range(len(table)) if i not in chosen]]
        writer: Writer | None = None
        self.written = None
        try:
            for step, indices in enumerate(steps):
                last = step == len(steps) - 1
                if writer is None:
                    writer = (
                        InPlaceWriter(previous.out, previous)
                        if self.options.mode is Mode.PREVIEW
                        else StagingWriter(previous.out, previous)
                    )
                # each file handed to the writer as soon as it is made: the build never holds every page's bytes
                produced, written = [], set()
                for item in self._produce(table, renderers, previous, unchanged, indices):
                    path = table[item.index].path
                    if item.problem is None and self._store(writer, previous, path, item.data, item.key):
                        written.add(path)
                    produced.append(replace(item, data=None) if item.data is not None else item)
                self.views.remember(table, produced)
                _report_problems(produced, diags)
                stage = f" {step + 1}" if len(steps) > 1 else ""  # the preview's steps, numbered
                result.timings[f"render{stage}"] = time.perf_counter() - started
                if step == 0:  # the theme's and the project's files, with the first pages: a page loads them
                    for path, source in sorted(extra.items()):
                        data = asset_bytes(source) if path in assets else source.read_bytes()
                        if self._store(writer, previous, path, data, ""):
                            written.add(path)
                if last:  # files in the output that are not ours: looking for them costs a listing
                    _warn_strangers(previous, {route.path for route in table} | set(extra), diags)
                if self.options.search and self.options.mode is Mode.BUILD:
                    assert isinstance(writer, StagingWriter)
                    try:
                        index_site(writer.staging)
                    except SearchProblem as problem:
                        raise ContentError([Diagnostic("pagefind", 0, problem.message, problem.hint)]) from None
                    writer.add_tree(INDEX_FOLDER)
                later = set() if last else {table[i].path for i in steps[step + 1]}
                writer.commit(later)
                result.timings[f"write{stage}"] = time.perf_counter() - started
                if later and ready is not None:
                    ready(written, later)
        except BaseException:
            if writer is not None:
                writer.abort()
            else:  # the staging folder was being made: it is named in the lock file
                remove_stale_staging(previous.out, previous.lock.claimed())
            raise
        assert writer is not None
        result.written, result.files = writer.written, len(writer.manifest)
        self.written = Written.of(writer)

    def _store(self, writer: Writer, previous: Previous, path: str, data: FileData | None, key: str) -> bool:
        """Hand a file to the writer: kept as it is on disk if its bytes are what the last build wrote (`data`
        None: known to be). Returns whether it was given new bytes."""
        if data is None:
            writer.keep(path, previous.entries[path])
            return False
        before = previous.entries.get(path) if not self.options.fresh else None
        digest = digest_of(data) if before is not None else ""
        # the file on disk is looked at only if the new bytes are the ones the last build wrote there
        entry = previous.reusable(path, self._thorough) if before is not None and before.digest == digest else None
        if entry is not None:
            writer.keep(path, Entry(entry.digest, entry.size, entry.mtime_ns, entry.inode, key))
            return False
        writer.write(path, data, key, digest)
        return True


def check_output(out: Path, content: Path) -> None:
    """Raise ContentError if `out` is no folder a build may write (`write.refuse_dangerous_output` says why)."""
    try:
        refuse_dangerous_output(output_target(out), content)
    except OutputProblem as problem:
        raise ContentError([Diagnostic(str(out), 0, problem.message, problem.hint)]) from None


def _links_shown(route: Route) -> int:
    """How many entities link to the entity a page is about (its page lists them): a measure of its work."""
    entity = route.page.entity if route.page is not None else None
    links = getattr(entity, "links", None)
    return sum(len(getattr(links, f.name)) for f in fields(links)) if links is not None else 0


def _warn_strangers(previous: Previous, made: set[str], diags: Diagnostics) -> None:
    """Files in the output that no build made: named in one warning (so that none is folded away among
    similar warnings); the writer removes them."""
    strangers = previous.strangers(made)
    if strangers:
        count = f"{len(strangers)} file{'s' if len(strangers) != 1 else ''}"
        diags.warning(
            previous.out,
            0,
            f"removed {count} not made by `briefing build`: " + ", ".join(strangers),
            "to publish a file as it is, put it in the project's `static/` folder",
        )


def _with_translations(digests: tuple[str, str, str], translations: list[Translation]) -> tuple[str, str, str]:
    """A record's digests with its translations': a page shows them as one."""
    kind, fields, body = digests
    for t in translations:
        fields, body = fields + t.digest, body + t.body_digest
    return kind, fields, body


def _targets_of(by_id: dict[str, Record], translated: dict[str, list[Translation]], record_id: str) -> frozenset[str]:
    """What a record refers to, and where, its translations' references too (nothing if there is no such
    record)."""
    record = by_id.get(record_id)
    if record is None:
        return frozenset()
    return record_targets(record).union(*(_language_targets(t) for t in translated.get(record_id, ())))


def _language_targets(translation: Translation) -> frozenset[str]:
    """A translation's references, told apart from its original's: a link the translation drops changes the
    backlinks of that language's site even where the original still has it."""
    return frozenset(f"{translation.language}/{target}" for target in record_targets(translation))


def _check_translations(loaded: Loaded, diags: Diagnostics) -> None:
    """The translations' mistakes when the original's stop the build before its editions are made, so that one
    build reports both (the original's own errors, found again in each language, are reported once)."""
    for layer in _layers(loaded, diags)[1]:
        resolve(layer.loaded, diags, translated=layer.translated)


def _layers(loaded: Loaded, diags: Diagnostics) -> tuple[list[Language], list[translate.Overlay]]:
    """The briefing's languages, and for each after the first its records with their translations laid over."""
    assert loaded.config is not None
    languages = translate.languages(loaded.config, diags)
    if not languages:
        return [], []
    translate.check_languages(loaded.translations, languages, diags)
    return languages, [translate.overlay(loaded, language, languages[0], diags) for language in languages[1:]]


def _editions(briefing: Briefing, loaded: Loaded, diags: Diagnostics, linker: Linker) -> list[Briefing]:
    """The briefing in each of its languages: the original, then one linked model per translation."""
    languages, layers = _layers(loaded, diags)
    if not languages:
        return [briefing]
    briefing.language, briefing.languages = languages[0], languages
    briefing.config.language = languages[0].code
    briefing.translations = []  # a model kept by the linker had them from the last build
    editions = [briefing]
    for layer in layers:
        language = layer.language
        edition = linker.resolve(layer.loaded, diags, language.code, layer.translated, layer.sources, layer.config_from)
        if edition is None:
            continue
        edition.language, edition.languages = language, languages
        edition.config.language = language.code
        editions.append(edition)
    for edition in editions[1:]:
        theirs = edition.by_id
        pairs = [
            (mine, theirs[mine.id])
            for mine in [
                *briefing.issues,
                *briefing.stakeholders,
                *briefing.pages,
                *briefing.events,
                *briefing.periods,
                *briefing.quotes,
            ]
        ]
        briefing.translations.append((edition.language, pairs))
    for edition in editions[1:]:
        edition.translations = briefing.translations
    return editions


def _with_alternates(tables: list[list[Route]], editions: list[Briefing]) -> list[Route]:
    """Every language's routes in one table, each page knowing its versions in the other languages."""
    if len(tables) > 1:
        versions: dict[str, list[tuple[Language, str]]] = {}
        for edition, part in zip(editions, tables, strict=True):
            for route in part:
                if route.page is not None:
                    versions.setdefault(route.local, []).append((edition.language, route.path))
        for part in tables:
            for route in part:
                if route.page is not None:
                    route.page.alternates = versions[route.local]
    return [route for part in tables for route in part]


def build(options: BuildOptions) -> BuildResult:
    """One build with a fresh engine (nothing reused from other builds in this process)."""
    return Engine(options, once=True).build()


def _report_problems(produced: list[Produced], diags: Diagnostics) -> None:
    for item in produced:
        if item.problem is not None:
            diags.error(item.problem.file, item.problem.line, item.problem.message)
    diags.raise_if_errors()


def _check_links(table: list[Route], produced: list[Produced], extra: dict[str, Path], diags: Diagnostics) -> None:
    links = LinkChecker()
    for item in produced:
        path = table[item.index].path
        assert item.data is not None
        ids, found = extract(path, item.data if isinstance(item.data, bytes) else item.data.joined())
        links.record(path, ids, found)
    for path in extra:
        links.add(path, b"")
    for page, link, problem in links.problems():
        diags.error(page, 0, f"broken link `{link}`: {problem}", "a template builds a wrong URL")
    diags.raise_if_errors()


def _check_collisions(table: list[Route], extra: dict[str, Path], diags: Diagnostics) -> None:
    seen: dict[str, Route] = {}
    paths = {route.path for route in table}
    for path, source in extra.items():
        if path in paths:
            diags.error(source, 0, f"`{path}` would overwrite a page the build makes", "rename or remove the file")
    for route in table:
        first = seen.get(route.path)
        if first is None:
            seen[route.path] = route
            continue

        def where(r: Route) -> str:
            return diags.display(r.origin.file) if r.origin else "a built-in page"

        file = route.origin.file if route.origin else Path(route.path)
        diags.error(
            file,
            route.origin.line if route.origin else 0,
            f"two pages would be written to /{route.path}: {where(first)} and {where(route)}",
            "rename one of them",
        )


__all__ = ["BuildOptions", "BuildResult", "Engine", "Mode", "build", "check_output"]
