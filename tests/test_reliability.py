"""Whatever contributors write, the answer is `file:line: message` and exit 1: never a traceback, a hang,
a silently wrong page or a damaged site. One test (or more) per class of bad input and fault."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import builder
from generator.build import BuildOptions, build
from generator.cli import Terminated, _signals_interrupt
from generator.diagnostics import ContentError
from generator.safeurl import is_safe_url
from generator.yamltext import parse_yaml
from tests.helpers import MINI, build_error_lines, build_errors, edit, read_site, run

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
        "status_note, key_points, order, positions, related, updates)"
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
    build(BuildOptions(content=mini, out=plain, search=False, fresh=True))
    for path in mini.rglob("*"):
        if path.suffix in (".md", ".yaml"):
            path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    windows = tmp_path / "windows"
    build(BuildOptions(content=mini, out=windows, search=False, fresh=True))
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
    assert ">{{ config.title }} {% if 1 %}x{% endif %}</h1>" in page
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
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site.") and p.name != ".site.lock"] == []


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
    warnings = build(BuildOptions(content=mini, out=mini.parent / "b", search=False, fresh=True)).warnings
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
        build(BuildOptions(content=content, out=root / "site", search=False, fresh=True))
    except ContentError as error:  # the only exception allowed out, always with a file and a message
        assert error.diagnostics and all(d.file and d.message for d in error.diagnostics)
        assert not (root / "site").exists()  # nothing written, not even a partial folder


# --- Content that reaches a path or a program: the language tag ---------------------------------------------


@pytest.mark.parametrize(
    "tag", ["en", "zh-Hans", "en-GB", "pt-BR", "sr-Latn-RS", "es-419", "de-CH-1996", "hy-Latn-IT-arevela", "x-test"]
)
def test_well_formed_language_tags_are_used(mini: Path, tag: str) -> None:
    edit(mini / "briefing.yaml", "language: en", f"language: {tag}")
    out = mini.parent / "site"
    build(BuildOptions(content=mini, out=out, search=False))
    assert f'<html lang="{tag}">' in (out / "index.html").read_text()


@pytest.mark.parametrize(
    "tag",
    [
        "../../../tmp/evil",
        "en/../../x",
        "en\\\\..\\\\x",
        "en_GB",
        "e",
        "en-",
        "-en",
        "en--GB",
        "en GB",
        "ｅｎ",  # fullwidth letters
        "en-\u212a\u212a",  # Kelvin signs, which case-insensitive matching would take for k
        "'><script>x</script>",
        "en-GB-abcd",  # a four-letter variant is not well-formed
        "abcdefghi",
        "en-a-bbbbbbbb-cccccccc-x-dd",  # well-formed, but longer than Pagefind can take
        "a" * 5000,
    ],
)
def test_a_language_that_is_not_a_short_bcp47_tag_is_refused(
    capsys: pytest.CaptureFixture[str], mini: Path, tag: str
) -> None:
    edit(mini / "briefing.yaml", "language: en", f"language: {json.dumps(tag)}")
    (error,) = build_error_lines(capsys, mini)
    assert error.startswith("content/briefing.yaml:4: error: field `language`: `") and len(error) < 300, error
    assert "is not a language tag (write a BCP 47 tag of at most 24 characters" in error


def test_the_longest_language_tag_allowed_is_indexed_by_pagefind(mini: Path) -> None:
    tag = "en-a-bbbbbbbb-ccccc-x-dd"
    assert len(tag) == 24
    edit(mini / "briefing.yaml", "language: en", f"language: {tag}")
    out = mini.parent / "site"
    build(BuildOptions(content=mini, out=out, search=False))
    beside = sorted(p.name for p in mini.parent.iterdir())
    build(BuildOptions(content=mini, out=out))
    assert len(list((out / "pagefind").glob(f"pagefind.{tag}_*.pf_meta"))) == 1
    assert sorted(p.name for p in mini.parent.iterdir()) == beside  # Pagefind wrote nothing outside the site


# --- Characters no export can carry, and the Markdown layer's markers -----------------------------------------

FORBIDDEN = ["\x00", "\x08", "\x0c", "\x1b", "\x1f", "\ufffe", "\uffff", "\r"]
# (file, text to find, line it is on): a field value or a Markdown body in each kind of file
PLACES = [
    ("briefing.yaml", "A small test briefing", 2),
    ("briefing.yaml", "argue over repairs", 8),
    ("sources.yaml", "Minutes of the council meeting", 2),
    ("timeline.yaml", "The bridge opens", 3),
    ("quotes.yaml", "We cannot wait another winter", 3),
    ("periods.yaml", "First lease", 5),
    ("issues/safety.md", "Whether the bridge is safe", 3),
    ("issues/safety.md", "Inspectors looked at the bridge", 10),
    ("stakeholders/ana-ruiz.md", "Chair of the works committee", 5),
    ("pages/about.md", "This briefing is a test fixture", 5),
]


@pytest.mark.parametrize("character", FORBIDDEN, ids=[f"U+{ord(c):04X}" for c in FORBIDDEN])
@pytest.mark.parametrize(("file", "text", "line"), PLACES, ids=[f"{p[0]}:{p[2]}" for p in PLACES])
def test_a_character_xml_forbids_is_refused_at_its_line(
    capsys: pytest.CaptureFixture[str], mini: Path, character: str, file: str, text: str, line: int
) -> None:
    path = mini / file
    data = path.read_text("utf-8")
    path.write_bytes(data.replace(text, text[:5] + character + text[5:], 1).encode("utf-8"))
    (error,) = build_error_lines(capsys, mini)
    assert error.startswith(f"content/{file}:{line}: error: "), error
    assert f"U+{ord(character):04X}" in error and "(" in error


@pytest.mark.parametrize(
    "escape", ["\\0", "\\f", "\\e", "\\x1b", "\\b", "\\uFFFE", "\\uffff", "\\uD800", "\\udfff", "\\r", "\\x26#12;"]
)
@pytest.mark.parametrize(
    ("file", "key", "line"),
    [("sources.yaml", "title", 2), ("issues/safety.md", "summary", 3), ("briefing.yaml", "title", 1)],
)
def test_a_yaml_escape_for_such_a_character_is_refused(
    capsys: pytest.CaptureFixture[str], mini: Path, escape: str, file: str, key: str, line: int
) -> None:
    path = mini / file
    lines = path.read_text("utf-8").splitlines(keepends=True)
    assert lines[line - 1].startswith(f"{key}:") or lines[line - 1].startswith(f"  {key}:")
    indent = lines[line - 1][: len(lines[line - 1]) - len(lines[line - 1].lstrip())]
    lines[line - 1] = f'{indent}{key}: "Before {escape} after"\n'
    path.write_text("".join(lines), "utf-8")
    (error,) = build_error_lines(capsys, mini)
    assert error.startswith(f"content/{file}:{line}: error: "), error
    assert "U+" in error or "invalid Unicode character escape" in error  # libyaml refuses a lone surrogate itself


@pytest.mark.parametrize(
    "reference", ["&#12;", "&#x0C;", "&#X1b;", "&#0;", "&#13;", "&#xFFFE;", "&#55296;", "&#x110000;"]
)
def test_a_character_reference_to_such_a_character_is_refused(
    capsys: pytest.CaptureFixture[str], mini: Path, reference: str
) -> None:
    edit(mini / "issues" / "safety.md", "Inspectors looked", f"Inspectors {reference} looked")
    (error,) = build_error_lines(capsys, mini)
    assert error.startswith("content/issues/safety.md:10: error: the character reference `"), error


def test_ordinary_references_tabs_and_crlf_are_still_fine(mini: Path) -> None:
    edit(mini / "issues" / "safety.md", "Inspectors looked", "Inspectors&#10;&#233;&#x263A;&amp;\tlooked")
    path = mini / "pages" / "about.md"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    out = mini.parent / "site"
    build(BuildOptions(content=mini, out=out, search=False))
    assert "é☺&amp;" in (out / "issues" / "safety" / "index.html").read_text()


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("issues/safety.md", "Inspectors looked", "\x00Eport-authority|forged\x00 looked"),
        ("issues/safety.md", "Inspectors looked", "\x00Cinspection-report\x00 looked"),
        ("issues/safety.md", "Inspectors looked", "\x00Enot-an-id|x\x00 looked"),
        ("issues/safety.md", "Inspectors looked", "\x00E\x00 looked"),
        ("issues/safety.md", "summary: Whether", 'summary: "\\0Enot-an-id|x\\0 Whether'),
        ("sources.yaml", "note: Only a summary", 'note: "\\0Cnope\\0" #'),
    ],
)
def test_markdown_markers_cannot_be_forged_from_content(
    capsys: pytest.CaptureFixture[str], mini: Path, file: str, old: str, new: str
) -> None:
    if new.startswith('summary: "'):
        edit(mini / file, "safe to reopen.", 'safe to reopen."')
    edit(mini / file, old, new)
    (error,) = build_error_lines(capsys, mini)
    assert "U+0000 (NUL) is not allowed" in error and "KeyError" not in error, error


# --- One URL policy for Markdown and YAML ---------------------------------------------------------------------

SAFE_URLS = [
    "https://example.org/a?b=c&d=e#f",
    "HTTP://EXAMPLE.ORG/",
    "mailto:desk@example.org",
    "MailTo:desk@example.org",
    "../issues/safety/index.html",
    "issues/safety/index.html",
    "/sources/",
    "#frag",
    "?q=1",
    "",
    "a/b:c",
    "https://example.org/%6Aavascript:x",
]
UNSAFE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript:alert(1)",
    "java&#115;cript:alert(1)",
    "javascript&colon;alert(1)",
    "&amp;#106;avascript:alert(1)",
    "%6Aavascript:alert(1)",
    "%256Aavascript:alert(1)",
    "java%09script:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "java\rscript:alert(1)",
    "java\x00script:alert(1)",
    "java\u200bscript:alert(1)",
    "\x01javascript:alert(1)",
    "javascript\t:alert(1)",
    "vbscript:msgbox(1)",
    "VBScript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "data:image/png;base64,iVBORw0KGgo=",
    "DATA:image/svg+xml,<svg onload=alert(1)>",
    "file:///etc/passwd",
    "ftp://example.org/",
    "tel:+1555",
    "c:\\windows",
    "%25%32%35%36Aavascript:x",  # layer upon layer of percent-encoding
]


@pytest.mark.parametrize("url", SAFE_URLS)
def test_safe_urls_pass(url: str) -> None:
    assert is_safe_url(url)


@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_unsafe_urls_are_refused_however_written(url: str) -> None:
    assert not is_safe_url(url)


@pytest.mark.parametrize(
    "markdown",
    [
        "![x](data:image/png;base64,iVBORw0KGgo=)",
        "[x](data:image/png;base64,iVBORw0KGgo=)",
        "<data:image/png;base64,iVBORw0KGgo=>",
        "![x][r]\n\n[r]: data:image/gif;base64,R0lGODlh",
        "[x](file:///etc/passwd)",
        "[x](java%09script:alert(1))",
        "[x](&#x6A;avascript:alert(1))",
        "[x](tel:+1555)",
    ],
)
def test_no_url_outside_the_allow_list_becomes_live_in_markdown(mini: Path, markdown: str) -> None:
    edit(mini / "issues" / "safety.md", "Inspectors looked at the bridge", markdown + "\n\nInspectors looked")
    out = mini.parent / "site"
    build(BuildOptions(content=mini, out=out, search=False))
    page = (out / "issues" / "safety" / "index.html").read_text().lower()
    for scheme in ("data:", "file:", "javascript:", "java%09script", "tel:"):
        assert f'href="{scheme}' not in page and f'src="{scheme}' not in page


@pytest.mark.parametrize("url", ["java&#115;cript:alert(1)", "https://", "https://exa mple.org", "data:,x"])
def test_url_fields_use_the_same_policy(capsys: pytest.CaptureFixture[str], mini: Path, url: str) -> None:
    edit(mini / "sources.yaml", "url: https://example.org/minutes", f'url: "{url}"')
    (error,) = build_error_lines(capsys, mini)
    assert error.startswith("content/sources.yaml:5: error: field `url`: ") and "is not an http(s) address" in error


# --- `briefing new` keeps every file valid ----------------------------------------------------------------------

SOURCES_FLOW = (
    "# yaml-language-server: $schema=../schemas/source.schema.json\n"
    "[\n"
    "  {id: council-minutes, title: Minutes of the council meeting, publisher: City Council, date: 2026-01-15,\n"
    "   url: 'https://example.org/minutes'},\n"
    "  {id: port-letter, title: Letter to the council, publisher: Port Authority, date: 2026-02},\n"
    '  {id: inspection-report, title: "Inspection report", publisher: Bridge Inspectorate, date: 2025,\n'
    "   note: Only a summary was published.}\n"
    "]\n"
)
SOURCES_ONE_LINE = (
    "[{id: council-minutes, title: Minutes, publisher: City Council, url: 'https://example.org/minutes'}, "
    "{id: port-letter, title: Letter, publisher: Port Authority}, "
    "{id: inspection-report, title: Report, publisher: Inspectorate}]"  # and no newline at the end
)
SOURCES_COMMENTED = (
    "# The bibliography. Keep it in order of first citation.\n"
    "- id: council-minutes  # the primary record\n"
    "  title: Minutes of the council meeting\n"
    "  publisher: City Council\n"
    "  url: https://example.org/minutes\n"
    "\n"
    "# Letters\n"
    "- id: port-letter\n"
    "  title: Letter to the council\n"
    "  publisher: Port Authority\n"
    "- id: inspection-report\n"
    "  title: Inspection report\n"
    "  publisher: Bridge Inspectorate\n"
    "  note: |\n"
    "    Only a summary was published.\n"
    "# end of list, no newline"
)
SOURCES_INDENTED = (
    "  - id: council-minutes\n    title: Minutes\n    publisher: City Council\n"
    "  - id: port-letter\n    title: Letter\n    publisher: Port Authority\n"
    "  - id: inspection-report\n    title: Report\n    publisher: Inspectorate\n"
)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(None, id="block"),
        pytest.param(SOURCES_FLOW, id="flow"),
        pytest.param(SOURCES_ONE_LINE, id="flow-one-line"),
        pytest.param(SOURCES_COMMENTED, id="comments"),
        pytest.param(SOURCES_INDENTED, id="indented"),
        pytest.param("\ufeff" + SOURCES_FLOW.replace("\n", "\r\n"), id="bom-crlf"),
    ],
)
def test_new_source_keeps_the_list_valid_and_the_rest_as_it_was(
    capsys: pytest.CaptureFixture[str], mini: Path, text: str | None
) -> None:
    path = mini / "sources.yaml"
    if text is not None:
        path.write_bytes(text.encode("utf-8"))
    before = parse_yaml(path.read_text("utf-8-sig"))
    code, out, err = run(capsys, "new", "source", "fresh-source", "--content", str(mini))
    assert code == 0 and "added source `fresh-source`" in out, err
    after = parse_yaml(path.read_text("utf-8"))
    assert list(after[:-1]) == list(before) and after[-1]["id"] == "fresh-source"
    for comment in ("# yaml-language-server", "# The bibliography", "# the primary record", "# Letters", "# end"):
        assert (comment in (text or "")) == (comment in path.read_text("utf-8"))
    result = build(BuildOptions(content=mini, out=mini.parent / "site", search=False))
    assert "fresh-source" in result.briefing.by_id  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kind", "file", "text"),
    [
        ("source", "sources.yaml", ""),
        ("source", "sources.yaml", "[]\n"),
        ("source", "sources.yaml", "# nothing yet\n[]  # empty\n"),
        ("source", "sources.yaml", "# nothing yet\n"),
        (
            "event",
            "timeline.yaml",
            "[{id: only-event, date: 2026, title: T, summary: S, issues: [safety], sources: [port-letter]}]\n",
        ),
        ("quote", "quotes.yaml", "[ ]\n"),
    ],
)
def test_new_entry_in_an_empty_or_flow_style_file(
    capsys: pytest.CaptureFixture[str], mini: Path, kind: str, file: str, text: str
) -> None:
    path = mini / file
    path.write_text(text, "utf-8")
    code, _, err = run(capsys, "new", kind, f"fresh-{kind}", "--content", str(mini))
    assert code == 0, err
    entries = parse_yaml(path.read_text("utf-8"))
    assert entries[-1]["id"] == f"fresh-{kind}"
    if text.startswith("#"):
        assert path.read_text("utf-8").startswith("# nothing yet\n")


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        ("- id: a\n".encode("utf-16"), 1, "not valid UTF-8: the file is UTF-16 (save it as UTF-8)"),
        ("- id: a\n".encode("utf-16-be"), 1, "not valid UTF-8: the file is UTF-16 (save it as UTF-8)"),
        ("- id: a\n".encode("utf-16-le"), 1, "not valid UTF-8: the file is UTF-16 (save it as UTF-8)"),
        (b"- id: a\n  title: Caf\xe9\n", 2, "not valid UTF-8 (byte offset 20) (save the file as UTF-8)"),
        (b"- id: a\n  title: [unclosed\n", 3, "invalid YAML"),
        (b"id: a\ntitle: b\n", 1, "expected a list of entries"),
    ],
)
@pytest.mark.parametrize("kind", ["source", "issue"])
def test_new_refuses_a_file_it_cannot_read_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], mini: Path, data: bytes, line: int, message: str, kind: str
) -> None:
    (mini / "sources.yaml").write_bytes(data)
    before = {p: p.read_bytes() for p in mini.rglob("*") if p.is_file()}
    code, out, err = run(capsys, "new", kind, "fresh-one", "--content", str(mini))
    if kind == "issue" and message.startswith(("invalid YAML", "expected")):  # the issue does not touch it
        assert code == 0, err
        return
    assert code == 1 and out == "" and "Traceback" not in err and "internal error" not in err, err
    assert err.startswith(f"{mini / 'sources.yaml'}:{line}: error: ") and message in err, err
    assert {p: p.read_bytes() for p in mini.rglob("*") if p.is_file()} == before


# --- Signals: Ctrl+C and SIGTERM during a build ---------------------------------------------------------------


def _enlarged(content: Path, people: int = 900) -> None:
    """Enough pages for the build to render in worker processes, and to take a moment."""
    for n in range(people):
        (content / "stakeholders" / f"person-{n:04d}.md").write_text(
            f"---\nname: Person {n}\nkind: person\nrole: Member of panel {n % 7}\n---\n"
            f"Person {n} sits on panel {n % 7} with [[ana-ruiz]] [@port-letter].\n",
            "utf-8",
        )


def _interrupt_build(mini: Path, how: signal.Signals, to_group: bool) -> tuple[int, str, dict[str, bytes]]:
    """Start a build of a changed briefing over a previous site, send `how` once it is writing pages (to the
    whole process group, as a terminal's Ctrl+C does, or to the build alone, as `kill` does); return its exit
    status and standard error, and the site as it was before."""
    _enlarged(mini)
    out = mini.parent / "site"
    build(BuildOptions(content=mini, out=out, search=False, fresh=True))
    old = read_site(out)
    edit(mini / "stakeholders" / "ana-ruiz.md", "name: Ana Ruiz", "name: Ana Ruiz-Ortega")
    before = {p.name for p in mini.parent.iterdir()}
    env = {**os.environ, "XDG_CACHE_HOME": str(mini.parent.parent / "cache")}
    command = [sys.executable, "-m", "generator", "build", "--no-search", "--no-cache", "--content", str(mini)]
    process = subprocess.Popen(
        [*command, "--out", str(out)], stderr=subprocess.PIPE, env=env, cwd=ROOT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while _pages_staged(mini.parent, before) < 20:
        assert process.poll() is None and time.monotonic() < deadline, "the build ended before the signal"
        time.sleep(0.002)
    if to_group:
        os.killpg(process.pid, how)
    else:
        process.send_signal(how)
    _, err = process.communicate(timeout=60)
    assert {p.name for p in mini.parent.iterdir()} == before  # the staging folder is gone
    assert read_site(out) == old
    return process.returncode, err.decode(), old


def _pages_staged(parent: Path, known: set[str]) -> int:
    try:
        return sum(len(list(p.rglob("index.html"))) for p in parent.iterdir() if p.name not in known)
    except OSError:  # a folder vanished while it was counted
        return 0


def test_ctrl_c_prints_one_line_and_exits_130_leaving_the_old_site(mini: Path) -> None:
    code, err, _ = _interrupt_build(mini, signal.SIGINT, to_group=True)
    assert (code, err) == (130, "interrupted\n")


def test_ctrl_c_while_the_program_loads_prints_one_line_and_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Loading takes a few tenths of a second; Ctrl+C then arrives during an import, before the command line's
    own handler exists. The entry point answers it as the command line does later: no traceback."""
    import importlib.abc

    from generator.launch import main

    class PressedDuringImport(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: object, target: object = None) -> None:
            if name == "generator.cli":
                raise KeyboardInterrupt

    monkeypatch.delitem(sys.modules, "generator.cli")
    monkeypatch.setattr(sys, "meta_path", [PressedDuringImport(), *sys.meta_path])
    try:
        code = main()
    except KeyboardInterrupt:  # (escaping, it would stop the whole test run)
        pytest.fail("Ctrl+C during loading escaped the entry point")
    assert code == 130 and capsys.readouterr().err == "interrupted\n"


def test_sigterm_removes_the_staging_folder_and_exits_143(mini: Path) -> None:
    code, err, _ = _interrupt_build(mini, signal.SIGTERM, to_group=False)
    assert (code, err) == (143, "terminated\n")


class _SignalledWhileFinalized:
    """An object whose finalizer is running when a signal comes (as a closed pipe's may be, at any moment)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum

    def __del__(self) -> None:
        os.kill(os.getpid(), self.signum)
        sum(range(1000))  # (Python runs the signal's handler here, inside the finalizer)


@pytest.mark.parametrize(
    ("signum", "stops_with"),
    [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)],
    ids=["ctrl-c", "sigterm"],
)
def test_a_signal_that_comes_while_a_finalizer_runs_still_stops_the_build(
    signum: signal.Signals, stops_with: type[BaseException]
) -> None:
    """Python ignores an exception raised in `__del__` (it prints a traceback and goes on), so a Ctrl+C or
    SIGTERM that came while an object was finalized let the build run on (CI caught the preview's build
    process printing "Exception ignored in: <function _ConnectionBase.__del__ …>"). It is put off until the
    finalizer is done."""
    alarm = signal.getsignal(signal.SIGALRM)
    try:
        with pytest.raises(stops_with), _signals_interrupt():
            _SignalledWhileFinalized(signum)
            time.sleep(5)  # the build goes on: the signal must stop it here
    finally:
        signal.signal(signal.SIGALRM, alarm)


def test_sigterm_that_comes_while_a_finalizer_runs_still_ends_the_preview_build_process() -> None:
    before, alarm = signal.signal(signal.SIGTERM, builder._leave), signal.getsignal(signal.SIGALRM)
    try:
        with pytest.raises(SystemExit):
            _SignalledWhileFinalized(signal.SIGTERM)
            time.sleep(5)
    finally:
        signal.signal(signal.SIGTERM, before)
        signal.signal(signal.SIGALRM, alarm)


@pytest.mark.parametrize(
    "text",
    [
        "# head\n[ # opening\n  {id: a, title: A, publisher: P},  # after a\n]\n# tail\n",
        "[{id: a, title: A, publisher: P}, # one\n {id: b, title: B, publisher: P}] # two\n",
        "- {id: a, title: A, publisher: P}\n- [x]\n",
        "- id: a\n  title: A\n  publisher: P\n  note: >-\n    folded\n    text\n# tail comment without newline",
        "--- \n- id: a\n  title: A\n  publisher: P\n...\n",
    ],
)
def test_new_never_leaves_invalid_yaml_or_loses_a_comment(
    capsys: pytest.CaptureFixture[str], mini: Path, text: str
) -> None:
    path = mini / "sources.yaml"
    path.write_text(text, "utf-8")
    code, _, err = run(capsys, "new", "source", "fresh-source", "--content", str(mini))
    after = path.read_text("utf-8")
    if code != 0:  # refused: clearly, and with the file as it was
        assert code == 1 and err.startswith(f"{path}:") and after == text, err
        return
    assert parse_yaml(after)[-1]["id"] == "fresh-source"
    for comment in ("# head", "# opening", "# after a", "# tail", "# one", "# two"):
        assert (comment in text) == (comment in after), (comment, after)


def test_a_content_folder_that_is_a_link_to_a_folder_elsewhere_builds(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "content"
    shutil.copytree(MINI, elsewhere)
    project = tmp_path / "project"
    project.mkdir()
    (project / "content").symlink_to(elsewhere, target_is_directory=True)
    result = build(BuildOptions(content=project / "content", out=project / "site", search=False))
    assert result.pages > 0 and not [w for w in result.warnings if "outside" in w.message]
    (elsewhere / "issues" / "secret.md").symlink_to("/etc/hostname")  # a file leading out is still refused
    with pytest.raises(ContentError, match="outside the project"):
        build(BuildOptions(content=project / "content", out=project / "site", search=False))


def test_a_link_loop_in_content_is_named_once_and_not_followed(tmp_path: Path) -> None:
    content = tmp_path / "project" / "content"
    shutil.copytree(MINI, content)
    (content / "issues" / "again").symlink_to(content, target_is_directory=True)
    (content / "up").symlink_to(content.parent, target_is_directory=True)
    result = build(BuildOptions(content=content, out=tmp_path / "project" / "site", search=False))
    loops = sorted(Path(w.file).name for w in result.warnings if "leads back" in w.message)
    assert loops == ["again", "up"]


def _without_root_powers() -> list[str]:
    """A command prefix under which permissions apply, also when the tests run as root."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions would not apply")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner"]


def test_a_site_made_read_only_is_replaced_and_its_old_copy_removed(tmp_path: Path) -> None:
    """`chmod -R a-w site`: the build swaps in the new site, then removes the old one, making its folders
    writable as it goes, instead of leaving a copy beside the output at every build."""
    content = shutil.copytree(MINI, tmp_path / "content")
    out = tmp_path / "site"
    build(BuildOptions(content=content, out=out, search=False))
    for folder, _dirs, files in os.walk(out):
        for name in files:
            os.chmod(os.path.join(folder, name), 0o444)
        os.chmod(folder, 0o555)
    edit(content / "issues" / "safety.md", "title: Safety", "title: Safety first")
    command = [*_without_root_powers(), sys.executable, "-m", "generator", "build", "--no-search"]
    done = subprocess.run(
        [*command, "--content", str(content), "--out", str(out)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.lock", "content", "site"]
    expected = tmp_path / "clean"
    build(BuildOptions(content=content, out=expected, search=False))
    assert read_site(out) == read_site(expected)


def test_a_ctrl_c_once_the_new_site_is_swapped_in_is_too_late_and_dropped() -> None:
    """While the build swaps in the new site and removes the old, Ctrl+C would end it "interrupted" (exit 130)
    with the new site already published: it is held off, then dropped; SIGTERM is held off, then acted on."""
    from generator.write import ctrl_c_too_late

    main = threading.main_thread().ident
    assert main is not None and threading.current_thread() is threading.main_thread()
    with ctrl_c_too_late():
        signal.pthread_kill(main, signal.SIGINT)
        time.sleep(0.05)
    time.sleep(0.05)  # (a KeyboardInterrupt would be raised by now)
    got: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: got.append(signum))
    try:
        with ctrl_c_too_late():
            signal.pthread_kill(main, signal.SIGTERM)
            time.sleep(0.05)
            assert got == []
        time.sleep(0.05)
        assert got == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)
    # (this once failed in CI, "DID NOT RAISE", and never here: should it again, these say whether Ctrl+C was
    # left held or its handler replaced, and by then by what)
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with pytest.raises(KeyboardInterrupt):  # and outside, Ctrl+C interrupts as ever
        signal.pthread_kill(main, signal.SIGINT)
        time.sleep(0.5)


def test_removing_a_folder_of_the_build_never_changes_a_folder_outside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A staging folder left in a folder that has since become read-only: its removal fails there, and the
    folder above, which is the user's, keeps its permissions."""
    from generator import write

    parent = tmp_path / "www"
    (parent / ".site.new-0123" / "sub").mkdir(parents=True)
    parent.chmod(0o555)
    real_rmdir = os.rmdir

    def refusing(path: str, *args: object, **kwargs: object) -> None:
        if os.path.abspath(path) == str(parent / ".site.new-0123"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        real_rmdir(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "rmdir", refusing)
    write.remove_tree(parent / ".site.new-0123")
    monkeypatch.undo()
    assert parent.stat().st_mode & 0o777 == 0o555
    assert not (parent / ".site.new-0123" / "sub").exists()
    parent.chmod(0o755)
