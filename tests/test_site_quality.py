"""The reader's site, checked as readers and their tools see it: valid HTML, accessible, self-contained,
searchable, usable without JavaScript, from disk and under a sub-path."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.helpers import BUNDLED, PAGES_OF_EACH_KIND, read_site, serve_static

ROOT = Path(__file__).parent.parent
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def test_nu_html_checker_finds_no_errors(bundled_site: Path, mini_site: Path) -> None:
    assert VNU.is_file(), "run `npm install` (vnu-jar) first"
    completed = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU),
            "--errors-only",
            "--skip-non-html",
            "--format",
            "json",
            str(bundled_site),
            str(mini_site),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(completed.stderr or '{"messages": []}')["messages"]
    assert [f"{m.get('url')}:{m.get('lastLine')}: {m['message']}" for m in messages] == []
    assert completed.returncode == 0


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_wcag_violations(browser: Browser, base_url: str, scheme: str, width: int) -> None:
    """At phone width too: the pictures drawn for phones are the ones shown there."""
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 800})
    page = context.new_page()
    found = {}
    for path in PAGES_OF_EACH_KIND:
        page.goto(base_url + path)
        page.add_script_tag(path=str(AXE))
        # resultTypes: passes are not collected node by node, which took most of the time on the long pages
        # (the print page: 18.6 s against 3.5 s); every violation is still reported
        result = page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},"
            " resultTypes: ['violations']})"
        )
        violations = [(v["id"], v["nodes"][0]["target"]) for v in result["violations"]]
        if violations:
            found[path] = violations
    context.close()
    assert found == {}


def test_no_request_leaves_the_site(page: Page, base_url: str) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for path in PAGES_OF_EACH_KIND:
        page.goto(base_url + path)
    page.goto(base_url + "search/index.html?q=Simon")
    expect(page.locator("#search-results li").first).to_be_visible(timeout=10_000)
    origin = base_url.rstrip("/")
    assert requested and [url for url in requested if not url.startswith(origin)] == []


def test_search_finds_a_stakeholder_by_name(page: Page, base_url: str) -> None:
    page.goto(base_url + "search/index.html")
    page.locator("#search-q").fill("Seligsohn")
    first = page.locator("#search-results li").first
    expect(first).to_contain_text("Deborah Seligsohn", timeout=10_000)
    expect(first.locator(".result-kind")).to_have_text("Stakeholder")
    first.locator("a").click()
    expect(page.locator("h1")).to_have_text("Deborah Seligsohn")


def test_search_lists_events_and_sources_by_kind(page: Page, base_url: str) -> None:
    page.goto(base_url + "search/index.html?q=Moolenaar")
    kinds = page.locator("#search-results .result-kind")
    expect(kinds.first).to_be_visible(timeout=10_000)
    assert "Event" in kinds.all_text_contents()


def test_search_box_on_every_page_leads_to_results(page: Page, base_url: str) -> None:
    page.goto(base_url + "issues/researcher-safety/index.html")
    page.locator("#site-search-q").fill("Kivelson")
    page.locator("#site-search-q").press("Enter")
    expect(page.locator("#search-results li").first).to_contain_text("Kivelson", timeout=10_000)


def test_timeline_filters_instantly_and_keeps_the_filter_in_the_address(page: Page, base_url: str) -> None:
    page.goto(base_url + "timeline/index.html")
    total = page.locator(".events > .event").count()
    page.select_option("#filter-issue", "researcher-safety")
    visible = page.locator(".events > .event:not([hidden])")
    expected = len(re.findall(r'data-issues="[^"]*\bresearcher-safety\b', page.content()))
    expect(visible).to_have_count(expected)
    assert 0 < expected < total
    assert "issue=researcher-safety" in page.url
    page.reload()
    expect(page.locator(".events > .event:not([hidden])")).to_have_count(expected)


def test_readable_and_navigable_without_javascript(browser: Browser, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Timeline").click()
    expect(page.locator("h1")).to_have_text("Timeline")
    assert page.locator(".events > .event").count() >= 50
    expect(page.locator(".timeline-filter")).to_be_hidden()
    page.locator(".filter-links summary").click()
    page.locator(".filter-links a", has_text="Researcher safety").click()
    expect(page.locator("#events-title")).to_be_visible()
    context.close()


def test_opened_from_disk_links_land_on_pages(page: Page, bundled_site: Path) -> None:
    page.goto((bundled_site / "index.html").as_uri())
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Issues").click()
    expect(page.locator("h1")).to_have_text("Issues")
    page.locator(".cards a").first.click()
    assert page.url.endswith("/index.html")
    expect(page.locator(".breadcrumb")).to_have_text("Issues")
    page.goto((bundled_site / "search" / "index.html").as_uri())
    expect(page.locator(".search-file-note")).to_be_visible()


def test_works_under_a_sub_path(bundled_site: Path) -> None:
    with serve_static(bundled_site, "/sub/") as base:
        seen: set[str] = set()
        queue = [base]
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            with urllib.request.urlopen(url) as response:
                assert response.status == 200, url
                if not url.endswith(".html") and not url.endswith("/"):
                    continue
                body = response.read().decode("utf-8")
            for link in re.findall(r'(?:href|src)="([^"#]+)', body):
                target = urllib.parse.urljoin(url, link)
                if target.startswith(base) and target not in seen:
                    queue.append(target)
    assert len(seen) > 80  # every page, asset and export reached by links


def test_home_page_weight(bundled_site: Path) -> None:
    """The home page and every stylesheet it loads. (It was 59,998 bytes: one stylesheet for every page kind,
    written to be read, and the strip's words said twice; now the home page loads style.css alone, squeezed.)"""
    page = (bundled_site / "index.html").read_text()
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert sheets == ["assets/style.css"]
    weight = len(page.encode()) + sum((bundled_site / sheet).stat().st_size for sheet in sheets)
    assert weight < 50_000, weight


@pytest.mark.parametrize("path", ["index.html", "issues/index.html", "404.html"])
def test_pages_styled_by_style_css_alone_look_the_same_with_pages_css(
    browser: Browser, base_url: str, path: str
) -> None:
    """The front pages leave pages.css out: nothing on them may need it."""
    for width in (375, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(base_url + path)
        alone = page.screenshot(full_page=True)
        page.add_style_tag(url=base_url + "assets/pages.css")
        assert page.screenshot(full_page=True) == alone, (path, width)
        context.close()


def test_print_page_has_the_whole_briefing_in_order(bundled_site: Path) -> None:
    html = (bundled_site / "print" / "index.html").read_text()
    positions = [
        html.index(f'id="{anchor}"')
        for anchor in ("print-state", "print-issues", "print-stakeholders", "print-timeline", "references-title")
    ]
    assert positions == sorted(positions)
    issues = len([p for p in (BUNDLED / "issues").glob("*.md") if "." not in p.stem])  # not the translations
    stakeholders = len([p for p in (BUNDLED / "stakeholders").glob("*.md") if "." not in p.stem])
    assert html.count('class="print-item"') == issues + stakeholders
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_print_stylesheet_hides_navigation(page: Page, base_url: str) -> None:
    page.goto(base_url + "issues/researcher-safety/index.html")
    page.emulate_media(media="print")
    navigation = page.locator(".site-header nav").all()  # the sections and the languages
    assert len(navigation) == 2
    for nav in navigation:
        expect(nav).to_be_hidden()
    expect(page.locator(".site-search")).to_be_hidden()


@pytest.mark.parametrize("width", [320, 1280])
def test_no_horizontal_scroll_from_phone_to_wide(browser: Browser, base_url: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    for path in PAGES_OF_EACH_KIND:
        page.goto(base_url + path)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
    context.close()


def test_sharing_metadata(tmp_path: Path) -> None:
    import shutil

    from generator.build import BuildOptions, build
    from tests.helpers import MINI

    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    text = (
        (content / "briefing.yaml")
        .read_text()
        .replace("language: en", "language: en\nbase_url: https://example.org/bridge/")
    )
    (content / "briefing.yaml").write_text(text)
    build(BuildOptions(content=content, out=tmp_path / "site", search=False))
    site = read_site(tmp_path / "site")
    issue = site["issues/safety/index.html"].decode()
    assert '<link rel="canonical" href="https://example.org/bridge/issues/safety/">' in issue
    assert '<meta property="og:title" content="Safety">' in issue
    assert '"@type": "Article"' in issue or '"@type":"Article"' in issue
    assert b"Sitemap: https://example.org/bridge/sitemap.xml" in site["robots.txt"]
    assert b"<loc>https://example.org/bridge/issues/safety/</loc>" in site["sitemap.xml"]


def test_longest_issue_page_is_at_most_8000_px_tall_at_1280(browser: Browser, base_url: str) -> None:
    """Key points, a table of contents and the long lists folded: "Renewal and survival" fits 8,000 px."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base_url + "issues/renewal-and-survival/index.html")
    height = page.evaluate("document.documentElement.scrollHeight")
    toc = page.locator("nav.toc")
    expect(toc).to_be_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('nav.toc')).position") == "sticky"
    context.close()
    assert height <= 8000, height


def test_positions_names_column_stays_in_view(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(base_url + "positions/index.html")
    position = page.evaluate("getComputedStyle(document.querySelector('.matrix tbody th')).position")
    context.close()
    assert position == "sticky"
