"""Each stage's CPU time in one cold build, timed without a profiler (a profiler's cost per call inflates
functions called millions of times, Markdown's above all), run by bench/profile_build.py --profiler stages:

    taskset -c 0 PYTHON bench/stage_times.py CONTENT OUT

Run on one core, the build does its workers' share itself, so each stage's time is its whole CPU time.
The stages are the pipeline's functions, wrapped with a timer; a stage inside another (views, in the
view key) is counted in both. Functions an older engine does not have are left out.
"""

from __future__ import annotations

import collections
import functools
import importlib
import shutil
import sys
import time
from pathlib import Path
from typing import Any

STAGES = [  # (module, attribute path, label)
    ("generator.build", "load_content", "load (read, YAML, validation, Markdown)"),
    ("generator.markdown", "compile_markdown", "  of which Markdown"),
    ("generator.resolve", "Linker.resolve", "resolve (linked model)"),
    ("generator.render", "Renderer.view_key", "views and their digests"),
    ("generator.views", "build_view", "  of which views"),
    ("generator.render", "render_template", "templates"),
    ("generator.render", "Renderer.export", "exports (feed, JSON, CSV, iCalendar)"),
    ("generator.write", "StagingWriter.write", "writing files"),
    ("generator.write", "StagingWriter.commit", "manifest and swap"),
]


def wrap(times: collections.Counter[str], owner: Any, name: str, label: str) -> None:
    """Time `owner.name`, and every module of the engine that imported it by name."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            times[label] += time.perf_counter() - started

    setattr(owner, name, timed)
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("generator.") and getattr(module, name, None) is original:
            setattr(module, name, timed)


def main() -> None:
    content, out = Path(sys.argv[1]), Path(sys.argv[2])
    build = importlib.import_module("generator.build")
    times: collections.Counter[str] = collections.Counter()
    for module_name, path, label in STAGES:
        try:
            owner: Any = importlib.import_module(module_name)
            *parents, name = path.split(".")
            for parent in parents:
                owner = getattr(owner, parent)
            getattr(owner, name)
        except (ImportError, AttributeError):
            continue
        wrap(times, owner, name, label)
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    build.build(build.BuildOptions(content=content, out=out, search=False))
    total = time.perf_counter() - started
    for _module, _path, label in STAGES:
        if label in times:
            print(f"  {times[label]:7.2f} s  {times[label] / total:6.1%}  {label}")
    print(f"  {total:7.2f} s  100.0%  the whole build (in this process, after its imports)")


if __name__ == "__main__":
    main()
