"""Print: the short edition fits about six A4 pages (Chromium's own PDF, counted), pictures print, and the two
editions link each other from every page."""

from __future__ import annotations

import io
import pickle
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pytest
import yaml
from markupsafe import Markup
from playwright.sync_api import Browser, expect
from pypdf import PdfReader

from generator import render
from generator.spool import Extent, Spool
from generator.views import Spliced
from generator.write import Blob
from tests.helpers import BUNDLED

SHORT = "print/short/index.html"


def _pdf_pages(browser: Browser, url: str) -> int:
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    pdf = page.pdf(format="A4")
    context.close()
    return len(PdfReader(io.BytesIO(pdf)).pages)


def test_the_short_edition_prints_on_at_most_seven_a4_pages(browser: Browser, base_url: str) -> None:
    pages = _pdf_pages(browser, base_url + SHORT)
    assert 2 <= pages <= 7, pages


def test_the_short_edition_has_every_key_point_with_its_sources(bundled_site: Path) -> None:
    html = (bundled_site / SHORT).read_text()
    originals = [f for f in sorted(BUNDLED.glob("issues/*.md")) if "." not in f.stem]  # not the translations
    issues = [yaml.safe_load(f.read_text().split("---")[1]) for f in originals]
    assert html.count('class="short-issue"') == len(issues)
    listed = html.split('class="short-issue"', 1)[1].split("</section>")[0]
    assert len(re.findall(r"<li>.*?</li>", listed)) == sum(len(issue["key_points"]) for issue in issues)
    assert all(point.count('<sup class="cite">') >= 1 for point in re.findall(r"<li>.*?</li>", listed))
    assert 'id="references-title"' in html and 'class="picture strip"' in html
    assert 'id="short-state-title"' in html and 'id="short-dates-title"' in html


@pytest.mark.parametrize("path", ["print/index.html", SHORT])
def test_the_strip_prints(browser: Browser, base_url: str, path: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(base_url + path)
    page.emulate_media(media="print")
    strip = page.locator(".variant-wide svg.picture.strip[role=img]")
    expect(strip).to_be_visible()
    box = strip.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 60, box
    expect(page.locator(".variant-narrow svg.picture.strip")).to_be_hidden()
    context.close()


def test_sparklines_print_where_they_are_shown(browser: Browser, base_url: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(base_url + "issues/renewal-and-survival/index.html")
    page.emulate_media(media="print")
    expect(page.locator(".variant-wide svg.picture.sparkline[role=img]")).to_be_visible()
    context.close()


def test_the_editions_link_each_other_and_every_page_links_both(bundled_site: Path) -> None:
    full = (bundled_site / "print" / "index.html").read_text()
    short = (bundled_site / SHORT).read_text()
    assert 'href="../print/short/index.html">the short edition' in full
    assert 'href="../../print/index.html">on one page' in short
    for path in ("index.html", "issues/researcher-safety/index.html", "about/index.html"):
        html = (bundled_site / path).read_text()
        prefix = "../" * path.count("/")
        assert f'href="{prefix}print/index.html"' in html and f'href="{prefix}print/short/index.html"' in html


def test_the_articles_are_laid_into_the_page_as_bytes_where_the_template_shows_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The print page's articles are kept as UTF-8 bytes (at 11,000 pages, 42 MB; a text of them would take
    twice that): the page equals the template rendered with them as text, wherever and however often it shows
    them, and a marker that is not one of the view's stays as it was — whether the template's output is
    encoded in one chunk or in many (a huge page's)."""

    @dataclass
    class View:
        issues: Spliced
        events: Spliced
        note: Markup

    view = View(Spliced((b"<p>a</p>", "<p>é ✓</p>".encode())), Spliced(()), Markup("\x00spliced:1\x00"))
    template = (
        "<main>{{ view.issues }}|{% if view.events %}x{% endif %}{{ view.events }}|{{ view.issues }}</main>"
        "{{ view.note }}—"
    )
    env = jinja2.Environment(autoescape=True, loader=jinja2.DictLoader({"print.html": template}))
    for pieces in (2, 1, render.PIECES_PER_CHUNK):
        monkeypatch.setattr(render, "PIECES_PER_CHUNK", pieces)
        page = render.render_template(env, "print.html", None, view)  # type: ignore[arg-type]
        assert isinstance(page, Blob)  # never joined: its chunks are written one by one
        assert page.joined().decode() == "<main><p>a</p><p>é ✓</p>||<p>a</p><p>é ✓</p></main>\x00spliced:1\x00—"


def test_a_huge_page_is_encoded_in_chunks_never_held_whole_as_text() -> None:
    """A page of more than a few thousand pieces of template output (the timeline of a briefing of 100,000
    events is 73 MB) is a Blob of chunks, which joined are the page as rendered whole."""
    env = jinja2.Environment(
        autoescape=True,
        loader=jinja2.DictLoader({"list.html": "<ol>{% for n in view %}<li>{{ n }} — é</li>{% endfor %}</ol>"}),
    )
    items = list(range(3 * render.PIECES_PER_CHUNK))
    page = render.render_template(env, "list.html", None, items)  # type: ignore[arg-type]
    assert isinstance(page, Blob) and len(page.chunks) > 2
    assert page.joined() == env.get_template("list.html").render(view=items).encode()
    small = render.render_template(env, "list.html", None, [1, 2])  # type: ignore[arg-type]
    assert small == "<ol><li>1 — é</li><li>2 — é</li></ol>".encode()


def test_the_articles_count_in_the_page_views_digest_by_their_bytes_wherever_they_are_kept() -> None:
    """A view is pickled to be hashed: its articles count by their bytes, in the heap or in a spool (and a
    spool's are read a piece at a time, never all held), so that a changed article is a changed view."""
    kept = Spool()
    articles = [f"<article>{n} é</article>".encode() * 300 for n in range(400)]
    in_heap, in_spool = Spliced(tuple(articles)), Spliced(kept.chunks(iter(articles)))
    assert any(isinstance(part, Extent) for part in in_spool.parts)
    assert pickle.dumps(in_heap) == pickle.dumps(in_spool)
    changed = Spliced(kept.chunks(iter([*articles[:-1], b"<article>changed</article>"])))
    assert pickle.dumps(changed) != pickle.dumps(in_spool)
    assert len(pickle.dumps(in_spool)) < 200  # a digest, not the articles
