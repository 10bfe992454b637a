"""build(): the whole pipeline on one screen — load, resolve, render, write."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator.diagnostics import ContentError, Diagnostic, Diagnostics
from generator.linkcheck import LinkChecker
from generator.load import load_content
from generator.model import Briefing
from generator.render import (
    Route,
    TemplateProblem,
    make_environment,
    render_template,
    routes,
    static_files,
    template_dirs,
)
from generator.resolve import resolve
from generator.search import SearchProblem, index_site
from generator.write import OutputProblem, SiteWriter, refuse_dangerous_output


@dataclass
class BuildOptions:
    content: Path
    out: Path
    write: bool = True  # False for `briefing check`
    search: bool = True  # index the site with Pagefind
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


def build(options: BuildOptions) -> BuildResult:
    """Build the site, or raise ContentError with every problem found. Never leaves a half-built site."""
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

    loaded = load_content(options.content, diags)
    result.timings["load"] = time.perf_counter() - started
    briefing = resolve(loaded, diags)
    diags.raise_if_errors()
    assert briefing is not None
    result.briefing = briefing
    result.warnings = diags.warnings
    result.timings["resolve"] = time.perf_counter() - started

    dirs = template_dirs(options.content)
    env = make_environment(dirs)
    site_routes = list(routes(briefing, env))
    _check_collisions(site_routes, diags)
    diags.raise_if_errors()

    writer = SiteWriter(options.out) if options.write else None
    links = None if options.write else LinkChecker()
    try:
        for done, route in enumerate(site_routes, 1):
            data = _render(route, diags)
            if writer is not None and data is not None:
                writer.add(route.path, data)
            if links is not None and data is not None:
                links.add(route.path, data)
            if options.progress:
                options.progress(done, len(site_routes))
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
        if writer is not None:
            writer.commit()
            result.written = writer.written
            result.files = len(writer.manifest)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    result.pages = sum(1 for r in site_routes if r.path.endswith(".html"))
    result.seconds = time.perf_counter() - started
    return result


def _render(route: Route, diags: Diagnostics) -> bytes | None:
    try:
        return route.render()
    except TemplateProblem as problem:
        diags.error(problem.file, problem.line, problem.message)
        return None


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


def render_one(content: Path, name: str) -> bytes:  # pragma: no cover - debugging helper
    diags = Diagnostics(content.parent)
    briefing = resolve(load_content(content, diags), diags)
    diags.raise_if_errors()
    assert briefing is not None
    env = make_environment(template_dirs(content))
    for route in routes(briefing, env):
        if route.path == name:
            return route.render()
    raise KeyError(name)


__all__ = ["BuildOptions", "BuildResult", "build", "render_template"]
