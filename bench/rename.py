"""A hub renamed, in the preview's build process alone: the time of each `Engine.build` after the rename.

    python bench/rename.py [--checkout DIR] [--content DIR] [--renames 6] [--hub us-government]

It copies the content (default: the 4,400-page hub-linked briefing that bench/run.py converts, under
$BRIEFING_BENCH) to a folder in /dev/shm, builds it once with a preview engine of the checkout's `generator`
(default: this one), then renames the hub stakeholder again and again, each time building only that file
as `briefing serve` does: the collector collected before and off during the build, and the engine left idle
for a moment after it (`Engine.settle`, where the checkout has it), as in builder.py. It
prints each build's wall and CPU milliseconds and the engine's stage timings; the first rename is a warm-up.
For an A/B of two checkouts, run it for each in turn, several rounds, on an otherwise idle machine: this
machine's speed can move by tens of percent within minutes. No browser, no server: bench/reload.py times
what the editor sees end to end.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.append(str(HERE.parent))  # (after the checkout, which main puts first)

from bench.reload import NAME_LINE  # noqa: E402

IDLE_S = 0.15  # after each build: longer than the build process waits before it settles (write.SETTLE_AFTER_S)
DEFAULT_CONTENT = Path(os.environ.get("BRIEFING_BENCH", "/dev/shm/briefing-bench")) / "n4000" / "content"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkout", type=Path, default=HERE.parent, help="the project whose generator runs")
    parser.add_argument("--content", type=Path, default=DEFAULT_CONTENT, help="a hub-linked briefing's content")
    parser.add_argument("--renames", type=int, default=6)
    parser.add_argument("--hub", default="us-government", help="the stakeholder renamed")
    args = parser.parse_args()
    if not (args.content / "briefing.yaml").is_file():
        raise SystemExit(f"{args.content}: no briefing here (bench/run.py converts one; or pass --content)")
    sys.path.insert(0, str(args.checkout.resolve()))
    from generator.build import BuildOptions, Engine, Mode

    work = Path(tempfile.mkdtemp(prefix="rename-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    try:
        shutil.copytree(args.content, work / "content")
        options = BuildOptions(
            content=work / "content",
            out=work / "site",
            mode=Mode.PREVIEW,
            search=False,
            ready=lambda written, later: None,  # as under `serve`: a browser has the home page open
            open_pages=lambda: {"index.html"},
        )
        engine = Engine(options)
        settle = getattr(engine, "settle", None)  # (an older engine has none: its next build does that work)

        def idle() -> None:
            time.sleep(IDLE_S)
            if settle is not None:
                settle(lambda: True)

        started = time.perf_counter()
        engine.build()
        print(f"first build: {time.perf_counter() - started:.1f} s", flush=True)
        idle()
        hub = work / "content" / "stakeholders" / f"{args.hub}.md"
        text = hub.read_text("utf-8")
        found = NAME_LINE.search(text)
        assert found is not None, f"{hub}: no `name:` line"
        name = found.group(0).partition(":")[2].strip().strip('"')
        for number in range(args.renames):  # (a longer name that sorts where the old one did)
            hub.write_text(NAME_LINE.sub(f'name: "{name} R{number}"', text, count=1), "utf-8")
            gc.collect()
            gc.disable()
            wall, cpu = time.perf_counter(), time.process_time()
            result = engine.build([hub])
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            gc.enable()
            stages = " ".join(f"{stage} {seconds * 1000:.0f}" for stage, seconds in result.timings.items())
            done = f"{wall * 1000:.0f} ms, CPU {cpu * 1000:.0f} ms"
            print(f"rename {number}: {done} ({result.written} written; {stages})", flush=True)
            idle()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
