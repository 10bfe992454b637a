"""Links a reader follows with JavaScript on: citations and strip marks land on visible targets; citations
preview their source; search ranks what a page is about; the 404 page works at any depth."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.helpers import Server


def _lands_on_visible_target(page: Page) -> None:
    fragment = page.evaluate("() => decodeURIComponent(location.hash.slice(1))")
    assert fragment, page.url
    target = page.locator(f'[id="{fragment}"]')
    expect(target).to_be_visible()
    box = target.bounding_box()
    assert box is not None and box["height"] > 0
    viewport = page.viewport_size
    assert viewport is not None and -1 <= box["y"] < viewport["height"], (fragment, box)


def test_a_citation_on_the_timeline_lands_on_its_visible_reference(page: Page, base_url: str) -> None:
    page.goto(base_url + "timeline/index.html")
    citation = page.locator(".events sup.cite a").first
    citation.click()
    _lands_on_visible_target(page)
    assert page.url.split("#")[1].startswith("ref-")


def test_a_period_citation_lands_on_its_visible_reference(page: Page, base_url: str) -> None:
    page.goto(base_url + "timeline/index.html")
    page.locator("table.periods sup.cite a").first.click()
    _lands_on_visible_target(page)


@pytest.mark.parametrize("href", ["#term-1979", "#lapse-2024", "#1979-sta-signed"])
def test_a_strip_mark_on_the_timeline_lands_on_a_visible_target(page: Page, base_url: str, href: str) -> None:
    page.goto(base_url + "timeline/index.html")
    page.locator(f'svg.picture-links:visible a[href="{href}"]').dispatch_event("click")
    _lands_on_visible_target(page)


def test_a_strip_mark_on_home_lands_on_a_visible_target(page: Page, base_url: str) -> None:
    page.goto(base_url + "index.html")
    mark = page.locator('svg.picture-links:visible a[href*="#term-"]').first
    mark.dispatch_event("click")
    page.wait_for_url("**/timeline/**")
    _lands_on_visible_target(page)


def test_a_filtered_out_event_is_revealed_when_linked(page: Page, base_url: str) -> None:
    page.goto(base_url + "timeline/index.html?issue=researcher-safety#1979-sta-signed")
    _lands_on_visible_target(page)
    page.goto(base_url + "timeline/index.html?issue=researcher-safety")
    expect(page.locator('[id="1979-sta-signed"]')).to_be_hidden()
    page.locator('svg.picture-links:visible a[href="#1979-sta-signed"]').dispatch_event("click")
    _lands_on_visible_target(page)


def test_filtering_keeps_periods_and_references_visible(page: Page, base_url: str) -> None:
    page.goto(base_url + "timeline/index.html")
    page.select_option("#filter-issue", "researcher-safety")
    expect(page.locator("#periods-title")).to_be_visible()
    expect(page.locator("#references-title")).to_be_visible()


def test_the_preview_404_page_is_styled_and_its_links_work_at_any_depth(
    server: Server,
    page: Page,
) -> None:
    response = page.goto(server.url + "no/such/page/here/")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    position = page.evaluate("() => getComputedStyle(document.querySelector('.skip')).position")
    assert position == "absolute"  # the stylesheet was found
    assert page.locator(".skip").get_attribute("href") == "#main"
    page.locator("main").get_by_role("link", name="issues").click()
    expect(page.locator("h1")).to_have_text("Issues")


def _results(page: Page, base_url: str, query: str) -> list[tuple[str, str, str]]:
    page.goto(base_url + f"search/index.html?q={query}")
    expect(page.locator("#search-results li").first).to_be_visible(timeout=10_000)
    rows = []
    for item in page.locator("#search-results li").all():
        kind = item.locator(".result-kind").text_content() or ""
        rows.append((kind, item.locator("a").first.inner_text(), item.locator("p").inner_text()))
    return rows


def test_search_ranks_the_lapse_event_and_the_renewal_issue_before_profiles(page: Page, base_url: str) -> None:
    rows = _results(page, base_url, "lapse")
    kinds = [kind for kind, _, _ in rows]
    about = [
        i
        for i, (kind, title, _) in enumerate(rows)
        if (kind == "Event" and "lapse" in title.lower()) or (kind == "Issue" and title == "Renewal and survival")
    ]
    profiles = [i for i, kind in enumerate(kinds) if kind == "Stakeholder"]
    assert about and (not profiles or min(about) < min(profiles)), rows


def test_search_results_name_their_kind_and_keep_markers_out_of_excerpts(page: Page, base_url: str) -> None:
    rows = _results(page, base_url, "lapse") + _results(page, base_url, "extension")
    for kind, title, excerpt in rows:
        assert not (kind == "Event" and title.startswith("Terms, extensions")), rows
        assert "[1]" not in excerpt and "FromToKind" not in excerpt.replace(" ", ""), (title, excerpt)


ISSUE = "issues/renewal-and-survival/index.html"


def test_the_target_reference_is_highlighted(page: Page, base_url: str) -> None:
    page.goto(base_url + ISSUE)
    first = page.locator("sup.cite a").first
    href = first.get_attribute("href")
    assert href
    before = page.locator(href).evaluate("e => getComputedStyle(e).backgroundColor")
    first.click()
    after = page.locator(href).evaluate("e => getComputedStyle(e).backgroundColor")
    assert after != before, (before, after)


def _reference_title(page: Page, href: str) -> str:
    return page.locator(href).locator("a").first.inner_text()


def test_a_citation_previews_its_source_on_hover_and_focus(page: Page, base_url: str) -> None:
    page.goto(base_url + ISSUE)
    first = page.locator("main sup.cite a").first
    title = _reference_title(page, first.get_attribute("href") or "")
    first.hover()
    preview = page.locator(".cite-preview")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text(title)
    page.mouse.move(0, 0)
    expect(preview).to_be_hidden()
    first.focus()
    expect(preview).to_be_visible()
    assert first.get_attribute("aria-describedby") == "cite-preview"
    page.keyboard.press("Escape")
    expect(preview).to_be_hidden()


def test_a_tapped_citation_previews_then_follows(browser: Browser, base_url: str) -> None:
    context = browser.new_context(has_touch=True, is_mobile=True, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(base_url + ISSUE)
    first = page.locator("main sup.cite a").first
    first.scroll_into_view_if_needed()
    first.tap()
    expect(page.locator(".cite-preview")).to_be_visible()
    assert "#" not in page.url
    first.tap()
    page.wait_for_function("() => location.hash.startsWith('#ref-')")
    context.close()


def test_without_javascript_a_citation_is_a_plain_link(browser: Browser, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + ISSUE)
    page.locator("main sup.cite a").first.click()
    _lands_on_visible_target(page)
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_a_citation_to_a_folded_reference_lands_on_it(browser: Browser, base_url: str, javascript: bool) -> None:
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(base_url + ISSUE)
    shown = "a => a.filter(x => x.checkVisibility()).map(x => x.hash.slice(5))"
    numbers = [int(n) for n in page.locator("main sup.cite a").evaluate_all(shown)]
    last = max(numbers)
    page.locator(f'main sup.cite a[href="#ref-{last}"]:visible').first.click()
    _lands_on_visible_target(page)
    context.close()
