"""Pictures drawn at build time: valid SVG with title and description, one mark per key event, stable bytes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from generator.build import BuildOptions, build
from tests.helpers import build_errors, edit

SVG = "{http://www.w3.org/2000/svg}"


def svgs(html: str) -> list[ET.Element]:
    """The pictures of a page (not the small line samples of a legend)."""
    return [ET.fromstring(match) for match in re.findall(r'<svg class="picture.*?</svg>', html, flags=re.S)]


def picture(html: str, variant: str = "wide") -> tuple[ET.Element, ET.Element]:
    """The one picture of a page (role="img") and its overlay of links (aria-hidden); of the strip and the
    sparklines, the drawing for `variant` screens (each is drawn twice, the stylesheet shows one; the narrow
    one, at phone size, has no links: an empty overlay stands in for them here)."""
    found = svgs(html)
    if len(found) == 3:
        if variant == "narrow":
            assert found[0].get("role") == "img" and found[0].find(f".//{SVG}a") is None
            return found[0], ET.Element(f"{SVG}svg", {"aria-hidden": "true"})
        found = found[1:]
    drawing, overlay = found
    assert drawing.get("role") == "img" and overlay.get("aria-hidden") == "true"
    assert drawing.find(f".//{SVG}a") is None  # an image holds no links (axe nested-interactive)
    return drawing, overlay


def test_strip_is_valid_svg_with_title_desc_and_one_mark_per_key_event(mini_site: Path) -> None:
    strip, overlay = picture((mini_site / "index.html").read_text())
    title, desc = strip.find(f"{SVG}title"), strip.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert strip.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    marks = strip.findall(f".//{SVG}path[@class='mark']")
    assert len(marks) == 2  # bridge-opens and tender-closes are the key dates
    links = [a.get("href") for a in overlay.iter(f"{SVG}a") if "#" in (a.get("href") or "")]
    assert "timeline/index.html#bridge-opens" in links and "timeline/index.html#tender-closes" in links
    rects = [r for r in strip.findall(f".//{SVG}rect") if "period" in (r.get("class") or "")]
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
    edit(mini / "issues/safety.md", "[@inspection-report].", "[@inspection-report]. See the [[closure]].")
    assert build_errors(capsys, mini) == [message]  # the link to the period in error is not one too


# Pictures for every width: the strip and the sparklines are drawn twice, for narrow and for wide screens.

SIZES = {"tick": 12, "lane-label": 12, "today-label": 12, "deadline-label": 12, "lapse-label": 12, "scale-note": 11}


def text_boxes(svg: ET.Element) -> list[tuple[str, float, float, float, float]]:
    """Every text's box, from its attributes and a generous width per character (0.62 em)."""
    boxes = []
    shifted = {
        id(t): float((g.get("transform") or "translate(0 0)").split()[1].rstrip(")"))
        for g in svg.iter(f"{SVG}g")
        for t in g
    }
    for text in svg.iter(f"{SVG}text"):
        css = text.get("class") or ("tick" if id(text) in shifted else "")
        size = SIZES.get(css, 13)
        lines = [t.text or "" for t in text.iter(f"{SVG}tspan")] or [text.text or ""]
        width = max(len(line) for line in lines) * size * 0.62
        x, y = float(text.get("x") or 0), float(text.get("y") or 0) + shifted.get(id(text), 0)
        anchor = text.get("text-anchor") or ("middle" if id(text) in shifted else "start")
        x0 = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
        boxes.append((" / ".join(lines), x0, y - size, x0 + width, y - size + len(lines) * 15))
    return boxes


def overlapping(boxes: list[tuple[str, float, float, float, float]]) -> list[tuple[str, str]]:
    return [
        (a[0], b[0])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]
    ]


def view_width(svg: ET.Element) -> float:
    return float((svg.get("viewBox") or "").split()[2])


@pytest.mark.parametrize("variant", ["narrow", "wide"])
@pytest.mark.parametrize("page", ["index.html", "timeline/index.html"])
def test_strip_labels_never_overlap_and_stay_inside(bundled_site: Path, page: str, variant: str) -> None:
    strip, _ = picture((bundled_site / page).read_text(), variant)
    boxes = text_boxes(strip)
    assert overlapping(boxes) == []
    for line in strip.iter(f"{SVG}line"):  # the lines of today, the deadline and the leaders cross no label
        if line.get("class") in ("today", "deadline", "leader"):
            x, y1, y2 = float(line.get("x1") or 0), float(line.get("y1") or 0), float(line.get("y2") or 0)
            crossed = [b[0] for b in boxes if b[1] < x < b[3] and min(y1, y2) < b[4] and b[2] < max(y1, y2)]
            assert crossed == [], (line.get("class"), crossed)
    width = view_width(strip)
    assert all(box[1] >= 0 and box[3] <= width for box in boxes), boxes
    labels = " ".join(box[0] for box in boxes)
    assert "Lapse" in labels and "Today" in labels and "27 August 2029" in labels


def test_narrow_strip_shows_the_whole_span_at_phone_size(bundled_site: Path) -> None:
    html = (bundled_site / "index.html").read_text()
    strip, _ = picture(html, "narrow")
    assert view_width(strip) <= 360  # drawn at phone size: 12 px text stays 12 px
    years = tick_years(strip)
    assert min(years) <= 1980 and max(years) >= 2029
    width = view_width(strip)
    xs = [float(v) for r in strip.iter(f"{SVG}rect") for v in (r.get("x"), r.get("width")) if v]
    assert all(0 <= x <= width for x in xs)
    lapse = [r for r in strip.iter(f"{SVG}rect") if r.get("class") == "period period-lapse"]
    assert lapse and float(lapse[0].get("width") or 0) >= 4
    assert "compressed" in words(html, strip)


def words(html: str, svg: ET.Element) -> str:
    """A picture's title and description, as named by its aria-labelledby: its own, or (a narrow drawing) those
    of the wide drawing of the same picture, said once on the page."""
    ids = (svg.get("aria-labelledby") or "").split()
    found = [re.search(rf'id="{i}">([^<]*)<', html) for i in ids]
    assert len(ids) == 2 and all(found), ids
    return " ".join(m.group(1) for m in found if m)


def test_a_picture_drawn_twice_says_its_words_once(bundled_site: Path) -> None:
    html = (bundled_site / "index.html").read_text()
    narrow, _ = picture(html, "narrow")
    wide, _ = picture(html, "wide")
    assert narrow.find(f"{SVG}desc") is None and narrow.get("aria-labelledby") == wide.get("aria-labelledby")
    assert html.count("<desc ") == 1 and "key dates are marked" in words(html, narrow)


def tick_years(svg: ET.Element) -> list[int]:
    return [int(t.text or 0) for g in svg.iter(f"{SVG}g") if g.get("class") == "tick" for t in g]


@pytest.mark.parametrize("variant", ["narrow", "wide"])
def test_sparkline_axis_is_the_entitys_own_span(bundled_site: Path, variant: str) -> None:
    # Denis Simon: five events from 25 August 2023 to 1 July 2025, across the lapse of 2024
    spark, _ = picture((bundled_site / "stakeholders" / "denis-simon" / "index.html").read_text(), variant)
    years = tick_years(spark)
    assert min(years) == 2023 and max(years) == 2025
    (base,) = [line for line in spark.iter(f"{SVG}line") if line.get("class") == "baseline"]
    width = float(base.get("x2") or 0) - float(base.get("x1") or 0)
    marks = [float(line.get("x1") or 0) for line in spark.iter(f"{SVG}line") if "spark" in (line.get("class") or "")]
    assert len(marks) == 5 and max(marks) - min(marks) > width * 0.5  # on 1978–2030 they took 4 %
    assert [r for r in spark.iter(f"{SVG}rect") if r.get("class") == "period-lapse"]
    assert overlapping(text_boxes(spark)) == []
    # Jimmy Carter: one event in 1979, far from the lapse: readable, no lapse drawn
    one, _ = picture((bundled_site / "stakeholders" / "jimmy-carter" / "index.html").read_text(), variant)
    assert tick_years(one) == [1979]
    assert not [r for r in one.iter(f"{SVG}rect") if r.get("class") == "period-lapse"]
    (mark,) = [float(line.get("x1") or 0) for line in one.iter(f"{SVG}line") if "spark" in (line.get("class") or "")]
    assert 0.05 * view_width(one) < mark < 0.95 * view_width(one)


PICTURE_PAGES = [
    "index.html",
    "timeline/index.html",
    "issues/renewal-and-survival/index.html",
    "stakeholders/denis-simon/index.html",
    "positions/index.html",
]

# the box of every visible picture, and of each of its texts, as Chromium lays them out
LAYOUT = """() => [...document.querySelectorAll('svg.picture[role=img]')]
  .filter(svg => svg.getBoundingClientRect().width > 0)
  .map(svg => {
    const r = svg.getBoundingClientRect();
    let clipped = false;
    for (let e = svg.parentElement; e; e = e.parentElement) {
      const b = e.getBoundingClientRect();
      if (getComputedStyle(e).overflowX !== 'visible' && (r.left < b.left - 1 || r.right > b.right + 1)) clipped = true;
    }
    const texts = [...svg.querySelectorAll('text')].map(t => {
      const b = t.getBoundingClientRect();
      return [t.textContent, b.left, b.top, b.right, b.bottom];
    });
    return {cls: svg.getAttribute('class'), left: r.left, right: r.right, clipped, texts};
  })"""


def test_pictures_fit_every_width_and_their_texts_never_overlap(browser: Browser, bundled_site: Path) -> None:
    for width in (375, 768, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        for path in PICTURE_PAGES:
            page.goto((bundled_site / path).as_uri())
            pictures = page.evaluate(LAYOUT)
            assert pictures, (width, path)
            for found in pictures:
                where = (width, path, found["cls"])
                assert found["left"] >= 0 and found["right"] <= width and not found["clipped"], where
                boxes = [(t[0], t[1], t[2], t[3], t[4]) for t in found["texts"]]
                assert overlapping([(n, x0 + 1, y0 + 2, x1 - 1, y1 - 2) for n, x0, y0, x1, y1 in boxes]) == [], where
        context.close()


def test_the_web_draws_each_position_s_leaning(bundled_site: Path) -> None:
    """Colour plus a dash pattern per leaning (CSS), one path per position, in the wide drawing."""
    html = (bundled_site / "positions" / "index.html").read_text()
    wide = html[html.index('<svg class="picture web" viewBox="0 0 800') :]
    wide = wide[: wide.index("</svg>")]
    drawn = {lean: wide.count(f'class="web-link web-{lean}"') for lean in ("supports", "opposes", "mixed", "neutral")}
    stated = {lean: 0 for lean in drawn}
    for issue in (Path(__file__).parent.parent / "content" / "issues").glob("*.md"):
        if "." not in issue.stem:
            for lean in re.findall(r"^    leaning: (\w+)$", issue.read_text(), re.M):
                stated[lean] += 1
    assert drawn == stated and drawn["opposes"] > 0
    legend = html[html.index('<ul class="web-legend">') :].split("</ul>")[0]
    assert all(f"web-link web-{lean}" in legend for lean in drawn)
