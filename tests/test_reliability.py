"""Whatever contributors write, the answer is `file:line: message` and exit 1: never a traceback, a hang,
a silently wrong page or a damaged site. One test (or more) per class of bad input and fault."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build import BuildOptions, build
from generator.diagnostics import ContentError
from tests.conftest import MINI
from tests.helpers import edit, read_site
from tests.test_errors import build_errors

ROOT = Path(__file__).parent.parent

# --- YAML -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "written", "shown"),
    [
        ("country", "NO", "NO"),
        ("role", "10:00", "10:00"),
        ("name", "02142", "02142"),
        ("role", "yes", "yes"),
        ("role", "1e3", "1e3"),
        ("role", "0x1F", "0x1F"),
        ("role", ".inf", ".inf"),
    ],
)
def test_yaml_1_1_surprises_never_reach_a_page(mini: Path, field: str, written: str, shown: str) -> None:
    path = mini / "stakeholders" / "ana-ruiz.md"
    text = path.read_text()
    lines = [line for line in text.splitlines() if not line.startswith(f"{field}:")]
    lines.insert(1, f"{field}: {written}")
    path.write_text("\n".join(lines) + "\n")
    out = mini.parent / "site"
    build(BuildOptions(content=mini, out=out, search=False))
    page = (out / "stakeholders" / "ana-ruiz" / "index.html").read_text()
    assert f">{shown}<" in page


def test_bare_yes_key_is_an_unknown_field_not_true(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    edit(mini / "issues" / "safety.md", "status: addressed", "status: addressed\nyes: no")
    assert build_errors(capsys, mini) == [
        "content/issues/safety.md:5: error: unknown field `yes` in issue (known fields: title, summary, status, "
        "status_note, order, positions, related)"
    ]


@pytest.mark.parametrize("empty", ["null", "~", "''", ""])
def test_empty_or_null_required_field_is_an_error(capsys: pytest.CaptureFixture[str], mini: Path, empty: str) -> None:
    edit(mini / "stakeholders" / "ana-ruiz.md", "name: Ana Ruiz", f"name: {empty}")
    assert build_errors(capsys, mini) == [
        "content/stakeholders/ana-ruiz.md:2: error: required field `name` is empty in stakeholder (display name.)"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "- id: a\n  title: !!python/object/apply:os.system [echo pwned]\n",
            "YAML tag `tag:yaml.org,2002:python/object/apply:os.system` is not allowed",
        ),
        ("- !!set {a, b}\n", "YAML tag `tag:yaml.org,2002:set` is not allowed"),
        ("- id: a\n  title: !!binary aGVsbG8=\n", "YAML tag `tag:yaml.org,2002:binary` is not allowed"),
        ("- id: a\n  title: !custom x\n", "YAML tag `!custom` is not allowed"),
        ("- id: a\n---\n- id: b\n", "more than one YAML document in this file"),
        ("- id: a\n  id: b\n", "duplicate key `id` (first set on line 1)"),
        ("- &a [x, x]\n- [*a, *a]\n", "YAML anchors and aliases (`&name`, `*name`) are not supported"),
        ("- " + "[" * 3000 + "]" * 3000 + "\n", "nesting depth"),
        ("\tid: a\n", "invalid YAML"),
    ],
)
def test_hostile_yaml_is_refused_with_the_file_named(
    capsys: pytest.CaptureFixture[str], mini: Path, text: str, message: str
) -> None:
    (mini / "sources.yaml").write_text(text)
    started = time.monotonic()
    errors = build_errors(capsys, mini)
    assert time.monotonic() - started < 30
    assert len(errors) == 1 and errors[0].startswith("content/sources.yaml:") and message in errors[0]


def test_alias_bomb_fails_fast(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    lines = ['- &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"- &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 40)]
    (mini / "quotes.yaml").write_text("\n".join(lines) + "\n")
    assert "anchors and aliases" in build_errors(capsys, mini)[0]


def test_deep_nesting_in_the_pure_python_loader_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libyaml, PyYAML recurses and raises RecursionError, which is not a YAMLError."""
    import yaml

    from generator import yamltext

    class PurePython(
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
        yaml.composer.Composer,
        yaml.constructor.BaseConstructor,
        yaml.resolver.BaseResolver,
    ):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.BaseConstructor.__init__(self)
            yaml.resolver.BaseResolver.__init__(self)

    monkeypatch.setattr(yamltext, "_TextLoader", PurePython)
    with pytest.raises(yamltext.YamlProblem) as caught:
        yamltext.parse_yaml("a: " + "[" * 5000 + "]" * 5000)
    assert "nested too deeply" in caught.value.message or "nesting" in caught.value.message


@pytest.mark.parametrize("date", ["2024-02-30", "2023-02-29", "2024-13", "2024-00", "24-01-01", "2024-1-5", "soon"])
def test_impossible_dates_are_errors(capsys: pytest.CaptureFixture[str], mini: Path, date: str) -> None:
    edit(mini / "timeline.yaml", "date: 2025-10\n", f"date: {date}\n")
    (error,) = build_errors(capsys, mini)
    assert error.startswith("content/timeline.yaml:10: error: field `date`: ")


# --- Files ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../escape",
        "a/b",
        "a\\b",
        "%2e%2e",
        "..",
        ".hidden",
        "UPPER",
        "con",
        "lpt1",
        "nul",
        "café",
        "a_b",
        "a--b",
        "/etc/passwd",
        "C:\\evil",
    ],
)
def test_ids_that_could_escape_or_break_the_output_are_refused(
    capsys: pytest.CaptureFixture[str], mini: Path, name: str
) -> None:
    edit(mini / "timeline.yaml", "- id: port-refuses", f"- id: {name!r}" if "\\" in name else f'- id: "{name}"')
    errors = build_errors(capsys, mini)
    assert errors and errors[0].startswith("content/timeline.yaml:17: error: field `id`: ")


@pytest.mark.parametrize("name", ["Safety.md", "con.md", "safety copy.md", "sécurité.md"])
def test_file_names_that_are_not_ids_are_refused(capsys: pytest.CaptureFixture[str], mini: Path, name: str) -> None:
    shutil.copy(mini / "issues" / "safety.md", mini / "issues" / name)
    errors = build_errors(capsys, mini)
    assert any(e.startswith(f"content/issues/{name}:") and "is not a valid id" in e for e in errors)


def test_ids_differing_only_by_case_collide_loudly(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    """Ids are lowercase ASCII, so `SAFETY.md` beside `safety.md` (one file on a case-insensitive disk) or a
    decomposed `é` can never become a second page: the file is refused by name."""
    shutil.copy(mini / "issues" / "safety.md", mini / "issues" / "SAFETY.md")
    shutil.copy(mini / "issues" / "safety.md", mini / "issues" / "se\u0301curite\u0301.md")
    errors = build_errors(capsys, mini)
    assert any(e.startswith("content/issues/SAFETY.md: error: file name `SAFETY.md` is not a valid id") for e in errors)
    assert any(
        "is not a valid id (ids are lowercase letters, digits and single hyphens, e.g. `securite`)" in e for e in errors
    )


def test_symlink_leaving_the_project_is_refused(capsys: pytest.CaptureFixture[str], mini: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: Secret\n---\nprivate\n")
    (mini / "pages" / "leak.md").symlink_to(secret)
    assert build_errors(capsys, mini) == [
        "content/pages/leak.md: error: this file is a link to a place outside the project (copy the file in instead)"
    ]


def test_bom_and_crlf_change_nothing(mini: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    build(BuildOptions(content=mini, out=plain, search=False, cache=False))
    for path in mini.rglob("*"):
        if path.suffix in (".md", ".yaml"):
            path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    windows = tmp_path / "windows"
    build(BuildOptions(content=mini, out=windows, search=False, cache=False))
    assert read_site(plain) == read_site(windows)


def test_file_creation_order_changes_nothing(tmp_path: Path) -> None:
    forward, backward = tmp_path / "forward" / "content", tmp_path / "backward" / "content"
    files = sorted(p for p in MINI.rglob("*") if p.is_file())
    for target, order in ((forward, files), (backward, files[::-1])):
        for path in order:
            destination = target / path.relative_to(MINI)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, destination)
    build(BuildOptions(content=forward, out=tmp_path / "one", search=False))
    build(BuildOptions(content=backward, out=tmp_path / "two", search=False))
    assert read_site(tmp_path / "one") == read_site(tmp_path / "two")


# --- Markdown and templates -------------------------------------------------------------------------------

HOSTILE_LINKS = [
    "[a](javascript:alert(1))",
    "[a](JAVASCRIPT:alert(1))",
    "[a](java&#115;cript:alert(1))",
    "[a](&#106;avascript:alert(1))",
    "[a](%6Aavascript:alert(1))",
    "[a]( javascript:alert(1))",
    "[a](vbscript:msgbox(1))",
    "[a](data:text/html;base64,PHNjcmlwdD4=)",
    "<javascript:alert(1)>",
    "[a](jav\tascript:alert(1))",
    "[a][r]\n\n[r]: javascript:alert(1)",
    "![a](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
]


def test_hostile_markdown_never_becomes_live(mini: Path) -> None:
    body = "\n\n".join(HOSTILE_LINKS)
    edit(mini / "issues" / "safety.md", "Inspectors looked at the bridge", body)
    out = mini.parent / "site"
    build(BuildOptions(content=mini, out=out, search=False))
    page = (out / "issues" / "safety" / "index.html").read_text().lower()
    for scheme in ("javascript:", "vbscript:", "data:text"):
        assert f'href="{scheme}' not in page and f'src="{scheme}' not in page
    assert (
        "<script>alert" not in page
        and "<img src=x" not in page
        and "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    )


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,x",
        "vbscript:x",
        "//evil.example/x",
        "ftp://x.example/",
    ],
)
def test_unsafe_urls_in_yaml_are_refused(capsys: pytest.CaptureFixture[str], mini: Path, url: str) -> None:
    edit(mini / "sources.yaml", "url: https://example.org/minutes", f'url: "{url}"')
    (error,) = build_errors(capsys, mini)
    assert error.startswith("content/sources.yaml:5: error: field `url`: ") and "is not an http(s) address" in error


def test_nesting_deeper_than_markdown_allows_is_an_error(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    edit(mini / "issues" / "safety.md", "Inspectors looked", "> " * 120 + "Inspectors looked")
    assert build_errors(capsys, mini) == [
        "content/issues/safety.md:10: error: Markdown nested too deeply (lists or quotes more than 98 levels deep); "
        "the text inside would be lost (flatten the nesting)"
    ]


@pytest.mark.parametrize("flood", ["[", "*", "<", "&", "_", "`", "[[", "[@", "](", "> ", "- ", "|", "\\", "!["])
def test_pathological_markdown_finishes(mini: Path, flood: str) -> None:
    edit(mini / "issues" / "safety.md", "Inspectors looked", flood * 5000)
    command = [
        sys.executable,
        "-m",
        "generator",
        "build",
        "--no-search",
        "--content",
        str(mini),
        "--out",
        str(mini.parent / "site"),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert completed.returncode in (0, 1) and "Traceback" not in completed.stderr


def test_template_syntax_in_content_is_printed_literally(mini: Path) -> None:
    edit(mini / "issues" / "safety.md", "title: Safety", 'title: "{{ config.title }} {% if 1 %}x{% endif %}"')
    edit(mini / "issues" / "safety.md", "Inspectors looked", "{{ 7 * 7 }} and {% raw %}")
    out = mini.parent / "site"
    build(BuildOptions(content=mini, out=out, search=False))
    page = (out / "issues" / "safety" / "index.html").read_text()
    assert "<h1>{{ config.title }} {% if 1 %}x{% endif %}</h1>" in page
    assert "{{ 7 * 7 }} and {% raw %}" in page and "49" not in page


# --- Builds -----------------------------------------------------------------------------------------------


def test_killed_build_leaves_the_old_or_the_new_site(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    out = tmp_path / "site"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    command = [
        sys.executable,
        "-m",
        "generator",
        "build",
        "--no-search",
        "--no-cache",
        "--content",
        str(content),
        "--out",
        str(out),
    ]
    subprocess.run(command, check=True, capture_output=True, env=env, cwd=ROOT)
    old = read_site(out)
    edit(content / "briefing.yaml", "The pact is in force", "The pact remains in force")
    new_out = tmp_path / "new"
    subprocess.run([*command[:-1], str(new_out)], check=True, capture_output=True, env=env, cwd=ROOT)
    new = read_site(new_out)
    for delay in (0.05, 0.15, 0.3, 0.45, 0.6, 0.8, 1.2):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert read_site(out) in (old, new), f"damaged site after a kill at {delay} s"
    subprocess.run(command, check=True, capture_output=True, env=env, cwd=ROOT)
    assert read_site(out) == new
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []


@pytest.mark.parametrize(
    "variables",
    [
        {"PYTHONHASHSEED": "7", "TZ": "Pacific/Kiritimati", "LC_ALL": "C.UTF-8"},
        {"SOURCE_DATE_EPOCH": "0", "TZ": "America/Adak"},
        {"SOURCE_DATE_EPOCH": "4102444800", "LANG": "de_DE.UTF-8"},
    ],
)
def test_output_is_identical_under_any_environment(tmp_path: Path, mini_site: Path, variables: dict[str, str]) -> None:
    out = tmp_path / "site"
    env = {**os.environ, **variables, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    subprocess.run(
        [sys.executable, "-m", "generator", "build", "--content", str(MINI), "--out", str(out)],
        check=True,
        capture_output=True,
        env=env,
        cwd=ROOT,
    )
    assert read_site(out) == read_site(mini_site)


def test_source_date_epoch_sets_today_for_the_staleness_warning(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.mktime((2026, 11, 2, 12, 0, 0, 0, 0, 0)))))
    assert build(BuildOptions(content=mini, out=mini.parent / "a", search=False)).warnings == []
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.mktime((2027, 6, 1, 12, 0, 0, 0, 0, 0)))))
    warnings = build(BuildOptions(content=mini, out=mini.parent / "b", search=False, cache=False)).warnings
    assert [w.message for w in warnings] == ["`as_of` is 212 days old (2026-11-01)"]


# --- Anything at all ---------------------------------------------------------------------------------------

FILES = [
    "briefing.yaml",
    "sources.yaml",
    "quotes.yaml",
    "timeline.yaml",
    "periods.yaml",
    "issues/safety.md",
    "stakeholders/ana-ruiz.md",
    "pages/about.md",
]
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300)
YAMLISH = st.lists(
    st.sampled_from(
        [
            "- ",
            "id: ",
            "title: ",
            "date: ",
            "2024-02-30",
            "[",
            "]",
            "{",
            "}",
            ": ",
            "\n",
            "  ",
            "---\n",
            "&a ",
            "*a",
            "!!",
            "null",
            "~",
            "'",
            '"',
            "|",
            ">",
            "#",
            "%",
            "@",
            "[[x]]",
            "[@y]",
            "é",
            "\t",
            "\r\n",
            "\ufeff",
        ]
    ),
    max_size=60,
).map("".join)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(file=st.sampled_from(FILES), text=st.one_of(TEXT, YAMLISH), keep_front=st.booleans())
def test_random_input_only_ever_raises_content_errors(
    tmp_path_factory: pytest.TempPathFactory, file: str, text: str, keep_front: bool
) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    content = root / "content"
    shutil.copytree(MINI, content)
    path = content / file
    if keep_front and file.endswith(".md"):
        original = path.read_text()
        text = original[: original.index("\n---\n") + 5] + text
    path.write_text(text, "utf-8")
    try:
        build(BuildOptions(content=content, out=root / "site", search=False, cache=False))
    except ContentError as error:  # the only exception allowed out, always with a file and a message
        assert error.diagnostics and all(d.file and d.message for d in error.diagnostics)
        assert not (root / "site").exists()  # nothing written, not even a partial folder
