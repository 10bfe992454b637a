"""The `briefing` command's entry point: Ctrl+C pressed while the program is still loading (its imports take
a few tenths of a second) ends it as Ctrl+C does later, with "interrupted" and no traceback."""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130  # as cli.py's; cli.py cannot be imported to read it before it has loaded


def main() -> int:
    try:
        from generator.cli import main as run
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return run()
