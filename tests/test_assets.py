"""The theme's assets as the site gets them: stylesheets squeezed, the same rules."""

from __future__ import annotations

import re
from pathlib import Path

from generator.render import minify_css

THEME = Path(__file__).parent.parent / "templates" / "assets"


def test_comments_and_spaces_go_strings_stay() -> None:
    css = """/* a comment, with an apostrophe: it's */
.leaning::before { content: "●  /* kept */ " / ""; margin-right: .25rem; }
a > b, c :hover {
  width: max(.15em, calc(24px - 1em));
  font: 1rem/1.6 Charter, 'Sitka  Text', serif;
}
@media (max-width: 30rem) { body { font-size: 1rem; } }
"""
    assert minify_css(css) == (
        '.leaning::before{content:"●  /* kept */ " / "";margin-right:.25rem}'
        "a>b,c :hover{width:max(.15em,calc(24px - 1em));font:1rem/1.6 Charter,'Sitka  Text',serif}"
        "@media (max-width:30rem){body{font-size:1rem}}\n"
    )


def test_the_built_stylesheets_are_the_theme_squeezed(bundled_site: Path) -> None:
    for name in ("style.css", "pages.css"):
        source = (THEME / name).read_text()
        built = (bundled_site / "assets" / name).read_text()
        assert built == minify_css(source) and len(built) < 0.85 * len(source)
        assert built.count("{") == re.sub(r"/\*.*?\*/", "", source, flags=re.S).count("{")  # every rule kept
