"""The output folder: locked, checked before it is trusted, stray files named, staging folders ours only."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from generator import write
from generator.build import BuildOptions, Engine, Mode, build
from generator.diagnostics import ContentError, Diagnostic, Diagnostics, format_report
from generator.write import MARKER, Previous, is_mount_point, output_lock
from tests.helpers import (
    BUNDLED,
    LargeBriefing,
    briefing_command,
    children,
    describe_difference,
    edit,
    fail_writes,
    make_large_content,
    read_site,
    running,
)


def _cli_build(content: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """`briefing build --no-search` as a user runs it, in a process of its own."""
    return subprocess.run(
        briefing_command("build", "--no-search", "--content", str(content), "--out", str(out)),
        capture_output=True,
        text=True,
        timeout=120,
    )


def clean_build(content: Path, out: Path) -> dict[str, bytes]:
    build(BuildOptions(content=content, out=out, search=False))
    return read_site(out)


@pytest.mark.parametrize("mode", [Mode.BUILD, Mode.PREVIEW])
def test_a_hand_edited_file_is_rewritten_even_with_the_same_size_and_time(
    mini: Path, tmp_path: Path, mode: Mode
) -> None:
    out = tmp_path / "site"
    build(BuildOptions(content=mini, out=out, search=False))
    page = out / "stakeholders" / "ana-ruiz" / "index.html"
    before = page.stat()
    data = bytearray(page.read_bytes())
    data[data.index(b"Ana Ruiz")] = ord("X")  # same size, written in place (same inode)
    with open(page, "r+b") as handle:
        handle.write(data)
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same modification time
    edit(mini / "issues" / "safety.md", "Inspectors looked", "Engineers looked")
    build(BuildOptions(content=mini, out=out, search=False, mode=mode))
    assert read_site(out) == clean_build(mini, tmp_path / "clean")


def test_an_altered_manifest_entry_is_not_trusted(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(BuildOptions(content=mini, out=out, search=False))
    (out / "index.html").write_bytes(b"<!doctype html><title>defaced</title>")
    result = build(BuildOptions(content=mini, out=out, search=False))
    assert result.written == 1
    assert read_site(out) == clean_build(mini, tmp_path / "clean")


def test_a_stray_file_is_named_in_a_warning_then_removed(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(BuildOptions(content=mini, out=out, search=False))
    (out / "notes.txt").write_text("mine")
    (out / "issues" / "draft.html").write_text("mine too")
    for n in range(8):  # more than the report folds similar warnings after: each must still be named
        (out / f"stray-{n}.txt").write_text("mine")
    result = build(BuildOptions(content=mini, out=out, search=False))
    [warning] = [w for w in result.warnings if "not made by" in w.message]
    assert warning.message == "removed 10 files not made by `briefing build`: issues/draft.html, notes.txt, " + (
        ", ".join(f"stray-{n}.txt" for n in range(8))
    )
    assert "static/" in warning.hint
    assert all(f"stray-{n}.txt" in format_report(result.warnings) for n in range(8))
    assert not (out / "notes.txt").exists()
    assert read_site(out) == clean_build(mini, tmp_path / "clean")


def test_files_in_static_are_published_as_they_are(mini: Path, tmp_path: Path) -> None:
    static = mini.parent / "static"
    static.mkdir()
    (static / "CNAME").write_text("briefing.example.org\n")
    (static / ".nojekyll").write_text("")
    (static / "img").mkdir()
    (static / "img" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    site = clean_build(mini, tmp_path / "site")
    assert site["CNAME"] == b"briefing.example.org\n"
    assert site[".nojekyll"] == b""
    assert "img/logo.svg" in site


def test_static_never_publishes_a_git_folder_nor_a_name_the_build_writes(mini: Path, tmp_path: Path) -> None:
    """A submodule's `.git` (a file) or a `.git` folder would publish the project's history, and make the next
    build refuse its own output; names the build writes, links out of the project and names that are not
    UTF-8 are refused, each named."""
    static = mini.parent / "static"
    (static / "theme" / ".git").mkdir(parents=True)
    (static / "theme" / ".git" / "config").write_text("[core]\n")
    (static / ".git").write_text("gitdir: ../.git/modules/static\n")
    (static / ".well-known").mkdir()
    (static / ".well-known" / "security.txt").write_text("Contact: mailto:desk@example.org\n")
    out = tmp_path / "site"
    site = clean_build(mini, out)
    assert ".well-known/security.txt" in site
    assert not [path for path in site if ".git" in path.split("/")]
    assert build(BuildOptions(content=mini, out=out, search=False)).written == 0  # and the output is its own
    (static / ".briefing-build").write_text("{}")
    (static / "pagefind").mkdir()
    (static / "pagefind" / "pagefind.js").write_text("")
    (static / "passwd").symlink_to(tmp_path / "secret")
    (tmp_path / "secret").write_text("private")
    (static / os.fsdecode(b"caf\xe9.txt")).write_text("")
    (mini.parent / "templates" / "assets").mkdir(parents=True)
    (mini.parent / "templates" / "assets" / "extra.css").symlink_to(tmp_path / "secret")
    with pytest.raises(ContentError) as caught:
        build(BuildOptions(content=mini, out=out, search=False))
    assert [d.format() for d in caught.value.diagnostics] == [
        "static: error: file name `caf\\xe9.txt` is not valid UTF-8 (rename it)",
        "static/.briefing-build: error: `.briefing-build` is a name the build writes itself (rename it)",
        "static/pagefind/pagefind.js: error: `pagefind` is a name the build writes itself (rename it)",
        "static/passwd: error: this file is a link to a place outside the project (copy the file in instead)",
        "templates/assets/extra.css: error: this file is a link to a place outside the project (copy the file in "
        "instead)",
    ]


def test_a_static_file_may_not_replace_a_page(mini: Path, tmp_path: Path) -> None:
    static = mini.parent / "static"
    static.mkdir()
    (static / "index.html").write_text("mine")
    with pytest.raises(ContentError, match="would overwrite a page"):
        build(BuildOptions(content=mini, out=tmp_path / "site", search=False))


def test_a_page_named_like_a_section_collides(mini: Path, tmp_path: Path) -> None:
    (mini / "pages" / "timeline.md").write_text("---\ntitle: Timeline of my own\n---\nText.\n")
    with pytest.raises(ContentError) as caught:
        build(BuildOptions(content=mini, out=tmp_path / "site", search=False))
    [problem] = caught.value.diagnostics
    assert problem.message == (
        "two pages would be written to /timeline/index.html: a built-in page and content/pages/timeline.md"
    )
    assert problem.hint == "rename one of them"


def test_a_git_folder_in_the_output_is_refused_and_kept(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(BuildOptions(content=mini, out=out, search=False))
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    with pytest.raises(ContentError) as caught:
        build(BuildOptions(content=mini, out=out, search=False))
    assert "holds a `.git` folder" in caught.value.diagnostics[0].message
    assert "static/" in caught.value.diagnostics[0].hint
    assert (out / ".git" / "HEAD").read_text() == "ref: refs/heads/gh-pages\n"


def test_an_output_that_is_a_symbolic_link_is_built_into_its_target(mini: Path, tmp_path: Path) -> None:
    target = tmp_path / "real-site"
    link = tmp_path / "site"
    link.symlink_to(target, target_is_directory=True)
    build(BuildOptions(content=mini, out=link, search=False))
    build(BuildOptions(content=mini, out=link, search=False))
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert read_site(target) == clean_build(mini, tmp_path / "clean")


def test_a_folder_that_only_looks_like_staging_is_left_alone(mini: Path, tmp_path: Path) -> None:
    lookalike = tmp_path / ".site.new-mine"
    lookalike.mkdir()
    (lookalike / "keep.txt").write_text("not the build's")
    build(BuildOptions(content=mini, out=tmp_path / "site", search=False))
    build(BuildOptions(content=mini, out=tmp_path / "site", search=False))
    assert (lookalike / "keep.txt").read_text() == "not the build's"


def test_a_staging_folder_named_in_the_lock_is_removed_by_the_next_build(mini: Path, tmp_path: Path) -> None:
    """A build killed after naming its staging folder, even before marking it, leaves nothing for good."""
    out = tmp_path / "site"
    with output_lock(out, lambda: None) as lock:
        lock.claim([".site.new-killed"])
    (tmp_path / ".site.new-killed").mkdir()
    (tmp_path / ".site.new-killed" / "index.html").write_text("half")
    build(BuildOptions(content=mini, out=out, search=False))
    assert not (tmp_path / ".site.new-killed").exists()


@pytest.mark.parametrize("name", [os.fsdecode(b"site-\xff"), "new\nsite"], ids=["not-utf-8", "newline"])
def test_any_folder_name_is_an_output_and_its_killed_staging_is_removed(mini: Path, tmp_path: Path, name: str) -> None:
    """A file name is any bytes but NUL and `/`: the lock names a staging folder of any name, and the next
    build finds it again."""
    out = tmp_path / name
    build(BuildOptions(content=mini, out=out, search=False))
    staging = tmp_path / f".{name}.new-killed"
    with output_lock(out, lambda: None) as lock:
        lock.claim([staging.name])
    staging.mkdir()
    result = build(BuildOptions(content=mini, out=out, search=False))
    assert not staging.exists()
    assert result.written == 0 and (out / "index.html").is_file()


def test_a_preview_build_stopped_by_a_full_disk_leaves_nothing_behind(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview writes in place, each file through a temporary beside it: a write that fails removes its
    temporary, so the next build finds no file to call a stranger, and equals a clean build."""
    out = tmp_path / "site"
    engine = Engine(BuildOptions(content=mini, out=out, mode=Mode.PREVIEW, search=False))
    engine.build()
    issue = sorted((mini / "issues").glob("*.md"))[0]
    issue.write_text(issue.read_text() + "\nOne more sentence.\n")
    fail_writes(monkeypatch, out, errno.ENOSPC, at_write=True)
    with pytest.raises(OSError, match="No space left"):
        engine.build(changed={issue})
    monkeypatch.undo()
    assert not [path for path in read_site(out) if path.endswith(".tmp")]
    result = engine.build(changed=set())
    assert not [w for w in result.warnings if "not made by" in w.message], result.warnings
    assert read_site(out) == clean_build(mini, tmp_path / "clean")


def test_a_temporary_left_by_a_killed_preview_is_removed_without_a_warning(mini: Path, tmp_path: Path) -> None:
    """A preview killed while writing a file leaves its temporary (`.x.PID.tmp`): the build's own, not a
    stranger's; a file that merely looks like one of another file is a stranger."""
    out = tmp_path / "site"
    build(BuildOptions(content=mini, out=out, search=False))
    (out / "issues" / ".index.html.4242.tmp").write_text("half a page")
    (out / ".notes.txt.4242.tmp").write_text("mine")
    result = build(BuildOptions(content=mini, out=out, mode=Mode.PREVIEW, search=False))
    assert [w.message for w in result.warnings if "not made by" in w.message] == [
        "removed 1 file not made by `briefing build`: .notes.txt.4242.tmp"
    ]
    assert not (out / "issues" / ".index.html.4242.tmp").exists() and not (out / ".notes.txt.4242.tmp").exists()


@pytest.mark.parametrize("mode", [Mode.BUILD, Mode.PREVIEW])  # BUILD: `serve --search` keeps its engine too
def test_a_build_stopped_by_a_full_disk_leaves_the_engine_true_to_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: Mode
) -> None:
    """A long-lived engine takes in a build's records before it writes what they show: a build stopped by
    the disk must not leave it believing the output shows them (the edited page, the print page, the
    translations' status would stay as they were)."""
    content, out = tmp_path / "content", tmp_path / "site"
    shutil.copytree(BUNDLED, content)
    engine = Engine(BuildOptions(content=content, out=out, mode=mode, search=False))
    engine.build()
    edited, other = content / "issues" / "equal-footing.md", content / "issues" / "researcher-safety.md"
    edited.write_text(edited.read_text() + "\nA sentence the stopped build never wrote.\n")
    fail_writes(monkeypatch, tmp_path, errno.ENOSPC, at_write=True)
    with pytest.raises(OSError, match="No space left"):
        engine.build(changed={edited})
    monkeypatch.undo()
    other.write_text(other.read_text() + "\nAnother sentence.\n")
    engine.build(changed={other})
    assert read_site(out) == clean_build(content, tmp_path / "clean")


def test_a_second_build_waits_for_the_first(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    waiting, finished = threading.Event(), threading.Event()

    def second() -> None:
        build(BuildOptions(content=mini, out=out, search=False, waiting=waiting.set))
        finished.set()

    with output_lock(out, lambda: None):
        thread = threading.Thread(target=second)
        thread.start()
        assert waiting.wait(30)  # (however busy the machine: a fixed pause failed under load)
        time.sleep(0.2)
        assert not finished.is_set() and not out.exists()
    thread.join(30)
    assert finished.is_set() and (out / MARKER).is_file()


def test_repeated_warnings_are_grouped_after_five() -> None:
    warnings = [
        Diagnostic(f"content/stakeholders/s{i}.md", 1, f"stakeholder `s{i}` is linked from nowhere", "", "warning")
        for i in range(8)
    ]
    lines = format_report([Diagnostic("content/timeline.yaml", 3, "unknown issue `x`"), *warnings]).splitlines()
    assert lines[0] == "content/timeline.yaml:3: error: unknown issue `x`"
    assert len(lines) == 1 + 5 + 1
    assert lines[-1] == "warning: … and 3 more like this: stakeholder `…` is linked from nowhere"


def test_errors_do_not_use_up_the_warnings_of_the_same_wording() -> None:
    errors = [Diagnostic(f"content/issues/i{i}.md", 2, f"unknown stakeholder `s{i}`") for i in range(6)]
    warning = Diagnostic("content/timeline.yaml", 9, "unknown stakeholder `t`", "", "warning")
    lines = format_report([*errors, warning]).splitlines()
    assert len(lines) == 7
    assert lines[-1] == "content/timeline.yaml:9: warning: unknown stakeholder `t`"


def test_names_are_printed_escaped_never_as_terminal_controls() -> None:
    # a file named with an escape sequence must not clear the terminal; a name that is not UTF-8 shows its
    # bytes as the message about it does (`caf\\xe9`), whether in the file part or in a message
    named = Diagnostic("content/issues/x\x1b[2Jy\nz.md", 3, "stray `caf\udce9.html`\nand more", "", "warning")
    assert named.format() == "content/issues/x\\x1b[2Jy\\x0az.md:3: warning: stray `caf\\xe9.html`\nand more"


def test_an_absolute_path_inside_the_project_is_shown_relative_to_it(tmp_path: Path) -> None:
    diags = Diagnostics(root=Path("."))
    diags.warning(Path.cwd() / "site", 0, "removed 1 file")
    assert diags.warnings[0].file == "site"


def test_a_one_off_build_checks_the_bytes_of_every_file_it_reuses(mini: Path, tmp_path: Path) -> None:
    """Long after a build, a same-size edit with the modification time put back is invisible to the stat."""
    out = tmp_path / "site"
    build(BuildOptions(content=mini, out=out, search=False))
    time.sleep(0.2)
    edit(mini / "issues" / "safety.md", "Inspectors looked", "Divers looked")
    build(BuildOptions(content=mini, out=out, search=False))  # keeps the page: now older than the manifest
    page = out / "stakeholders" / "ana-ruiz" / "index.html"
    before = page.stat()
    data = bytearray(page.read_bytes())
    data[data.index(b"Ana Ruiz")] = ord("X")
    with open(page, "r+b") as handle:
        handle.write(data)
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    edit(mini / "issues" / "safety.md", "Divers looked", "Engineers looked")
    build(BuildOptions(content=mini, out=out, search=False))
    assert read_site(out) == clean_build(mini, tmp_path / "clean")


def test_the_preview_reads_the_manifest_again_once_another_build_wrote_it(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    engine = Engine(BuildOptions(content=mini, out=out, search=False, mode=Mode.PREVIEW))
    engine.build()
    written = engine.written
    assert written is not None
    with output_lock(out, lambda: None) as lock:
        assert Previous(out, lock, written).entries is written.entries  # its own, unchanged since: not read
    edit(mini / "issues" / "safety.md", "Inspectors looked", "Engineers looked")
    build(BuildOptions(content=mini, out=out, search=False))  # another build, in another process or not
    with output_lock(out, lambda: None) as lock:
        read = Previous(out, lock).entries
        assert read != written.entries
        assert Previous(out, lock, written).entries == read


def _changed_keeping_its_stat(file: Path) -> None:
    """One letter of `file` changed in place, its size, inode and modification time kept: only its bytes tell."""
    before = file.stat()
    data = bytearray(file.read_bytes())
    at = data.index(b"<title>") + len(b"<title>")
    data[at] ^= 0x01  # a letter for another (both ASCII)
    with open(file, "r+b") as handle:
        handle.write(data)
    os.utime(file, ns=(before.st_atime_ns, before.st_mtime_ns))


def _built_by_a_preview(content: Path, out: Path) -> Engine:
    """The preview's engine, once it built `content` into `out`."""
    engine = Engine(BuildOptions(content=content, out=out, search=False, mode=Mode.PREVIEW))
    engine.build()
    return engine


def _written_last(out: Path, written: write.Written) -> Path:
    """The page the build wrote last: within the clock's doubt of the manifest, so its stat cannot vouch for it."""
    pages = [path for path in written.entries if path.endswith(".html")]
    return out / max(pages, key=lambda path: written.entries[path].mtime_ns)


def test_an_idle_preview_checks_the_files_it_wrote_last_so_that_its_next_build_need_not(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files written too close to the manifest for their stat to vouch for them are read and hashed by the next
    build; the preview, idle, does it before (`Engine.settle`) and stamps the manifest again."""
    out = tmp_path / "site"
    engine = _built_by_a_preview(mini, out)
    time.sleep(write.SETTLE_AFTER_S)
    engine.settle(lambda: True)
    read_by_bytes: list[str] = []
    file_digest = write._file_digest
    monkeypatch.setattr(write, "_file_digest", lambda path, size: read_by_bytes.append(path) or file_digest(path, size))
    safety = mini / "issues" / "safety.md"
    edit(safety, "Inspectors looked", "Engineers looked")
    engine.build({safety})
    assert read_by_bytes == []
    assert read_site(out) == clean_build(mini, tmp_path / "clean")


def test_a_change_in_the_clock_tick_of_the_previews_last_write_is_caught_while_it_idles(
    mini: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    engine = _built_by_a_preview(mini, out)
    assert engine.written is not None
    _changed_keeping_its_stat(_written_last(out, engine.written))
    time.sleep(write.SETTLE_AFTER_S)
    engine.settle(lambda: True)
    assert engine.written is None  # the manifest on disk names the page, to be rewritten
    engine.build(set())
    assert read_site(out) == clean_build(mini, tmp_path / "clean")


def test_an_idle_preview_leaves_the_manifest_to_a_build_that_holds_the_output_or_is_asked_for(
    mini: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    engine = _built_by_a_preview(mini, out)
    written, manifest = engine.written, (out / MARKER).read_bytes()
    assert written is not None
    time.sleep(write.SETTLE_AFTER_S)
    with output_lock(out, lambda: None):  # another build, writing
        engine.settle(lambda: True)
    engine.settle(lambda: False)  # a save came: the next build checks them itself
    assert engine.written is written and (out / MARKER).read_bytes() == manifest
    assert (out / MARKER).stat().st_mtime_ns == written.stat[1]


def test_written_counts_the_files_whose_bytes_changed_search_index_included(mini: Path, tmp_path: Path) -> None:
    """The search indexer writes its whole index again at every build; those of its files whose bytes are the
    last build's are not counted as written (a rebuild with nothing changed said "205 written")."""
    out = tmp_path / "site"
    first = build(BuildOptions(content=mini, out=out))
    assert first.written == first.files and any(path.startswith("pagefind/") for path in read_site(out))
    for change in (None, ("issues/safety.md", "Inspectors looked", "Divers looked")):
        if change:
            edit(mini / change[0], change[1], change[2])
        before = read_site(out)
        again = build(BuildOptions(content=mini, out=out))
        after = read_site(out)
        changed = {path for path in after if before.get(path) != after[path]}
        assert again.written == len(changed), sorted(changed)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's parent-death signal is Linux's")
def test_workers_of_a_build_killed_outright_end_and_release_the_lock(tmp_path: Path) -> None:
    """A build SIGKILLed alone (not its process group) leaves its workers without a parent. They inherited the
    output's lock, so they must end at once, not when their task is done (seconds, for the big pages of a
    huge briefing): slowing every task by 30 s in `parallel._serve` makes this fail without the workers'
    parent-death signal, and pass with it."""
    content = tmp_path / "content"
    make_large_content(content, LargeBriefing.generate())
    out = tmp_path / "site"
    run = subprocess.Popen(
        briefing_command("build", "--no-search", "--content", str(content), "--out", str(out)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline, workers = time.monotonic() + 60, set()
    while not workers and run.poll() is None and time.monotonic() < deadline:
        staging = any(name.startswith(".site.new") for name in os.listdir(tmp_path))  # the lock is held
        workers = children(run.pid) if staging else set()
        time.sleep(0.01)
    assert workers, "the build never started its workers while it held the lock"
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(running(pid) for pid in workers), "a worker outlived its build"
    again = _cli_build(content, out)
    assert again.returncode == 0, again.stderr
    expected, actual = clean_build(content, tmp_path / "clean"), read_site(out)
    assert expected == actual, describe_difference(expected, actual)


def _build_into_a_mount_point(mini: Path, out: Path) -> None:
    """Build, then build again after an edit, a stranger in the output and a killed build's staging folder
    inside it; each time the output must equal a clean build, with nothing of ours left beside or inside."""
    result = _cli_build(mini, out)
    assert result.returncode == 0, result.stderr
    assert read_site(out) == clean_build(mini, mini.parent / "clean")
    edit(mini / "stakeholders" / "ana-ruiz.md", "name: Ana Ruiz", "name: Ana Ruiz-Ortega")
    (out / "stray.txt").write_text("not ours")
    killed = out / ".briefing-new-0123456789abcdef"  # as a build killed while it filled its staging folder
    killed.mkdir()
    (killed / ".briefing-staging").write_bytes(b"")
    (killed / "index.html").write_text("half a build")
    result = _cli_build(mini, out)
    assert result.returncode == 0, result.stderr
    assert "removed 1 file not made by `briefing build`: stray.txt" in result.stderr
    expected, actual = clean_build(mini, mini.parent / "clean2"), read_site(out)
    assert actual == expected, describe_difference(expected, actual)
    beside = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    assert beside == [f".{out.name}.lock"] and not list(out.glob(".briefing-new-*"))


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0, reason="mounting needs Linux and root")
def test_an_output_that_is_a_mount_point_is_built_in_place(mini: Path) -> None:
    """A container's volume or a disk of its own cannot be renamed, so the atomic swap of a staging folder
    beside it fails ("device or resource busy"): its staging folder is made inside it, and its files moved
    into place one by one, each atomically."""
    out = mini.parent / "site"
    out.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(out)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount here: {mounted.stderr.decode().strip()}")
    try:
        _build_into_a_mount_point(mini, out)
    finally:
        subprocess.run(["umount", str(out)], check=False)


def test_a_bind_mount_on_the_same_device_is_known_as_a_mount_point(tmp_path: Path) -> None:
    """A bind mount of a folder of the same disk has its parent's device number: /proc/self/mountinfo says."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("mounting needs Linux and root")
    (tmp_path / "from").mkdir()
    target = tmp_path / "with space"
    target.mkdir()
    assert not is_mount_point(target)
    mounted = subprocess.run(["mount", "--bind", str(tmp_path / "from"), str(target)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount here: {mounted.stderr.decode().strip()}")
    try:
        assert os.stat(target).st_dev == os.stat(tmp_path).st_dev and is_mount_point(target)
    finally:
        subprocess.run(["umount", str(target)], check=False)


def test_a_build_into_a_mount_point_stopped_while_moving_files_is_redone(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Moving the files of a mount point's staging folder into place is not one atomic step: a build stopped
    midway (a full disk, a kill) leaves old and new files side by side, and the next build must still give a
    clean build's output. (The output here is an ordinary folder taken for a mount point.)"""
    monkeypatch.setattr(write, "is_mount_point", lambda path: path.is_dir())
    out = mini.parent / "site"
    build(BuildOptions(content=mini, out=out, search=False))
    edit(mini / "stakeholders" / "ana-ruiz.md", "name: Ana Ruiz", "name: Ana Ruiz-Ortega")
    replace, moves = os.replace, []

    def stop_after_some(source: Path, target: Path) -> None:
        moves.append(target)
        if len(moves) == 12:
            raise OSError(errno.ENOSPC, "No space left on device")
        replace(source, target)

    monkeypatch.setattr(write.os, "replace", stop_after_some)
    with pytest.raises(OSError):
        build(BuildOptions(content=mini, out=out, search=False))
    monkeypatch.setattr(write.os, "replace", replace)
    assert len(moves) == 12 and not list(out.glob(".briefing-new-*"))
    build(BuildOptions(content=mini, out=out, search=False))
    expected, actual = clean_build(mini, mini.parent / "clean"), read_site(out)
    assert actual == expected, describe_difference(expected, actual)


def test_a_mounted_disks_lost_and_found_is_left_alone(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ext4 makes `lost+found` at the root of every file system: a disk of its own mounted as the output is
    built into, and its `lost+found`, with what a file system check recovered into it, is neither counted
    against the output, nor named, nor removed. (The output here is an ordinary folder taken for a mount
    point.)"""
    monkeypatch.setattr(write, "is_mount_point", lambda path: path.is_dir())
    out = mini.parent / "disk"
    (out / "lost+found").mkdir(parents=True)
    (out / "lost+found" / "#131075").write_bytes(b"recovered by fsck")
    first = build(BuildOptions(content=mini, out=out, search=False))
    edit(mini / "stakeholders" / "ana-ruiz.md", "name: Ana Ruiz", "name: Ana Ruiz-Ortega")
    second = build(BuildOptions(content=mini, out=out, search=False))
    assert not [w.message for w in first.warnings + second.warnings if "lost+found" in w.message]
    assert (out / "lost+found" / "#131075").read_bytes() == b"recovered by fsck"
    site = {path: data for path, data in read_site(out).items() if not path.startswith("lost+found/")}
    expected = clean_build(mini, mini.parent / "clean")
    assert site == expected, describe_difference(expected, site)


def test_an_output_in_a_folder_the_user_may_not_write_is_built_inside_it(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A web server's /var/www/html: the user's own, in a folder only root may change. Nothing can be made
    beside it (the lock file, a staging folder to swap in), so the build locks and stages inside it and moves
    its files into place, as for a mount point: built, rebuilt after an edit, by the preview's writer too, and
    equal to a clean build, with nothing left beside it and its lock file never named as a stranger."""
    www = mini.parent / "www"
    out = www / "html"
    out.mkdir(parents=True)
    fail_writes(monkeypatch, www, errno.EACCES, only_in=True)
    first = build(BuildOptions(content=mini, out=out, search=False))
    edit(mini / "stakeholders" / "ana-ruiz.md", "name: Ana Ruiz", "name: Ana Ruiz-Ortega")
    second = build(BuildOptions(content=mini, out=out, search=False))
    edit(mini / "stakeholders" / "ana-ruiz.md", "name: Ana Ruiz-Ortega", "name: Ana Ruiz-Ortiz")
    third = Engine(BuildOptions(content=mini, out=out, search=False, mode=Mode.PREVIEW)).build()
    assert not [w.message for w in first.warnings + second.warnings + third.warnings if "not made by" in w.message]
    assert os.listdir(www) == ["html"]
    site = read_site(out)
    assert site.pop(".briefing-lock") is not None  # (read_site leaves out only the manifest)
    monkeypatch.undo()
    expected = clean_build(mini, mini.parent / "clean")
    assert site == expected, describe_difference(expected, site)


def test_an_output_in_a_folder_that_became_read_only_after_a_build_is_built_inside_it(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder above refuses now, but the lock file beside the output is still there from a build made
    when it did not: the lock opens, the staging folder cannot be made beside, so the build stages inside."""
    www = mini.parent / "www"
    out = www / "html"
    build(BuildOptions(content=mini, out=out, search=False))
    assert sorted(os.listdir(www)) == [".html.lock", "html"]
    fail_writes(monkeypatch, www, errno.EACCES, only_in=True)
    edit(mini / "stakeholders" / "ana-ruiz.md", "name: Ana Ruiz", "name: Ana Ruiz-Ortega")
    build(BuildOptions(content=mini, out=out, search=False))
    monkeypatch.undo()
    assert sorted(os.listdir(www)) == [".html.lock", "html"]
    site = read_site(out)
    expected = clean_build(mini, mini.parent / "clean")
    assert site == expected, describe_difference(expected, site)


def test_a_folder_that_only_looks_like_a_staging_folder_inside_the_output_is_named(mini: Path) -> None:
    """Only a staging folder marked as ours is passed over in the output (a mount point's, being filled);
    one that merely has the name is someone's files: named in the warning, like any other."""
    out = mini.parent / "site"
    build(BuildOptions(content=mini, out=out, search=False))
    (out / ".briefing-new-mine").mkdir()
    (out / ".briefing-new-mine" / "notes.txt").write_text("mine")
    result = build(BuildOptions(content=mini, out=out, search=False))
    assert [w.message for w in result.warnings if "not made by" in w.message] == [
        "removed 1 file not made by `briefing build`: .briefing-new-mine/notes.txt"
    ]
    assert read_site(out) == clean_build(mini, mini.parent / "clean")
