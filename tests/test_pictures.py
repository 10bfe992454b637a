"""Pictures drawn at build time: valid SVG with title and description, one mark per key event, stable bytes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator.build import BuildOptions, build
from tests.helpers import build_errors, edit

SVG = "{http://www.w3.org/2000/svg}"


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(match) for match in re.findall(r"<svg .*?</svg>", html, flags=re.S)]


def picture(html: str) -> tuple[ET.Element, ET.Element]:
    """The one picture of a page (role="img") and its overlay of links (aria-hidden)."""
    drawing, overlay = svgs(html)
    assert drawing.get("role") == "img" and overlay.get("aria-hidden") == "true"
    assert drawing.find(f".//{SVG}a") is None  # an image holds no links (axe nested-interactive)
    return drawing, overlay


def test_strip_is_valid_svg_with_title_desc_and_one_mark_per_key_event(mini_site: Path) -> None:
    strip, overlay = picture((mini_site / "index.html").read_text())
    title, desc = strip.find(f"{SVG}title"), strip.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert strip.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    marks = strip.findall(f".//{SVG}polygon[@class='mark']")
    assert len(marks) == 2  # bridge-opens and tender-closes are the key dates
    links = [a.get("href") for a in overlay.iter(f"{SVG}a") if "#" in (a.get("href") or "")]
    assert "timeline/index.html#bridge-opens" in links and "timeline/index.html#tender-closes" in links
    rects = strip.findall(f".//{SVG}rect")
    assert len(overlay.findall(f".//{SVG}rect")) == len(rects)
    assert {r.get("class") for r in rects} == {
        "period period-term",
        "period period-term uncertain open",
        "period period-lapse",
    }
    assert "Today, 1 November 2026" in ET.tostring(strip, encoding="unicode")
    assert "1 March 2027: Tender closes" in ET.tostring(strip, encoding="unicode")


def test_sparklines_have_one_mark_per_event(mini_site: Path) -> None:
    spark, overlay = picture((mini_site / "issues" / "repair-costs" / "index.html").read_text())
    assert len(overlay.findall(f".//{SVG}a")) == 3
    assert (
        len(spark.findall(f".//{SVG}line[@class='spark']")) + len(spark.findall(f".//{SVG}line[@class='spark key']"))
        == 3
    )


def test_positions_web_links_every_position(mini_site: Path) -> None:
    web, overlay = picture((mini_site / "positions" / "index.html").read_text())
    assert len(web.findall(f".//{SVG}path[@class='web-link']")) == 3
    hrefs = {a.get("href") for a in overlay.iter(f"{SVG}a")}
    assert "../stakeholders/city-council/index.html" in hrefs and "../issues/safety/index.html" in hrefs


def test_periods_table_is_the_text_equivalent(mini_site: Path) -> None:
    html = (mini_site / "timeline" / "index.html").read_text()
    for period in ("first-lease", "second-lease", "closure"):
        assert f'<tr id="{period}">' in html
    assert "Term (uncertain)" in html and ">open<" in html


def test_pictures_are_byte_identical_across_builds(tmp_path: Path) -> None:
    from tests.helpers import MINI

    one, two = tmp_path / "one", tmp_path / "two"
    build(BuildOptions(content=MINI, out=one, search=False))
    build(BuildOptions(content=MINI, out=two, search=False))
    for page in ("index.html", "timeline/index.html", "positions/index.html", "issues/safety/index.html"):
        assert svgs((one / page).read_text()) and (one / page).read_bytes() == (two / page).read_bytes()


PERIOD_CASES = [
    (
        "end before start",
        "  end: 2026-06\n",
        "  end: 2025-06\n",
        "content/periods.yaml:16: error: period `closure` ends (2025-06) before it starts (2025-10) "
        "(swap `start` and `end`)",
    ),
    (
        "overlap",
        "- id: closure\n  start: 2025-10\n  end: 2026-06\n  kind: lapse",
        "- id: closure\n  start: 2025-10\n  end: 2026-06\n  kind: term",
        "content/periods.yaml:14: error: term `closure` overlaps term `second-lease` (line 7) "
        "(periods of one kind must not overlap)",
    ),
    (
        "unknown source",
        "sources: [inspection-report]",
        "sources: [inspection-raport]",
        "content/periods.yaml:19: error: unknown source `inspection-raport` in period `closure` "
        "(did you mean `inspection-report`?)",
    ),
    (
        "bad kind",
        "kind: lapse",
        "kind: lapsed",
        "content/periods.yaml:17: error: field `kind`: `lapsed` is not allowed (did you mean `lapse`?)",
    ),
]


@pytest.mark.parametrize(("name", "old", "new", "message"), PERIOD_CASES, ids=[c[0] for c in PERIOD_CASES])
def test_period_errors(
    capsys: pytest.CaptureFixture[str], mini: Path, name: str, old: str, new: str, message: str
) -> None:
    edit(mini / "periods.yaml", old, new)
    assert build_errors(capsys, mini) == [message]
