"""The bundled briefing: builds clean, is fully sourced, and keeps every fact of the seed story."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from generator.build import BuildOptions, Mode, build
from tests.conftest import BUNDLED
from tests.helpers import broken_links


def site_text(site: Path) -> str:
    """All visible text of the built pages, tags stripped and entities decoded, whitespace collapsed."""
    parts = []
    for page in sorted(site.rglob("*.html")):
        text = re.sub(r"<[^>]+>", " ", page.read_text("utf-8"))
        parts.append(html.unescape(text))
    return re.sub(r"\s+", " ", " ".join(parts))


@pytest.fixture(scope="module")
def text(bundled_site: Path) -> str:
    return site_text(bundled_site)


def test_builds_and_checks_without_warnings(tmp_path: Path) -> None:
    result = build(BuildOptions(content=BUNDLED, out=tmp_path / "site", mode=Mode.CHECK))
    assert result.warnings == []
    briefing = result.briefing
    assert briefing is not None
    assert len(briefing.issues) >= 11
    assert len(briefing.stakeholders) >= 25
    assert len(briefing.events) >= 50
    kinds = {s.kind_of for s in briefing.stakeholders}
    assert {"person", "institution", "government"} <= kinds


def test_no_broken_links(bundled_site: Path) -> None:
    assert broken_links(bundled_site) == []


def test_every_issue_and_event_cites_and_every_stakeholder_is_linked(tmp_path: Path) -> None:
    briefing = build(BuildOptions(content=BUNDLED, out=tmp_path / "site", mode=Mode.CHECK)).briefing
    assert briefing is not None
    for issue in briefing.issues:
        assert issue.body.citations, issue.id
    for event in briefing.events:
        assert event.sources and event.issues and event.stakeholders, event.id
    for stakeholder in briefing.stakeholders:
        links = stakeholder.links
        quoted_on_issue = any(q.issues for q in links.quotes)
        assert links.positions or links.events or links.mentioned_on or quoted_on_issue, stakeholder.id


def test_source_urls_are_publishers_own(tmp_path: Path) -> None:
    briefing = build(BuildOptions(content=BUNDLED, out=tmp_path / "site", mode=Mode.CHECK)).briefing
    assert briefing is not None
    mirrors = (
        "vuink",
        "ukgag",
        "exbulletin",
        "transcend.org",
        "medworm",
        "everycrsreport",
        "wikisource",
        "wikileaks",
        "hozzl",
        "billsponsor",
        "rich-schools",
        "thehongkongpost",
        "elderscrollsrp",
        "community99",
        "strangeindia",
        "siastes",
        "briefly.co",
    )
    for source in briefing.sources:
        assert not any(m in source.url for m in mirrors), source.id
    seed = briefing.by_id["nat-2024-02"]
    assert seed.url == "https://www.nature.com/articles/d41586-024-00380-6"  # type: ignore[union-attr]


SEED_QUOTES = [
    "Collaboration is the only way to conquer a lot of the scientific challenges the world is facing today",
    "We are not able to provide information at this time on specific U.S. negotiating positions or on whether "
    "the agreement will be extended past its current expiration date.",
    "arbitrary enforcement of local laws",
    "wrongful detention",
    "to be told they can’t leave the country with their notebooks because they contain restricted data",
    "create encumbrances",
    "China wishes to renew the pact on its own terms",
    "The government realizes if we let these people go, they will make contributions to the United States, "
    "not to China.",
    "cutting off our own arms",
    "Cooperation is critical to science in both countries",
]


@pytest.mark.parametrize("quote", SEED_QUOTES)
def test_seed_quotations_appear_exactly(text: str, quote: str) -> None:
    assert f"“{quote}”" in text or f"“{quote}" in text


SEED_FACTS = [
    # people, with their affiliations as the seed gives them
    "Marina Zhang",
    "University of Technology Sydney",
    "Denis Simon",
    "Institute for China–America Studies",
    "Deborah Seligsohn",
    "Villanova University",
    "Steven Kivelson",
    "Peter Michelson",
    "Stanford University",
    "Antony Blinken",
    "Joe Biden",
    "US Department of State",
    "House Select Committee",
    # dates and numbers
    "27 August 2023",
    "27 February 2024",
    "1979",
    "more than 1,000",
    # claims
    "China Initiative",
    "2022",
    "climate change",
    "global health",
    "food security",
    "clean energy",
    "materials science",
    "quantum",
    "health",
    "environment",
    "energy",
    "six-month extension",
]


@pytest.mark.parametrize("fact", SEED_FACTS)
def test_seed_facts_appear(text: str, fact: str) -> None:
    assert fact in text
