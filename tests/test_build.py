import json
import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from generator.build import BuildOptions, Engine, Mode, build
from generator.diagnostics import ContentError
from generator.render import BUILTIN_TEMPLATES
from tests.helpers import broken_links, count_template_compiles, edit, read_site


def test_every_page_kind_is_built(mini_site: Path) -> None:
    expected = [
        "index.html",
        "issues/index.html",
        "issues/repair-costs/index.html",
        "issues/safety/index.html",
        "stakeholders/index.html",
        "stakeholders/ana-ruiz/index.html",
        "timeline/index.html",
        "positions/index.html",
        "sources/index.html",
        "about/index.html",
        "404.html",
        "sitemap.xml",
        "feed.xml",
        "briefing.json",
        "timeline.ics",
        "robots.txt",
        "assets/style.css",
    ]
    for path in expected:
        assert (mini_site / path).is_file(), path


def test_no_broken_internal_link_or_anchor(mini_site: Path) -> None:
    assert broken_links(mini_site) == []


def test_links_are_relative(mini_site: Path) -> None:
    for path, data in read_site(mini_site).items():
        if path.endswith(".html"):
            assert b'href="/' not in data and b'src="/' not in data, path


def test_issue_page_shows_positions_citations_and_backlinks(mini_site: Path) -> None:
    html = (mini_site / "issues/repair-costs/index.html").read_text()
    assert '<a href="../../stakeholders/ana-ruiz/index.html">Ana Ruiz</a> chairs' in html
    assert '<li id="ref-1"><a href="../../sources/index.html#council-minutes">' in html
    assert "../../timeline/index.html#port-refuses" in html  # its events
    assert "We cannot wait another winter" in html  # its quotes
    assert '<a href="../../issues/safety/index.html">Safety</a>' in html  # related issue


def test_stakeholder_page_shows_positions_quotes_events_members(mini_site: Path) -> None:
    council = (mini_site / "stakeholders/city-council/index.html").read_text()
    assert "Wants the port to pay half." in council
    assert "../../timeline/index.html#bridge-opens" in council
    assert '<a href="../../stakeholders/ana-ruiz/index.html">Ana Ruiz</a>' in council  # affiliated member
    ruiz = (mini_site / "stakeholders/ana-ruiz/index.html").read_text()
    assert 'id="ruiz-repairs"' in ruiz and "Mentioned on" in ruiz


def test_sources_page_lists_cited_on(mini_site: Path) -> None:
    html = (mini_site / "sources/index.html").read_text()
    entry = html.split('id="port-letter"')[1].split("</li>")[0]
    assert "Cited on:" in entry and "Repair costs" in entry and "Port refuses to pay" in entry


def test_partial_dates_display_honestly(mini_site: Path) -> None:
    html = (mini_site / "timeline/index.html").read_text()
    assert '<time datetime="2025-10">October 2025</time> <span class="date-note">(reported in late October)' in html
    assert '<time datetime="2026">2026</time>' in html
    assert html.index('id="year-1980"') < html.index('id="year-2025"') < html.index('id="year-2027"')


def test_exports_are_well_formed(mini_site: Path) -> None:
    import xml.etree.ElementTree as ET

    ET.fromstring((mini_site / "feed.xml").read_bytes())
    ET.fromstring((mini_site / "sitemap.xml").read_bytes())
    data = json.loads((mini_site / "briefing.json").read_text())
    assert [e["id"] for e in data["events"]] == ["bridge-opens", "cracks-found", "port-refuses", "tender-closes"]
    ics = (mini_site / "timeline.ics").read_bytes()
    assert ics.count(b"BEGIN:VEVENT") == 2 and b"DTSTART;VALUE=DATE:20270301" in ics and b"\r\n" in ics


def test_two_builds_are_byte_identical(mini: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    build(BuildOptions(content=mini, out=first))
    build(BuildOptions(content=mini, out=second))
    assert read_site(first) == read_site(second)


def test_build_is_identical_under_other_hash_seed_and_timezone(tmp_path: Path) -> None:
    outs = []
    for seed, tz in (("1", "UTC"), ("2", "Asia/Tokyo")):
        out = tmp_path / f"site-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": tz, "LC_ALL": "C"}
        subprocess.run(
            [sys.executable, "-m", "generator", "build", "--content", "tests/fixtures/mini", "--out", str(out)],
            check=True,
            env=env,
            capture_output=True,
            cwd=Path(__file__).parent.parent,
        )
        outs.append(read_site(out))
    assert outs[0] == outs[1]


def test_failed_build_leaves_previous_site_untouched(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(BuildOptions(content=mini, out=out))
    before = read_site(out)
    edit(mini / "timeline.yaml", "issues: [safety]", "issues: [safty]")
    with pytest.raises(ContentError):
        build(BuildOptions(content=mini, out=out))
    assert read_site(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site.") and p.name != ".site.lock"] == []


def test_rebuild_after_edit_matches_clean_build(mini: Path, tmp_path: Path) -> None:
    out, clean = tmp_path / "site", tmp_path / "clean"
    build(BuildOptions(content=mini, out=out))
    edit(mini / "issues" / "safety.md", "Inspectors looked", "Engineers looked")
    (mini / "pages" / "about.md").unlink()
    edit(mini / "briefing.yaml", ", about]", "]")
    build(BuildOptions(content=mini, out=out))
    build(BuildOptions(content=mini, out=clean))
    assert read_site(out) == read_site(clean)
    assert not (out / "about").exists()


def test_the_preview_compiles_again_only_the_template_that_was_edited(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine keeps every compiled template while its source is the same; the page shows the edit."""
    templates = mini.parent / "templates"
    templates.mkdir()
    override = templates / "page.html"
    override.write_text((BUILTIN_TEMPLATES / "page.html").read_text("utf-8"), "utf-8")
    engine = Engine(BuildOptions(content=mini, out=tmp_path / "site", mode=Mode.PREVIEW, search=False))
    engine.build()
    compiled = count_template_compiles(monkeypatch)
    edit(override, "</article>", "</article>\n<!-- edited -->")
    engine.build([override])
    assert compiled == ["page.html"]
    assert "<!-- edited -->" in (tmp_path / "site" / "about" / "index.html").read_text("utf-8")


def test_refuses_to_replace_a_folder_it_did_not_make(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.txt").write_text("years of work")
    with pytest.raises(ContentError) as caught:
        build(BuildOptions(content=mini, out=out))
    assert "refusing to replace" in str(caught.value)
    assert (out / "thesis.txt").read_text() == "years of work"


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("content", "it holds the content"),
        ("inside content", "it is inside the content folder"),
        ("project", "it holds the content"),
        ("home", "it is the root or your home folder"),
        ("root", "it is the root or your home folder"),
        ("static", "the build reads the project's `static`"),
        ("templates", "the build reads the project's `templates`"),
    ],
)
def test_refuses_dangerous_output_folders(mini: Path, target: str, reason: str) -> None:
    """An output inside the content folder would be read back as content, and watched by the preview; one in
    static/ or templates/ would be published or read as templates by the next build."""
    places = {"content": mini, "inside content": mini / "issues" / "site", "project": mini.parent}
    places |= {"static": mini.parent / "static", "templates": mini.parent / "templates" / "site"}
    out = {**places, "home": Path.home(), "root": Path("/")}[target]
    with pytest.raises(ContentError) as caught:
        build(BuildOptions(content=mini, out=out))
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.message.endswith(reason) and diagnostic.hint.startswith("build into a folder of its own")
    assert not (mini / "issues" / "site").exists() and not (mini.parent / "static").exists()


def test_check_writes_nothing(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(BuildOptions(content=mini, out=out, mode=Mode.CHECK))
    assert not out.exists()


def rename_issue(content: Path, old: str, new: str) -> None:
    (content / "issues" / f"{old}.md").rename(content / "issues" / f"{new}.md")
    for name in ("timeline.yaml", "issues/repair-costs.md"):
        path = content / name
        path.write_text(re.sub(rf"(?<=[\[ ]){old}(?=[\],])", new, path.read_text()))


def test_rebuilds_equal_clean_builds_after_edits_renames_and_deletions(mini: Path, tmp_path: Path) -> None:
    """Reusing unchanged pages may skip work, never change a result: after each change, compare with a build
    into an empty folder."""
    out = tmp_path / "site"
    steps = [
        lambda: None,
        lambda: edit(mini / "issues" / "safety.md", "Inspectors looked", "Engineers looked"),
        lambda: (mini / "stakeholders" / "ana-ruiz.md").write_text(
            (mini / "stakeholders" / "ana-ruiz.md").read_text().replace("name: Ana Ruiz", "name: Ana Ruiz-Soto")
        ),
        lambda: rename_issue(mini, "safety", "bridge-safety"),
        lambda: edit(mini / "timeline.yaml", "title: Cracks found", "title: Cracks found in the deck"),
        lambda: (mini / "pages" / "about.md").unlink() or edit(mini / "briefing.yaml", ", about]", "]"),
    ]
    for number, step in enumerate(steps):
        step()
        cached = build(BuildOptions(content=mini, out=out, search=False))
        clean = tmp_path / f"clean-{number}"
        build(BuildOptions(content=mini, out=clean, search=False, fresh=True))
        assert read_site(out) == read_site(clean), f"step {number}"
        assert cached.written > 0
    again = build(BuildOptions(content=mini, out=out, search=False))
    assert again.written == 0 and again.pages == cached.pages  # nothing changed: every file kept


def test_in_place_updates_equal_clean_builds(mini: Path, tmp_path: Path) -> None:
    """The preview updates its site file by file; after edits and deletions it must equal a clean build."""
    out = tmp_path / "site"
    build(BuildOptions(content=mini, out=out, search=False))
    untouched = out / "stakeholders" / "ana-ruiz" / "index.html"
    inode = untouched.stat().st_ino
    edit(mini / "issues" / "safety.md", "Inspectors looked", "Divers looked")
    result = build(BuildOptions(content=mini, out=out, search=False, mode=Mode.PREVIEW))
    build(BuildOptions(content=mini, out=tmp_path / "clean-1", search=False, fresh=True))
    assert read_site(out) == read_site(tmp_path / "clean-1")
    assert untouched.stat().st_ino == inode  # unchanged files are not rewritten
    assert 0 < result.written < result.files
    (mini / "pages" / "about.md").unlink()
    edit(mini / "briefing.yaml", ", about]", "]")
    build(BuildOptions(content=mini, out=out, search=False, mode=Mode.PREVIEW))
    build(BuildOptions(content=mini, out=tmp_path / "clean-2", search=False, fresh=True))
    assert read_site(out) == read_site(tmp_path / "clean-2")
    assert not (out / "about").exists()


def test_updates_are_shown_on_their_page_on_updates_and_in_a_feed(mini: Path, tmp_path: Path) -> None:
    edit(
        mini / "issues" / "safety.md",
        "status: addressed\n",
        "status: addressed\nupdates:\n  - date: 2026-02-01\n    text: Added the inspection [@inspection-report].\n"
        "  - date: 2026-03-05\n    text: The bridge was said to be closed; it was open.\n    correction: true\n",
    )
    edit(
        mini / "timeline.yaml",
        "- id: cracks-found\n",
        "- id: cracks-found\n  updates:\n    - date: 2026-02-10\n      text: Date checked against the minutes.\n",
    )
    out = tmp_path / "site"
    build(BuildOptions(content=mini, out=out, search=False))
    issue = (out / "issues" / "safety" / "index.html").read_text()
    assert '<p class="updated"><a href="#updates-title">Corrected <time datetime="2026-03-05">' in issue
    assert issue.index("5 March 2026") < issue.index("1 February 2026")  # newest first
    updates = (out / "updates" / "index.html").read_text()
    assert "3 updates, of which 1 correction." in updates
    listed = updates[updates.index('<ol class="updates-list">') : updates.index("</ol>")]
    assert re.findall(r'<time datetime="([\d-]+)">', listed) == ["2026-03-05", "2026-02-10", "2026-02-01"]
    assert '<strong class="badge">Correction</strong>' in updates
    timeline = (out / "timeline" / "index.html").read_text()
    assert 'Updated <time datetime="2026-02-10">10 February 2026</time>: Date checked against the minutes.' in timeline
    feed = ElementTree.parse(out / "updates.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [entry.findtext(f"{atom}title") for entry in feed.iter(f"{atom}entry")]
    assert titles == ["Correction: Safety", "Updated: Cracks found", "Updated: Safety"]
    assert len({entry.findtext(f"{atom}id") for entry in feed.iter(f"{atom}entry")}) == 3
    assert broken_links(out) == []


# --- The reader's second edition: status badges, key points, leanings, navigable pages (issue 14) ---


def _second_edition_site(mini: Path, tmp_path: Path) -> Path:
    edit(
        mini / "issues" / "safety.md",
        "status: addressed\n",
        "status: terms-unpublished\nstatus_note: Known only from summaries\n"
        "key_points:\n  - Inspectors looked [@inspection-report].\n  - The port says it is safe [@port-letter].\n"
        "  - The cost is [[repair-costs|another question]] [@inspection-report].\n",
    )
    leaning = "    leaning: supports\n    sources: [port-letter]"
    edit(mini / "issues" / "safety.md", "    sources: [port-letter]", leaning)
    out = tmp_path / "site"
    build(BuildOptions(content=mini, out=out))
    return out


def test_issue_page_shows_badge_key_points_first_and_leanings(mini: Path, tmp_path: Path) -> None:
    site = _second_edition_site(mini, tmp_path)
    html = (site / "issues/safety/index.html").read_text()
    badge = html.split('class="status-badge status-terms-unpublished"')[1].split("</p>")[0]
    assert "Terms unpublished" in badge and "Known only from summaries" in badge  # text, never colour alone
    points = html.split('class="key-points"')[1].split("</ul>")[0]
    assert points.count("<li>") == 3 and 'href="#ref-1"' in points
    assert '<a href="../../issues/repair-costs/index.html">another question</a>' in points
    assert html.index('class="key-points"') < html.index('id="positions-title"')
    assert 'class="leaning leaning-supports"' in html and "Supports" in html
    assert 'href="#top"' in html  # back to top
    assert 'class="toc"' in html and 'href="#positions-title"' in html.split('class="toc"')[1].split("</nav>")[0]
    card = (site / "issues/index.html").read_text().split('safety/index.html">Safety</a>')[1].split("</li>")[0]
    assert "status-badge status-terms-unpublished" in card and "Terms unpublished" in card
    home = (site / "index.html").read_text()
    assert "Inspectors looked" in home  # the first key point, in the issue's card
    council = (site / "stakeholders/port-authority/index.html").read_text()
    assert 'class="leaning leaning-supports"' in council


def test_positions_matrix_has_leanings_a_legend_and_no_empty_columns(mini: Path, tmp_path: Path) -> None:
    site = _second_edition_site(mini, tmp_path)
    html = (site / "positions/index.html").read_text()
    legend = html.split('class="leaning-legend"')[1].split("</ul>")[0]
    for label in ("Supports", "Opposes", "Mixed", "Neutral"):
        assert label in legend
    assert 'class="leaning leaning-supports"' in html.split('class="matrix"')[1]


def test_who_stands_where_shows_the_positions_that_give_no_leaning(mini: Path, tmp_path: Path) -> None:
    # No position of the mini fixture gives a leaning: each must still be in the table, under a column of its own.
    site = tmp_path / "site"
    build(BuildOptions(content=mini, out=site, search=False))
    html = (site / "positions/index.html").read_text()
    start = html.index('class="who-stands-where"')
    table = html[start : html.index("</table>", start)]
    assert '<th scope="col">Leaning not given</th>' in table
    rows = re.findall(r'<tr>\s*<th scope="row">(.*?)</tr>', table, re.DOTALL)
    assert len(rows) == 2 and all(row.count("<td>") == 5 for row in rows), rows
    assert [re.findall(r">([^<>]+)</a>", row.rsplit("<td>", 1)[1]) for row in rows] == [
        ["City Council", "Port Authority"],
        ["Port Authority"],
    ]


@pytest.mark.parametrize(
    ("cap", "shown", "note", "said"),
    [
        # the stakeholder × issue grid grows with the square of the briefing (4,000 issues by 88 stakeholders
        # made a 47 MB page)
        ("MATRIX_MAX_CELLS", 'class="matrix"', "matrix-left-out", r"\d+ stakeholders by \d+ issues"),
        # the web of positions is 22 px a name: at 4,000 issues, two pictures 88,000 px tall
        ("WEB_MAX_ROWS", 'class="picture web', "web-left-out", r"\d+ stakeholders and \d+ issues would make a picture"),
    ],
)
def test_a_positions_picture_too_large_is_left_out_and_said_so(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cap: str, shown: str, note: str, said: str
) -> None:
    """Past its cap the grid, or the web, is left out with a sentence saying so; who stands where stays."""
    from generator import views

    site = tmp_path / "site"
    build(BuildOptions(content=mini, out=site, search=False))
    html = (site / "positions/index.html").read_text()
    assert shown in html and f'class="{note}"' not in html
    monkeypatch.setattr(views, cap, 1)  # the mini fixture has two issues and two stakeholders with positions
    build(BuildOptions(content=mini, out=site, search=False))
    html = (site / "positions/index.html").read_text()
    assert shown not in html and 'class="who-stands-where"' in html
    sentence = re.search(rf'<p class="{note}">([^<]*)</p>', html)
    assert sentence and re.search(said, sentence.group(1)), html


def test_long_lists_keep_the_rest_behind_details(bundled_site: Path) -> None:
    from generator import views

    html = (bundled_site / "issues/renewal-and-survival/index.html").read_text()
    events = html.split('id="events-title"')[1].split("</section>")[0]
    shown = events.split("<details")[0]
    assert shown.count('<li class="event') == views.ISSUE_EVENTS_SHOWN
    assert "<summary>" in events.split("<details")[1]
    for section in ("quotes-title", "stakeholders-title"):
        assert "<details" in html.split(f'id="{section}"')[1].split("</section>")[0], section
    assert '<details class="more-references"' in html


def test_tojson_keeps_a_json_name_slot_for_the_name_to_be_laid_in() -> None:
    """A stakeholder's page shows its name in its JSON-LD through `tojson` as a `j` slot (JSON would escape its
    NULs), laid in afterwards escaped for JSON; a text that merely reads like an escaped slot stays as it is."""
    from generator.render import dumps_keeping_slots
    from generator.views import name_in_form

    slot = "\x00Njus-government\x00"
    assert dumps_keeping_slots({"name": slot}) == '{"name": "' + slot + '"}'
    for text in ["\\u0000Njus-government\\u0000", "\x00Nwus-government\x00"]:  # a backslash typed; another form
        assert dumps_keeping_slots({"name": text}) == json.dumps({"name": text})
    typed_then_slot = "\\" + slot  # a backslash typed just before a slot: escaped, and the slot kept
    assert dumps_keeping_slots([typed_then_slot]) == '["\\\\' + slot + '"]'
    typed = "\\u0000Njab"  # typed text that reads like the start of an escaped slot, then a slot
    assert dumps_keeping_slots([typed + slot]) == '["\\\\u0000Njab' + slot + '"]'
    laid_in = name_in_form(None, 'The "A&B" <Group>', "j")  # type: ignore[arg-type]
    assert json.loads('"' + laid_in + '"') == 'The "A&B" <Group>' and not set("<>&'") & set(laid_in)
