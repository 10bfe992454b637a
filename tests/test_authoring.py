"""Starting a briefing on another topic: init, new, theme overrides, JSON Schemas, --strict, the references."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from generator.build import BuildOptions, build
from generator.cli import main
from generator.diagnostics import Diagnostics
from generator.jsonschema import FILES, json_schema
from generator.load import split_front_matter, translation_language
from generator.templatedocs import reference
from generator.yamltext import parse_yaml
from tests.helpers import BUNDLED, edit

ROOT = Path(__file__).parent.parent


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_init_gives_a_briefing_that_builds(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "dispute"
    code, out, _ = run(capsys, "init", str(folder), "--title", "The harbour bridge dispute")
    assert code == 0 and "started a briefing" in out
    result = build(BuildOptions(content=folder / "content", out=folder / "site", search=False))
    assert result.pages >= 12 and result.warnings == []
    home = (folder / "site" / "index.html").read_text()
    assert "The harbour bridge dispute" in home
    assert (folder / "schemas" / "issue.schema.json").is_file() and not (folder / "templates").exists()


def test_init_refuses_a_folder_that_is_not_empty(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = run(capsys, "init", str(tmp_path))
    assert code == 1 and "is not empty" in err and (tmp_path / "notes.txt").read_text() == "mine"


def test_init_with_templates_copies_them_and_they_override(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "themed"
    assert run(capsys, "init", str(folder), "--templates")[0] == 0
    edit(
        folder / "templates" / "page.html",
        "{% endif %}>{{ view.title }}</h1>",
        '{% endif %} class="mine">{{ view.title }}</h1>',
    )
    build(BuildOptions(content=folder / "content", out=folder / "site", search=False))
    assert '<h1 class="mine">About this briefing</h1>' in (folder / "site" / "about" / "index.html").read_text()


def test_a_single_override_template_is_used(mini: Path) -> None:
    templates = mini.parent / "templates"
    (templates / "assets").mkdir(parents=True)
    (templates / "404.html").write_text('{% extends "base.html" %}{% block main %}<h1>Lost at sea</h1>{% endblock %}\n')
    (templates / "assets" / "extra.css").write_text("body { color: teal; }\n")
    out = mini.parent / "site"
    build(BuildOptions(content=mini, out=out, search=False))
    assert "<h1>Lost at sea</h1>" in (out / "404.html").read_text()
    assert (out / "assets" / "extra.css").is_file() and (out / "assets" / "style.css").is_file()


@pytest.mark.parametrize("kind", ["issue", "stakeholder", "event", "source", "quote", "page"])
def test_each_new_kind_builds(capsys: pytest.CaptureFixture[str], mini: Path, kind: str) -> None:
    code, out, _ = run(capsys, "new", kind, f"fresh-{kind}", "--title", f"Fresh {kind}", "--content", str(mini))
    assert code == 0 and f"added {kind} `fresh-{kind}`" in out
    result = build(BuildOptions(content=mini, out=mini.parent / "site", search=False))
    assert f"fresh-{kind}" in result.briefing.by_id  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("entity_id", "message"),
    [("safety", "already used"), ("port-letter", "already used"), ("Bad_Id", "not a valid id"), ("nul", "device name")],
)
def test_new_refuses_bad_or_taken_ids(
    capsys: pytest.CaptureFixture[str], mini: Path, entity_id: str, message: str
) -> None:
    before = {p: p.read_bytes() for p in mini.rglob("*") if p.is_file()}
    code, _, err = run(capsys, "new", "issue", entity_id, "--content", str(mini))
    assert code == 1 and message in err
    assert {p: p.read_bytes() for p in mini.rglob("*") if p.is_file()} == before


def _documents(content: Path, language: str = "") -> list[tuple[str, Path, object]]:
    """Every content file's data as our loader reads it (all scalars text), with its kind; with `language`,
    the translations into it instead of the originals."""
    found = []
    suffix = f".{language}" if language else ""
    for kind, (file, is_list) in FILES.items():
        if is_list or kind == "briefing":
            path = content / file.replace(".yaml", f"{suffix}.yaml")
            if path.is_file():
                found.append((kind, path, parse_yaml(path.read_text("utf-8"))))
        else:
            for path in sorted((content / file.split("/")[0]).glob("*.md")):
                if translation_language(path) != language:
                    continue
                split = split_front_matter(path.read_text("utf-8"), path, Diagnostics())
                assert split is not None
                found.append((kind, path, split[0]))
    return found


def _plain(value: object) -> object:
    return json.loads(json.dumps(value))


def test_schemas_validate_the_bundled_briefing() -> None:
    documents = _documents(BUNDLED)
    assert {kind for kind, _, _ in documents} == set(FILES)
    for kind, path, data in documents:
        errors = list(jsonschema.Draft202012Validator(json_schema(kind)).iter_errors(_plain(data)))
        assert errors == [], (path, [e.message for e in errors])


def test_translation_schemas_validate_the_bundled_translations() -> None:
    documents = _documents(BUNDLED, "zh-Hans")
    assert {kind for kind, _, _ in documents} == set(FILES) - {"source"}  # sources keep their own titles
    for kind, path, data in documents:
        validator = jsonschema.Draft202012Validator(json_schema(kind, translation=True))
        assert list(validator.iter_errors(_plain(data))) == [], path
    issue = next(data for kind, _, data in documents if kind == "issue")
    wrong = {**_plain(issue), "status": "open"}  # a translation repeats no shared field
    assert list(jsonschema.Draft202012Validator(json_schema("issue", translation=True)).iter_errors(wrong))


@pytest.mark.parametrize(
    ("kind", "broken"),
    [
        ("issue", {"title": "T", "summary": "S", "status": "finished"}),
        ("issue", {"title": "T", "summary": "S"}),
        ("issue", {"title": "T", "summary": "S", "status": "open", "key_points": ["a", "b"]}),
        ("issue", {"title": "T", "summary": "S", "status": "open", "key_points": ["a", "b", "c", "d", "e", "f"]}),
        (
            "issue",
            {
                "title": "T",
                "summary": "S",
                "status": "open",
                "positions": [{"stakeholder": "s", "stance": "x", "sources": ["a"], "leaning": "for"}],
            },
        ),
        ("issue", {"title": "T", "summary": "S", "status": "addressed-in-2024"}),
        ("stakeholder", {"name": "N", "kind": "person", "role": "R", "colour": "red"}),
        ("event", [{"id": "Bad Id", "date": "2024", "title": "T", "summary": "S", "issues": ["a"], "sources": ["b"]}]),
        ("event", [{"id": "e", "date": "24 May", "title": "T", "summary": "S", "issues": ["a"], "sources": ["b"]}]),
        ("source", [{"id": "s", "title": "T", "publisher": "P", "url": "javascript:alert(1)"}]),
        ("briefing", {"title": "T"}),
    ],
)
def test_schemas_reject_broken_samples(kind: str, broken: object) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, json_schema(kind))


def test_schema_command_writes_every_kind(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "schema", "--out", str(tmp_path))[0] == 0
    names = [f"{k}.schema.json" for k in FILES] + [f"{k}.translation.schema.json" for k in FILES]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    for path in tmp_path.iterdir():
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))


@pytest.mark.parametrize(
    ("command", "hint"), [("schema --out", "choose another --out"), ("init", "choose a new folder")]
)
def test_a_file_where_a_folder_should_be_is_said(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, hint: str
) -> None:
    (tmp_path / "notes").write_text("mine\n")
    code, _, err = run(capsys, *command.split(), str(tmp_path / "notes"))
    assert (code, err) == (1, f"{tmp_path / 'notes'}: error: a file, not a folder ({hint})\n")
    assert (tmp_path / "notes").read_text() == "mine\n"


WARNINGS = [
    (
        "stakeholders/lonely.md",
        "---\nname: Lonely\nkind: person\nrole: Nobody\n---\nAlone [@port-letter].\n",
        "stakeholder `lonely` is linked from nowhere",
    ),
    (
        "issues/quiet.md",
        "---\ntitle: Quiet\nsummary: S.\nstatus: open\n---\nText [@port-letter].\n",
        "issue `quiet` has no positions",
    ),
    (
        "issues/unsourced.md",
        "---\ntitle: Unsourced\nsummary: S.\nstatus: open\n---\nText.\n",
        "issue `unsourced` cites no source",
    ),
]


@pytest.mark.parametrize(("file", "text", "message"), WARNINGS, ids=[w[0] for w in WARNINGS])
def test_strict_turns_each_warning_into_exit_1(
    capsys: pytest.CaptureFixture[str], mini: Path, file: str, text: str, message: str
) -> None:
    assert run(capsys, "check", "--strict", "--content", str(mini))[0] == 0
    (mini / file).write_text(text)
    code, _, err = run(capsys, "check", "--content", str(mini))
    assert code == 0 and message in err
    code, _, err = run(capsys, "check", "--strict", "--content", str(mini))
    assert code == 1 and message in err and "check failed" in err


def test_strict_fails_on_a_stale_as_of(
    capsys: pytest.CaptureFixture[str], mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")  # 2027-01-15: 75 days after as_of
    assert run(capsys, "check", "--strict", "--content", str(mini))[0] == 0
    edit(mini / "briefing.yaml", "as_of: 2026-11-01", "as_of: 2026-10-01")
    code, _, err = run(capsys, "check", "--strict", "--content", str(mini))
    assert code == 1 and "`as_of` is 106 days old (2026-10-01)" in err


def test_template_reference_is_current() -> None:
    assert (ROOT / "docs" / "templates.md").read_text() == reference()


def test_schemas_accept_key_points_and_leanings() -> None:
    good = {
        "title": "T",
        "summary": "S",
        "status": "terms-unpublished",
        "key_points": ["One [@a].", "Two [@a].", "Three [@a]."],
        "positions": [{"stakeholder": "s", "stance": "x", "sources": ["a"], "leaning": "mixed"}],
    }
    jsonschema.validate(good, json_schema("issue"))
    points = json_schema("issue")["properties"]["key_points"]
    assert (points["minItems"], points["maxItems"]) == (3, 5)


def _lines(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code, _, err = run(capsys, *args)
    return code, err.splitlines()


@pytest.mark.parametrize(("command", "below"), [("init", ""), ("init", "x"), ("schema --out", "")])
def test_a_link_to_a_folder_that_does_not_exist_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, below: str
) -> None:
    (tmp_path / "dl").symlink_to(tmp_path / "nowhere" / "dir")
    code, lines = _lines(capsys, *command.split(), str(tmp_path / "dl" / below))
    hint = "remove the link, or create the folder it leads to"
    assert (code, lines) == (1, [f"{tmp_path / 'dl'}: error: a link to a folder that does not exist ({hint})"])
    assert not (tmp_path / "nowhere").exists()


def test_init_below_a_file_names_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("mine\n")
    code, lines = _lines(capsys, "init", str(tmp_path / "notes" / "x"))
    assert (code, lines) == (1, [f"{tmp_path / 'notes'}: error: a file, not a folder (choose a new folder)"])


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize(
    ("command", "hint"), [("init", "choose another folder"), ("schema --out", "choose another --out")]
)
def test_a_folder_that_cannot_be_made_is_named_not_an_internal_error(
    capsys: pytest.CaptureFixture[str], command: str, hint: str
) -> None:
    code, lines = _lines(capsys, *command.split(), "/proc/briefing-test")
    assert (code, lines) == (1, [f"/proc/briefing-test: error: no such file or directory ({hint})"])


def test_new_where_a_file_stands_for_its_folder_names_it(capsys: pytest.CaptureFixture[str], mini: Path) -> None:
    shutil.rmtree(mini / "pages")
    (mini / "pages").write_text("mine\n")
    code, lines = _lines(capsys, "new", "page", "fresh", "--content", str(mini))
    hint = "move the file away: new pages go into a folder of this name"
    assert (code, lines) == (1, [f"{mini / 'pages'}: error: a file, not a folder ({hint})"])


@pytest.mark.parametrize("command", ["init {folder}", "new issue fresh --content {content}"])
def test_a_title_content_may_not_hold_is_refused(
    capsys: pytest.CaptureFixture[str], mini: Path, tmp_path: Path, command: str
) -> None:
    folder = tmp_path / "bt"
    args = command.format(folder=folder, content=mini).split()
    code, lines = _lines(capsys, *args, "--title", "a\x01b")
    where = folder if command.startswith("init") else mini
    hint = "delete it: feeds, sitemaps and calendars cannot carry it"
    assert (code, lines) == (1, [f"{where}: error: --title: control character U+0001 is not allowed ({hint})"])
    assert not folder.exists() and not (mini / "issues" / "fresh.md").exists()


def test_refusals_name_the_folder_and_put_the_hint_in_parentheses(
    capsys: pytest.CaptureFixture[str], mini: Path, tmp_path: Path
) -> None:
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "notes.txt").write_text("mine")
    assert _lines(capsys, "init", str(tmp_path / "nb")) == (
        1,
        [f"{tmp_path / 'nb'}: error: folder is not empty (choose a new folder)"],
    )
    hint = "ids are lowercase letters, digits and single hyphens, e.g. `bad-id`"
    assert _lines(capsys, "new", "issue", "Bad_ID", "--content", str(mini)) == (
        1,
        [f"{mini}: error: `Bad_ID` is not a valid id ({hint})"],
    )


def test_a_list_file_that_is_a_folder_is_named_not_its_temporary(
    capsys: pytest.CaptureFixture[str], mini: Path
) -> None:
    (mini / "sources.yaml").unlink()
    (mini / "sources.yaml").mkdir()
    code, lines = _lines(capsys, "new", "source", "fresh", "--content", str(mini))
    hint = "a folder stands where a file is expected"
    assert (code, lines) == (1, [f"{mini / 'sources.yaml'}: error: is a directory ({hint})"])
    assert sorted(p.name for p in mini.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("title", ["a\x7fb", "a\x80b", 'a "quoted\\" b', "a\u2028b"], ids=["DEL", "C1", "quotes", "LS"])
def test_init_with_a_title_yaml_cannot_hold_as_it_is_still_builds(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, title: str
) -> None:
    folder = tmp_path / "odd"
    assert run(capsys, "init", str(folder), "--title", title)[0] == 0
    result = build(BuildOptions(content=folder / "content", out=folder / "site", search=False))
    assert result.briefing.config.title == title  # type: ignore[union-attr]
