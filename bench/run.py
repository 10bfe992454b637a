"""Benchmark: Briefing's builds of the shared corpus, hub-linked as real briefings are, as ratios to peers.

Rerun against the engine of this checkout — one command, about an hour on the 2-core machine with the peers
(start it when nothing else heavy runs; `uptime` should show a load under 1):

    . .venv/bin/activate && python bench/install_peers.py && \
        python bench/run.py --sizes 2200 4400 11000 --label "new engine"

bench/install_peers.py installs the peers once, as ../shared/bench/run_peers.sh's header says (venvs under
/tmp/bench-venvs, Eleventy under /tmp/bench-node, Jekyll and Chromium from apt; it does nothing when they
are there); a peer that is missing is left out of the tables and named in the report. For another engine,
e.g. the baseline in a pristine checkout (`git worktree add --detach /tmp/bench-pristine COMMIT`, then
`python3.11 -m venv /tmp/bench-pristine/.venv && /tmp/bench-pristine/.venv/bin/pip install -e /tmp/bench-pristine`):

    python bench/run.py --sizes 2200 4400 11000 --briefing /tmp/bench-pristine/.venv/bin/briefing \
        --label "baseline (engine before the rewrite)"

The report is printed and written into --out (bench/RESULTS.md) as a section titled by --label: a section
with the same label is replaced, the others (the baseline) are kept. Where the time goes: bench/profile_build.py.

Options: --runs R (timed runs after one warm-up; default 3); --peers-results DIR (run_peers.sh's RESULTS
folder from just before: only the peers missing from its summary.tsv are run; delete a row to measure that
peer again) or --no-peers; --events N / --no-events; --serve-size PAGES / --no-serve; --saves, --renames;
--cold-timeout S / --events-timeout S (a build still going is stopped and reported as "> S"); --peer-timeout S
(a peer's runs at one size stopped after S, default 3600: Jekyll is quadratic at 11,000 pages); --resume
(every measure is kept in $BRIEFING_BENCH/measures-LABEL.json as it is taken: an interrupted run of the same
--label goes on from there, and with every measure kept it only rewrites the report).

Sizes are counted in corpus pages, as in the engine issue: N posts + N/10 stakeholder pages (2,200 = 2,000
posts). For each size the corpus (../shared/bench/make_corpus.py, every peer's layout) is converted into a
hub-linked briefing by bench/corpus.py, and measured whole-process with ../shared/bench/timeit_cmd.py:

  cold    `briefing build --no-search` into a new output folder with an empty cache (XDG_CACHE_HOME), median
          of --runs after one warm-up (a build slower than SLOW_S is run once: its verdict is clear); the
          warm-up also leaves Python's compiled modules (__pycache__), as pip leaves the peers' at install;
          peak memory = the largest process (workers included)
  warm    the same build again with nothing changed (the output and cache of the last cold run)
and once:
  events  a briefing of --events events (100,000) hub-linked to 12 issues, 3 stakeholders, 3 sources;
          runs over twice the 60 s target are not repeated
  serve   at --serve-size pages (4,400), `briefing serve` in a subprocess and Chromium (bench/reload.py):
          one issue body saved → the open page shows it; a hub stakeholder renamed → the open page and
          every page of the output that showed the name updated

The peers run through ../shared/bench/run_peers.sh in the same run, right before ours: ratios are only ever
taken between figures of one run, from medians and (a second table) from the fastest runs.

What the runner needs from an engine: `briefing --version`; `briefing build --no-search --content DIR --out
DIR`, keeping its cache under $XDG_CACHE_HOME (a build that leaves files beside the content is warned about:
a cache there would make cold builds warm); `briefing serve --content content --out site --port 0` printing
its http://127.0.0.1:PORT/ address, writing the pages into --out, and reloading the open page (livereload.js
or another script). No timed asserts anywhere: this prints figures, it never fails on them.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
SHARED = Path(os.environ.get("SHARED_BENCH", PROJECT.parent / "shared" / "bench"))
sys.path.insert(0, str(PROJECT))

from bench.corpus import HUB_STAKEHOLDERS, convert, events_briefing  # noqa: E402

CORPUS = Path(os.environ.get("CORPUS", "/dev/shm/bench-corpus"))
WORK = Path(os.environ.get("BRIEFING_BENCH", "/dev/shm/briefing-bench"))
VENVS = Path(os.environ.get("VENVS", "/tmp/bench-venvs"))
NODE_DIR = Path(os.environ.get("NODE_DIR", "/tmp/bench-node"))
# In the order of the table; floor_mp, pelican and hugo carry the targets.
PEERS = ("floor_mp", "pelican", "hugo", "eleventy", "mkdocs_smallnav", "mkdocs", "jekyll", "floor_naive")
QUADRATIC_PEERS = ("mkdocs",)  # MkDocs' automatic nav is in every page: only at the smallest size
COLD = f"cold-{os.getpid()}"  # this run's build folders: only these are ever removed (another run may share WORK)
SLOW_S = 120.0  # a cold build slower than this is run once
TARGETS = {"floor_mp": 1.5, "pelican": 0.3, "hugo": 1.2}
GROWTH_TARGET, EVENTS_TARGET_S, EDIT_TARGET_MS, RENAME_TARGET_MS, PEAK_TARGET_MIB = 2.2, 60.0, 150, 1000, 200
TITLE = "# Benchmark results"
INTRO = (
    "Written by `bench/run.py` (its header says how to rerun it). Each section is one run: every ratio is "
    "between figures of the same run on the same machine. The corpus is ../shared/bench/make_corpus.py's, "
    "converted by bench/corpus.py into a hub-linked briefing (every issue's positions name two or three hub "
    "stakeholders, every body cites two hub sources and links a hub). Where the time goes: "
    "[PROFILE.md](PROFILE.md)."
)


@dataclass
class Timing:
    wall: list[float] = field(default_factory=list)
    peak: list[float] = field(default_factory=list)
    unfinished: float = 0.0  # > 0: the build did not finish in this many seconds (and was stopped)

    @property
    def seconds(self) -> float:
        """The median run, or for a build that was stopped the time it ran (a lower bound)."""
        return statistics.median(self.wall) if self.wall else self.unfinished

    @property
    def fastest(self) -> float:
        return min(self.wall) if self.wall else self.unfinished

    @property
    def mib(self) -> float:
        return statistics.median(self.peak) if self.peak else 0.0

    @property
    def over(self) -> str:
        """ "> " before a figure that is a lower bound (the build was stopped), else ""."""
        return "" if self.wall else "> "


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def timeit_once(command: list[str], cwd: Path, timeout: float) -> tuple[float, float]:
    """Wall seconds and peak MiB (largest process) of one run of a command, via timeit_cmd.py.
    Raises TimeoutError when it did not finish in `timeout` seconds, RuntimeError when it failed."""
    out = subprocess.run(
        [
            sys.executable,
            str(SHARED / "timeit_cmd.py"),
            "-n",
            "1",
            "--warmup",
            "0",
            "--timeout",
            f"{timeout}",
            "--",
            *command,
        ],
        capture_output=True,
        text=True,
        cwd=cwd,
    ).stdout
    rows = {" ".join(line.split()[1:3]): line.split() for line in out.splitlines() if line.startswith("A ")}
    if "no run" in rows or "timed out" in rows:
        raise TimeoutError(f"not finished in {timeout:.0f} s: {shlex.join(command)}")
    if "wall s" not in rows or rows.get("exit 0") is None:
        raise RuntimeError(f"command failed or timed out: {shlex.join(command)}\n{out}")
    return float(rows["wall s"][4]), float(rows["peak MiB"][4])


def measure(command: list[str], cwd: Path, runs: int, timeout: float = 1800.0) -> Timing:
    """One warm-up, then `runs` timed runs; a warm-up slower than SLOW_S is the only (timed) run, and one
    still going after `timeout` seconds is stopped (reported as a lower bound)."""
    timing = Timing()
    try:
        wall, peak = timeit_once(command, cwd, timeout)
    except TimeoutError:
        return Timing(unfinished=timeout)
    if wall > SLOW_S:
        timing.wall.append(wall)
        timing.peak.append(peak)
        return timing
    for _ in range(runs):
        wall, peak = timeit_once(command, cwd, timeout)
        timing.wall.append(wall)
        timing.peak.append(peak)
    return timing


def posts_for(pages: int) -> int:
    """The make_corpus.py --n whose corpus has `pages` pages (n posts + n // 10 stakeholder pages)."""
    for n in range(pages * 10 // 11 - 2, pages * 10 // 11 + 3):
        if n + n // 10 == pages:
            return n
    raise SystemExit(f"no corpus has exactly {pages} pages (N posts + N/10 stakeholders)")


def corpus(n: int) -> Path:
    raw = CORPUS / f"n{n}"
    if not all((raw / target).is_dir() for target in ("raw", "hugo", "pelican", "mkdocs", "eleventy", "jekyll")):
        subprocess.run(
            [sys.executable, str(SHARED / "make_corpus.py"), "--n", str(n), "--out", str(raw)],
            check=True,
            capture_output=True,
        )
    content = WORK / f"n{n}" / "content"
    convert(raw / "raw", content)  # always: bench/corpus.py may have changed since the last run
    return content


def cold_command(briefing: list[str], content: Path) -> list[str]:
    """A build into a new folder with an empty cache; the folder is kept (the last one seeds the warm build)."""
    script = (
        f'd=$(mktemp -d "{WORK}/{COLD}.XXXXXX"); XDG_CACHE_HOME="$d/cache" exec {shlex.join(briefing)} '
        f'build --no-search --content "{content}" --out "$d/site"'
    )
    return ["sh", "-c", script]


def cold_and_warm(briefing: list[str], content: Path, runs: int, timeout: float) -> tuple[Timing, Timing | None]:
    for leftover in WORK.glob(f"{COLD}.*"):
        shutil.rmtree(leftover, ignore_errors=True)
    before = sorted(p.name for p in content.parent.iterdir())
    try:
        cold = measure(cold_command(briefing, content), content.parent, runs, timeout)
        if not cold.wall:
            return cold, None
        if sorted(p.name for p in content.parent.iterdir()) != before:
            say(f"warning: the build left files beside {content}: a cache there would make 'cold' builds warm")
        last = max(WORK.glob(f"{COLD}.*"), key=lambda p: p.stat().st_mtime)
        script = (
            f'XDG_CACHE_HOME="{last}/cache" exec {shlex.join(briefing)} build --no-search '
            f'--content "{content}" --out "{last}/site"'
        )
        return cold, measure(["sh", "-c", script], content.parent, runs)
    finally:
        for leftover in WORK.glob(f"{COLD}.*"):
            shutil.rmtree(leftover, ignore_errors=True)


def events(briefing: list[str], count: int, runs: int, timeout: float) -> Timing:
    """Cold builds of the events briefing, no warm-up; a run over twice the target is not repeated, and a
    run still going after `timeout` seconds is stopped (reported as not finished)."""
    content = WORK / f"events{count}" / "content"
    events_briefing(content, count)
    command = cold_command(briefing, content)
    timing = Timing()
    try:
        for number in range(runs):
            try:
                wall, peak = timeit_once(command, content.parent, timeout=timeout)
            except TimeoutError:
                say(f"  events: run {number + 1} not finished in {timeout:.0f} s (stopped)")
                timing.unfinished = timeout
                break
            timing.wall.append(wall)
            timing.peak.append(peak)
            say(f"  events: run {number + 1}: {wall:.1f} s, {peak:.0f} MiB")
            if wall > 2 * EVENTS_TARGET_S:
                break
        return timing
    finally:
        for leftover in WORK.glob(f"{COLD}.*"):
            shutil.rmtree(leftover, ignore_errors=True)


class Store:
    """Every measure of a run, kept in WORK/measures-LABEL.json as soon as it is taken, so that a run that
    was interrupted can go on with --resume (the measures already taken are reused, not repeated)."""

    def __init__(self, label: str, resume: bool) -> None:
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        self.path = WORK / f"measures-{slug}.json"
        self.data: dict[str, Any] = json.loads(self.path.read_text("utf-8")) if resume and self.path.is_file() else {}

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def put(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.path.write_text(json.dumps(self.data, indent=1), "utf-8")


def timing_from(data: dict[str, Any] | None) -> Timing | None:
    return Timing(**data) if data else None


def installed_peers() -> tuple[list[str], list[str]]:
    present = {
        "hugo": any(VENVS.glob("hugo/lib/python3*/site-packages/hugo/binaries/hugo")),
        "pelican": (VENVS / "pelican/bin/pelican").is_file(),
        "mkdocs": (VENVS / "mkdocs/bin/mkdocs").is_file(),
        "mkdocs_smallnav": (VENVS / "mkdocs/bin/mkdocs").is_file(),
        "eleventy": (NODE_DIR / "node_modules/@11ty/eleventy/cmd.cjs").is_file(),
        "jekyll": shutil.which("jekyll") is not None,
        "floor_mp": (VENVS / "floor/bin/python").is_file(),
        "floor_naive": (VENVS / "floor/bin/python").is_file(),
    }
    return [p for p in PEERS if present[p]], [p for p in PEERS if not present[p]]


def run_peers(ns: list[int], runs: int, tools: list[str], results: Path | None, timeout: float) -> Path:
    """Run the peers into `results` (a new folder if None), skipping a (peer, N) the folder already holds."""
    results = results or Path(tempfile.mkdtemp(prefix="bench-results-"))
    done = set(read_peers(results)[0])
    for n in ns:
        chosen = [t for t in tools if (t not in QUADRATIC_PEERS or n == min(ns)) and (t, n) not in done]
        if not chosen:
            continue
        env = {
            **os.environ,
            "RESULTS": str(results),
            "TOOLS": " ".join(chosen),
            "RUNS": str(runs),
            "CORPUS": str(CORPUS),
            "TIMEOUT": f"{timeout:g}",
        }
        say(f"peers at N={n}: {' '.join(chosen)} (results in {results})")
        subprocess.run(["bash", str(SHARED / "run_peers.sh"), str(n)], env=env, check=False, stdout=sys.stderr)
    return results


def read_peers(results: Path) -> tuple[dict[tuple[str, int], tuple[float, float, float]], str]:
    """(peer, N) → (median s, peak MiB, fastest s) from run_peers.sh's summary.tsv; the last row of a pair wins."""
    table = {}
    summary = results / "summary.tsv"
    if summary.is_file():
        with open(summary, encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                if row["wall_median_s"] not in ("", "-") and row["exit"].startswith("0"):
                    table[(row["tool"], int(row["N"]))] = (
                        float(row["wall_median_s"]),
                        float(row["peak_MiB"] or 0),
                        float(row["wall_min_s"]),
                    )
    versions = (results / "versions.tsv").read_text("utf-8") if (results / "versions.tsv").is_file() else ""
    return table, versions


def engine_description(briefing: list[str]) -> str:
    version = subprocess.run([*briefing, "--version"], capture_output=True, text=True).stdout.strip()
    where = Path(shutil.which(briefing[0]) or briefing[0]).resolve().parent
    if briefing[1:3] == ["-m", "generator"]:
        where = PROJECT
    git = ["git", "-C", str(where)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    command = shlex.join(_shown(part) for part in briefing)
    if not commit:
        return f"{version} (`{command}`)"
    top = subprocess.run([*git, "rev-parse", "--show-toplevel"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "generator", "templates"], capture_output=True, text=True, cwd=top
    ).stdout.strip()
    state = ", with uncommitted changes to generator/ or templates/" if dirty else ""
    checkout = "this checkout" if Path(top).resolve() == PROJECT else top
    return f"{version}, {checkout} at {commit}{state} (`{command}`)"


def _shown(part: str) -> str:
    """A path inside this project as the report writes it: relative to the project (a report is read in other
    checkouts); anything else as it is."""
    path = Path(part)
    if path.is_absolute() and path.resolve().is_relative_to(PROJECT):
        return path.resolve().relative_to(PROJECT).as_posix()
    return part


def ratio(ours: float, theirs: tuple[float, float, float] | None, target: float | None = None) -> str:
    if theirs is None:
        return "—"
    value = ours / theirs[0]
    mark = "" if target is None else (" ✓" if value <= target else " ✗")
    return f"{value:.2f}×{mark}"


def verdict(met: bool) -> str:
    return "met" if met else "**not met**"


def replace_section(path: Path, label: str, section: str) -> None:
    """Write `section` (starting "## {label}") into `path`, replacing a section of the same label."""
    text = path.read_text("utf-8") if path.is_file() else ""
    if not text.startswith(TITLE):
        text = f"{TITLE}\n\n{INTRO}\n"
    parts = text.split("\n## ")
    head, sections = parts[0], ["## " + part for part in parts[1:]]
    sections = [s for s in sections if not s.startswith(f"## {label} — ")]
    sections.append(section)
    path.write_text(head.rstrip("\n") + "\n\n" + "\n\n".join(s.rstrip("\n") for s in sections) + "\n", "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2200, 4400, 11000], help="corpus pages")
    parser.add_argument("--briefing", help="command that runs the generator (default: this venv's `briefing`)")
    parser.add_argument("--label", default="this checkout", help="the title of this run's section in --out")
    parser.add_argument("--runs", type=int, default=3, help="timed runs after one warm-up (default 3)")
    parser.add_argument(
        "--peers-results",
        type=Path,
        help="run_peers.sh's RESULTS folder of a run just before on this machine: only the peers missing "
        "from its summary.tsv are run (delete a row to measure that peer again)",
    )
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--events", type=int, default=100_000, help="events in the events briefing")
    parser.add_argument("--no-events", action="store_true")
    parser.add_argument(
        "--events-timeout", type=float, default=900, help="stop an events build after this many seconds"
    )
    parser.add_argument("--peer-timeout", type=float, default=3600, help="stop a peer's runs after this many s")
    parser.add_argument("--cold-timeout", type=float, default=1800, help="stop a cold build after this many s")
    parser.add_argument("--resume", action="store_true", help="reuse the measures an interrupted run of --label took")
    parser.add_argument("--serve-size", type=int, default=4400, help="corpus pages for the serve measures")
    parser.add_argument("--no-serve", action="store_true")
    parser.add_argument("--saves", type=int, default=5, help="body edits in the serve measure")
    parser.add_argument("--renames", type=int, default=3, help="hub renames in the serve measure")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    # Python keeps modules it compiled in __pycache__ unless PYTHONDONTWRITEBYTECODE says not to, as it does on
    # the sandbox machines. The peers' packages were compiled when pip installed them; an engine run from its
    # checkout (an editable install) would compile all its modules again in every timed build (0.1-0.3 s).
    # With the variable unset, each measure's warm-up run writes that cache, as a first run does anywhere else.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

    from bench.reload import ServeResult, briefing_command
    from bench.reload import measure as serve_measure

    briefing = briefing_command(args.briefing)
    WORK.mkdir(parents=True, exist_ok=True)
    sizes = sorted(args.sizes)
    ns = {pages: posts_for(pages) for pages in sizes}
    engine = engine_description(briefing)
    say(f"engine: {engine}")
    for pages in sizes:
        corpus(ns[pages])

    tools, missing = installed_peers()
    if args.no_peers:
        peer_table, versions = {}, ""
    else:
        results = run_peers([ns[p] for p in sizes], args.runs, tools, args.peers_results, args.peer_timeout)
        peer_table, versions = read_peers(results)
    shown = [p for p in PEERS if any((p, ns[s]) in peer_table for s in sizes)]

    load_start = os.getloadavg()[0]
    ours: dict[int, tuple[Timing, Timing | None]] = {}
    store = Store(args.label, args.resume)
    for pages in sizes:
        cold_data, warm_data = store.get(f"cold {pages}"), store.get(f"warm {pages}")
        if cold_data:
            ours[pages] = (Timing(**cold_data), timing_from(warm_data))
            say(f"briefing at {pages} pages: reusing {store.path}")
            continue
        say(f"briefing at {pages} pages: cold and warm builds…")
        ours[pages] = cold_and_warm(briefing, WORK / f"n{ns[pages]}" / "content", args.runs, args.cold_timeout)
        cold, warm = ours[pages]
        store.put(f"cold {pages}", asdict(cold))
        store.put(f"warm {pages}", asdict(warm) if warm else None)
        say(
            f"  cold {cold.over}{cold.seconds:.2f} s (n={len(cold.wall)}), {cold.mib:.0f} MiB; "
            f"warm {warm and warm.seconds}"
        )
    event_timing = None
    if not args.no_events:
        say(f"briefing of {args.events:,} events…")
        event_timing = timing_from(store.get(f"events {args.events}"))
        if event_timing is None:
            event_timing = events(briefing, args.events, args.runs, args.events_timeout)
            store.put(f"events {args.events}", asdict(event_timing))
    serve = None
    if not args.no_serve:
        say(f"briefing serve at {args.serve_size} pages…")
        n = posts_for(args.serve_size)
        content = WORK / f"n{n}" / "content"
        if not content.is_dir():
            corpus(n)
        if store.get(f"serve {args.serve_size}"):
            serve = ServeResult(**store.get(f"serve {args.serve_size}"))
        else:
            serve = serve_measure(briefing, content, "page-00007", HUB_STAKEHOLDERS[0][0], args.saves, args.renames)
            store.put(f"serve {args.serve_size}", asdict(serve))

    load_end = os.getloadavg()[0]
    lines = [
        f"## {args.label} — {dt.date.today().isoformat()}",
        "",
        f"Engine: {engine}. Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores. "
        f"Whole-process wall time, median of {args.runs} runs after a warm-up (n=1 where a build took over "
        f"{SLOW_S:.0f} s); peak = the largest process. Command: `python bench/run.py "
        f"{' '.join(shlex.quote(a) for a in sys.argv[1:])}`. Load average (1 min) at the start of our builds "
        f"{load_start:.1f}, at the end {load_end:.1f}"
        + (": above 2 on this machine, other work competed for the cores." if max(load_start, load_end) > 2 else "."),
        "",
    ]
    if missing:
        lines += [f"Peers not installed (left out): {', '.join(missing)}.", ""]
    lines += [
        "Cold `briefing build --no-search`, and its ratio to each peer's cold build in this run "
        "(✓/✗: the target of the engine issue — floor ≤ 1.5×, Pelican ≤ 0.3×, Hugo ≤ 1.2× as a moonshot):",
        "",
        "| pages | cold s | runs | peak MiB | warm s |" + "".join(f" ÷ {p} |" for p in shown),
        "|" + " --- |" * (5 + len(shown)),
    ]
    for pages in sizes:
        cold, warm = ours[pages]
        cells = [
            (cold.over if (p, ns[pages]) in peer_table else "")
            + ratio(cold.seconds, peer_table.get((p, ns[pages])), TARGETS.get(p))
            for p in shown
        ]
        warm_cell = f"{warm.seconds:.2f}" if warm else "—"
        lines.append(
            f"| {pages:,} | {cold.over}{cold.seconds:.2f} | {len(cold.wall)} | {cold.over and '≥ '}{cold.mib:.0f} "
            f"| {warm_cell} |" + "".join(f" {cell} |" for cell in cells)
        )
    if shown:
        lines += [
            "",
            "The same ratios between the fastest runs (ours ÷ the peer's fastest; less sensitive to other load on "
            "the machine than the medians):",
            "",
            "| pages |" + "".join(f" ÷ {p} |" for p in shown),
            "|" + " --- |" * (1 + len(shown)),
        ]
        for pages in sizes:
            fastest = ours[pages][0].fastest
            cells = []
            for p in shown:
                theirs = peer_table.get((p, ns[pages]))
                cells.append(f"{ours[pages][0].over}{fastest / theirs[2]:.2f}×" if theirs else "—")
            lines.append(f"| {pages:,} |" + "".join(f" {cell} |" for cell in cells))
    checks: list[tuple[str, str, str, bool]] = []
    doubled = [(small, 2 * small) for small in sizes if 2 * small in ours]
    for small, large in doubled[:1]:
        growth = ours[large][0].seconds / ours[small][0].seconds
        bound = ours[large][0].over
        peers_growth = [
            f"{p} {peer_table[(p, ns[large])][0] / peer_table[(p, ns[small])][0]:.2f}×"
            for p in shown
            if (p, ns[large]) in peer_table and (p, ns[small]) in peer_table
        ]
        span = f"{small:,} → {large:,} pages"
        lines += ["", f"Growth {span}: {bound}{growth:.2f}× (peers: {', '.join(peers_growth) or '—'})."]
        met = growth <= GROWTH_TARGET and not bound
        checks.append((f"growth {span}", f"≤ {GROWTH_TARGET}×", f"{bound}{growth:.2f}×", met))
    for pages in sizes:
        for peer, target in TARGETS.items():
            theirs = peer_table.get((peer, ns[pages]))
            if theirs is not None:
                cold = ours[pages][0]
                value = cold.seconds / theirs[0]
                name = f"cold ÷ {peer} at {pages:,} pages" + (" (moonshot)" if peer == "hugo" else "")
                checks.append((name, f"≤ {target}×", f"{cold.over}{value:.2f}×", value <= target and not cold.over))
    if event_timing is not None and not event_timing.wall:
        lines += [
            "",
            f"{args.events:,}-event briefing: the cold build did not finish in {event_timing.unfinished:.0f} s.",
        ]
        checks.append(
            (f"{args.events:,} events", f"< {EVENTS_TARGET_S:.0f} s", f"> {event_timing.unfinished:.0f} s", False)
        )
    elif event_timing is not None:
        lines += [
            "",
            f"{args.events:,}-event briefing (12 issues, 3 stakeholders, 3 sources, every event linked to them), "
            f"cold build: {event_timing.seconds:.1f} s (n={len(event_timing.wall)}), peak {event_timing.mib:.0f} MiB.",
        ]
        checks.append(
            (
                f"{args.events:,} events",
                f"< {EVENTS_TARGET_S:.0f} s",
                f"{event_timing.seconds:.1f} s",
                event_timing.seconds < EVENTS_TARGET_S,
            )
        )
    if serve is not None:
        lines += ["", f"`briefing serve` at {args.serve_size:,} pages (bench/reload.py, Chromium):", ""]
        lines += [f"- {line}" for line in serve.summary().splitlines()]
        if serve.edits:
            edit = statistics.median(serve.edits) * 1000
            checks.append(
                (
                    "serve: body saved → open page shows it",
                    f"< {EDIT_TARGET_MS} ms",
                    f"{edit:.0f} ms",
                    edit < EDIT_TARGET_MS,
                )
            )
        if serve.rename_all:
            rename = statistics.median(serve.rename_all) * 1000
            checks.append(
                (
                    f"serve: hub renamed → all {serve.pages:,} pages showing it updated",
                    f"< {RENAME_TARGET_MS} ms",
                    f"{rename:.0f} ms",
                    rename < RENAME_TARGET_MS,
                )
            )
    if max(sizes) >= 11000 and ours[max(sizes)][0].peak:
        largest = ours[max(sizes)][0]
        peak, at_least = largest.mib, "≥ " if largest.over else ""  # a stopped build's peak so far
        checks.append(
            (
                f"peak memory at {max(sizes):,} pages",
                f"≤ {PEAK_TARGET_MIB} MiB",
                f"{at_least}{peak:.0f} MiB",
                peak <= PEAK_TARGET_MIB and not at_least,
            )
        )
    lines += ["", "Targets:", "", "| measure | target | this run | |", "| --- | --- | --- | --- |"]
    lines += [f"| {name} | {target} | {value} | {verdict(met)} |" for name, target, value, met in checks]
    if peer_table:
        lines += [
            "",
            "Peers' cold builds in this run (median s, peak MiB):",
            "",
            "| peer | " + " | ".join(f"{p:,} pages" for p in sizes) + " |",
            "|" + " --- |" * (len(sizes) + 1),
        ]
        for p in shown:
            cells = [
                f"{peer_table[(p, ns[s])][0]:.2f} s, {peer_table[(p, ns[s])][1]:.0f}"
                if (p, ns[s]) in peer_table
                else "—"
                for s in sizes
            ]
            lines.append(f"| {p} | " + " | ".join(cells) + " |")
        lines.append("")
        lines.append("(mkdocs with its automatic nav, quadratic in pages, is built at the smallest size only.)")
    raw = [
        f"cold {p:,}: {', '.join(f'{w:.2f}' for w in ours[p][0].wall)} s"
        if ours[p][0].wall
        else f"cold {p:,}: stopped after {ours[p][0].unfinished:.0f} s"
        for p in sizes
    ]
    raw += [f"warm {p:,}: {', '.join(f'{w:.2f}' for w in warm.wall)} s" for p in sizes if (warm := ours[p][1])]
    if event_timing is not None:
        finished = ", ".join(f"{w:.1f}" for w in event_timing.wall) or "none finished"
        raw.append(
            f"events: {finished} s"
            + (f" (one stopped at {event_timing.unfinished:.0f})" if event_timing.unfinished else "")
        )
    if serve is not None:
        for name, values in (("edit", serve.edits), ("rename, open page", serve.rename_page)):
            raw.append(f"serve {name}: {', '.join(f'{v * 1000:.0f}' for v in values)} ms")
        raw.append(f"serve rename, all pages: {', '.join(f'{v * 1000:.0f}' for v in serve.rename_all)} ms")
    lines += ["", "Every timed run of ours: " + "; ".join(raw) + "."]
    if versions:
        lines += ["", "Peer versions:", "", "```", versions.strip(), "```"]
    section = "\n".join(lines) + "\n"
    print(section)
    replace_section(args.out, args.label, section)
    say(f"written to {args.out}")


if __name__ == "__main__":
    main()
