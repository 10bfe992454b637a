"""Loading a long list file in pieces, in parallel, gives what loading it whole gives."""

from __future__ import annotations

import errno
import pickle
from pathlib import Path
from typing import Any, NoReturn

import pytest

from generator import load, spool
from generator.build import BuildOptions, build
from generator.diagnostics import Diagnostics
from generator.load import FileJob, FileMemo, FileResult, canonical, load_content
from generator.markdown import Markdown, compile_markdown
from generator.spool import SPOOLED_MIN_CHARS, Spooled
from tests.helpers import BUNDLED, describe_difference, read_site


def _event(number: int) -> str:
    return (
        f"- id: event-{number:04d}\n"
        f"  date: 2020-01-{number % 28 + 1:02d}\n"
        f"  title: Event {number}\n"
        f"  summary: Something happened [@src-a].\n"
        f"  issues: [issue-a]\n"
        f"  sources: [src-a]\n"
    )


def _timeline(count: int, odd: dict[int, str]) -> str:
    """`count` events, with the text of `odd` in place of the event of that number."""
    return "".join(odd.get(number, _event(number)) for number in range(count))


def _summary(result: FileResult) -> Any:
    part, problems = result
    records = [(r.kind, r.id, r.digest, r.origin.line, canonical(r.values), _lines(r.values)) for r in part.records]
    refs = [(ref.id, ref.line, kind, context) for _path, ref, kind, context in part.refs]
    return records, refs, part.invalid, part.unreadable, [(p.line, p.message, p.hint) for p in problems]


def _lines(values: dict[str, Any]) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """Where each Markdown field starts, and the lines of its links and citations (for their messages)."""
    return [
        (name, text.line, [(ref.target, ref.line) for ref in [*text.links, *text.citations]])
        for name, text in values.items()
        if isinstance(text, Markdown)
    ]


def _loaded_in_pieces(path: Path, monkeypatch: pytest.MonkeyPatch, pieces_at_least: int) -> FileResult:
    monkeypatch.setattr(load, "LIST_PIECE_CHARS", 1500)
    monkeypatch.setattr(load, "TYPICAL_FILE_BYTES", 1)  # weigh the pieces enough to go to the workers
    data = path.read_bytes()
    assert len(load._list_pieces(path, "event", data, path.parent)) >= pieces_at_least
    (result,) = load._load_files([load.FileToLoad(path, "event", data, len(data))], path.parent)
    return result


def test_a_long_list_file_loads_in_pieces_as_it_does_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    odd = {
        3: "# a comment at the margin\n" + _event(3),
        40: _event(40).replace("2020-01", "2020-13"),  # not a date: an error on its line
        41: _event(41) + "  colour: red\n",  # an unknown field
        42: "-\n  " + _event(42)[2:],  # an item whose first line is bare
        77: _event(77).replace("  summary: Something happened [@src-a].\n", "  summary: |+\n    Kept.\n\n\n"),
        90: _event(89),  # a duplicate id is not the loader's to report: both records are kept
    }
    path = tmp_path / "timeline.yaml"
    path.write_text(_timeline(120, odd), "utf-8")
    whole = load._load_file(FileJob(path, "event", tmp_path))
    pieced = _loaded_in_pieces(path, monkeypatch, pieces_at_least=8)
    assert _summary(pieced) == _summary(whole)
    records, _refs, invalid, _unreadable, problems = _summary(pieced)
    assert len(records) == 118 and invalid == {"event-0040": "event", "event-0041": "event"}
    assert [line for line, _message, _hint in problems] == [243, 254]  # the lines of the whole file


@pytest.mark.parametrize(
    ("odd", "expected"),
    [
        # a quoted text that goes on over a line starting `- `: one item, not two
        ({10: _event(10).replace("title: Event 10", 'title: "Event 10\n- continued"')}, None),
        # an anchor in one piece, its alias in another: refused as the whole file's parse refuses it
        (
            {
                5: _event(5).replace("title: Event 5", "title: &name Event 5"),
                70: _event(70).replace("Event 70", "*name"),
            },
            "YAML anchors and aliases (`&name`, `*name`) are not supported",
        ),
        # not YAML at all, in one piece
        ({60: _event(60).replace("title: Event 60", "title: [unclosed")}, "invalid YAML"),
    ],
)
def test_a_piece_that_is_not_plain_yaml_alone_loads_the_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, odd: dict[int, str], expected: str | None
) -> None:
    path = tmp_path / "timeline.yaml"
    path.write_text(_timeline(100, odd), "utf-8")
    whole = load._load_file(FileJob(path, "event", tmp_path))
    pieced = _loaded_in_pieces(path, monkeypatch, pieces_at_least=4)
    assert _summary(pieced) == _summary(whole)
    problems = _summary(pieced)[4]
    if expected is None:
        assert not problems and pieced[0].records[10].values["title"] == "Event 10 - continued"
    else:
        assert len(problems) == 1 and problems[0][1].startswith(expected)


@pytest.mark.parametrize(
    "text",
    [
        "---\n" + _timeline(100, {}),  # a document marker
        _timeline(50, {}) + "...\n" + _timeline(50, {}),  # a document's end, and more
        "events:\n" + _timeline(100, {}).replace("\n", "\n  "),  # a mapping, not a list
        _timeline(100, {7: "\t" + _event(7)}),  # a tab at the margin
        _timeline(100, {7: "-bad\n"}),  # `-` not followed by a space
    ],
)
def test_a_file_that_is_not_plainly_a_list_is_not_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setattr(load, "LIST_PIECE_CHARS", 1500)
    path = tmp_path / "timeline.yaml"
    path.write_text(text, "utf-8")
    assert load._list_pieces(path, "event", path.read_bytes(), tmp_path) == []
    assert len(load._list_pieces(path, "event", _timeline(100, {}).encode(), tmp_path)) > 1


def _part(name: str, records: int, translations: int = 0, refs: int = 0, invalid: bool = False) -> load.Loaded:
    """A file's load result with this many records, translations and references, each named after `name`."""
    origin = load.Origin(Path(f"{name}.md"), 1)
    part = load.Loaded()
    part.records = [load.Record("issue", f"{name}-{i}", {}, None, origin) for i in range(records)]
    part.translations = [load.Translation("issue", f"{name}-{i}", "zh", {}, None, origin) for i in range(translations)]
    part.refs = [(Path(f"{name}.md"), load.Ref(f"{name}-ref-{i}", i + 1), "", "") for i in range(refs)]
    if invalid:
        part.invalid[name] = "issue"
    return part


def _as_lists(loaded: load.Loaded) -> tuple[object, ...]:
    return (loaded.config, loaded.records, loaded.translations, loaded.refs, loaded.invalid, loaded.unreadable)


@pytest.mark.parametrize(
    "replacement",
    [
        {1: (2, 1, 3)},  # as many items as before: laid in place
        {0: (3, 0, 0), 3: (1, 2, 0)},  # as many as before, in two places
        {1: (5, 1, 3)},  # more records
        {2: (0, 0, 0)},  # none left
        {3: (1, 0, 0, True)},  # an invalid record
    ],
)
@pytest.mark.parametrize("invalid_before", [False, True])
def test_a_load_joins_the_files_read_again_as_a_whole_join_would(
    replacement: dict[int, tuple[Any, ...]], invalid_before: bool
) -> None:
    parts = [_part("a", 3), _part("b", 2, 1, 3), _part("c", 0), _part("d", 1, 2), _part("e", 1, invalid=invalid_before)]
    joined = load.JoinedParts.of(None, parts)
    again = list(parts)
    for index, sizes in replacement.items():
        again[index] = _part(f"new{index}", *sizes)
    kept = joined.again(None, again)
    assert _as_lists(kept.loaded()) == _as_lists(load.Loaded.joined(None, again))
    assert _as_lists(joined.loaded()) == _as_lists(load.Loaded.joined(None, parts))  # the last join is untouched
    assert _as_lists(kept.again(None, parts).loaded()) == _as_lists(load.Loaded.joined(None, parts))


def test_long_bodies_are_kept_in_the_spool_and_read_back_whole() -> None:
    """Each long body's Markdown and HTML leave the heap for the engine's spool file; reading them gives what
    was compiled, a copy sent to another process carries the text itself, and short or blank texts stay."""
    memo = FileMemo()
    loaded = load_content(BUNDLED, Diagnostics(root=BUNDLED.parent), memo)
    bodies = [item.body for item in [*loaded.records, *loaded.translations] if item.body is not None]
    long = [body for body in bodies if len(body.text) >= SPOOLED_MIN_CHARS]
    assert len(long) > 20 and all(isinstance(body.source, Spooled) for body in long)
    assert all(isinstance(body.rendered, Spooled) for body in long if len(body.html) >= SPOOLED_MIN_CHARS)
    assert any(not body.text.isascii() for body in long)  # the Chinese edition's, too
    for body in long:
        fresh = compile_markdown(body.text, body.file, body.line)
        assert body.html == fresh.html and body and body.text.strip()
        copy = pickle.loads(pickle.dumps(body))
        assert isinstance(copy.source, str) and (copy.text, copy.html) == (body.text, body.html)
        handles = body.source, body.rendered
        body.spool(memo.spool)  # kept once: spooled again, it stays where it is
        assert (body.source, body.rendered) == handles
    short = [body for body in bodies if len(body.text) < SPOOLED_MIN_CHARS]
    assert short and all(isinstance(body.source, str) for body in short)

    listed = compile_markdown("- a\n" * 200, BUNDLED / "x.md", 1)  # a short source, a long HTML
    listed.spool(memo.spool)
    handles = listed.source, listed.rendered
    assert isinstance(listed.source, str) and isinstance(listed.rendered, Spooled)
    listed.spool(memo.spool)
    assert (listed.source, listed.rendered) == handles and listed.html.count("<li>a</li>") == 200

    blank = compile_markdown(" \n" * SPOOLED_MIN_CHARS, BUNDLED / "x.md", 1)
    blank.spool(memo.spool)
    assert isinstance(blank.source, str) and not blank


def test_a_spool_that_cannot_be_written_leaves_the_texts_where_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spool is an economy, never a cause of failure: with no room for its file (a full disk), the bodies
    stay in the heap and the site is the same."""
    monkeypatch.setattr(spool, "EXTENT_BYTES", 4096)  # the print pages, briefing.json: spooled too
    build(BuildOptions(BUNDLED, tmp_path / "spooled", search=False))

    def no_room(*args: Any, **kwargs: Any) -> NoReturn:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(spool.tempfile, "TemporaryFile", no_room)
    memo = FileMemo()
    loaded = load_content(BUNDLED, Diagnostics(root=BUNDLED.parent), memo)
    assert memo.spool.failed and all(isinstance(r.body.source, str) for r in loaded.records if r.body is not None)
    build(BuildOptions(BUNDLED, tmp_path / "in-memory", search=False))
    expected, actual = read_site(tmp_path / "spooled"), read_site(tmp_path / "in-memory")
    assert expected == actual, describe_difference(expected, actual)
