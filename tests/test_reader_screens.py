"""What a reader sees on a phone and on a wide screen, measured in Chromium: the title before "On this page",
citations that are easy to tap and sit tight against the text, no picture or table cut off at 375 px, and
Chinese set in a Chinese font."""

from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import Browser

from tests.helpers import PAGES_OF_EACH_KIND

PHONE = {"width": 375, "height": 667}
WIDE = {"width": 1280, "height": 900}
LONG_PAGES = ["issues/renewal-and-survival/index.html", "stakeholders/us-state-department/index.html"]


# ---- "On this page" after the title on phones, beside it on wide screens ---------------------------------


@pytest.mark.parametrize("path", LONG_PAGES)
def test_at_375_px_the_title_comes_first_and_on_this_page_follows(browser: Browser, base_url: str, path: str) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(base_url + path)
    toc = page.locator("nav.toc").bounding_box()
    h1 = page.locator("h1").bounding_box()
    assert toc is not None and h1 is not None
    assert h1["y"] < toc["y"], (h1, toc)
    assert h1["y"] + h1["height"] <= PHONE["height"], h1  # on the first screen
    for head in page.locator(".page-head > *").all():  # summary, status, key points (or the facts): all first
        box = head.bounding_box()
        assert box is not None and box["y"] + box["height"] <= toc["y"], (head.evaluate("e => e.className"), box)
    context.close()


@pytest.mark.parametrize("path", LONG_PAGES)
def test_on_wide_screens_on_this_page_stays_in_the_right_column(browser: Browser, base_url: str, path: str) -> None:
    context = browser.new_context(viewport=WIDE)
    page = context.new_page()
    page.goto(base_url + path)
    h1 = page.locator("h1").bounding_box()
    toc = page.locator("nav.toc").bounding_box()
    assert h1 is not None and toc is not None
    assert toc["x"] > h1["x"] + 600 and toc["y"] < h1["y"] + 200, (h1, toc)  # beside the title, not under it
    page.evaluate("window.scrollTo(0, 3000)")
    scrolled = page.locator("nav.toc").bounding_box()
    assert scrolled is not None and 0 <= scrolled["y"] <= 40, scrolled  # sticky
    context.close()


# ---- citations: tight against the text, a 24 × 24 px target each -----------------------------------------

# Each citation followed by punctuation on the same line: the gap between the citation's last glyph and the
# punctuation's first, in px.
GAPS = """() => [...document.querySelectorAll('main sup.cite')].flatMap(sup => {
  const next = sup.nextSibling;
  if (!next || next.nodeType !== Node.TEXT_NODE || !/^[.,:;)]/.test(next.data)) return [];
  const cite = document.createRange(); cite.selectNodeContents(sup.querySelector('a'));
  const mark = document.createRange(); mark.setStart(next, 0); mark.setEnd(next, 1);
  const a = cite.getBoundingClientRect(), b = mark.getBoundingClientRect();
  return Math.abs(a.bottom - b.bottom) > 20 ? [] : [[sup.textContent + next.data[0], b.left - a.right]];
})"""

# Where a pointer lands around a citation: the 24 × 24 px square centred on its text, probed at its corners,
# edges and centre; every probe must reach that citation's link.
TARGET = """link => {
  link.scrollIntoView({block: 'center'});
  const range = document.createRange(); range.selectNodeContents(link);
  const box = range.getBoundingClientRect(), x = (box.left + box.right) / 2, y = (box.top + box.bottom) / 2;
  const missed = [];
  for (const dx of [-11.5, 0, 11.5]) for (const dy of [-11.5, 0, 11.5]) {
    const hit = document.elementFromPoint(x + dx, y + dy);
    if (!hit || hit.closest('a') !== link) missed.push([dx, dy, hit ? hit.outerHTML.slice(0, 60) : null]);
  }
  return missed;
}"""


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["375", "1280"])
def test_citations_sit_tight_against_punctuation(browser: Browser, base_url: str, viewport: dict[str, int]) -> None:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(base_url + "issues/renewal-and-survival/index.html")
    gaps = page.evaluate(GAPS)
    context.close()
    assert len(gaps) >= 5
    assert [(text, round(gap, 1)) for text, gap in gaps if gap > 1] == []


def test_only_the_second_citation_of_a_run_is_set_off(browser: Browser, base_url: str) -> None:
    """ "[1][2]" keeps a gap between the two targets; a citation after a word or a space gets none."""
    context = browser.new_context(viewport=WIDE)
    page = context.new_page()
    page.goto(base_url + "index.html")
    margins = page.evaluate(
        """() => [...document.querySelectorAll('main sup.cite')].map(sup => [
          sup.previousSibling?.nodeName === 'SUP', parseFloat(getComputedStyle(sup).marginLeft)])"""
    )
    context.close()
    assert {after_citation for after_citation, _ in margins} == {True, False}
    assert all((margin > 5) == after_citation for after_citation, margin in margins), margins


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["375", "1280"])
def test_every_citation_has_a_24_px_square_target(browser: Browser, base_url: str, viewport: dict[str, int]) -> None:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(base_url + "issues/renewal-and-survival/index.html")
    links = page.locator("main sup.cite a:visible").all()[:30]  # runs of two, three and four among them
    missed = {link.inner_text(): m for link in links if (m := link.evaluate(TARGET))}
    context.close()
    assert len(links) == 30 and missed == {}


# ---- nothing cut off at 375 px ------------------------------------------------------------------------

# Every visible element that reaches past either side of the viewport, and why it is allowed there: inside a
# scroll container that fits the viewport and shows that it scrolls (shadows at the edges where there is
# more: backgrounds attached to the content and to the container). Elements wholly off-screen to the left
# (the skip link until it is focused) are not seen by a reader and do not make the page scroll.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth, found = [];
  for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (!r.width || !r.height || r.right <= 0 || getComputedStyle(e).visibility !== 'visible') continue;
    if (r.left >= -1 && r.right <= width + 1) continue;
    let box = e.parentElement, verdict = 'no scroll container';
    for (; box && box !== document.body; box = box.parentElement) {
      const style = getComputedStyle(box), b = box.getBoundingClientRect();
      if (style.overflowX === 'visible' || b.left < -1 || b.right > width + 1) continue;  // not what cuts it
      const name = box.tagName.toLowerCase() + '.' + (box.getAttribute('class') || '');
      const cue = style.backgroundAttachment.includes('local') && style.backgroundImage.includes('gradient');
      verdict = !['auto', 'scroll'].includes(style.overflowX) ? 'cut off by ' + name
        : cue ? 'ok' : 'scrolls with no cue: ' + name;
      break;
    }
    const name = e.tagName.toLowerCase() + '.' + (e.getAttribute('class') || '');
    if (verdict !== 'ok') found.push([name, Math.round(r.left), Math.round(r.right), verdict]);
  }
  return found;
}"""


def test_nothing_is_wider_than_a_phone_unless_it_scrolls_with_a_cue(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    found = {}
    for path in PAGES_OF_EACH_KIND:
        page.goto(base_url + path)
        if overflowing := page.evaluate(OVERFLOW):
            found[path] = overflowing[:5]
    context.close()
    assert found == {}


def test_a_scroll_cue_shows_where_there_is_more(browser: Browser, base_url: str) -> None:
    """The shadow at the right edge of a table that scrolls: visible at first, gone once scrolled to the end."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(base_url + "positions/index.html")
    scroller = page.locator(".table-scroll").first
    scroller.evaluate("e => e.scrollIntoView({block: 'start'})")
    box = scroller.bounding_box()
    assert box is not None and box["width"] < PHONE["width"]
    clip = {"x": box["x"] + box["width"] - 8, "y": box["y"] + 60, "width": 6, "height": 20}
    before = page.screenshot(clip=clip)
    scroller.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    after = page.screenshot(clip=clip)
    context.close()
    assert before != after


# ---- Chinese in a Chinese face -----------------------------------------------------------------------------


def _cjk_fonts() -> list[str]:
    try:
        listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    except OSError:
        return []
    return [line for line in listed.stdout.splitlines() if line.strip()]


HAN = "中华人民共和国科学技术"  # eleven Han characters: each about 1 em wide in a CJK face

# The span's width per character in em, its line height in em, and the fonts Chromium used for its text
PROBE = """text => {
  document.querySelector('main').insertAdjacentHTML('beforeend', '<p id="zh-probe"><span lang="zh-Hans"></span></p>');
  const span = document.querySelector('#zh-probe span');
  span.textContent = text;
  const style = getComputedStyle(span), size = parseFloat(style.fontSize);
  return {per_char: span.getBoundingClientRect().width / text.length / size,
          line_height: parseFloat(style.lineHeight) / size,
          family: style.fontFamily};
}"""


@pytest.mark.skipif(not _cjk_fonts(), reason="no font with Chinese glyphs is installed (.ci/run installs one)")
def test_chinese_is_set_in_a_chinese_face(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport=WIDE)
    page = context.new_page()
    page.goto(base_url + "index.html")
    probe = page.evaluate(PROBE, HAN)
    client = context.new_cdp_session(page)
    client.send("DOM.enable")
    client.send("CSS.enable")
    node = client.send(
        "DOM.querySelector", {"nodeId": client.send("DOM.getDocument")["root"]["nodeId"], "selector": "#zh-probe span"}
    )
    used = client.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    context.close()
    assert 0.92 <= probe["per_char"] <= 1.08, probe  # a real glyph each, not a narrow box or a fallback's
    assert probe["family"].startswith('"Noto Sans CJK SC"') and probe["line_height"] >= 1.75, probe
    assert sum(font["glyphCount"] for font in used) == len(HAN), used
    cjk = {name.split(",")[0] for name in _cjk_fonts()}
    assert all(font["familyName"] in cjk for font in used), (used, cjk)


def test_chinese_quotations_are_tagged_and_styled_as_chinese(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport=WIDE)
    page = context.new_page()
    page.goto(base_url + "stakeholders/mao-ning/index.html")
    quote = page.locator('blockquote[lang="zh-Hans"]').first
    style = quote.evaluate(
        "e => [getComputedStyle(e).lineBreak, getComputedStyle(e).fontStyle, getComputedStyle(e).fontFamily]"
    )
    context.close()
    assert style[0] == "strict" and style[1] == "normal" and "CJK" in style[2], style
