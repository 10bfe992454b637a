"""What a reader sees on a phone and on a wide screen, measured in Chromium: the title before "On this page",
citations that are easy to tap and sit tight against the text, no picture or table cut off at 375 px, and
Chinese set in a Chinese font."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.test_site_quality import _serve

PHONE = {"width": 375, "height": 667}
WIDE = {"width": 1280, "height": 900}
LONG_PAGES = ["issues/renewal-and-survival/index.html", "stakeholders/us-state-department/index.html"]


@pytest.fixture(scope="module")
def base_url(bundled_site: Path) -> str:
    return _serve(bundled_site, "/")


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
