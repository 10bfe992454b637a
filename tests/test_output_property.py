"""The output folder's promise, as a stateful property: after any sequence of content edits, killed builds and
previews, concurrent builds and hands in the output folder, the next `briefing build` writes exactly what a
clean build of the same content writes into an empty folder (ignoring only the build's marker file). Also:
a build never deletes a file it did not make without naming it in its warnings, a second concurrent build
waits or exits 1 with a message (never a broken site), and a `.git` folder in the output is never deleted.

Black-box: every build is a `briefing` subprocess (of the checkout this test runs from), on a generated
briefing large enough (300+ pages) for the build to fork its worker processes.

    BRIEFING_PROPERTY_EXAMPLES=200 BRIEFING_PROPERTY_STEPS=30 pytest tests/test_output_property.py  # long run
    BRIEFING_PROPERTY_SKIP=add_git_folder,rename pytest …  # leave rules (or their variants) out, to see other failures
"""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from tests.helpers import (
    WORDS,
    LargeBriefing,
    briefing_command,
    describe_difference,
    make_large_content,
    read_site,
    tree_digest,
)

MARKER = ".briefing-build"  # the build's own manifest, the one file a clean build may write differently
EXAMPLES = int(os.environ.get("BRIEFING_PROPERTY_EXAMPLES") or 8)  # with STEPS: about a minute on 2 cores
STEPS = int(os.environ.get("BRIEFING_PROPERTY_STEPS") or 8)
SKIP = {name.strip() for name in os.environ.get("BRIEFING_PROPERTY_SKIP", "").split(",") if name.strip()}
BUILD_TIMEOUT = 120  # seconds; only a hang ever reaches it
SERVE_READY_TIMEOUT = 60

TEMPLATE = LargeBriefing.generate()
KINDS = ("stakeholder", "issue", "event")
# each rule's variants, which BRIEFING_PROPERTY_SKIP can also name
CONTENT_OPS = [op for op in ("sentence", "title", "hub", "add", "delete", "rename") if op not in SKIP]
ALTERATIONS = [how for how in ("overwrite", "truncate", "same-size-and-mtime") if how not in SKIP]
MARKER_TAMPERING = [how for how in ("delete-marker", "truncate-marker", "garble-marker") if how not in SKIP]
_REFERENCES: OrderedDict[str, dict[str, bytes]] = OrderedDict()  # content digest → clean build, most recent last

words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join)
indexes = st.integers(0, 10_000)  # taken modulo the number of candidates at the time


def site_view(site: Path) -> dict[str, bytes]:
    """The output as compared: every file but the marker and a user's `.git` folder."""
    return {
        path: data
        for path, data in read_site(site).items()
        if path != MARKER and path != ".git" and not path.startswith(".git/")
    }


class CleanBuild:
    """What `briefing build --no-search` writes into an empty folder with an empty cache, for the content as it
    is now: started at once in the background (beside the build under test), memoised by the content's bytes
    (the output does not depend on where the content or the output folder are)."""

    def __init__(self, content: Path) -> None:
        self.key = tree_digest(content)
        self.result = _REFERENCES.get(self.key)
        self.scratch: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        if self.result is not None:
            _REFERENCES.move_to_end(self.key)
            return
        self.scratch = Path(tempfile.mkdtemp(prefix="briefing-clean-"))
        self.process = subprocess.Popen(
            briefing_command("build", "--no-search", "--content", str(content), "--out", str(self.scratch / "site")),
            env={**os.environ, "XDG_CACHE_HOME": str(self.scratch / "cache")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def site(self) -> dict[str, bytes]:
        if self.result is None and self.process is not None and self.scratch is not None:
            try:
                _, stderr = self.process.communicate(timeout=BUILD_TIMEOUT)
                assert self.process.returncode == 0, f"the clean build failed ({self.process.returncode}):\n{stderr!r}"
                self.result = _REFERENCES[self.key] = site_view(self.scratch / "site")
                while len(_REFERENCES) > 4:
                    _REFERENCES.popitem(last=False)
            finally:
                if self.process.poll() is None:
                    self.process.kill()
                    self.process.wait()
                shutil.rmtree(self.scratch, ignore_errors=True)
        assert self.result is not None
        return self.result


@dataclass
class Run:
    """One `briefing` process of ours, in its own process group (so a kill reaches its workers too)."""

    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def kill(self) -> None:
        if self.process.poll() is None:  # never signal a process group we may already have reaped
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def finish(self, timeout: float) -> int | None:
        """The exit status, or None if it did not end in time (then it is killed)."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def printed(self) -> str:
        return self.stdout.read_text("utf-8", "replace")

    def warned(self) -> str:
        return self.stderr.read_text("utf-8", "replace")


def enabled(name: str) -> bool:
    return name not in SKIP


class OutputFolderMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="briefing-property-"))
        self.content = self.root / "project" / "content"
        self.out = self.root / "project" / "site"
        self.cache = self.root / "cache"  # one build cache per sequence, shared by all its runs
        self.model = copy.deepcopy(TEMPLATE)
        make_large_content(self.content, self.model)
        self.strays: set[str] = set()  # files we put in the output (the build did not make them)
        self.git: dict[str, bytes] | None = None
        self.runs: list[Run] = []
        self.story: list[str] = []  # what happened, beyond the steps Hypothesis prints
        self.checked = False  # the output was checked and nothing happened since

    # --- running the command line --------------------------------------------------------------------------

    def start(self, *args: str) -> Run:
        stdout, stderr = self.root / f"run-{len(self.runs)}.out", self.root / f"run-{len(self.runs)}.err"
        with stdout.open("wb") as out, stderr.open("wb") as err:  # the child keeps its own copies
            process = subprocess.Popen(
                briefing_command(*args),
                stdout=out,
                stderr=err,
                env={**os.environ, "XDG_CACHE_HOME": str(self.cache)},
                start_new_session=True,
            )
        run = Run(process, stdout, stderr)
        self.runs.append(run)
        return run

    def start_build(self, no_cache: bool = False) -> Run:
        args = ["build", "--no-search", "--content", str(self.content), "--out", str(self.out)]
        return self.start(*args, *(["--no-cache"] if no_cache else []))

    def note(self, text: str) -> None:
        self.story.append(text)
        self.checked = False

    def explain(self, problem: str) -> str:
        return problem + "\n--- what happened:\n" + "\n".join(self.story)

    # --- the promise -----------------------------------------------------------------------------------------

    def check_git(self) -> None:
        if self.git is None:
            return
        found = {p: d for p, d in read_site(self.out).items() if p.startswith(".git/")} if self.out.is_dir() else {}
        assert found == self.git, self.explain(
            f".git in the output was deleted or changed: {len(found)} of its {len(self.git)} files left"
        )

    def check_completed_build(
        self, status: int | None, stderr: str, strays_before: set[str], clean: CleanBuild | None = None
    ) -> None:
        """A build that ran to its end: it succeeded, named what it deleted, and wrote a clean build's bytes."""
        expected = (clean or CleanBuild(self.content)).site()
        assert status is not None, self.explain(f"the build hung for {BUILD_TIMEOUT} s")
        assert status == 0, self.explain(f"the build exited {status}:\n{stderr}")
        self.check_git()
        # PROMISE of the new engine: a file the build did not make may go, but only named in a warning.
        for stray in sorted(strays_before):
            if not (self.out / stray).exists():
                assert stray in stderr, self.explain(f"the build deleted {stray}, a file it did not make, unnamed")
        self.strays = self.present_strays()
        difference = describe_difference(expected, site_view(self.out))
        assert not difference, self.explain(f"the output differs from a clean build:\n{difference}")
        self.story.append("  (output checked: same as a clean build)")
        self.checked = True

    def present_strays(self) -> set[str]:
        return {stray for stray in self.strays if (self.out / stray).exists()}

    def forget_vanished_strays(self, who: str) -> None:
        """After a run that was killed: what it removed is not held against the next build."""
        for stray in sorted(self.strays - self.present_strays()):
            self.story.append(f"  ({who} removed {stray})")
        self.strays = self.present_strays()

    def output_files(self) -> list[str]:
        """The files a build made, as candidates for a hand in the output (none if there is no output)."""
        return sorted(p for p in site_view(self.out) if p not in self.strays) if self.out.is_dir() else []

    # --- sequences start with a built site ----------------------------------------------------------------

    @initialize()
    def first_build(self) -> None:
        self.note("build (first)")
        clean, run = CleanBuild(self.content), self.start_build()
        status = run.finish(BUILD_TIMEOUT)
        self.check_completed_build(status, run.warned(), set(), clean)

    # --- content ------------------------------------------------------------------------------------------------

    def change_content(self, op: str, kind: str, index: int, text: str) -> str:
        """Change the content folder through the model; returns what was done."""
        model = self.model
        ids = model.ids(kind)
        chosen = ids[index % len(ids)]
        if op in ("sentence", "title"):
            model.set_text(kind, chosen, op, text + ("." if op == "sentence" else ""))
        elif op == "hub":
            model.hub_name = text
            chosen = model.HUB
        elif op == "add":
            chosen = model.add_like(kind, chosen)
        elif op == "delete":
            # keep 300+ pages, so every build still forks its workers
            if len(model.stakeholders) + len(model.issues) <= 300:
                return f"(not deleting {kind} {chosen}: too few pages left)"
            model.delete(chosen)
        elif op == "rename":
            new = model.new_id(chosen.split("-")[0] + "-ren")
            model.rename(chosen, new)
            chosen = f"{chosen} → {new}"
        else:
            raise AssertionError(op)
        touched = model.write(self.content)
        shown = ", ".join(touched[:3]) + (" …" if len(touched) > 3 else "")
        return f"{op} {kind} {chosen}: {len(touched)} content files ({shown})"

    @precondition(lambda self: enabled("edit_content") and bool(CONTENT_OPS))
    @rule(op=st.sampled_from(CONTENT_OPS or ["sentence"]), kind=st.sampled_from(KINDS), index=indexes, text=words)
    def edit_content(self, op: str, kind: str, index: int, text: str) -> None:
        """Change a sentence or a title, rename the hub stakeholder (named on every generated page), or add,
        delete or rename an entity (its file and every reference to it)."""
        self.note(self.change_content(op, kind, index, text))

    # --- hands in the output folder ----------------------------------------------------------------------

    @precondition(lambda self: enabled("alter_output_file") and bool(ALTERATIONS))
    @rule(index=indexes, how=st.sampled_from(ALTERATIONS or ["overwrite"]))
    def alter_output_file(self, index: int, how: str) -> None:
        files = self.output_files()
        if not files:
            return
        path = files[index % len(files)]
        target = self.out / path
        data = target.read_bytes()
        if how == "overwrite":
            target.write_bytes(b"edited by hand\n" + data[len(data) // 2 :])
        elif how == "truncate":
            with target.open("r+b") as handle:
                handle.truncate(len(data) // 3)
        else:
            # an edit that a check of size and modification time cannot see
            stat = target.stat()
            middle = len(data) // 2
            flipped = bytes([data[middle] ^ 0x20]) if data else b""
            target.write_bytes(data[:middle] + flipped + data[middle + 1 :])
            os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        self.note(f"alter output {path} ({how})")

    @precondition(lambda self: enabled("delete_output_file"))
    @rule(index=indexes)
    def delete_output_file(self, index: int) -> None:
        files = self.output_files()
        if not files:
            return
        path = files[index % len(files)]
        (self.out / path).unlink()
        self.note(f"delete output {path}")

    @precondition(lambda self: enabled("delete_output_folder"))
    @rule(index=indexes)
    def delete_output_folder(self, index: int) -> None:
        folders = sorted({str(Path(p).parent) for p in self.output_files()} - {"."})
        if not folders:
            return
        folder = folders[index % len(folders)]
        shutil.rmtree(self.out / folder)
        self.strays = {s for s in self.strays if not s.startswith(folder + "/")}
        self.note(f"delete output folder {folder}/")

    @precondition(lambda self: enabled("add_stray_file"))
    @rule(index=indexes, nested=st.booleans())
    def add_stray_file(self, index: int, nested: bool) -> None:
        folders = sorted({str(Path(p).parent) for p in self.output_files()}) if nested else ["."]
        if not folders or not self.out.is_dir():
            return
        folder = folders[index % len(folders)]
        name = f"zz-stray-{len(self.story)}.txt"
        path = name if folder == "." else f"{folder}/{name}"
        (self.out / path).write_text("a note someone left here\n", "utf-8")
        self.strays.add(path)
        self.note(f"add stray output file {path}")

    @precondition(lambda self: enabled("tamper_marker") and bool(MARKER_TAMPERING))
    @rule(how=st.sampled_from(MARKER_TAMPERING or ["garble-marker"]))
    def tamper_marker(self, how: str) -> None:
        marker = self.out / MARKER
        if not marker.is_file():
            return
        if how == "delete-marker":
            marker.unlink()
            # Without its marker the folder is no longer recognisably the build's: the build refuses to replace
            # it, says so, and touches nothing; the user then removes it, as the hint says.
            before = read_site(self.out)
            run = self.start_build(False)
            status, stderr = run.finish(BUILD_TIMEOUT), run.warned()
            assert status == 1 and "refusing to replace" in stderr, self.explain(f"exit {status}:\n{stderr}")
            assert read_site(self.out) == before, self.explain("a refused build changed the output")
            shutil.rmtree(self.out)
            self.git = None
            self.strays = set()
            self.note("delete the output's marker: the build refuses; remove the output")
            return
        elif how == "truncate-marker":
            marker.write_bytes(b"")
        else:
            marker.write_bytes(b'{"generator":"briefing","files":{"index.html":"0123"')
        self.note(f"{how.removesuffix('-marker')} the output's {MARKER}")

    @precondition(lambda self: enabled("add_git_folder") and self.git is None)
    @rule()
    def add_git_folder(self) -> None:
        """A site deployed from its own repository (a gh-pages checkout in the output folder)."""
        if not self.out.is_dir():
            return
        files = {
            ".git/HEAD": b"ref: refs/heads/gh-pages\n",
            ".git/config": b"[core]\n\trepositoryformatversion = 0\n",
            ".git/objects/ab/cdef0123": b"\x78\x01 not really an object",
        }
        for path, data in files.items():
            (self.out / path).parent.mkdir(parents=True, exist_ok=True)
            (self.out / path).write_bytes(data)
        self.git = files
        # A build refuses to build into it (it would delete .git), says why, and leaves .git as it was.
        run = self.start_build(False)
        status, stderr = run.finish(BUILD_TIMEOUT), run.warned()
        assert status == 1 and "holds a `.git` folder" in stderr, self.explain(f"exit {status}:\n{stderr}")
        self.check_git()
        shutil.rmtree(self.out / ".git")  # the user moves the repository elsewhere, as the hint says
        self.git = None
        self.note("add .git/ to the output: the build refuses and keeps it; remove it")

    # --- builds ------------------------------------------------------------------------------------------------

    @precondition(lambda self: enabled("build"))
    @rule(no_cache=st.booleans())
    def build(self, no_cache: bool) -> None:
        strays = self.present_strays()
        self.note(f"build{' --no-cache' if no_cache else ''}")
        clean, run = CleanBuild(self.content), self.start_build(no_cache)
        status = run.finish(BUILD_TIMEOUT)
        self.check_completed_build(status, run.warned(), strays, clean)

    @precondition(lambda self: enabled("kill_build"))
    @rule(delay=st.floats(0, 2), no_cache=st.booleans())
    def kill_build(self, delay: float, no_cache: bool) -> None:
        strays = self.present_strays()
        run = self.start_build(no_cache)
        time.sleep(delay)
        finished = run.process.poll()
        if finished is None:
            run.kill()
            self.note(f"build{' --no-cache' if no_cache else ''}, SIGKILLed after {delay:.2f} s")
            self.forget_vanished_strays("the killed build")
            self.check_git()
            return
        self.note(f"build{' --no-cache' if no_cache else ''}, finished before the kill at {delay:.2f} s")
        self.check_completed_build(finished, run.warned(), strays)

    @precondition(lambda self: enabled("two_builds_at_once"))
    @rule(no_cache=st.tuples(st.booleans(), st.booleans()), stagger=st.floats(0, 0.5))
    def two_builds_at_once(self, no_cache: tuple[bool, bool], stagger: float) -> None:
        strays = self.present_strays()
        clean, first = CleanBuild(self.content), self.start_build(no_cache[0])
        time.sleep(stagger)
        second = self.start_build(no_cache[1])
        statuses = [first.finish(BUILD_TIMEOUT), second.finish(BUILD_TIMEOUT)]
        errors = [first.warned(), second.warned()]
        clean.site()  # wait for it here, so a failure below leaves no process behind
        self.note(f"two builds at once (second {stagger:.2f} s later): exit {statuses[0]} and {statuses[1]}")
        for status, stderr in zip(statuses, errors, strict=True):
            assert status in (0, 1), self.explain(f"a concurrent build exited {status}:\n{stderr}")
            if status == 1:
                assert stderr.strip() and "internal error" not in stderr and "Traceback" not in stderr, self.explain(
                    f"a concurrent build exited 1 without a clear message:\n{stderr}"
                )
        assert 0 in statuses, self.explain("neither of two concurrent builds succeeded:\n" + "\n".join(errors))
        self.check_completed_build(0, "\n".join(errors), strays, clean)

    @precondition(lambda self: enabled("serve_edit_kill"))
    @rule(
        op=st.sampled_from(CONTENT_OPS or ["sentence"]),
        kind=st.sampled_from(KINDS),
        index=indexes,
        text=words,
        delay=st.floats(0, 2),
    )
    def serve_edit_kill(self, op: str, kind: str, index: int, text: str, delay: float) -> None:
        """The preview: let it build, edit the content while it runs, kill it at a random moment."""
        run = self.start("serve", "--content", str(self.content), "--out", str(self.out), "--port", "0")
        waited, served = 0.0, False
        while waited < SERVE_READY_TIMEOUT and run.process.poll() is None and not served:
            served = "Serving " in run.printed()
            time.sleep(0.05)
            waited += 0.05
        edit = self.change_content(op, kind, index, text)
        time.sleep(delay)
        run.kill()
        stdout = run.printed()
        self.note(f"serve; {'once it served' if served else 'it never served'}: {edit}; SIGKILLed {delay:.2f} s later")
        if "build failed" in stdout or not served:
            self.story.append("  serve said: " + stdout.strip().replace("\n", "\n    "))
        assert "internal error" not in stdout, self.explain("the preview's build failed with an internal error")
        self.forget_vanished_strays("the preview")
        self.check_git()

    # --- the end of every sequence: the next build must be a clean build ---------------------------------------

    def teardown(self) -> None:
        try:
            # sys.exc_info() is set while a failed step unwinds through Hypothesis's `finally: teardown()`:
            # then only clean up, so the first failure is the one reported
            if sys.exc_info()[1] is None and not self.checked:
                strays = self.present_strays()
                self.note("build (the next build, at the end of the sequence)")
                clean, run = CleanBuild(self.content), self.start_build()
                status = run.finish(BUILD_TIMEOUT)
                self.check_completed_build(status, run.warned(), strays, clean)
        finally:
            for run in self.runs:
                if run.process.poll() is None:
                    run.kill()
            shutil.rmtree(self.root, ignore_errors=True)


OutputFolderMachine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
test_output_matches_a_clean_build = OutputFolderMachine.TestCase
