"""Edit-to-reload time of `briefing serve`, as an editor sees it: save a file, wait until the open page in
Chromium shows the new text. Prints the median of several saves.

    python bench/reload.py CONTENT_DIR ISSUE_ID [--saves 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser import chromium
from tests.test_serve import Server, open_and_wait_for_socket


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("content", type=Path)
    parser.add_argument("issue")
    parser.add_argument("--saves", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reload-"))
    try:
        shutil.copytree(args.content, work / "content")
        server = Server(work)
        server.wait_for(r"^built |Serving", timeout=600)
        path = work / "content" / "issues" / f"{args.issue}.md"
        times = []
        with chromium() as browser:
            page = browser.new_page()
            open_and_wait_for_socket(page, f"{server.url}issues/{args.issue}/index.html")
            for number in range(args.saves):
                marker = f"Reload marker {number} {time.time_ns()}"
                started = time.perf_counter()
                path.write_text(path.read_text("utf-8") + f"\n{marker}\n", "utf-8")
                page.wait_for_function(f"() => document.body.innerText.includes({marker!r})", timeout=120_000)
                times.append(time.perf_counter() - started)
                time.sleep(0.5)
        server.stop()
        print(
            f"edit-to-reload over {args.saves} saves: median {statistics.median(times) * 1000:.0f} ms "
            f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
