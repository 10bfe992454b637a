"""Benchmark: our builds of the shared corpus, timed side by side with the peers, as ratios.

    python bench/run.py [--sizes 1000 4000 10000] [--peers-results DIR | --no-peers] [--out bench/RESULTS.md]

For every size N it makes the corpus with ../shared/bench/make_corpus.py (N posts + N/10 stakeholder pages),
turns it into a briefing (bench/corpus.py) and measures, whole process, median of 3 after a warm-up, with
../shared/bench/timeit_cmd.py:
  cold   a new output folder and an empty cache for every run (search indexing off: reported apart)
  warm   the same build again with nothing changed (output and cache from the previous build)
and, in one process, as `briefing serve` does it:
  edit   one issue file edited, rebuilt and written (median of 5 edits), builds run from a worker thread
Peers are built by ../shared/bench/run_peers.sh in the same run (unless --peers-results points at the
results of a run made just before on the same machine). Prints one table and writes it to --out.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
SHARED = PROJECT.parent / "shared" / "bench"
sys.path.insert(0, str(PROJECT))

from bench.corpus import convert  # noqa: E402
from generator import __version__  # noqa: E402

CORPUS = Path(os.environ.get("CORPUS", "/dev/shm/bench-corpus"))
WORK = Path(os.environ.get("BRIEFING_BENCH", "/dev/shm/briefing-bench"))
PEERS = ("hugo", "eleventy", "mkdocs_smallnav", "pelican", "jekyll", "floor_naive", "floor_mp")


def timeit(command: list[str], runs: int = 3, warmup: int = 1) -> tuple[float, float]:
    """Median wall seconds and median peak MiB (largest process) of a command, via timeit_cmd.py."""
    out = subprocess.run(
        [sys.executable, str(SHARED / "timeit_cmd.py"), "-n", str(runs), "--warmup", str(warmup), "--", *command],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = {" ".join(line.split()[1:3]): line.split() for line in out.splitlines() if line.startswith("A ")}
    if not rows.get("exit 0", [""])[0]:
        raise SystemExit(f"command failed: {' '.join(command)}\n{out}")
    return float(rows["wall s"][4]), float(rows["peak MiB"][4])


def corpus(n: int) -> Path:
    content = WORK / f"n{n}" / "content"
    raw = CORPUS / f"n{n}" / "raw"
    if not raw.is_dir():
        subprocess.run(
            [
                sys.executable,
                str(SHARED / "make_corpus.py"),
                "--n",
                str(n),
                "--out",
                str(CORPUS / f"n{n}"),
                "--target",
                "raw",
            ],
            check=True,
            capture_output=True,
        )
    if not content.is_dir():
        convert(raw, content)
    return content


def cold(content: Path) -> tuple[float, float]:
    script = (
        f'd=$(mktemp -d "{WORK}/cold.XXXXXX"); XDG_CACHE_HOME="$d/cache" exec "{sys.executable}" -m generator '
        f'build --no-search --content "{content}" --out "$d/site"'
    )
    try:
        return timeit(["sh", "-c", script])
    finally:
        for leftover in WORK.glob("cold.*"):
            shutil.rmtree(leftover, ignore_errors=True)


def warm(content: Path) -> float:
    out, cache = content.parent / "warm-site", content.parent / "warm-cache"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    command = [sys.executable, "-m", "generator", "build", "--no-search", "--content", str(content), "--out", str(out)]
    subprocess.run(command, env=env, check=True, capture_output=True, cwd=PROJECT)
    script = f'XDG_CACHE_HOME="{cache}" exec ' + " ".join(f'"{c}"' for c in command)
    return timeit(["sh", "-c", script])[0]


def one_edit(content: Path, edits: int = 5) -> float:
    """The serve path: a long-lived process rebuilds after one file is saved (builds in a worker thread)."""
    from generator import load
    from generator.build import BuildOptions, build

    load.REMEMBER_FILES["on"] = True  # as the preview server does
    work = Path(tempfile.mkdtemp(dir=WORK))
    try:
        copy = work / "content"
        shutil.copytree(content, copy)
        options = BuildOptions(content=copy, out=work / "site", search=False, in_place=True)
        with ThreadPoolExecutor(max_workers=1) as thread:
            thread.submit(build, options).result()
            times = []
            for edit in range(edits):
                target = sorted((copy / "issues").glob("*.md"))[edit * 7]
                target.write_text(target.read_text("utf-8") + f"\nEdited paragraph {edit}.\n", "utf-8")
                started = time.perf_counter()
                thread.submit(build, options).result()
                times.append(time.perf_counter() - started)
        return statistics.median(times)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def search_seconds(content: Path) -> float:
    site = content.parent / "warm-site"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(site), "--output-subdir", "pagefind-bench", "--silent"],
        check=True,
        capture_output=True,
    )
    elapsed = time.perf_counter() - started
    shutil.rmtree(site / "pagefind-bench", ignore_errors=True)
    return elapsed


def page_weights() -> list[tuple[str, int]]:
    """HTML + CSS + JS bytes of one page of each kind of the bundled briefing (uncompressed)."""
    out = Path(tempfile.mkdtemp(dir=WORK)) / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "build",
            "--no-search",
            "--no-cache",
            "--content",
            str(PROJECT / "content"),
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        cwd=PROJECT,
    )
    css = (out / "assets" / "style.css").stat().st_size
    pages = {
        "home": "index.html",
        "issue": "issues/researcher-safety/index.html",
        "stakeholder": "stakeholders/denis-simon/index.html",
        "timeline": "timeline/index.html",
        "positions": "positions/index.html",
        "sources": "sources/index.html",
        "search": "search/index.html",
        "print": "print/index.html",
    }
    scripts = {"timeline": "timeline.js", "search": "search.js"}
    weights = []
    for kind, path in pages.items():
        js = (out / "assets" / scripts[kind]).stat().st_size if kind in scripts else 0
        weights.append((kind, (out / path).stat().st_size + css + js))
    shutil.rmtree(out.parent, ignore_errors=True)
    return weights


def peers(sizes: list[int], results: Path | None) -> tuple[dict[tuple[str, int], tuple[float, float]], str]:
    if results is None:
        results = Path(tempfile.mkdtemp(prefix="bench-results-"))
        # The slow peers only up to 4,400 pages (as in the table); Hugo, Eleventy and the floors at all sizes.
        small, large = [n for n in sizes if n <= 4000], [n for n in sizes if n > 4000]
        for group, tools in ((small, PEERS), (large, ("hugo", "eleventy", "floor_naive", "floor_mp"))):
            if group:
                env = {**os.environ, "RESULTS": str(results), "TOOLS": " ".join(tools)}
                subprocess.run(["bash", str(SHARED / "run_peers.sh"), *map(str, group)], env=env, check=False)
    table = {}
    with open(results / "summary.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["wall_median_s"] not in ("", "-"):
                table[(row["tool"], int(row["N"]))] = (float(row["wall_median_s"]), float(row["peak_MiB"] or 0))
    versions = (results / "versions.tsv").read_text("utf-8") if (results / "versions.tsv").is_file() else ""
    return table, versions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 10000])
    parser.add_argument(
        "--peers-results", type=Path, help="read the peers' summary.tsv from here instead of running them"
    )
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    os.chdir(PROJECT)

    peer_table, versions = ({}, "") if args.no_peers else peers(args.sizes, args.peers_results)
    lines = [
        f"# Benchmark results — {dt.date.today().isoformat()}",
        "",
        f"Briefing {__version__}, Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} cores. Medians of 3 after a warm-up; whole-process wall time; peak = largest process.",
        "",
    ]
    if versions:
        lines += ["Peers:", "", "```", versions.strip(), "```", ""]
    header = (
        "| N (pages) | cold s | peak MiB | warm s | one edit ms | search s | "
        + " | ".join(f"÷ {p}" for p in PEERS if any((p, n) in peer_table for n in args.sizes))
        + " |"
    )
    shown_peers = [p for p in PEERS if any((p, n) in peer_table for n in args.sizes)]
    lines += [header, "|" + " --- |" * (6 + len(shown_peers))]
    for n in args.sizes:
        content = corpus(n)
        print(f"N={n}: cold…", file=sys.stderr, flush=True)
        cold_s, peak = cold(content)
        print(f"N={n}: warm…", file=sys.stderr, flush=True)
        warm_s = warm(content)
        print(f"N={n}: one edit…", file=sys.stderr, flush=True)
        edit_s = one_edit(content)
        search_s = search_seconds(content)
        ratios = [f"{cold_s / peer_table[(p, n)][0]:.2f}×" if (p, n) in peer_table else "—" for p in shown_peers]
        lines.append(
            f"| {n} ({n + n // 10}) | {cold_s:.2f} | {peak:.0f} | {warm_s:.2f} ({warm_s / cold_s:.2f}×) | "
            f"{edit_s * 1000:.0f} | {search_s:.2f} | " + " | ".join(ratios) + " |"
        )
        print(lines[-1], file=sys.stderr, flush=True)
    if peer_table:
        lines += [
            "",
            "Peers' cold builds (s, peak MiB):",
            "",
            "| peer | " + " | ".join(str(n) for n in args.sizes) + " |",
            "|" + " --- |" * (len(args.sizes) + 1),
        ]
        for p in shown_peers:
            cells = [
                f"{peer_table[(p, n)][0]:.2f} s, {peer_table[(p, n)][1]:.0f}" if (p, n) in peer_table else "—"
                for n in args.sizes
            ]
            lines.append(f"| {p} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Page weight of the bundled briefing (HTML + CSS + JS, uncompressed):",
        "",
        "| page | bytes |",
        "| --- | --- |",
    ]
    lines += [f"| {kind} | {size:,} |" for kind, size in page_weights()]
    lines += ["", "Where the time goes, and what the figures mean against the targets: [PROFILE.md](PROFILE.md)."]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text, "utf-8")


if __name__ == "__main__":
    main()
