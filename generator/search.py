"""Search: a Pagefind index of the built pages, made in the staging folder before it is swapped in."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from generator.diagnostics import os_hint, os_message

INDEX_FOLDER = "pagefind"  # in the site
SKIP = "`--no-search` skips indexing"
ENTRY = "pagefind-entry.json"  # in INDEX_FOLDER: the index's languages
INSTALL = f"install it with `pip install 'pagefind[extended]'`; {SKIP}"


class SearchProblem(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def index_site(site: Path) -> None:
    """Run Pagefind over `site`, writing `site/pagefind/` (INDEX_FOLDER)."""
    binary = _pagefind_binary()
    command = [str(binary), "--site", str(site), "--output-subdir", INDEX_FOLDER, "--silent"]
    command += ["--exclude-selectors", "sup.cite"]  # citation markers stay out of excerpts (and every page's bytes)
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    except FileNotFoundError:  # (PAGEFIND_BINARY_PATH naming nothing)
        raise SearchProblem(f"search indexing failed: Pagefind is not at {binary}", INSTALL) from None
    except OSError as error:  # the machine's fault (too many open files): said as for any file
        raise SearchProblem(f"search indexing failed: {os_message(error)}", os_hint(error) or SKIP) from None
    except subprocess.TimeoutExpired:
        raise SearchProblem("search indexing failed: Pagefind took more than 10 minutes", SKIP) from None
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        said = detail[-1] if detail else f"exit {completed.returncode}"
        raise SearchProblem(f"search indexing failed: {said}", SKIP)
    settle_entry(site / INDEX_FOLDER / ENTRY)


def _pagefind_binary() -> Path:
    """The binary `python -m pagefind` would run (`PAGEFIND_BINARY_PATH`, else the one of the `pagefind[extended]`
    package, …), found by the package itself; run directly, without a second Python starting only to find it."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        binary = None
    else:
        binary = get_executable()
    if binary is None:
        raise SearchProblem("search indexing failed: Pagefind is not installed", INSTALL)
    return binary


def settle_entry(entry: Path) -> None:
    """Pagefind lists a bilingual site's languages in its entry file in no set order (one run `en` first, the
    next `zh-hans`): sorted here, so that the same content always gives the same bytes. The rest is written
    as Pagefind writes it (compact, characters as they are); a file not as expected is left alone."""
    try:
        data = json.loads(entry.read_text("utf-8"))
        data["languages"] = dict(sorted(data["languages"].items()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return
    entry.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
