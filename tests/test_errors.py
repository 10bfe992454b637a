"""Invalid content: each mistake gets `file:line: message`, exit status 1, and nothing is written."""

from pathlib import Path

import pytest

from generator.cli import main
from tests.helpers import edit


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def build_errors(capsys: pytest.CaptureFixture[str], content: Path) -> list[str]:
    out = content.parent / "site"
    code, _, err = run(capsys, "build", "--content", str(content), "--out", str(out))
    assert code == 1
    assert not out.exists()
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("build failed: ")
    return lines[:-1]


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


def test_non_utf8_names_the_byte_offset(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    (mini / "issues" / "safety.md").write_bytes(b"---\ntitle: Caf\xe9\n---\n")
    assert build_errors(capsys, mini) == [
        "content/issues/safety.md:2: error: not valid UTF-8 (byte offset 14) (save the file as UTF-8)"
    ]


def test_template_error_names_template_and_line(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    templates = mini.parent / "templates"
    templates.mkdir()
    (templates / "page.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n{{ free_page.titel }}\n{% endblock %}\n'
    )
    errors = build_errors(capsys, mini)
    assert len(errors) == 1
    assert errors[0].endswith(
        "page.html:3: error: template error: 'generator.model.Page object' has no attribute 'titel'"
    )


def test_missing_content_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "build", "--content", str(tmp_path / "nope"), "--out", str(tmp_path / "site"))
    assert code == 1 and "content folder not found" in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "build", "--no-such-flag")[0] == 2
    assert run(capsys, "frobnicate")[0] == 2


def test_check_reports_success(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    code, out, _ = run(capsys, "check", "--content", str(mini))
    assert code == 0 and out.startswith("checked 15 pages: no errors")


def test_build_prints_one_line_summary(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    code, out, _ = run(capsys, "build", "--content", str(mini), "--out", str(mini.parent / "site"))
    assert code == 0
    assert len(out.strip().splitlines()) == 1 and out.startswith("built 15 pages")
