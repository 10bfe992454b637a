"""build(): the whole pipeline on one screen — load, resolve, render, write."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator import cache, markdown
from generator.diagnostics import ContentError, Diagnostic, Diagnostics
from generator.linkcheck import LinkChecker, extract
from generator.load import load_content
from generator.memo import PageMemo
from generator.model import Briefing
from generator.parallel import map_ordered
from generator.render import (
    Route,
    TemplateProblem,
    make_environment,
    preload_templates,
    routes,
    static_files,
    template_dirs,
)
from generator.resolve import markdown_of, resolve
from generator.search import SearchProblem, index_site
from generator.write import (
    MARKER,
    InPlaceWriter,
    OutputProblem,
    SiteWriter,
    marker_digest,
    refuse_dangerous_output,
)


@dataclass
class BuildOptions:
    content: Path
    out: Path
    write: bool = True  # False for `briefing check`
    search: bool = True  # index the site with Pagefind
    cache: bool = True  # reuse pure results of earlier builds (see cache.py)
    in_place: bool = False  # the preview: update an existing site file by file (see write.InPlaceWriter)
    progress: Callable[[int, int], None] | None = None


@dataclass
class BuildResult:
    pages: int = 0
    files: int = 0
    written: int = 0
    seconds: float = 0.0
    warnings: list[Diagnostic] = field(default_factory=list)
    briefing: Briefing | None = None
    timings: dict[str, float] = field(default_factory=dict)
    up_to_date: bool = False  # nothing changed since the last build: the site was left as it was


def build(options: BuildOptions) -> BuildResult:
    """Build the site, or raise ContentError with every problem found. Never leaves a half-built site."""
    thresholds = gc.get_threshold()
    # A build makes millions of small, long-lived objects and few cycles: with the default thresholds the
    # collector rescans the growing heap again and again (a tenth of an 11,000-page build).
    gc.set_threshold(100_000, 50, 100)
    try:
        return _build(options)
    finally:
        gc.set_threshold(*thresholds)


def _build(options: BuildOptions) -> BuildResult:
    started = time.perf_counter()
    result = BuildResult()
    diags = Diagnostics(root=options.content.parent)
    if not options.content.is_dir():
        raise ContentError(
            [
                Diagnostic(
                    str(options.content),
                    0,
                    "content folder not found",
                    "pass --content DIR, or run `briefing init DIR`",
                )
            ]
        )
    if options.write:
        try:
            refuse_dangerous_output(options.out, options.content)
        except OutputProblem as problem:
            raise ContentError([Diagnostic(str(options.out), 0, str(problem))]) from None

    dirs = template_dirs(options.content)
    use_cache = options.write and options.cache
    templates = (
        cache.fingerprint([p for d in dirs for p in d.rglob("*") if p.is_file()], "templates") if use_cache else ""
    )
    # The preview rebuilds because something changed: asking "is anything changed?" would only re-read every file.
    inputs = _input_fingerprint(options, templates) if use_cache and not options.in_place else ""
    if inputs:
        previous = _up_to_date(options, inputs)
        if previous is not None:
            previous.seconds = time.perf_counter() - started
            return previous
    if use_cache:
        markdown.remember(cache.load(options.content, "markdown"))

    loaded = load_content(options.content, diags)
    result.timings["load"] = time.perf_counter() - started
    briefing = resolve(loaded, diags)
    diags.raise_if_errors()
    assert briefing is not None
    result.briefing = briefing
    result.warnings = diags.warnings
    result.timings["resolve"] = time.perf_counter() - started

    env = make_environment(dirs)
    try:
        preload_templates(env)
    except TemplateProblem as problem:
        raise ContentError([Diagnostic(problem.file, problem.line, problem.message)]) from None
    site_routes = list(routes(briefing, env))
    _check_collisions(site_routes, diags)
    diags.raise_if_errors()

    writer = _writer(options)
    links = None if options.write else LinkChecker()
    try:
        memo = PageMemo.for_build(options.content, loaded, briefing, templates) if use_cache else None
        _produce_pages(site_routes, writer, links, diags, options.progress, memo)
        diags.raise_if_errors()
        for path, source in static_files(dirs).items():
            if writer is not None:
                writer.add_file(path, source)
            if links is not None:
                links.add(path, b"")
        result.timings["render"] = time.perf_counter() - started
        if links is not None:
            for page, link, problem in links.problems():
                diags.error(page, 0, f"broken link `{link}`: {problem}", "a template builds a wrong URL")
            diags.raise_if_errors()
        if writer is not None and options.search:
            try:
                index_site(writer.staging)
            except SearchProblem as problem:
                raise ContentError([Diagnostic("pagefind", 0, str(problem))]) from None
            result.timings["search"] = time.perf_counter() - started
        result.pages = sum(1 for r in site_routes if r.path.endswith(".html"))
        if writer is not None:
            writer.commit()
            result.written = writer.written
            result.files = len(writer.manifest)
            if use_cache:
                _remember_build(options, inputs, briefing, result)
                if memo is not None:
                    memo.save()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    result.seconds = time.perf_counter() - started
    return result


def _writer(options: BuildOptions) -> SiteWriter | None:
    if not options.write:
        return None
    if options.in_place and not options.search and (options.out / MARKER).is_file():
        return InPlaceWriter(options.out)
    return SiteWriter(options.out)


def _input_fingerprint(options: BuildOptions, templates: str) -> str:
    files = [p for p in options.content.rglob("*") if p.is_file()]
    return cache.fingerprint(files, f"search={options.search} out={options.out.resolve()} templates={templates}")


def _up_to_date(options: BuildOptions, inputs: str) -> BuildResult | None:
    """The last build's result, if it was made from exactly these inputs and its output is still in place."""
    state = cache.load(options.content, "build")
    if state.get("inputs") != inputs or state.get("marker") != marker_digest(options.out):
        return None
    warnings = [Diagnostic(*w) for w in state.get("warnings", [])]
    return BuildResult(pages=state.get("pages", 0), files=state.get("files", 0), warnings=warnings, up_to_date=True)


def _remember_build(options: BuildOptions, inputs: str, briefing: Briefing, result: BuildResult) -> None:
    texts = [briefing.config.state_of_play]
    for entity in briefing.by_id.values():
        texts.extend(markdown_of(entity))
    entries = markdown.export(texts)
    if entries is not None:
        cache.save(options.content, "markdown", entries)
    if not inputs:  # a preview rebuild: its inputs were not fingerprinted
        return
    cache.save(
        options.content,
        "build",
        {
            "inputs": inputs,
            "marker": marker_digest(options.out),
            "pages": result.pages,
            "files": result.files,
            "warnings": [[w.file, w.line, w.message, w.hint, w.level] for w in result.warnings],
        },
    )


@dataclass
class _Produced:
    path: str
    digest: str = ""
    written: bool = False
    ids: set[str] | None = None
    links: list[str] | None = None
    problem: TemplateProblem | None = None


def _produce_pages(
    site_routes: list[Route],
    writer: SiteWriter | None,
    links: LinkChecker | None,
    diags: Diagnostics,
    progress: Callable[[int, int], None] | None,
    memo: PageMemo | None = None,
) -> None:
    """Render every route and store it (in worker processes when the site is large). A page whose inputs
    are unchanged since the last build (same memo key) is not rendered: its previous file is reused."""

    def produce(index: int) -> _Produced:
        route = site_routes[index]
        if memo is not None and writer is not None and links is None:
            digest = memo.unchanged(route, writer.previous)
            if digest and writer.reuse(route.path):
                return _Produced(route.path, digest=digest, written=False)
        try:
            data = route.render()
        except TemplateProblem as problem:
            return _Produced(route.path, problem=problem)
        produced = _Produced(route.path)
        if writer is not None:
            produced.digest, produced.written = writer.store(route.path, data)
        if links is not None:
            produced.ids, produced.links = extract(route.path, data)
        return produced

    total = len(site_routes)
    report = (lambda done: progress(done, total)) if progress else None
    # the few big pages (lists, timeline, print, exports) first, so no worker is left with them at the end
    order = sorted(range(total), key=lambda index: site_routes[index].origin is not None)
    site_routes_by_path = {route.path: route for route in site_routes}
    for produced in map_ordered(produce, order, report):
        if produced.problem is not None:
            diags.error(produced.problem.file, produced.problem.line, produced.problem.message)
            continue
        if writer is not None:
            writer.record(produced.path, produced.digest, produced.written)
            if memo is not None:
                memo.remember(site_routes_by_path[produced.path], produced.digest)
        if links is not None and produced.ids is not None and produced.links is not None:
            links.record(produced.path, produced.ids, produced.links)


def _check_collisions(site_routes: list[Route], diags: Diagnostics) -> None:
    seen: dict[str, Route] = {}
    for route in site_routes:
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


__all__ = ["BuildOptions", "BuildResult", "build"]
