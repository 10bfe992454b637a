"""Where a cold build's time goes: per-stage timings and a profile of one cold `briefing build --no-search`.

    python bench/profile_build.py [--pages 4400] [--python PYTHON] [--top 25] [--profiler cprofile|pyinstrument]

It converts the shared corpus as bench/run.py does (the same hub-linked briefing), then runs one cold build
with --verbose (its per-stage timings are printed) under the profiler, pinned to one core (`taskset -c 0`) so
that the work the workers would do is done, and profiled, in the one process:
  cprofile      deterministic (its overhead inflates functions called millions of times): the functions with
                the most own time, and the pipeline's stages by cumulative time;
  pyinstrument  sampling (`pip install pyinstrument` into PYTHON's venv): its call tree;
  stages        no profiler: each stage's CPU time, from timers around the pipeline's functions
                (bench/stage_times.py). The profilers' cost per call inflates Markdown about threefold.
Shares are shares of that single-core run.
PYTHON is the interpreter whose `generator` package is profiled (default: this one); e.g.
/tmp/bench-pristine/.venv/bin/python for a pristine checkout. Nothing is timed against a target here.
"""

from __future__ import annotations

import argparse
import io
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.run import WORK, corpus, posts_for  # noqa: E402

STAGES = ("load", "resolve", "render", "write", "build", "views", "markdown", "pictures", "exports", "search")


def cold_build(python: str, content: Path, out: Path, prefix: list[str], extra: list[str]) -> str:
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "XDG_CACHE_HOME": str(out / "cache")}
    command = [*prefix, python, *extra, "-m", "generator", "build", "--no-search", "--verbose"]
    command += ["--content", str(content), "--out", str(out / "site")]
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=out)
    if done.returncode != 0:
        raise SystemExit(f"build failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def print_cprofile(args: argparse.Namespace, content: Path, work: Path) -> None:
    stats_file = work / "build.prof"
    flags = ["-m", "cProfile", "-o", str(stats_file)]
    print(cold_build(args.python, content, work / "profiled", ["taskset", "-c", "0"], flags).strip(), "\n")
    stats = pstats.Stats(str(stats_file), stream=(text := io.StringIO()))
    total = max(stats.total_tt, 1e-9)
    stats.sort_stats("tottime").print_stats(args.top)
    print(f"Own time, top {args.top} (of {total:.1f} s profiled CPU):\n")
    print(text.getvalue().split("\n\n", 2)[-1].strip(), "\n")
    print("Cumulative time of the pipeline's functions in generator/ (share of the profiled total):\n")
    rows = []
    for (filename, line, name), (_, _, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        if "/generator/" in filename and (name.lstrip("_") in STAGES or name.startswith(("_build", "build"))):
            rows.append((cumulative, f"{Path(filename).name}:{line} {name}"))
    for cumulative, where in sorted(rows, reverse=True)[:20]:
        print(f"  {cumulative:8.2f} s  {cumulative / total:6.1%}  {where}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=4400)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--profiler", choices=("cprofile", "pyinstrument", "stages"), default="cprofile")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    content = corpus(posts_for(args.pages))
    work = Path(tempfile.mkdtemp(dir=WORK, prefix="profile-"))
    try:
        print(f"## {args.profiler} of one cold build at {args.pages:,} pages, one core (taskset -c 0)\n")
        if args.profiler == "stages":
            script = [str(HERE / "stage_times.py"), str(content), str(work / "site")]
            env = {**os.environ, "XDG_CACHE_HOME": str(work / "cache")}
            done = subprocess.run(["taskset", "-c", "0", args.python, *script], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"build failed ({done.returncode}):\n{done.stderr[-3000:]}")
            print(done.stdout.rstrip())
        elif args.profiler == "pyinstrument":
            tree = work / "tree.txt"
            flags = ["-m", "pyinstrument", "-r", "text", "-o", str(tree)]
            print(cold_build(args.python, content, work / "profiled", ["taskset", "-c", "0"], flags).strip(), "\n")
            print("\n".join(tree.read_text("utf-8").splitlines()[: args.top * 4]))
        else:
            print_cprofile(args, content, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
