"""The light/dark switch: the system's setting by default, a remembered choice applied before first paint."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.helpers import BUNDLED

STYLE = BUNDLED.parent / "templates" / "assets" / "style.css"


def _background(page) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate("() => getComputedStyle(document.body).backgroundColor")


def _theme_and_stored_choice(page) -> tuple[str | None, str | None]:  # type: ignore[no-untyped-def]
    return tuple(
        page.evaluate("() => [document.documentElement.dataset.theme ?? null, localStorage.getItem('briefing-theme')]")
    )


def test_theme_switch_cycles_and_persists_across_a_reload(browser: Browser, bundled_site: Path) -> None:
    context = browser.new_context(color_scheme="light")
    page = context.new_page()
    page.goto((bundled_site / "index.html").as_uri())
    switch = page.locator("#theme-switch")
    expect(switch).to_have_text(re.compile("system", re.I))
    light = _background(page)
    switch.click()
    expect(switch).to_have_text(re.compile("light", re.I))
    switch.click()
    expect(switch).to_have_text(re.compile("dark", re.I))
    dark = _background(page)
    assert dark != light
    page.reload()
    # the stored choice too: should this ever fail again (once in CI, never here), it tells the browser losing
    # the write from the head script not applying it
    assert _theme_and_stored_choice(page) == ("dark", "dark")
    assert _background(page) == dark
    page.goto((bundled_site / "timeline" / "index.html").as_uri())  # every page, not only the one switched on
    assert _background(page) == dark
    page.locator("#theme-switch").click()  # back to the system's setting
    page.reload()
    assert _theme_and_stored_choice(page) == (None, None) and _background(page) == light
    context.close()


def test_without_javascript_the_system_setting_rules_and_no_switch_shows(browser: Browser, bundled_site: Path) -> None:
    context = browser.new_context(java_script_enabled=False, color_scheme="dark")
    page = context.new_page()
    page.goto((bundled_site / "index.html").as_uri())
    expect(page.locator("#theme-switch")).to_be_hidden()
    assert _background(page) == "rgb(21, 23, 26)"
    context.close()


def test_the_dark_choice_sets_every_colour_the_dark_system_setting_does() -> None:
    css = STYLE.read_text()
    system = re.findall(
        r'@media \(prefers-color-scheme: dark\) \{\s*:root:not\(\[data-theme="light"\]\) \{([^}]*)\}', css
    )
    chosen = "".join(re.findall(r':root\[data-theme="dark"\] \{([^}]*)\}', css))
    colours = dict(re.findall(r"(--[\w-]+):\s*([^;]+);", "".join(system)))
    assert len(system) >= 2 and colours
    assert colours.items() <= dict(re.findall(r"(--[\w-]+):\s*([^;]+);", chosen)).items()
