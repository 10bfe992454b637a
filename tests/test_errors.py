"""Invalid content: each mistake gets `file:line: message`, exit status 1, and nothing is written."""

import errno
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.build import BuildOptions, Engine, Mode
from generator.diagnostics import ContentError
from tests.helpers import briefing_command, build_errors, deny_reading, edit, fail_writes, read_site, run

CASES = [
    (
        "unknown stakeholder",
        "timeline.yaml",
        "stakeholders: [port-authority, ana-ruiz]",
        "stakeholders: [port-authority, ana-ruis]",
        "content/timeline.yaml:22: error: unknown stakeholder `ana-ruis` in event `port-refuses` "
        "(did you mean `ana-ruiz`?)",
    ),
    (
        "unknown citation",
        "issues/safety.md",
        "[@inspection-report]",
        "[@inspection-reprot]",
        "content/issues/safety.md:10: error: unknown source `inspection-reprot` in citation `[@inspection-reprot]` "
        "(did you mean `inspection-report`?)",
    ),
    (
        "unknown link",
        "issues/safety.md",
        "[[repair-costs|",
        "[[repair-cost|",
        "content/issues/safety.md:10: error: unknown id `repair-cost` in link `[[repair-cost]]` "
        "(did you mean `repair-costs`?)",
    ),
    (
        "wrong kind",
        "quotes.yaml",
        "speaker: ana-ruiz",
        "speaker: safety",
        "content/quotes.yaml:2: error: `safety` is a issue, not a stakeholder (quote `ruiz-repairs`)",
    ),
    (
        "duplicate id",
        "sources.yaml",
        "- id: inspection-report",
        "- id: port-letter\n  title: T\n  publisher: P\n- id: inspection-report",
        "content/sources.yaml:10: error: duplicate id `port-letter`: already used by the source at "
        "content/sources.yaml:6 (ids are unique across all kinds)",
    ),
    (
        "missing field",
        "stakeholders/ana-ruiz.md",
        "role: Chair of the works committee\n",
        "",
        "content/stakeholders/ana-ruiz.md:2: error: required field `role` is missing in stakeholder "
        "(role, as of when they matter to the briefing.)",
    ),
    (
        "empty field",
        "stakeholders/ana-ruiz.md",
        "name: Ana Ruiz",
        "name:",
        "content/stakeholders/ana-ruiz.md:2: error: required field `name` is empty in stakeholder (display name.)",
    ),
    (
        "bad date",
        "timeline.yaml",
        "date: 2025-10\n",
        "date: 2025-02-30\n",
        "content/timeline.yaml:10: error: field `date`: `2025-02-30` is not a real date: February 2025 has 28 days",
    ),
    (
        "malformed yaml",
        "sources.yaml",
        "title: Letter to the council",
        "title: Letter: to the council",
        "content/sources.yaml:7: error: invalid YAML: mapping values are not allowed in this context "
        "(a text containing `: ` must be quoted, or written as a block with `>-`)",
    ),
    (
        "unknown field",
        "issues/safety.md",
        "status: addressed",
        "status: addressed\nstatsu: open",
        "content/issues/safety.md:5: error: unknown field `statsu` in issue (did you mean `status`?)",
    ),
    (
        "too few key points",
        "issues/safety.md",
        "status: addressed",
        "status: addressed\nkey_points:\n  - One [@port-letter].\n  - Two [@port-letter].",
        "content/issues/safety.md:5: error: field `key_points`: needs at least 3 entries",
    ),
    (
        "too many key points",
        "issues/safety.md",
        "status: addressed",
        "status: addressed\nkey_points: [a, b, c, d, e, f]",
        "content/issues/safety.md:5: error: field `key_points`: has 6 entries; at most 5",
    ),
    (
        "bad choice",
        "issues/safety.md",
        "status: addressed",
        "status: adressed",
        "content/issues/safety.md:4: error: field `status`: `adressed` is not allowed (did you mean `addressed`?)",
    ),
    (
        "bad id",
        "timeline.yaml",
        "- id: port-refuses",
        "- id: Port_Refuses",
        "content/timeline.yaml:17: error: field `id`: `Port_Refuses` is not a valid id (ids are lowercase letters, "
        "digits and single hyphens, e.g. `port-refuses`)",
    ),
    (
        "ids not a list",
        "timeline.yaml",
        "issues: [safety]",
        "issues: safety",
        "content/timeline.yaml:5: error: field `issues`: expected a list of ids (write `[safety]`)",
    ),
    (
        "unclosed front matter",
        "pages/about.md",
        "summary: About this test briefing.\n---\n",
        "summary: About this test briefing.\n",
        "content/pages/about.md:1: error: front matter is not closed (add a line `---` after the fields)",
    ),
    (
        "duplicate key",
        "briefing.yaml",
        "language: en\n",
        "language: en\nlanguage: fr\n",
        "content/briefing.yaml:5: error: duplicate key `language` (first set on line 4) (keep one of them)",
    ),
    (
        "unknown navigation",
        "briefing.yaml",
        ", about]",
        ", abuot]",
        "content/briefing.yaml:1: error: unknown navigation entry `abuot` (did you mean `about`?)",
    ),
]


@pytest.mark.parametrize(("name", "file", "old", "new", "message"), CASES, ids=[c[0] for c in CASES])
def test_exact_error_message(
    capsys: pytest.CaptureFixture[str], mini: Path, name: str, file: str, old: str, new: str, message: str
) -> None:
    edit(mini / file, old, new)
    assert build_errors(capsys, mini) == [message]


def test_all_errors_of_a_build_are_reported_together(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    edit(mini / "timeline.yaml", "issues: [safety]", "issues: [safty]")
    edit(mini / "issues/repair-costs.md", "[[ana-ruiz]]", "[[ana-ruis]]")
    edit(mini / "sources.yaml", "date: 2026-02", "date: 2026-14")
    errors = build_errors(capsys, mini)
    assert len(errors) == 3
    assert [e.split(":")[0] for e in errors] == [
        "content/issues/repair-costs.md",
        "content/sources.yaml",
        "content/timeline.yaml",
    ]


def test_a_field_error_does_not_hide_the_other_mistakes_of_its_record(
    capsys: pytest.CaptureFixture[str], mini: Path
) -> None:
    """A record that fails validation is still read for its references: one build names every mistake."""
    edit(mini / "issues/safety.md", "status: addressed", "status: adressed")
    edit(mini / "issues/safety.md", "stakeholder: port-authority", "stakeholder: port-authorty")
    edit(mini / "issues/safety.md", "[@inspection-report]", "[@inspection-reprot]")
    edit(mini / "timeline.yaml", "date: 2025-10\n", "date: 2025-02-30\n")
    edit(mini / "timeline.yaml", "issues: [safety, repair-costs]", "issues: [safety, repair-cost]")
    edit(mini / "timeline.yaml", "issues: [safety]", "issues: [safty]")  # the record in error is suggested too
    assert build_errors(capsys, mini) == [
        "content/issues/safety.md:4: error: field `status`: `adressed` is not allowed (did you mean `addressed`?)",
        "content/issues/safety.md:6: error: unknown stakeholder `port-authorty` in issue `safety` "
        "(did you mean `port-authority`?)",
        "content/issues/safety.md:10: error: unknown source `inspection-reprot` in citation `[@inspection-reprot]` "
        "(did you mean `inspection-report`?)",
        "content/timeline.yaml:5: error: unknown issue `safty` in event `bridge-opens` (did you mean `safety`?)",
        "content/timeline.yaml:10: error: field `date`: `2025-02-30` is not a real date: February 2025 has 28 days",
        "content/timeline.yaml:14: error: unknown issue `repair-cost` in event `cracks-found` "
        "(did you mean `repair-costs`?)",
    ]


def test_non_utf8_names_the_byte_offset(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    (mini / "issues" / "safety.md").write_bytes(b"---\ntitle: Caf\xe9\n---\n")
    assert build_errors(capsys, mini) == [
        "content/issues/safety.md:2: error: not valid UTF-8 (byte offset 14) (save the file as UTF-8)"
    ]


def test_template_error_names_template_and_line(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    templates = mini.parent / "templates"
    templates.mkdir()
    (templates / "page.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n{{ view.titel }}\n{% endblock %}\n'
    )
    errors = build_errors(capsys, mini)
    assert len(errors) == 1
    assert errors[0].endswith(
        "page.html:3: error: template error: 'generator.views.PageView object' has no attribute 'titel'"
    )


def test_a_template_that_changes_a_name_is_told_to_show_it_as_it_is(
    capsys: pytest.CaptureFixture[str], mini: Path
) -> None:
    """Names of linked entities are laid into a page after its template ran (so that a renamed entity is laid
    into the pages that show it): a filter on one would change the slot, not the name. The build says so,
    instead of publishing the slot."""
    templates = mini.parent / "templates"
    templates.mkdir()
    (templates / "issue.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n'
        "{% for p in view.positions %}{{ p.holder.label|lower }}{% endfor %}\n{% endblock %}\n"
    )
    errors = build_errors(capsys, mini)
    assert errors and all("the template changed an entity's name before showing it" in e for e in errors)
    assert errors[0].startswith("issue.html")


@pytest.mark.parametrize("shown", ["title", "head_title", "description"])
def test_a_stakeholder_page_shows_its_own_name_as_names_are_shown(
    capsys: pytest.CaptureFixture[str], mini: Path, tmp_path: Path, shown: str
) -> None:
    """A stakeholder's own page shows its name in slots too (its title, descriptions, heading and JSON-LD), so
    that a renamed hub is laid into its own page as into the others: a template shows `chrome.title` as it is
    (the name is there), and a filter that changes it is the same error as on any name."""
    templates = mini.parent / "templates"
    templates.mkdir()
    page = '{{% extends "base.html" %}}\n{{% block main %}}\n<p id="shown">{0}</p>\n{{% endblock %}}\n'
    (templates / "stakeholder.html").write_text(page.format(f"{{{{ chrome.{shown} }}}}"))
    out = tmp_path / "site"
    assert run(capsys, "build", "--content", str(mini), "--out", str(out), "--no-search")[0] == 0
    html = (out / "stakeholders" / "ana-ruiz" / "index.html").read_text("utf-8")
    assert '<p id="shown">Ana Ruiz' in html and '"name": "Ana Ruiz"' in html and "\x00" not in html
    shutil.rmtree(out)
    (templates / "stakeholder.html").write_text(page.format(f"{{{{ chrome.{shown}|upper }}}}"))
    errors = build_errors(capsys, mini)
    assert errors and all("the template changed an entity's name before showing it" in e for e in errors)
    assert errors[0].startswith("stakeholder.html")


def test_a_print_article_that_changes_a_name_is_told_so_too(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    """The print page's articles get their names laid in where each lands on the page: a filter on one is an
    error there too, not a page with a stray slot in it."""
    templates = mini.parent / "templates"
    templates.mkdir()
    built_in = (Path(__file__).parent.parent / "templates" / "print_items.html").read_text()
    assert "{{ position.holder.label }}" in built_in
    changed = built_in.replace("{{ position.holder.label }}", "{{ position.holder.label|upper }}")
    (templates / "print_items.html").write_text(changed)
    errors = build_errors(capsys, mini)
    assert errors and all("the template changed an entity's name before showing it" in e for e in errors)
    assert errors[0].startswith("print_items.html")


def test_missing_content_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "build", "--content", str(tmp_path / "nope"), "--out", str(tmp_path / "site"))
    assert code == 1 and "content folder not found" in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "build", "--no-such-flag")[0] == 2
    assert run(capsys, "frobnicate")[0] == 2


def test_check_reports_success(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    code, out, _ = run(capsys, "check", "--content", str(mini))
    assert code == 0 and out.startswith("checked 17 pages: no errors")


def test_build_prints_one_line_summary(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    code, out, _ = run(capsys, "build", "--content", str(mini), "--out", str(mini.parent / "site"))
    assert code == 0
    assert len(out.strip().splitlines()) == 1 and out.startswith("built 17 pages")


# --- Faults of the machine and of files are the user's to fix: exit 1 and the path, never "internal error" --


def _built(capsys: pytest.CaptureFixture[str], content: Path) -> tuple[Path, dict[str, bytes]]:
    """Build `content` into `site` beside it, then change a page, so the next build has something to write."""
    out = content.parent / "site"
    assert run(capsys, "build", "--no-search", "--content", str(content), "--out", str(out))[0] == 0
    edit(content / "issues" / "safety.md", "title: Safety", "title: Safety first")
    return out, read_site(out)


def _refused(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    """The error lines of a command that must fail with exit 1 and a report, never an internal error."""
    code, _, err = run(capsys, *args)
    assert code == 1, err
    assert "internal error" not in err and "Traceback" not in err, err
    lines, summary = err.strip().splitlines(), f"{args[0]} failed: "
    assert lines[-1].startswith(summary) or len(lines) == 1, err
    return lines[:-1] if lines[-1].startswith(summary) else lines


@pytest.mark.parametrize(
    ("code", "at_write", "words"),
    [
        (errno.ENOSPC, True, "no space left on device"),
        (errno.EDQUOT, True, "disk quota exceeded"),
        (errno.EIO, True, "input/output error"),
        (errno.EFBIG, True, "file too large"),
        (errno.ENOSPC, False, "no space left on device"),
        (errno.EROFS, False, "read-only file system"),
        (errno.EACCES, False, "permission denied"),
    ],
)
def test_a_full_read_only_or_forbidden_output_disk_is_reported_not_a_crash(
    capsys: pytest.CaptureFixture[str],
    mini: Path,
    monkeypatch: pytest.MonkeyPatch,
    code: int,
    at_write: bool,
    words: str,
) -> None:
    out, before = _built(capsys, mini)
    beside = sorted(p.name for p in out.parent.iterdir())
    fail_writes(monkeypatch, out.parent, code, at_write)
    (line,) = _refused(capsys, "build", "--no-search", "--content", str(mini), "--out", str(out))
    monkeypatch.undo()
    assert re.fullmatch(rf"site(/\S+)?: error: {re.escape(words)} \(.+\)", line), line
    assert read_site(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == beside  # no staging folder left behind


def test_an_output_whose_parent_is_not_writable_is_reported(
    capsys: pytest.CaptureFixture[str], mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = mini.parent / "public"
    parent.mkdir()
    if os.geteuid() == 0:  # root is not stopped by permissions
        fail_writes(monkeypatch, parent, errno.EACCES)
    else:
        parent.chmod(0o555)
    (line,) = _refused(capsys, "build", "--no-search", "--content", str(mini), "--out", str(parent / "site"))
    assert re.fullmatch(r"public(/\S+)?: error: permission denied \(check the permissions .+\)", line), line
    assert list(parent.iterdir()) == []


@pytest.mark.parametrize("folder", ["content", "content/issues", "content/timeline", "content/stakeholders"])
@pytest.mark.parametrize("command", ["build", "check"])
def test_an_unreadable_content_folder_is_named(
    capsys: pytest.CaptureFixture[str], mini: Path, monkeypatch: pytest.MonkeyPatch, folder: str, command: str
) -> None:
    if command == "build":
        out, before = _built(capsys, mini)
    (mini / "timeline").mkdir()
    shutil.move(mini / "timeline.yaml", mini / "timeline" / "all.yaml")
    deny_reading(monkeypatch, mini.parent / folder)
    out_args = ["--no-search", "--out", str(mini.parent / "site")] if command == "build" else []
    lines = _refused(capsys, command, "--content", str(mini), *out_args)
    monkeypatch.undo()
    (mini.parent / folder).chmod(0o755)
    assert len(lines) == 1 and lines[0].startswith(f"{folder}: error: ") and "permission denied" in lines[0], lines
    if command == "build":
        assert read_site(out) == before


NOT_UTF8_NAME = os.fsdecode(b"caf\xe9.md")


def test_a_file_that_cannot_be_read_is_named_by_the_preview_too(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview's engine reads every file's bytes itself (for its memo): one it cannot read is an error."""
    engine = Engine(BuildOptions(content=mini, out=tmp_path / "site", mode=Mode.PREVIEW, search=False))
    engine.build()
    unreadable, read_bytes = mini / "issues" / "safety.md", Path.read_bytes

    def denied(path: Path) -> bytes:
        if path == unreadable:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(ContentError) as caught:
        engine.build()
    assert [d.message for d in caught.value.diagnostics] == ["cannot read file: permission denied"]


@pytest.mark.parametrize("folder", ["issues", "stakeholders", "pages", "timeline"])
@pytest.mark.parametrize("command", [["build"], ["build", "--no-cache"], ["check"]])
def test_a_file_name_that_is_not_utf8_is_named_and_skipped(
    capsys: pytest.CaptureFixture[str], mini: Path, folder: str, command: list[str]
) -> None:
    (mini / folder).mkdir(exist_ok=True)
    name = NOT_UTF8_NAME.replace(".md", ".yaml") if folder == "timeline" else NOT_UTF8_NAME
    (mini / folder / name).write_text("---\ntitle: Café\n---\nText.\n" if folder != "timeline" else "[]\n")
    out = ["--no-search", "--out", str(mini.parent / "site")] if command[0] == "build" else []
    lines = _refused(capsys, *command, "--content", str(mini), *out)
    shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    assert lines == [f"content/{folder}: error: file name `{shown}` is not valid UTF-8 (rename it)"]


@pytest.mark.parametrize(
    ("name", "shown"),
    [(b"templates/assets/x\xff.css", "x\\xff.css"), (b"templates/assets/d\xe9/ok.css", "d\\xe9")],
)
def test_a_theme_file_name_that_is_not_utf8_is_named(
    capsys: pytest.CaptureFixture[str], mini: Path, name: bytes, shown: str
) -> None:
    path = mini.parent / os.fsdecode(name)
    path.parent.mkdir(parents=True)
    path.write_text("p { color: teal; }\n")
    (line,) = _refused(capsys, "build", "--no-search", "--content", str(mini), "--out", str(mini.parent / "site"))
    assert line == f"templates/assets: error: file name `{shown}` is not valid UTF-8 (rename it)"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b'{% extends "base.html" %}\n{# caf\xe9 #}\n',
            "templates/page.html:2: error: not valid UTF-8 (byte offset 32)",
        ),
        (
            '{% extends "base.html" %}\n'.encode("utf-16"),
            "templates/page.html:1: error: not valid UTF-8: the file is UTF-16 (save it as UTF-8)",
        ),
        (b"{# \xff #}\n", "templates/page.html:1: error: not valid UTF-8 (byte offset 3)"),
    ],
)
@pytest.mark.parametrize("name", ["page.html", "unused.html"])
def test_a_template_override_that_is_not_utf8_is_named_with_its_line(
    capsys: pytest.CaptureFixture[str], mini: Path, data: bytes, expected: str, name: str
) -> None:
    templates = mini.parent / "templates"
    templates.mkdir()
    (templates / name).write_bytes(data)
    (line,) = _refused(capsys, "build", "--no-search", "--content", str(mini), "--out", str(mini.parent / "site"))
    assert line.startswith(expected.replace("page.html", name)), line
    assert not (mini.parent / "site").exists()


def test_a_real_bug_is_still_an_internal_error(
    capsys: pytest.CaptureFixture[str], mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> object:
        raise OSError(errno.EBADF, "Bad file descriptor")  # our mistake: no user could cause it

    monkeypatch.setattr("generator.cli.build", broken)
    code, _, err = run(capsys, "build", "--content", str(mini))
    assert code == 70 and err.startswith("internal error: OSError: [Errno 9] Bad file descriptor")
    monkeypatch.setattr("generator.cli.build", lambda *args: {}["missing"])
    assert run(capsys, "check", "--content", str(mini))[0] == 70


def test_a_leaning_outside_the_schema_is_refused(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    edit(mini / "issues/safety.md", "    sources: [port-letter]", "    leaning: support\n    sources: [port-letter]")
    errors = build_errors(capsys, mini)
    assert (
        "content/issues/safety.md:8: error: field `leaning`: `support` is not allowed (did you mean `supports`?)"
        in errors
    )


def test_an_output_that_is_a_loop_of_links_is_reported(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    out = mini.parent / "site"
    out.symlink_to("site")
    (line,) = _refused(capsys, "build", "--content", str(mini), "--out", str(out))
    assert line == f"site: error: the output path {out} is a symbolic link that leads to itself (remove the loop)"


def test_an_output_below_a_file_is_reported(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    (mini.parent / "notes").write_text("a file, not a folder\n")
    out = mini.parent / "notes" / "site"
    (line,) = _refused(capsys, "build", "--content", str(mini), "--out", str(out))
    assert (
        line
        == f"notes/site: error: cannot build into {out}: {out.parent} is a file, not a folder (choose another --out)"
    )


@pytest.mark.parametrize("out", ["content", "notes/site"])
def test_the_preview_refuses_an_output_no_build_may_write_before_serving(mini: Path, out: str) -> None:
    """Serving would never show a page: the server stops at once, as a build does (a content error, which
    the editor can fix while it runs, is shown in the browser instead)."""
    (mini.parent / "notes").write_text("a file, not a folder\n")
    command = briefing_command("serve", "--content", str(mini), "--out", str(mini.parent / out), "--port", "0")
    done = subprocess.run(command, cwd=mini.parent, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(f"{out}: error: "), done.stderr
    assert "Serving" not in done.stdout


def test_the_preview_reports_a_full_disk_as_a_build_does(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The preview's build process answers the server with the same line a one-off build prints."""
    from generator.build import BuildOptions, Engine, Mode
    from generator.builder import _outcome
    from generator.diagnostics import format_report

    out = mini.parent / "site"
    engine = Engine(BuildOptions(content=mini, out=out, mode=Mode.PREVIEW, search=False))
    assert _outcome(engine, None)[0] == "built"
    issue = sorted((mini / "issues").glob("*.md"))[0]
    issue.write_text(issue.read_text() + "\nOne more sentence.\n")
    fail_writes(monkeypatch, out, errno.ENOSPC, at_write=True)
    status, diagnostics = _outcome(engine, {issue})
    monkeypatch.undo()
    assert status == "failed"
    (line,) = format_report(diagnostics).splitlines()  # type: ignore[arg-type]
    assert re.fullmatch(r"site(/\S+)?: error: no space left on device \(free some space, .+\)", line), line
    assert ".tmp" not in line  # the temporary is gone: the file it stood for is named


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (
            OSError(errno.EMFILE, "Too many open files"),
            "pagefind: error: search indexing failed: too many open files "
            "(too many open files; raise the limit with `ulimit -n`)",
        ),
        (
            subprocess.CompletedProcess([], 1, "", "Error: no pages found\n"),
            "pagefind: error: search indexing failed: Error: no pages found (`--no-search` skips indexing)",
        ),
        (
            None,  # the `pagefind` package finds no binary
            "pagefind: error: search indexing failed: Pagefind is not installed "
            "(install it with `pip install 'pagefind[extended]'`; `--no-search` skips indexing)",
        ),
    ],
)
def test_a_failed_search_index_is_reported_with_a_hint_and_the_old_site_kept(
    capsys: pytest.CaptureFixture[str],
    mini: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: object,
    expected: str,
) -> None:
    from generator import search

    out, before = _built(capsys, mini)

    def run(*_args: object, **_kwargs: object) -> object:
        if isinstance(failure, BaseException):
            raise failure
        return failure

    if failure is None:
        monkeypatch.setattr("pagefind.service.get_executable", lambda: None)
    else:
        monkeypatch.setattr(search.subprocess, "run", run)
    assert _refused(capsys, "build", "--content", str(mini), "--out", str(out)) == [expected]
    assert read_site(out) == before


def test_pagefind_is_run_as_the_package_finds_it(
    capsys: pytest.CaptureFixture[str], mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The binary the `pagefind` package names is run directly (no second Python only to find it), the one its
    `PAGEFIND_BINARY_PATH` names included; a path that names nothing is said, not a traceback."""
    out, before = _built(capsys, mini)
    missing = mini.parent / "no-pagefind"
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(missing))
    expected = (
        f"pagefind: error: search indexing failed: Pagefind is not at {missing} "
        "(install it with `pip install 'pagefind[extended]'`; `--no-search` skips indexing)"
    )
    assert _refused(capsys, "build", "--content", str(mini), "--out", str(out)) == [expected]
    assert read_site(out) == before


def test_a_content_name_that_holds_no_file_is_an_error_not_skipped(
    capsys: pytest.CaptureFixture[str], mini: Path
) -> None:
    """A folder named like an issue, and a link to nothing: the editor meant a file there; leaving it out
    would drop an issue from the site without a word."""
    (mini / "issues" / "bridge.md").mkdir()
    (mini / "stakeholders" / "ghost.md").symlink_to(mini.parent / "nowhere.md")
    edit(mini / "issues" / "safety.md", "status: addressed", "status: adressed")
    lines = build_errors(capsys, mini)
    folder = "this is a folder, not a file (rename the folder or move it out of the content)"
    link = "this file is a link that leads nowhere (remove the link or restore what it led to)"
    assert f"content/issues/bridge.md: error: {folder}" in lines
    assert f"content/stakeholders/ghost.md: error: {link}" in lines
    assert any(line.startswith("content/issues/safety.md:") for line in lines), lines  # reported together


def test_a_full_disk_mounted_as_the_output_names_the_output_file_not_the_staging_one(
    capsys: pytest.CaptureFixture[str], mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mount point stages inside itself (`site/.briefing-new-…/x`): the message names `site/x`, which the
    reader knows, not a folder gone by the time it is read. (An ordinary folder taken for a mount point.)"""
    from generator import write

    out, before = _built(capsys, mini)
    monkeypatch.setattr(write, "is_mount_point", lambda path: path.is_dir())
    fail_writes(monkeypatch, out, errno.ENOSPC, True)  # the disk mounted at `site`
    (line,) = _refused(capsys, "build", "--no-search", "--content", str(mini), "--out", str(out))
    monkeypatch.undo()
    assert re.fullmatch(r"site/[^.\s]\S*: error: no space left on device \(.+\)", line), line
    assert read_site(out) == before


def test_an_empty_settings_file_says_what_it_needs(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    (mini / "briefing.yaml").write_text("", "utf-8")
    assert build_errors(capsys, mini) == [
        "content/briefing.yaml:1: error: briefing.yaml is empty (it needs `title`, `summary`, `as_of`, "
        "`publisher`, `licence`, `state_of_play`; `briefing init` writes an example)"
    ]
