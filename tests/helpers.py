"""Small helpers shared by the tests."""

from __future__ import annotations

import builtins
import copy
import errno
import functools
import hashlib
import http.server
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import jinja2
import pytest
from playwright.sync_api import Browser, sync_playwright

from generator.cli import main
from generator.linkcheck import LinkChecker
from generator.spool import Spooled, text_of
from generator.write import MARKER

TESTS = Path(__file__).parent
MINI = TESTS / "fixtures" / "mini"
BUNDLED = TESTS.parent / "content"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`briefing ARGS` in this process: exit status, standard output, standard error."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def build_errors(capsys: pytest.CaptureFixture[str], content: Path) -> list[str]:
    """The error lines of a build that must fail (exit 1, nothing written, no traceback)."""
    out = content.parent / "site"
    code, _, err = run(capsys, "build", "--content", str(content), "--out", str(out))
    assert code == 1
    assert not out.exists()
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("build failed: ")
    return lines[:-1]


def read_site(site: Path) -> dict[str, bytes]:
    """Every file of a built site but the build's own manifest (which records each file's inode and time)."""
    files = {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}
    files.pop(MARKER, None)
    return files


def broken_links(site: Path) -> list[tuple[str, str, str]]:
    checker = LinkChecker()
    for path, data in read_site(site).items():
        checker.add(path, data)
    return checker.problems()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")


# --- A large generated briefing, for tests that need the build's worker processes --------------------------

WORDS = (
    "harbour", "bridge", "council", "tender", "repair", "inspection", "Zürich", "naïve", "北京", "levy",
    "ferry", "toll", "quay", "budget", "vote", "crack", "cable", "pier", "motion", "audit",
)  # fmt: skip


def _yaml(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


@dataclass
class GenStakeholder:
    name: str
    role: str
    body: str


@dataclass
class GenIssue:
    title: str
    summary: str
    body: str
    positions: list[str]  # stakeholder ids
    links: list[str]  # stakeholder ids linked from the body
    related: list[str]  # issue ids


@dataclass
class GenEvent:
    date: str
    title: str
    summary: str
    issues: list[str]
    stakeholders: list[str]


EVENTS_PER_FILE = 10


@dataclass
class LargeBriefing:
    """The mini fixture plus hundreds of generated stakeholders, issues and events, kept as a model so a test
    can edit, add, delete and rename entities and write back only the files that changed. Every generated
    page names the hub stakeholder, so renaming it changes hundreds of pages. References to a deleted entity
    are dropped when the files are written, so the content stays valid whatever is deleted."""

    hub_name: str = "Harbour Board"
    stakeholders: dict[str, GenStakeholder] = field(default_factory=dict)
    issues: dict[str, GenIssue] = field(default_factory=dict)
    events: dict[str, GenEvent] = field(default_factory=dict)
    counter: int = 0
    written: set[str] = field(default_factory=set)  # generated files on disk, relative to the content folder

    HUB = "hub-board"
    BASE_ISSUE = "safety"  # a fixture issue, never deleted: every event keeps at least one issue

    @classmethod
    def generate(cls, stakeholders: int = 200, issues: int = 120, events: int = 150) -> LargeBriefing:
        model = cls()
        for n in range(stakeholders):
            model.stakeholders[f"p-{n:03d}"] = GenStakeholder(
                f"Person {n}", f"Member of panel {n % 7}", f"Person {n} sits on panel {n % 7}."
            )
        people = list(model.stakeholders)
        for n in range(issues):
            model.issues[f"i-{n:03d}"] = GenIssue(
                f"Question {n}",
                f"Whether point {n} holds.",
                f"Point {n} is disputed.",
                positions=[people[n % len(people)]],
                links=[people[(n * 7 + 1) % len(people)], people[(n * 13 + 2) % len(people)]],
                related=[f"i-{(n + 1) % issues:03d}"] if issues > 1 else [],
            )
        topics = list(model.issues)
        for n in range(events):
            model.events[f"e-{n:03d}"] = GenEvent(
                f"{2000 + n % 25}-{1 + n % 12:02d}-{1 + n % 28:02d}",
                f"Event {n}",
                f"Something happened ({n}).",
                issues=[topics[n % len(topics)]],
                stakeholders=[people[(n * 3) % len(people)]],
            )
        return model

    def new_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-new-{self.counter}"

    def ids(self, kind: str) -> list[str]:
        """The generated ids of one kind: stakeholder, issue or event."""
        return list({"stakeholder": self.stakeholders, "issue": self.issues, "event": self.events}[kind])

    def set_text(self, kind: str, entity_id: str, what: str, text: str) -> None:
        """Change an entity's title (a stakeholder's name) or a sentence of its body (an event's summary)."""
        if kind == "stakeholder":
            person = self.stakeholders[entity_id]
            if what == "title":
                person.name = text
            else:
                person.body = text
        elif kind == "issue":
            issue = self.issues[entity_id]
            if what == "title":
                issue.title = text
            else:
                issue.body = text
        else:
            event = self.events[entity_id]
            if what == "title":
                event.title = text
            else:
                event.summary = text

    def add_like(self, kind: str, entity_id: str) -> str:
        """A new entity, a copy of an existing one under a new id (a new stakeholder is linked from an issue)."""
        new = self.new_id(entity_id.split("-")[0])
        if kind == "stakeholder":
            self.stakeholders[new] = copy.deepcopy(self.stakeholders[entity_id])
            next(iter(self.issues.values())).links.append(new)
        elif kind == "issue":
            self.issues[new] = copy.deepcopy(self.issues[entity_id])
        else:
            self.events[new] = copy.deepcopy(self.events[entity_id])
        return new

    def delete(self, entity_id: str) -> None:
        self.stakeholders.pop(entity_id, None)
        self.issues.pop(entity_id, None)
        self.events.pop(entity_id, None)

    def rename(self, old: str, new: str) -> None:
        """Give an entity a new id, in its own file name and in every reference to it."""
        for table in (self.stakeholders, self.issues, self.events):
            if old in table:
                items = list(table.items())
                table.clear()
                table.update((new if key == old else key, value) for key, value in items)

        def swap(ids: list[str]) -> list[str]:
            return [new if i == old else i for i in ids]

        for issue in self.issues.values():
            issue.positions, issue.links, issue.related = swap(issue.positions), swap(issue.links), swap(issue.related)
        for event in self.events.values():
            event.issues, event.stakeholders = swap(event.issues), swap(event.stakeholders)

    def files(self) -> dict[str, str]:
        """Every generated file's text, by path relative to the content folder."""
        people = set(self.stakeholders) | {self.HUB}
        topics = set(self.issues)
        files = {
            f"stakeholders/{self.HUB}.md": (
                f"---\nname: {_yaml(self.hub_name)}\nkind: institution\nrole: Runs the harbour\n---\n"
                "The board runs the harbour [@port-letter].\n"
            )
        }
        for sid, person in self.stakeholders.items():
            files[f"stakeholders/{sid}.md"] = (
                f"---\nname: {_yaml(person.name)}\nkind: person\nrole: {_yaml(person.role)}\n"
                f"affiliation: {self.HUB}\n---\n{person.body} [@port-letter]\n"
            )
        for iid, issue in self.issues.items():
            positions = "".join(
                f"  - stakeholder: {sid}\n    stance: {_yaml(f'Has a view on {issue.title}.')}\n"
                "    sources: [council-minutes]\n"
                for sid in issue.positions
                if sid in people
            )
            related = [i for i in issue.related if i in topics and i != iid]
            links = " ".join(f"[[{sid}]]" for sid in issue.links if sid in people)
            files[f"issues/{iid}.md"] = (
                f"---\ntitle: {_yaml(issue.title)}\nsummary: {_yaml(issue.summary)}\nstatus: open\n"
                + (f"positions:\n{positions}" if positions else "")
                + (f"related: [{', '.join(related)}]\n" if related else "")
                + f"---\n{issue.body} See [[{self.HUB}]] and {links} [@council-minutes].\n"
            )
        batch: list[str] = []
        batches: list[str] = []
        for eid, event in self.events.items():
            issues = [i for i in event.issues if i in topics] + [self.BASE_ISSUE]
            people_named = [s for s in event.stakeholders if s in people]
            batch.append(
                f"- id: {eid}\n  date: {event.date}\n  title: {_yaml(event.title)}\n"
                f"  summary: {_yaml(event.summary)}\n  issues: [{', '.join(issues)}]\n"
                f"  stakeholders: [{', '.join([self.HUB, *people_named])}]\n  sources: [inspection-report]\n"
            )
            if len(batch) == EVENTS_PER_FILE:
                batches.append("".join(batch))
                batch = []
        if batch:
            batches.append("".join(batch))
        for n, text in enumerate(batches):
            files[f"timeline/batch-{n:03d}.yaml"] = text
        return files

    def write(self, content: Path) -> list[str]:
        """Bring the content folder in line with the model, touching only files whose text changed; returns
        the paths written or removed."""
        files = self.files()
        touched = []
        for path in sorted(self.written - set(files)):
            (content / path).unlink()
            touched.append(path)
        for path, text in files.items():
            target = content / path
            if path in self.written and target.read_text("utf-8") == text:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, "utf-8")
            touched.append(path)
        self.written = set(files)
        return touched


def make_large_content(content: Path, model: LargeBriefing) -> None:
    """A content folder: the mini fixture with the model's generated files."""
    shutil.copytree(Path(__file__).parent / "fixtures" / "mini", content)
    model.write(content)


# --- Processes (Linux: read from /proc) -----------------------------------------------------------------------


def running(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, ended but not yet reaped, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def children(pid: int, command: bytes = b"") -> set[int]:
    """The running child processes of `pid`, those whose command line contains `command` if given."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            line = Path(f"/proc/{entry}/cmdline").read_bytes() if command else b""
        except (OSError, ValueError, IndexError):
            continue
        if parent == pid and command in line and running(int(entry)):
            found.add(int(entry))
    return found


# --- Running the command line and comparing sites ----------------------------------------------------------


def briefing_command(*args: str) -> list[str]:
    """`briefing …` from this interpreter's environment, so a test runs the checkout it was started from."""
    script = Path(sys.executable).parent / "briefing"
    return [str(script), *args] if script.is_file() else [sys.executable, "-m", "generator", *args]


def tree_digest(folder: Path) -> str:
    """One hash of every file's path and bytes under `folder`."""
    digest = hashlib.blake2b(digest_size=20)
    for path, data in read_site(folder).items():
        digest.update(path.encode() + b"\0" + hashlib.blake2b(data).digest())
    return digest.hexdigest()


def describe_difference(expected: dict[str, bytes], actual: dict[str, bytes], limit: int = 5) -> str:
    """Which files are missing, extra or different (with the first differing bytes), or '' if none."""
    lines = []
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    changed = sorted(p for p in set(expected) & set(actual) if expected[p] != actual[p])
    if missing:
        lines.append(f"{len(missing)} missing: {', '.join(missing[:limit])}{' …' if len(missing) > limit else ''}")
    if extra:
        lines.append(f"{len(extra)} extra: {', '.join(extra[:limit])}{' …' if len(extra) > limit else ''}")
    if changed:
        lines.append(f"{len(changed)} differ: {', '.join(changed[:limit])}{' …' if len(changed) > limit else ''}")
        first = changed[0]
        want, got = expected[first], actual[first]
        at = next((i for i, (a, b) in enumerate(zip(want, got, strict=False)) if a != b), min(len(want), len(got)))
        lines.append(
            f"first difference in {first} at byte {at} (expected {len(want)} bytes, got {len(got)}):\n"
            f"  expected …{want[max(0, at - 40) : at + 40]!r}\n  got      …{got[max(0, at - 40) : at + 40]!r}"
        )
    return "\n".join(lines)


def model_difference(expected: Any, actual: Any) -> str:
    """Where two linked models first differ ('' if nowhere): a path of fields and indexes, and both values.
    Entities are compared by their fields, each pair once (the model is a graph with cycles)."""
    seen: set[tuple[int, int]] = set()

    def walk(a: Any, b: Any, where: str) -> str:
        a, b = (text_of(x) if isinstance(x, Spooled) else x for x in (a, b))  # a text, wherever it is kept
        if type(a) is not type(b):
            return f"{where}: {type(a).__name__} != {type(b).__name__}"
        if hasattr(a, "__dataclass_fields__"):
            if (id(a), id(b)) in seen:
                return ""
            seen.add((id(a), id(b)))
            for name in a.__dataclass_fields__:
                found = walk(getattr(a, name), getattr(b, name), f"{where}.{name}")
                if found:
                    return found
            return ""
        if isinstance(a, list | tuple):
            if len(a) != len(b):
                return f"{where}: {len(a)} items != {len(b)}: {[getattr(x, 'id', x) for x in a][:8]} != " + str(
                    [getattr(x, "id", x) for x in b][:8]
                )
            pairs = enumerate(zip(a, b, strict=True))
            return next((f for i, (x, y) in pairs if (f := walk(x, y, f"{where}[{i}]"))), "")
        if isinstance(a, dict):
            if list(a) != list(b):
                return f"{where}: keys {list(a)[:8]} != {list(b)[:8]}"
            return next((f for k in a if (f := walk(a[k], b[k], f"{where}[{k!r}]"))), "")
        return "" if a == b else f"{where}: {a!r} != {b!r}"

    return walk(expected, actual, "briefing")


# --- Built sites served over loopback ------------------------------------------------------------------

PAGES_OF_EACH_KIND = [
    "index.html",
    "issues/index.html",
    "issues/researcher-safety/index.html",
    "stakeholders/index.html",
    "stakeholders/denis-simon/index.html",
    "stakeholders/us-state-department/index.html",
    "timeline/index.html",
    "positions/index.html",
    "sources/index.html",
    "about/index.html",
    "search/index.html",
    "print/index.html",
    "print/short/index.html",
    "404.html",
    "translations/index.html",
    # the Chinese site: the same page kinds, in another script and with translation notices and originals
    "zh-Hans/index.html",
    "zh-Hans/issues/renewal-and-survival/index.html",
    "zh-Hans/stakeholders/antony-blinken/index.html",
    "zh-Hans/timeline/index.html",
    "zh-Hans/sources/index.html",
    "zh-Hans/search/index.html",
]


class PrefixHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a built site under a path prefix (as a host serving it at a sub-path would)."""

    prefix = "/"

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "__outside__")
        return super().translate_path("/" + path[len(self.prefix) :])

    def log_message(self, *args: object) -> None:
        pass


@functools.cache
def assert_workers_fork() -> None:
    """For a test of what the build's workers do: they fork only in a process with no other thread, so the
    threads an earlier test's server or browser left are given time to end (servers and browsers are closed
    at the end of their module: `serve_static`, the `browser` fixture)."""
    deadline = time.monotonic() + 15
    while threading.active_count() > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == 1, f"workers cannot fork beside {threading.enumerate()[1:]}"


@contextmanager
def serve_static(site: Path, prefix: str) -> Iterator[str]:
    """The address of `site` served over loopback under `prefix`, while the block runs. The server's thread
    ends with it: while a thread runs, the build's workers cannot fork, and every later test would build
    serially."""
    handler = type("Handler", (PrefixHandler,), {"prefix": prefix})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# --- The preview server, run as a user runs it ------------------------------------------------------------


class Server:
    def __init__(self, project: Path) -> None:
        self.project = project
        self.content = project / "content"
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "generator",
                "serve",
                "--content",
                str(self.content),
                "--out",
                str(project / "site"),
                "--port",
                "0",
            ],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            env={**os.environ, "PYTHONFAULTHANDLER": "1"},  # SIGABRT then prints every thread's stack
        )
        threading.Thread(target=self._read, daemon=True).start()
        self.port = int(self.wait_for(r"Serving .* on http://127\.0\.0\.1:(\d+)/").group(1))
        self.url = f"http://127.0.0.1:{self.port}/"

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, start: int = 0, timeout: float = 15) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[start:]:
                match = re.search(pattern, line)
                if match:
                    return match
            time.sleep(0.02)
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.lines))

    def builds(self) -> int:
        return sum(1 for line in self.lines if line.startswith(("built ", "build failed")))

    def stop(self) -> None:
        """End the server as a service manager does. One that does not end within the time its own stop may
        take (it waits up to 10 s for its build process) is made to print where each thread waits."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGABRT)
            self.process.wait(timeout=10)
            time.sleep(0.2)  # the last lines, read by the other thread
            raise AssertionError("the server did not stop on SIGTERM:\n" + "\n".join(self.lines)) from None


# --- Faults of the machine, simulated: a full disk, a read-only or forbidden folder ------------------------


def _inside(path: object, root: Path) -> bool:
    if not isinstance(path, (str, bytes, os.PathLike)):
        return False
    return Path(os.fsdecode(path)).absolute().is_relative_to(root)


def _entry_of(path: object, folder: Path) -> bool:
    if not isinstance(path, (str, bytes, os.PathLike)):
        return False
    return Path(os.fsdecode(path)).absolute().parent == folder


class _FailingFile:
    """A file opened for writing whose every write fails, as on a full disk (the error names no file)."""

    def __init__(self, handle: Any, code: int) -> None:
        self._handle, self._code = handle, code

    def write(self, data: Any) -> int:
        if not data:  # writing nothing needs no space, and succeeds on a full disk
            return 0
        raise OSError(self._code, os.strerror(self._code))

    def __enter__(self) -> _FailingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND


def fail_writes(
    monkeypatch: pytest.MonkeyPatch, under: Path, code: int, at_write: bool = False, only_in: bool = False
) -> None:
    """Make the file system under `under` refuse changes with `code` (an errno). With `at_write`, files open
    but every write fails and names no file, as on a full disk; otherwise creating, linking or renaming any
    file or folder there fails naming it, as on a read-only or forbidden folder. With `only_in`, only the
    entries of `under` itself refuse (a folder the user may not write, holding one the user may). Permissions
    cannot show this to root, and a full disk cannot be had on demand."""
    root = under.absolute()

    def refused_at(path: object, root: Path, opening: bool = False) -> bool:
        if not only_in:
            return _inside(path, root)
        # a folder the user may not write: its entries cannot be made, renamed or linked; an existing file opens
        # as its own permissions say, and an existing folder is said to exist
        return _entry_of(path, root) and not (opening and Path(os.fsdecode(path)).exists())  # type: ignore[arg-type]

    real_open, real_os_open, real_write = io.open, os.open, os.write
    failing_fds: set[int] = set()

    def refuse(path: object) -> NoReturn:
        raise OSError(code, os.strerror(code), os.fsdecode(path))  # type: ignore[arg-type]

    def fake_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(flag in mode for flag in "wax+") and refused_at(file, root, opening=True):
            if not at_write:
                refuse(file)
            return _FailingFile(real_open(file, mode, *args, **kwargs), code)
        return real_open(file, mode, *args, **kwargs)

    def fake_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & _WRITE_FLAGS and refused_at(path, root, opening=True):
            if not at_write:
                refuse(path)
            fd = real_os_open(path, flags, *args, **kwargs)
            failing_fds.add(fd)
            return fd
        return real_os_open(path, flags, *args, **kwargs)

    def fake_write(fd: int, data: Any) -> int:
        if fd in failing_fds and data:
            raise OSError(code, os.strerror(code))
        return real_write(fd, data)

    monkeypatch.setattr(io, "open", fake_open)
    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(os, "open", fake_os_open)
    monkeypatch.setattr(os, "write", fake_write)
    if at_write:
        return
    for name in ("mkdir", "link", "symlink", "rename", "replace"):
        real = getattr(os, name)

        def fake(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            for path in args[:2]:
                if refused_at(path, root, opening=_name == "mkdir"):
                    refuse(path)
            return _real(*args, **kwargs)

        monkeypatch.setattr(os, name, fake)


def deny_reading(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make `folder` unreadable: by permissions where they apply; for root (whom they do not stop) by making
    listing it, and reaching anything in it, fail with EACCES as they would."""
    if os.geteuid() != 0:
        folder.chmod(0)
        return
    root = folder.absolute()

    def denied(path: object) -> NoReturn:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))  # type: ignore[arg-type]

    def within(path: object) -> bool:
        return _inside(path, root) and Path(os.fsdecode(path)).absolute() != root  # type: ignore[arg-type]

    for name in ("listdir", "scandir"):
        real = getattr(os, name)

        def fake_list(path: Any = ".", _real: Any = real) -> Any:
            if _inside(path, root):
                denied(path)
            return _real(path)

        monkeypatch.setattr(os, name, fake_list)
    for name in ("stat", "lstat"):
        real = getattr(os, name)

        def fake_stat(path: Any, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
            if within(path):
                denied(path)
            return _real(path, *args, **kwargs)

        monkeypatch.setattr(os, name, fake_stat)
    real_open = io.open

    def fake_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if within(file):
            denied(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", fake_open)
    monkeypatch.setattr(builtins, "open", fake_open)


def build_error_lines(capsys: pytest.CaptureFixture[str], content: Path, *options: str) -> list[str]:
    """The error lines of `briefing build` on `content`, which must fail with exit 1, a report and no site."""
    out = content.parent / "site"
    code, _, err = run(capsys, "build", "--no-search", *options, "--content", str(content), "--out", str(out))
    assert code == 1, err
    assert not out.exists() and "Traceback" not in err and "internal error" not in err, err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("build failed: "), err
    return lines[:-1]


def count_template_compiles(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The name of each template Jinja compiles from now on (of any environment), in order."""
    compiled: list[str | None] = []
    compile_template = jinja2.Environment.compile

    def counted(env: jinja2.Environment, source: str, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiled.append(name)
        return compile_template(env, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    return compiled


# ---- Debian's Chromium driven by Playwright: never a downloaded browser, never the network ----------------

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
