"""Data to take away (CSV beside briefing.json) and small defects a reader meets, checked on built output."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from generator.build import BuildOptions, build
from generator.exports import _utf8_chunks
from tests.helpers import edit


def _rows(site: Path, name: str) -> list[dict[str, str]]:
    text = (site / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_files_read_back_with_commas_quotes_and_newlines(mini: Path, tmp_path: Path) -> None:
    tricky = 'The port writes, "we will not pay",\nand [[city-council]] answers [@port-letter].'
    edit(
        mini / "timeline.yaml",
        "summary: The port writes that it will not pay [@port-letter].",
        f"summary: {json.dumps(tricky)}",
    )
    edit(mini / "sources.yaml", "title: Letter to the council", "title: 'Letter, \"urgent\", to the council'")
    site = tmp_path / "site"
    build(BuildOptions(content=mini, out=site, search=False))

    timeline = _rows(site, "timeline.csv")
    assert list(timeline[0]) == ["id", "date", "title", "summary", "issues", "stakeholders", "sources", "url"]
    assert [row["id"] for row in timeline] == ["bridge-opens", "cracks-found", "port-refuses", "tender-closes"]
    refuses = timeline[2]
    assert refuses["summary"] == 'The port writes, "we will not pay",\nand City Council answers.'
    assert refuses["issues"] == "repair-costs"
    assert refuses["stakeholders"] == "port-authority ana-ruiz"
    assert refuses["sources"] == "port-letter"
    assert refuses["date"] == "2026"
    assert refuses["url"] == "timeline/index.html#port-refuses"

    positions = _rows(site, "positions.csv")
    assert list(positions[0]) == ["issue", "stakeholder", "stance", "sources"]
    assert {
        "issue": "repair-costs",
        "stakeholder": "port-authority",
        "stance": "Says the city owns the bridge.",
        "sources": "port-letter council-minutes",
    } in positions

    sources = _rows(site, "sources.csv")
    assert list(sources[0]) == ["id", "title", "publisher", "author", "date", "url", "no_public_link", "note"]
    letter = next(row for row in sources if row["id"] == "port-letter")
    assert letter["title"] == 'Letter, "urgent", to the council'
    assert next(row for row in sources if row["id"] == "council-minutes")["url"] == "https://example.org/minutes"


def test_links_and_citations_inside_code_are_kept_as_written_in_the_exports(mini: Path, tmp_path: Path) -> None:
    # As on the pages: the syntax shown in code is text, not a link or a citation.
    shown = "Write `[[an-id]]` or ``[@src]`` to link; [[city-council]] answers [@port-letter]."
    edit(mini / "timeline.yaml", "summary: The port writes that it will not pay [@port-letter].", f"summary: {shown!r}")
    site = tmp_path / "site"
    build(BuildOptions(content=mini, out=site, search=False))
    expected = "Write `[[an-id]]` or ``[@src]`` to link; City Council answers."
    assert _rows(site, "timeline.csv")[2]["summary"] == expected
    assert expected in (site / "feed.xml").read_text(encoding="utf-8")
    page = (site / "timeline" / "index.html").read_text(encoding="utf-8")
    assert "<code>[[an-id]]</code>" in page and "<code>[@src]</code>" in page


def test_csv_value_with_newline_survives(mini: Path, tmp_path: Path) -> None:
    edit(
        mini / "sources.yaml",
        "note: Only a summary was published.",
        'note: "Only a summary,\\nsaid \\"the\\" inspectorate."',
    )
    site = tmp_path / "site"
    build(BuildOptions(content=mini, out=site, search=False))
    report = next(row for row in _rows(site, "sources.csv") if row["id"] == "inspection-report")
    assert "Only a summary," in report["note"] and '"the"' in report["note"]
    assert len(_rows(site, "sources.csv")) == 3


def test_csv_files_are_linked_from_their_pages_and_the_footer(mini_site: Path) -> None:
    for page, name in (
        ("timeline/index.html", "timeline.csv"),
        ("positions/index.html", "positions.csv"),
        ("sources/index.html", "sources.csv"),
    ):
        html = (mini_site / page).read_text()
        assert f'href="../{name}"' in html, page
    home = (mini_site / "index.html").read_text()
    footer = home[home.index('<footer class="site-footer">') :]
    for name in ("timeline.csv", "positions.csv", "sources.csv"):
        assert f'href="{name}"' in footer


def test_latest_events_are_not_counted_down(mini_site: Path) -> None:
    home = (mini_site / "index.html").read_text()
    latest = home[home.index('id="latest-title"') :]
    assert "reversed" not in latest.split("</section>")[0]


def test_quotations_carry_their_language_where_it_is_not_the_page_s(bundled_site: Path) -> None:
    """Chinese words on an English page carry lang="zh-Hans"; English words on a Chinese page lang="en"."""
    found = 0
    for path in bundled_site.rglob("*.html"):
        html = path.read_text()
        page = re.search(r'<html lang="([^"]+)"', html)
        assert page is not None, path
        for match in re.finditer(r"<blockquote([^>]*)><p>“([^”]*)”", html):
            spoken = "zh-Hans" if re.search(r"[\u4e00-\u9fff]", match.group(2)) else "en"
            if spoken == page.group(1):
                assert "lang=" not in match.group(1), path
            else:
                assert f'lang="{spoken}"' in match.group(1), (path, match.group(2))
                found += 1
    assert found


def test_the_404_page_links_are_absolute_with_a_base_url(mini: Path, tmp_path: Path) -> None:
    edit(mini / "briefing.yaml", "language: en", "language: en\nbase_url: https://example.org/bridge/")
    site = tmp_path / "site"
    build(BuildOptions(content=mini, out=site, search=False))
    page = (site / "404.html").read_text()
    assert 'href="https://example.org/bridge/assets/style.css"' in page
    links = re.findall(r'(?:href|src)="([^"]+)"', page)
    assert links and all(link.startswith(("https://", "#")) for link in links), links


def test_a_kinds_pieces_are_encoded_in_chunks_that_join_to_the_whole() -> None:
    """briefing.json's pieces are encoded a few hundred at a time (never the whole 32 MB of an 11,000-page
    briefing as one text): the chunks, joined, are the pieces joined and encoded, whatever the chunk size."""
    texts = [f'{{"id":"p-{n}","name":"Zhāng {n} 张"}}' for n in range(50)]
    whole = ",".join(texts).encode("utf-8")
    for size in (1, 7, 100, 1 << 19):
        assert b"".join(_utf8_chunks(iter(texts), ",", size)) == whole
    assert len(list(_utf8_chunks(iter(texts), ",", 1))) == 50
    assert len(list(_utf8_chunks(iter(texts), ",", 1 << 19))) == 1
    assert list(_utf8_chunks(iter([]), ",")) == []
    assert b"".join(_utf8_chunks(iter(["only"]), ",", 1)) == b"only"
