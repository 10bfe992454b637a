"""The preview's engine skips views it knows are unchanged: after any sequence of content edits, what it
writes must equal a clean build of the same content (a stateful property test, in one process)."""

from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path
from typing import NoReturn

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import escape

from generator import parallel
from generator.build import BuildOptions, Engine, Mode, Produced, ViewMemo, build
from generator.diagnostics import ContentError, Diagnostics
from generator.load import FileMemo, Loaded, load_content
from generator.mark import mark
from generator.model import Briefing
from generator.render import Renderer, Route
from generator.resolve import Linker, resolve
from tests.helpers import (
    BUNDLED,
    LargeBriefing,
    assert_workers_fork,
    describe_difference,
    make_large_content,
    model_difference,
    read_site,
)

KINDS = ("stakeholder", "issue", "event")
ZH = "zh-Hans"
words = st.text(alphabet="abcdefghij klmnop", min_size=3, max_size=20).map(str.strip).filter(bool)
indexes = st.integers(min_value=0, max_value=10_000)


class PreviewEngineMachine(RuleBasedStateMachine):
    """Edits content as an editor would, rebuilds with one long-lived engine, compares with clean builds."""

    @initialize()
    def start(self) -> None:
        self.root = Path(os.environ.get("PYTEST_TMP", "/tmp")) / f"incremental-{os.getpid()}-{id(self)}"
        shutil.rmtree(self.root, ignore_errors=True)
        self.content, self.out = self.root / "content", self.root / "site"
        self.model = LargeBriefing.generate(stakeholders=20, issues=12, events=30)
        make_large_content(self.content, self.model)
        settings_file = self.content / "briefing.yaml"
        bilingual = settings_file.read_text("utf-8").replace(
            "language: en\n", f"languages: [{{code: en}}, {{code: {ZH}}}]\n"
        )
        settings_file.write_text(bilingual, "utf-8")
        self.translations: dict[str, tuple[str, str]] = {}  # stakeholder → (text, id its body links to)
        # as under `serve`: the pages that may have changed are written first, then `ready`, then the rest
        options = BuildOptions(
            content=self.content,
            out=self.out,
            mode=Mode.PREVIEW,
            search=False,
            ready=lambda written, later: None,
            open_pages=lambda: set(self.open_pages),  # the pages open in an editor's browser
        )
        self.open_pages = {f"issues/{self.model.ids('issue')[0]}/index.html"}
        # as in a briefing of hundreds of entries, an edit that changes many pages has them made by workers, one
        # that changes a few makes them here: both must leave the engine as true as the other
        self.min_items, parallel.MIN_ITEMS = parallel.MIN_ITEMS, 20
        assert_workers_fork()
        self.engine = Engine(options)
        self.engine.build()
        self.project = self._project()
        self.steps: list[str] = []

    def _project(self) -> dict[Path, bytes]:
        """The project's files (content and templates), as the preview's watcher would know them."""
        return {
            p: p.read_bytes()
            for folder in (self.content, self.root / "templates")
            for p in folder.rglob("*")
            if p.is_file()
        }

    def _changed(self) -> set[Path]:
        """What a watcher would report since the engine's last build: every file added, removed or changed."""
        before, self.project = self.project, self._project()
        return {p for p in before.keys() | self.project.keys() if before.get(p) != self.project.get(p)}

    def _pick(self, kind: str, index: int) -> str | None:
        ids = self.model.ids(kind)
        return ids[index % len(ids)] if ids else None

    def _apply(self, description: str) -> None:
        self.model.write(self.content)
        self._write_translations()
        self.steps.append(description)

    def _write_translations(self) -> None:
        """Translations of stakeholders that still exist, linking where they link if that still exists."""
        people = set(self.model.ids("stakeholder"))
        ids = people | set(self.model.ids("issue")) | set(self.model.ids("event"))
        for path in (self.content / "stakeholders").glob(f"*.{ZH}.md"):
            if path.name.removesuffix(f".{ZH}.md") not in self.translations:
                path.unlink()
        for sid, (text, target) in list(self.translations.items()):
            path = self.content / "stakeholders" / f"{sid}.{ZH}.md"
            if sid not in people:
                del self.translations[sid]
                path.unlink(missing_ok=True)
                continue
            link = f" [[{target}]]" if target in ids else ""
            page = f"---\nname: {text}\nrole: {text}\n---\n{text}{link} [@port-letter]\n"
            if not path.is_file() or path.read_text("utf-8") != page:
                path.write_text(page, "utf-8")

    @rule(index=indexes, text=words, kind=st.sampled_from(KINDS), other=indexes)
    def translate(self, index: int, text: str, kind: str, other: int) -> None:
        """Translate a profile (again), its body linking to any entity: the backlinks of the Chinese site."""
        entity, linked = self._pick("stakeholder", index), self._pick(kind, other)
        if entity is not None and linked is not None:
            self.translations[entity] = (text, linked)
            self._apply(f"translate {entity} as {text!r}, linking {linked}")

    @rule(index=indexes)
    def untranslate(self, index: int) -> None:
        entity = self._pick("stakeholder", index)
        if entity is not None and self.translations.pop(entity, None) is not None:
            self._apply(f"delete the translation of {entity}")

    @rule()
    def mark_translations(self) -> None:
        files = sorted((self.content / "stakeholders").glob(f"*.{ZH}.md"))
        if files:
            mark(self.content, files)
            self.steps.append("mark every translation current")

    @rule(kind=st.sampled_from(KINDS), index=indexes, text=words, what=st.sampled_from(["title", "body"]))
    def edit_text(self, kind: str, index: int, text: str, what: str) -> None:
        entity = self._pick(kind, index)
        if entity is not None:
            self.model.set_text(kind, entity, what, text)
            self._apply(f"set {what} of {entity} to {text!r}")

    @rule(kind=st.sampled_from(KINDS), index=indexes)
    def add(self, kind: str, index: int) -> None:
        entity = self._pick(kind, index)
        if entity is not None:
            self._apply(f"add {self.model.add_like(kind, entity)} like {entity}")

    @rule(kind=st.sampled_from(KINDS), index=indexes)
    def delete(self, kind: str, index: int) -> None:
        entity = self._pick(kind, index)
        if entity is not None and len(self.model.ids(kind)) > 2:
            self.model.delete(entity)
            self._apply(f"delete {entity}")

    @rule(kind=st.sampled_from(KINDS), index=indexes)
    def rename(self, kind: str, index: int) -> None:
        entity = self._pick(kind, index)
        if entity is not None:
            new = self.model.new_id(kind)
            self.model.rename(entity, new)
            self._apply(f"rename {entity} to {new}")

    @rule(issue=indexes, person=indexes)
    def take_a_position(self, issue: int, person: int) -> None:
        issue_id, person_id = self._pick("issue", issue), self._pick("stakeholder", person)
        if issue_id is not None and person_id is not None:
            positions = self.model.issues[issue_id].positions
            if person_id in positions:
                positions.remove(person_id)
            else:
                positions.append(person_id)
            self._apply(f"toggle {person_id}'s position on {issue_id}")

    @rule(kind=st.sampled_from(KINDS), index=indexes, text=words)
    def edit_in_a_failed_build(self, kind: str, index: int, text: str) -> None:
        """An edit saved with a mistake elsewhere that fails the build after the model took the edit in (a
        translation into a language the briefing does not have); the mistake is then undone."""
        entity = self._pick(kind, index)
        if entity is None:
            return
        self.model.set_text(kind, entity, "title", text)
        self._apply(f"set the title of {entity} to {text!r} beside a translation into French, then undo that")
        mistake = self.content / "issues" / "mistake.fr.md"
        mistake.write_text("---\ntitle: Erreur\n---\n", "utf-8")
        with pytest.raises(ContentError, match="not one of the briefing's other languages"):
            self.engine.build(self._changed())
        mistake.unlink()

    @rule(kind=st.sampled_from(["issue", "stakeholder"]), index=indexes)
    def open_a_page(self, kind: str, index: int) -> None:
        entity = self._pick(kind, index)
        self.open_pages = {f"{kind}s/{entity}/index.html"} if entity is not None else set()
        self.steps.append(f"open the page of {entity}")

    @rule()
    def close_every_page(self) -> None:
        self.open_pages = set()
        self.steps.append("close every page")

    @rule(text=words)
    def rename_hub(self, text: str) -> None:
        self.model.hub_name = text
        self._apply(f"rename the hub to {text!r}")

    @rule(index=indexes, hub=st.booleans())
    def recase_a_name(self, index: int, hub: bool) -> None:
        """A name changed so that it keeps its place in every list sorted by it (they sort in any case): the
        pages that show it in a slot get it laid in without their views being built; pages where it breaks a
        tie (sorted in its case) are built again."""
        if hub:
            self.model.hub_name = self.model.hub_name.swapcase()
            self._apply("recase the hub's name")
            return
        entity = self._pick("stakeholder", index)
        if entity is not None:
            person = self.model.stakeholders[entity]
            person.name = person.name.swapcase()
            self._apply(f"recase the name of {entity}")

    @rule(index=indexes, text=words)
    def set_role(self, index: int, text: str) -> None:
        """Another field than the name, shown where the stakeholder is listed by name (a slot)."""
        entity = self._pick("stakeholder", index)
        if entity is not None:
            self.model.stakeholders[entity].role = text
            self._apply(f"set the role of {entity} to {text!r}")

    @rule(text=words)
    def retitle_briefing(self, text: str) -> None:
        path = self.content / "briefing.yaml"
        lines = path.read_text("utf-8").splitlines(keepends=True)
        lines = [f"title: {text}\n" if line.startswith("title:") else line for line in lines]
        path.write_text("".join(lines), "utf-8")
        self.steps.append(f"retitle the briefing {text!r}")

    @rule(text=words)
    def override_a_template(self, text: str) -> None:
        templates = self.root / "templates"
        templates.mkdir(exist_ok=True)
        (templates / "page.html").write_text(
            '{% extends "base.html" %}\n{% block main %}<h1>' + text + "{{ view.title }}</h1>{{ view.body }}"
            "{% endblock %}\n"
        )
        self.steps.append(f"override page.html ({text!r})")

    @invariant()
    def equals_a_clean_build(self) -> None:
        if not hasattr(self, "engine"):
            return
        kept = self.engine.build(self._changed()).briefing  # told what changed, as under `serve`
        clean = self.root / "clean"
        shutil.rmtree(clean, ignore_errors=True)
        fresh = build(BuildOptions(content=self.content, out=clean, search=False)).briefing
        expected, actual = read_site(clean), read_site(self.out)
        assert actual == expected, "after: " + "; ".join(self.steps) + "\n" + describe_difference(expected, actual)
        # the model the engine patched in place is the one a fresh resolve links, field by field
        assert model_difference(fresh, kept) == "", "after: " + "; ".join(self.steps)
        # what the view memo knows of the records it looked at again is what a look at all of them gives
        views, anew = self.engine.views, ViewMemo()
        anew._look_at_all(Loaded(records=views.records, translations=views.translations))
        assert (views.digests, views.by_id) == (anew.digests, anew.by_id), "after: " + "; ".join(self.steps)
        # and the index of the pages that read something is the inverse of what each page read
        read = {(name, path) for path, names in views.reads.items() for name in names}
        if views.readers is not None:  # (made at the first build that needs it)
            assert read == {(name, path) for name, paths in views.readers.items() for path in paths}

    def teardown(self) -> None:
        if hasattr(self, "min_items"):
            parallel.MIN_ITEMS = self.min_items
        if hasattr(self, "root"):
            shutil.rmtree(self.root, ignore_errors=True)


PreviewEngineMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("BRIEFING_PROPERTY_EXAMPLES", "6")),
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_preview_engine_equals_clean_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_TMP", str(tmp_path))
    PreviewEngineMachine.TestCase("runTest").runTest()


def test_a_position_taken_where_the_person_is_already_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by the machine above: p-014, already named on i-004, takes a position there. No reference is added
    or removed, but p-014 now weighs more, and i-006's list of stakeholders (ranked by weight) changes."""
    monkeypatch.setenv("PYTEST_TMP", str(tmp_path))
    machine = PreviewEngineMachine()
    machine.start()
    try:
        machine.take_a_position(issue=388, person=194)
        assert machine.steps == ["toggle p-014's position on i-004"]
        machine.equals_a_clean_build()
    finally:
        machine.teardown()


def test_a_link_dropped_from_a_translation_only(tmp_path: Path) -> None:
    """The Chinese profile of Deng Xiaoping stops linking Richard Suttmeier, whom the English one still links:
    only the Chinese site's backlinks change, and the preview must see it."""
    content, out, clean = tmp_path / "content", tmp_path / "site", tmp_path / "clean"
    shutil.copytree(BUNDLED, content)
    engine = Engine(BuildOptions(content=content, out=out, mode=Mode.PREVIEW, search=False))
    engine.build()
    translation = content / "stakeholders" / "deng-xiaoping.zh-Hans.md"
    translation.write_text(translation.read_text("utf-8").replace("[[richard-suttmeier]]", "理查德·萨特迈耶"), "utf-8")
    engine.build()
    build(BuildOptions(content=content, out=clean, search=False))
    expected, actual = read_site(clean), read_site(out)
    assert actual == expected, describe_difference(expected, actual)


@pytest.mark.parametrize("mode", [Mode.BUILD, Mode.PREVIEW])
def test_an_engine_that_builds_once_keeps_nothing_for_a_next_build(
    tmp_path: Path, mode: Mode, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`briefing build` builds once: its memos would only hold the print page's pieces, the exports' pieces
    and every page's reads (hundreds of MB at 11,000 pages) for nothing, nor the files' records and the last
    model, for a next load and resolve; nor do the pages it makes carry where their names lie (10 MiB held
    till the end of a build at 11,000 pages). An engine that builds again (the preview, and `serve --search`,
    which builds in BUILD mode) keeps them, with the same output."""
    names_noted: list[int] = []
    remember = ViewMemo.remember

    def counted(memo: ViewMemo, table: list[Route], produced: list[Produced]) -> None:
        names_noted.append(sum(item.names_at is not None for item in produced))
        remember(memo, table, produced)

    monkeypatch.setattr(ViewMemo, "remember", counted)
    options = BuildOptions(content=BUNDLED, out=tmp_path / "once", mode=mode, search=False)
    once = Engine(options, once=True)
    once.build()
    noted_once, names_noted[:] = sum(names_noted), []
    again = Engine(BuildOptions(content=BUNDLED, out=tmp_path / "again", mode=mode, search=False))
    again.build()
    assert noted_once == 0 and sum(names_noted) > 50, (noted_once, names_noted)
    assert read_site(tmp_path / "once") == read_site(tmp_path / "again")
    kept = [
        [len(memo.entries) for memo in engine.fragments.values()]
        + [len(memo.entries) + len(memo.joined) for memo in engine.pieces.values()]
        + [len(engine.views.reads), len(engine.files.entries), len(engine.linker.last)]
        + [engine.files.listing is not None]
        for engine in (once, again)
    ]
    assert kept[0] == [0] * len(kept[0]) and all(kept[1]), kept


def test_the_linker_patches_the_model_into_what_resolve_links(tmp_path: Path) -> None:
    """Text edits are laid into the last model; what cannot be (a new order, a new reference) is resolved
    anew. Either way the model is the one a fresh resolve links — origins shifted by an edit above included."""
    content = tmp_path / "content"
    shutil.copytree(BUNDLED, content)
    linker, memo = Linker(), FileMemo()

    def both() -> tuple[Briefing, Briefing]:
        diags = Diagnostics(root=tmp_path)
        kept = linker.resolve(load_content(content, diags, memo), diags)
        fresh_diags = Diagnostics(root=tmp_path)
        fresh = resolve(load_content(content, fresh_diags), fresh_diags)
        assert kept is not None and fresh is not None and diags.warnings == fresh_diags.warnings
        return kept, fresh

    first, _ = both()
    timeline = content / "timeline.yaml"
    lines = timeline.read_text("utf-8").replace("  summary: >-\n", "  summary: >-\n    Edited.\n", 1)
    timeline.write_text(lines.replace("  issues:", "  # a comment that moves every later event down\n  issues:", 1))
    issue = content / "issues" / "equal-footing.md"
    issue.write_text(issue.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    kept, fresh = both()
    assert kept is first and linker.patches == 1
    assert model_difference(fresh, kept) == ""
    assert kept.by_id["equal-footing"].body.text.endswith("One more sentence.\n")
    # a stakeholder renamed to the front of the list: a new order, so a new model
    person = content / "stakeholders" / "frank-press.md"
    person.write_text(person.read_text("utf-8").replace("name: Frank Press", "name: Aaron Press", 1), "utf-8")
    kept, fresh = both()
    assert kept is not first and linker.patches == 1
    assert model_difference(fresh, kept) == ""
    # a citation added to a body: a new reference, so a new model
    issue.write_text(issue.read_text("utf-8") + "\nCited [@cd-2017].\n", "utf-8")
    again, fresh = both()
    assert again is not kept and linker.patches == 1
    assert model_difference(fresh, again) == ""


def _previewed_then_renamed(tmp_path: Path) -> tuple[Engine, Path]:
    """A preview engine that built a copy of the bundled briefing, which then renames Frank Press to Frank
    Presse (not yet built); and that profile's file."""
    content = tmp_path / "content"
    shutil.copytree(BUNDLED, content)
    engine = Engine(BuildOptions(content=content, out=tmp_path / "site", mode=Mode.PREVIEW, search=False))
    engine.build()
    person = content / "stakeholders" / "frank-press.md"
    person.write_text(person.read_text("utf-8").replace("name: Frank Press", "name: Frank Presse", 1), "utf-8")
    return engine, person


def _clean_and_kept(engine: Engine, clean: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """A clean build of the engine's content, and the engine's output."""
    options = engine.options
    build(BuildOptions(content=options.content, out=clean, search=False))
    return read_site(clean), read_site(options.out)


def test_exports_follow_a_name_their_texts_link(tmp_path: Path) -> None:
    """The data exports are kept as pieces in a long-lived engine. An event's row in timeline.csv shows the
    names its summary links to: renaming the person must redo that row (and the feed entry), not only his."""
    engine, _person = _previewed_then_renamed(tmp_path)
    engine.build()
    expected, actual = _clean_and_kept(engine, tmp_path / "clean")
    assert "Frank Presse argues" in expected["timeline.csv"].decode()
    assert actual == expected, describe_difference(expected, actual)


def test_a_free_page_retitled_is_renamed_in_every_pages_menu(mini: Path, tmp_path: Path) -> None:
    """The menu holds the free page itself (briefing.yaml names it by id): its new title, told to the engine
    alone, reaches the menu of every page, as a clean build shows it."""
    engine = Engine(BuildOptions(content=mini, out=tmp_path / "site", mode=Mode.PREVIEW, search=False))
    engine.build()
    about = mini / "pages" / "about.md"
    about.write_text(about.read_text("utf-8").replace("title: About", "title: About this briefing", 1), "utf-8")
    engine.build({about})
    expected, actual = _clean_and_kept(engine, tmp_path / "clean")
    assert b">About this briefing</a>" in expected["issues/safety/index.html"]
    assert actual == expected, describe_difference(expected, actual)


def test_a_body_edited_in_an_original_makes_its_translation_out_of_date_on_the_translations_page(
    tmp_path: Path,
) -> None:
    """Only the body changes, not a field: the translation is out of date, on its page and in the count of the
    translations page, as a clean build shows."""
    content = tmp_path / "content"
    shutil.copytree(BUNDLED, content)
    engine = Engine(BuildOptions(content=content, out=tmp_path / "site", mode=Mode.PREVIEW, search=False))
    engine.build()
    issue = content / "issues" / "equal-footing.md"
    issue.write_text(issue.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    engine.build({issue})
    expected, actual = _clean_and_kept(engine, tmp_path / "clean")
    assert b"equal-footing" in expected["translations/index.html"].split(b'class="status-outdated"', 2)[-1]
    assert actual == expected, describe_difference(expected, actual)


def test_a_link_saved_into_the_content_is_read_by_its_own_name(mini: Path, tmp_path: Path) -> None:
    """The watcher names the link, not the file it leads to: a page kept elsewhere in the project and linked
    into pages/ is built, and one linked from outside the project is refused, as in a clean build."""
    engine = Engine(BuildOptions(content=mini, out=tmp_path / "site", mode=Mode.PREVIEW, search=False))
    engine.build()
    kept = mini.parent / "drafts" / "method.md"
    kept.parent.mkdir()
    kept.write_text("---\ntitle: Method\nsummary: How this was made.\n---\nBy hand.\n", "utf-8")
    link = mini / "pages" / "method.md"
    link.symlink_to(Path("..", "..", "drafts", "method.md"))
    engine.build({link})
    expected, actual = _clean_and_kept(engine, tmp_path / "clean")
    assert "method/index.html" in expected
    assert actual == expected, describe_difference(expected, actual)
    elsewhere = tmp_path / "elsewhere.md"
    elsewhere.write_text(kept.read_text("utf-8"), "utf-8")
    outside = mini / "pages" / "elsewhere.md"
    outside.symlink_to(elsewhere)
    with pytest.raises(ContentError, match="a link to a place outside the project"):
        engine.build({outside})


def test_a_build_that_fails_after_taking_in_an_edit_leaves_no_stale_page_title(tmp_path: Path) -> None:
    """A name edited beside a mistake that fails the build once the model has taken the name in: after the
    mistake is undone, the next build (told only of that) shows the name in the page's title too."""
    engine, person = _previewed_then_renamed(tmp_path)
    mistake = engine.options.content / "issues" / "equal-footing.fr.md"
    mistake.write_text("---\ntitle: Égalité\n---\n", "utf-8")
    with pytest.raises(ContentError, match="not one of the briefing's other languages"):
        engine.build({person, mistake})
    mistake.unlink()
    engine.build({mistake})
    expected, actual = _clean_and_kept(engine, tmp_path / "clean")
    assert b"<title>Frank Presse" in expected["stakeholders/frank-press/index.html"]
    assert actual == expected, describe_difference(expected, actual)


def test_a_reported_folder_makes_the_engine_look_at_everything(tmp_path: Path) -> None:
    """The watcher may name only a new folder (a file written into it before it is watched goes unnamed):
    a path the engine's listing does not know makes it list and read the whole content folder."""
    content, out = tmp_path / "content", tmp_path / "site"
    shutil.copytree(BUNDLED, content)
    engine = Engine(BuildOptions(content=content, out=out, mode=Mode.PREVIEW, search=False))
    engine.build()
    folder = content / "timeline"
    folder.mkdir()
    (folder / "later.yaml").write_text(
        '- id: 2026-a-later-event\n  date: "2026-11-29"\n  title: A later event\n'
        "  summary: Something happened [@cd-2017].\n  issues: [renewal-and-survival]\n  stakeholders: []\n"
        "  sources: [cd-2017]\n",
        "utf-8",
    )
    engine.build(changed={folder})
    assert (out / "timeline" / "index.html").read_text("utf-8").count("A later event") == 1
    issue = content / "issues" / "equal-footing.md"
    issue.write_text(issue.read_text("utf-8") + "\nNamed by the watcher.\n", "utf-8")
    engine.build(changed={issue})
    assert "Named by the watcher." in (out / "issues" / "equal-footing" / "index.html").read_text("utf-8")


def test_the_view_memo_looks_again_at_an_edited_original_with_its_translations(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(BUNDLED, content)
    engine = Engine(BuildOptions(content=content, out=tmp_path / "site", mode=Mode.PREVIEW, search=False))
    engine.build()
    original = content / "issues" / "congressional-oversight.md"
    assert original.with_suffix(f".{ZH}.md").is_file()
    before = list(engine.views.records)
    original.write_text(original.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    engine.build({original})
    views = engine.views
    assert sum(a is not b for a, b in zip(views.records, before, strict=True)) == 1  # the record read again only
    anew = ViewMemo()
    anew._look_at_all(Loaded(records=views.records, translations=views.translations))
    assert views.digests == anew.digests
    assert views.by_id == anew.by_id


def test_the_preview_writes_the_page_open_in_the_browser_first(mini: Path, tmp_path: Path) -> None:
    """A rename shown on many pages: the page the editor looks at is written (and the browser told) before
    the others, which follow in the second step; the output then equals a clean build."""
    told: list[tuple[set[str], set[str]]] = []
    out = tmp_path / "site"
    options = BuildOptions(
        content=mini,
        out=out,
        mode=Mode.PREVIEW,
        search=False,
        ready=lambda written, later: told.append((written, later)),
        open_pages=lambda: {"issues/safety/index.html", "no/such/page.html"},
    )
    engine = Engine(options)
    engine.build()
    council = mini / "stakeholders" / "city-council.md"
    council.write_text(council.read_text("utf-8").replace("name: City Council", "name: Town Council"), "utf-8")
    told.clear()
    engine.build({council})
    [(written, later)] = told
    assert written == {"issues/safety/index.html"}
    assert {"stakeholders/city-council/index.html", "issues/repair-costs/index.html"} <= later
    build(BuildOptions(content=mini, out=tmp_path / "clean", search=False))
    assert read_site(out) == read_site(tmp_path / "clean")


def test_pieces_a_worker_made_are_not_taken_for_the_engines_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The print page and the exports are joined from pieces the engine keeps. Made here after one edit, made
    by a worker after a rename shown on many pages (the worker's pieces are lost with it), then made here
    again after another edit: the engine's pieces from before the rename must not come back."""
    monkeypatch.setattr(parallel, "MIN_ITEMS", 20)  # few pages are made here, many by workers
    assert_workers_fork()
    model = LargeBriefing.generate(stakeholders=20, issues=12, events=30)
    content, out = tmp_path / "content", tmp_path / "site"
    make_large_content(content, model)
    open_pages: set[str] = set()
    options = BuildOptions(
        content=content,
        out=out,
        mode=Mode.PREVIEW,
        search=False,
        ready=lambda written, later: None,
        open_pages=lambda: open_pages,
    )
    engine = Engine(options)
    engine.build()

    def rebuild() -> None:  # told what changed, as under `serve`
        engine.build({content / path for path in model.write(content)})

    first, second = model.ids("issue")[:2]
    model.set_text("issue", first, "body", "an edit made with no page open")
    rebuild()
    open_pages.add(f"issues/{second}/index.html")
    model.hub_name = "Port Authority"  # shown on every page: all but the open one are made by workers
    rebuild()
    model.set_text("issue", second, "body", "an edit of the open page")
    rebuild()
    build(BuildOptions(content=content, out=tmp_path / "clean", search=False))
    expected = read_site(tmp_path / "clean")
    assert read_site(out) == expected, describe_difference(expected, read_site(out))


def test_the_preview_keeps_the_print_pages_articles_from_its_first_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview's first build spreads its pages over workers, but makes the whole-briefing files itself, so
    that its memos keep their pieces: the first edit after it renders only the print page's article that
    reads the edited body (a worker's pieces would have been lost, and every article rendered anew)."""
    assert_workers_fork()
    content, out = tmp_path / "content", tmp_path / "site"
    model = LargeBriefing.generate()
    make_large_content(content, model)
    options = BuildOptions(content=content, out=out, mode=Mode.PREVIEW, search=False, ready=lambda *_: None)
    engine = Engine(options)
    with monkeypatch.context() as patched:
        patched.setattr(parallel, "MIN_ITEMS", 2)  # the few whole-briefing files too would go to workers
        engine.build()
    articles: list[str] = []
    render_piece = Renderer.render_piece

    def counted(renderer: Renderer, macro: str, item: object) -> str:
        articles.append(getattr(item, "id", macro))
        return render_piece(renderer, macro, item)

    monkeypatch.setattr(Renderer, "render_piece", counted)
    model.set_text("issue", "i-001", "body", "A sentence said anew.")
    model.write(content)
    engine.build({content / "issues" / "i-001.md"})
    expected, actual = _clean_and_kept(engine, tmp_path / "clean")
    assert actual == expected, describe_difference(expected, actual)
    assert b"A sentence said anew." in actual["print/index.html"]
    assert articles == ["i-001"], articles


def test_builds_leave_next_to_no_cyclic_garbage(tmp_path: Path) -> None:
    """The preview's build process collects only the young objects between builds, and every object only every
    few builds (builder.py): a build must leave next to nothing that only the collector can free. Regression:
    a renderer whose name memos held it in a cycle kept it, and the sitemap it holds (a tuple and a list per
    page), alive till a full collection: 2.5 MiB more after each rename at 4,400 pages."""
    content, out = tmp_path / "content", tmp_path / "site"
    model = LargeBriefing.generate()
    make_large_content(content, model)
    engine = Engine(BuildOptions(content=content, out=out, mode=Mode.PREVIEW, search=False))
    engine.build()
    gc.collect()
    found = []
    gc.disable()
    try:
        for name in ["HARBOUR BOARD", "Harbour Board"]:  # laid into the pages that show it
            model.hub_name = name
            model.write(content)
            engine.build({content / "stakeholders" / f"{LargeBriefing.HUB}.md"})
            found.append(gc.collect())
        model.set_text("issue", "i-001", "body", "A sentence said anew.")  # a body edit
        model.write(content)
        engine.build({content / "issues" / "i-001.md"})
        found.append(gc.collect())
    finally:
        gc.enable()
    assert max(found) < 100, found  # (the few closures that call themselves, in resolve and in the listing)


@pytest.mark.parametrize("unreadable", [False, True], ids=["files-read", "files-unreadable"])
def test_a_name_that_keeps_its_place_is_laid_into_the_pages_that_show_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unreadable: bool
) -> None:
    """The hub renamed so that it keeps its place in every list: the hundreds of pages that show its name in a
    slot get the new name laid into their files, without their views being built or rendered, and the site
    equals a clean build — renamed again and again, to longer and shorter names, each time laid in where the
    last one landed. A file that cannot be read when its names are to be laid in is built in full."""
    content, out = tmp_path / "content", tmp_path / "site"
    model = LargeBriefing.generate()
    make_large_content(content, model)
    engine = Engine(BuildOptions(content=content, out=out, mode=Mode.PREVIEW, search=False))
    engine.build()
    showing = {path for path, data in read_site(out).items() if b"Harbour Board" in data}
    built: list[str] = []
    view_key = Renderer.view_key

    def counted(renderer: Renderer, route: Route) -> object:
        built.append(route.path)
        return view_key(renderer, route)

    monkeypatch.setattr(Renderer, "view_key", counted)
    monkeypatch.setattr(parallel, "MIN_ITEMS", 10**9)  # in this process, where the count is kept
    if unreadable:  # (as if each file were removed or made unreadable after the build looked at it)

        def refused(renderer: Renderer, data: bytes, names_at: object) -> NoReturn:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(Renderer, "relay_names", refused)
    # (each sorts before every "Person N", as "Harbour Board" does)
    for number, name in enumerate(["HARBOUR BOARD", "Harbour Board & Port Authority", "Harbour", "Harbour <Board>"]):
        built.clear()
        model.hub_name = name
        model.write(content)
        result = engine.build({content / "stakeholders" / f"{LargeBriefing.HUB}.md"})
        rebuilt = list(built)
        expected, actual = _clean_and_kept(engine, tmp_path / f"clean-{number}")
        assert actual == expected, describe_difference(expected, actual)
        # as the CSV files, HTML and JSON-LD show it
        forms = {name.encode(), str(escape(name)).encode(), htmlsafe_json_dumps(name)[1:-1].encode()}
        assert {path for path, data in actual.items() if any(form in data for form in forms)} == showing, name
        assert len(showing) > 300 and result.written >= len(showing)
        if unreadable:
            assert len(rebuilt) > len(showing) - 10, len(rebuilt)
            continue
        # the few pages that list every stakeholder (and so read every name) are built again; the hub's own
        # page, which shows its name in its title, descriptions, JSON-LD and heading, gets it laid in
        assert len(rebuilt) < 10 and f"stakeholders/{LargeBriefing.HUB}/index.html" not in rebuilt, (name, rebuilt)
        # and the print page, whose articles leave names as slots for the page to lay in, as any page's
        assert "print/index.html" not in rebuilt, (name, rebuilt)
