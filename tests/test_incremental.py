"""The preview's engine skips views it knows are unchanged: after any sequence of content edits, what it
writes must equal a clean build of the same content (a stateful property test, in one process)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from generator.build import BuildOptions, Engine, Mode, build
from tests.helpers import LargeBriefing, describe_difference, make_large_content, read_site

KINDS = ("stakeholder", "issue", "event")
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
        self.engine = Engine(BuildOptions(content=self.content, out=self.out, mode=Mode.PREVIEW, search=False))
        self.engine.build()
        self.steps: list[str] = []

    def _pick(self, kind: str, index: int) -> str | None:
        ids = self.model.ids(kind)
        return ids[index % len(ids)] if ids else None

    def _apply(self, description: str) -> None:
        self.model.write(self.content)
        self.steps.append(description)

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

    @rule(text=words)
    def rename_hub(self, text: str) -> None:
        self.model.hub_name = text
        self._apply(f"rename the hub to {text!r}")

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
        self.engine.build()
        clean = self.root / "clean"
        shutil.rmtree(clean, ignore_errors=True)
        build(BuildOptions(content=self.content, out=clean, search=False))
        expected, actual = read_site(clean), read_site(self.out)
        assert actual == expected, "after: " + "; ".join(self.steps) + "\n" + describe_difference(expected, actual)

    def teardown(self) -> None:
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
