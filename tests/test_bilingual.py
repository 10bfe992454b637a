"""The bilingual briefing: one site per language, linked both ways; translations that know their age."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from urllib.parse import urljoin

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from generator.build import BuildOptions, build
from generator.search import ENTRY, INDEX_FOLDER, settle_entry
from tests.helpers import BUNDLED, MINI, build_errors, count_template_compiles, edit, read_site, run, serve_static

ZH = "zh-Hans"
_LINK = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">')
_HREF = re.compile(r'<(a|link)\b([^>]*)\bhref="([^"#]*)(#[^"]*)?"([^>]*)>')


def _site_path(page: str, href: str) -> str:
    """The site path a relative link on `page` leads to (index.html named, as the site links)."""
    return urljoin("http://site/" + page, href).removeprefix("http://site/")


def _alternates(site: Path, page: str) -> dict[str, str]:
    html = (site / page).read_text()
    return {lang: _site_path(page, href) for lang, href in _LINK.findall(html) if lang != "x-default"}


def _pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if "pagefind" not in p.parts)


def test_every_page_names_its_versions_and_each_names_it_back(bundled_site: Path) -> None:
    pages = _pages(bundled_site)
    assert sum(1 for p in pages if p.startswith(ZH + "/")) * 2 >= len(pages) - 2  # (the English /translations/)
    checked = 0
    for page in pages:
        alternates = _alternates(bundled_site, page)
        assert set(alternates) == {"en", ZH}, page
        own = ZH if page.startswith(ZH + "/") else "en"
        assert alternates[own] == page, page
        for lang, other in alternates.items():
            assert (bundled_site / other).is_file(), (page, other)
            assert _alternates(bundled_site, other)[own] == page, (page, lang, other)
            checked += 1
    assert checked > 300


def test_the_language_switch_lands_on_the_same_entity(bundled_site: Path) -> None:
    for issue in (BUNDLED / "issues").glob("*.md"):
        if "." in issue.stem:
            continue
        page = f"{ZH}/issues/{issue.stem}/index.html"
        html = (bundled_site / page).read_text()
        switch = html[html.index('<nav class="languages"') :].split("</nav>")[0]
        english = re.search(r'href="([^"]+)" hreflang="en"', switch)
        assert english is not None, page
        assert _site_path(page, english.group(1)) == f"issues/{issue.stem}/index.html"
        assert 'aria-current="page"' in switch.split('hreflang="zh-Hans"')[1], page


def test_every_link_of_the_chinese_site_stays_in_it(bundled_site: Path) -> None:
    """Except the other language's versions of a page, the files every language shares and the data exports."""
    shared = ("assets/", "pagefind/", "briefing.json", "timeline.csv", "positions.csv", "sources.csv", "timeline.ics")
    for page in (p for p in _pages(bundled_site) if p.startswith(ZH + "/")):
        for _tag, before, href, _fragment, after in _HREF.findall((bundled_site / page).read_text()):
            if not href or href.startswith(("http:", "https:", "mailto:")) or "hreflang=" in before + after:
                continue
            target = _site_path(page, href)
            assert target.startswith((ZH + "/", *shared)), (page, href)
            assert (bundled_site / target).exists(), (page, href)


def test_the_chinese_site_speaks_chinese(bundled_site: Path) -> None:
    home = (bundled_site / ZH / "index.html").read_text()
    assert '<html lang="zh-Hans">' in home
    assert "2026年11月30日" in home  # dates from Babel's locale data
    assert "《中美科技合作协定》" in home  # the translated state of play
    issue = (bundled_site / ZH / "issues" / "renewal-and-survival" / "index.html").read_text()
    assert re.search(r"<h1[^>]*>续签与存续</h1>", issue)
    assert "translation-notice" not in issue  # every bundled translation is current
    english = (bundled_site / "issues" / "renewal-and-survival" / "index.html").read_text()
    assert '<html lang="en">' in english and "2026年" not in english


def test_a_quotation_translated_from_english_is_marked_and_keeps_the_original(bundled_site: Path) -> None:
    html = (bundled_site / ZH / "stakeholders" / "marina-zhang" / "index.html").read_text()
    original = html[html.index('<details class="quote-original">') :].split("</details>")[0]
    assert '<blockquote lang="en"><p>“Collaboration is the only way' in original


@pytest.fixture
def bilingual(tmp_path: Path) -> Path:
    """The bundled briefing, writable."""
    content = tmp_path / "project" / "content"
    shutil.copytree(BUNDLED, content)
    return content


def test_an_edited_original_makes_its_translation_outdated_until_marked(
    capsys: pytest.CaptureFixture[str], bilingual: Path
) -> None:
    edit(bilingual / "issues" / "talent-flows.md", "## ", "A new opening sentence.\n\n## ")
    code, _, err = run(capsys, "check", "--strict", "--content", str(bilingual))
    assert code == 1
    assert (
        "issues/talent-flows.zh-Hans.md:1: warning: zh-Hans translation of issue `talent-flows` is out of date" in err
    )
    out = bilingual.parent / "site"
    assert run(capsys, "build", "--no-search", "--content", str(bilingual), "--out", str(out))[0] == 0
    page = (out / ZH / "issues" / "talent-flows" / "index.html").read_text()
    notice = page[page.index('<p class="translation-notice notice-outdated"') :].split("</p>")[0]
    assert "英语原文" in notice or "original" in notice
    assert 'href="../../../issues/talent-flows/index.html" hreflang="en"' in notice
    listing = (out / "translations" / "index.html").read_text()
    assert re.search(r'<tr class="status-outdated"><th scope="row"><a href="[^"]*talent-flows', listing)
    assert (
        run(
            capsys,
            "translations",
            "mark",
            str(bilingual / "issues" / "talent-flows.zh-Hans.md"),
            "--content",
            str(bilingual),
        )[0]
        == 0
    )
    assert run(capsys, "check", "--strict", "--content", str(bilingual))[0] == 0


def test_an_untranslated_page_is_shown_in_the_original_under_a_notice(
    capsys: pytest.CaptureFixture[str], bilingual: Path
) -> None:
    for untranslated in (
        "stakeholders/gang-chen.zh-Hans.md",
        "issues/talent-flows.zh-Hans.md",
        "briefing.zh-Hans.yaml",
    ):
        (bilingual / untranslated).unlink()
    out = bilingual.parent / "site"
    assert run(capsys, "build", "--no-search", "--content", str(bilingual), "--out", str(out))[0] == 0
    page = (out / ZH / "stakeholders" / "gang-chen" / "index.html").read_text()
    assert '<p class="translation-notice notice-missing"' in page
    assert '<h1 lang="en">Gang Chen</h1>' in page and '<div class="body" lang="en">' in page
    assert re.search(r"<h1[^>]*>Gang Chen</h1>", page)
    # every English text on the Chinese site says so, and the Chinese names its links show inside it say so too
    for path in _pages(out):
        walker = _LangWalker()
        walker.feed((out / path).read_text())
        assert walker.wrong == [], path


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "issues/no-such-issue.zh-Hans.md",
            "---\ntitle: 无\n---\n正文\n",
            "issues/no-such-issue.zh-Hans.md:1: error: translation of unknown issue `no-such-issue`",
        ),
        (
            "issues/talent-flows.fr.md",
            "---\ntitle: Flux\n---\nTexte\n",
            "issues/talent-flows.fr.md:1: error: translation into `fr`, which is not one of the briefing's other "
            "languages",
        ),
        (
            "stakeholders/gang-chen.zh-Hans.md",
            "---\nname: 陈刚\nkind: person\nrole: 教授\n---\n正文\n",
            "stakeholders/gang-chen.zh-Hans.md:3: error: unknown field `kind` in stakeholder",
        ),
        (
            "stakeholders/gang-chen.zh-Hans.md",
            "---\nname: 陈刚\n---\n正文\n",
            "stakeholders/gang-chen.zh-Hans.md:1: error: missing translation of `role` (stakeholder `gang-chen`)",
        ),
    ],
)
def test_translation_mistakes_are_reported_at_their_line(
    capsys: pytest.CaptureFixture[str], bilingual: Path, name: str, text: str, message: str
) -> None:
    (bilingual / name).write_text(text)
    errors = build_errors(capsys, bilingual)
    assert any(message in line for line in errors), errors


def test_a_field_error_does_not_hide_the_other_mistakes_of_its_translation(
    capsys: pytest.CaptureFixture[str], bilingual: Path
) -> None:
    translation = bilingual / "stakeholders" / "gang-chen.zh-Hans.md"
    text = translation.read_text()
    text = text.replace("name: 陈刚\n", "name: [陈刚]\nkind: person\n").replace("\nrole: ", "\nrol: ")
    translation.write_text(text.replace("[[matthew-olsen]]", "[[matthew-olson]]"))
    body_line = text.split("\n").index("---", 1) + 2
    errors = build_errors(capsys, bilingual)
    file = "content/stakeholders/gang-chen.zh-Hans.md"
    expected = [
        f"{file}:3: error: field `name`: expected text, found a list "
        "(quote the value if it contains `: ` or starts with `[` or `{`)",
        f"{file}:4: error: unknown field `kind` in stakeholder "
        "(known fields: translated_from, name, country, role, affiliation, stance)",
        f"{file}:6: error: unknown field `rol` in stakeholder (did you mean `role`?)",
        f"{file}:1: error: missing translation of `role` (stakeholder `gang-chen`) "
        "(translate every text of the original)",
        f"{file}:{body_line}: error: unknown id `matthew-olson` in link `[[matthew-olson]]` "
        "(did you mean `matthew-olsen`?)",
    ]
    assert [line for line in errors if "gang-chen.zh-Hans" in line] == sorted(expected, key=_file_order)


def _file_order(line: str) -> tuple[int, str]:
    return int(line.split(":")[1]), line


def test_the_mistakes_of_the_original_and_of_its_translations_are_reported_in_one_build(
    capsys: pytest.CaptureFixture[str], bilingual: Path
) -> None:
    edit(bilingual / "stakeholders" / "gang-chen.md", "kind: person", "kind: persn")
    edit(bilingual / "stakeholders" / "gang-chen.zh-Hans.md", "[[matthew-olsen]]", "[[matthew-olson]]")
    edit(bilingual / "issues" / "talent-flows.zh-Hans.md", "title: 人才流动\n", "")
    errors = build_errors(capsys, bilingual)
    assert any(line.startswith("content/stakeholders/gang-chen.md:3: error: field `kind`") for line in errors), errors
    assert any("gang-chen.zh-Hans.md" in line and "unknown id `matthew-olson`" in line for line in errors), errors
    title = "content/issues/talent-flows.zh-Hans.md:1: error: missing translation of `title` (issue `talent-flows`) "
    assert any(line.startswith(title) for line in errors), errors
    # the translation of an original in error is not called a translation of nothing, and nothing is said twice
    assert not any("translation of unknown" in line for line in errors), errors
    assert len(errors) == len(set(errors)) == 3, errors


def test_the_texts_of_a_translation_laid_over_nothing_are_checked_all_the_same(
    capsys: pytest.CaptureFixture[str], bilingual: Path
) -> None:
    (bilingual / "issues" / "no-such-issue.zh-Hans.md").write_text("---\ntitle: 无\n---\n见[[us-congres]]。\n")
    timeline = bilingual / "timeline.zh-Hans.yaml"
    first = timeline.read_text().split("\n- id: ")[1]  # the first entry, given twice: the second laid over nothing
    timeline.write_text(timeline.read_text() + "\n- id: " + first.replace("[@cable-1978]", "[@cable-1987]", 1))
    errors = build_errors(capsys, bilingual)
    issue = "content/issues/no-such-issue.zh-Hans.md"
    assert any(line.startswith(f"{issue}:1: error: translation of unknown issue `no-such-issue`") for line in errors)
    assert any(line.startswith(f"{issue}:4: error: unknown id `us-congres`") for line in errors), errors
    assert any("second zh-Hans translation of event" in line for line in errors), errors
    assert any("timeline.zh-Hans.yaml" in line and "unknown source `cable-1987`" in line for line in errors), errors


def test_a_briefing_of_one_language_has_no_switch_and_no_prefix(mini_site: Path) -> None:
    home = (mini_site / "index.html").read_text()
    assert 'hreflang="' not in home and '<nav class="languages"' not in home
    assert not (mini_site / "translations").exists()
    assert MINI.is_dir()


def test_searching_the_chinese_site_in_chinese_finds_the_renewal_issue(page: Page, bundled_site: Path) -> None:
    with serve_static(bundled_site, "/") as base_url:
        page.goto(base_url + f"{ZH}/search/index.html?q=协定")
        results = page.locator("#search-results li a")
        expect(results.first).to_be_visible(timeout=10_000)
        hrefs = [link.get_attribute("href") or "" for link in results.all()]
    assert any("zh-Hans/issues/renewal-and-survival/" in href for href in hrefs), hrefs
    assert all("/zh-Hans/" in href for href in hrefs), hrefs


class _LangWalker(HTMLParser):
    """Collects text whose nearest `lang` (from <html> down) is not the language it is written in."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.wrong: list[str] = []
        self.skipping = 0  # inside <script> or <style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        self.skipping += tag in ("script", "style", "title", "svg")  # (a <title> cannot mark a passage's language;
        # an untranslated label in a picture is not marked either: see the closing note)
        own = dict(attrs).get("lang")
        self.stack.append(own or (self.stack[-1] if self.stack else ""))

    def handle_endtag(self, tag: str) -> None:
        self.skipping -= tag in ("script", "style", "title", "svg")
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self.stack or self.skipping:
            return
        if self.stack[-1].startswith("zh"):  # English sentences (four words or more; names are fine)
            self.wrong += [m.group(0) for m in re.finditer(r"[A-Za-z]+(?:[ ,'’-]+[a-z]+){3,}", data)]
        elif re.search(r"[\u4e00-\u9fff]", data):
            self.wrong.append(data.strip()[:40])


def test_words_in_the_other_language_carry_their_language(bundled_site: Path) -> None:
    """Chinese on English pages is marked zh-Hans; English sentences on Chinese pages (untranslated notes,
    updates, titles as published) are marked en."""
    for page in _pages(bundled_site):
        walker = _LangWalker()
        walker.feed((bundled_site / page).read_text())
        assert walker.wrong == [], page


def test_every_interface_string_has_a_chinese_translation() -> None:
    """What `pybabel extract` finds in the templates and the code, the Chinese catalogue translates."""
    root = Path(__file__).parent.parent
    with (root / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            root, method_map, options_map, keywords={**DEFAULT_KEYWORDS, "N_": None}
        )
    }
    assert len(found) > 150
    with (root / "generator" / "locales" / "zh_Hans" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po)
    untranslated = [
        key
        for key in sorted(found)
        if not (message := catalogue.get(key) or catalogue.get((key,)))
        or not (message.string if isinstance(message.string, str) else all(message.string))
    ]
    assert untranslated == []


def _without_language_links(html: bytes) -> bytes:
    """A page without what only a site of several languages has: hreflang links, the switch, the link to
    /translations/."""
    html = re.sub(rb'<link rel="alternate" hreflang="[^"]+" href="[^"]+">\n', b"", html)
    html = re.sub(rb'    <nav class="languages".*?</nav>\n', b"", html, flags=re.S)
    return re.sub(rb' \xc2\xb7 <a href="[^"]*translations/index.html">[^<]*</a>', b"", html)


def test_the_english_site_is_what_a_one_language_build_makes(tmp_path: Path) -> None:
    """The translations change nothing of the English site but the links between the languages."""
    both, alone = tmp_path / "both", tmp_path / "alone"
    build(BuildOptions(content=BUNDLED, out=both / "site", search=False))
    content = alone / "content"
    shutil.copytree(BUNDLED, content, ignore=shutil.ignore_patterns(f"*.{ZH}.*"))
    settings_file = content / "briefing.yaml"
    settings_file.write_text(re.sub(r"languages:\n(  .*\n)+", "language: en\n", settings_file.read_text()))
    build(BuildOptions(content=content, out=alone / "site", search=False))
    expected = read_site(alone / "site")
    english = {
        path: data
        for path, data in read_site(both / "site").items()
        if not path.startswith(ZH + "/") and path != "translations/index.html"
    }
    assert set(english) == set(expected)
    different = [
        path for path in expected if path != "sitemap.xml" and _without_language_links(english[path]) != expected[path]
    ]
    assert different == [], different[:5]


def test_each_template_is_compiled_once_for_both_languages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The languages' environments differ only in the strings their pages get: one compiled template serves both
    (the Chinese site is still Chinese: test_the_chinese_site_speaks_chinese)."""
    compiled = count_template_compiles(monkeypatch)
    build(BuildOptions(content=BUNDLED, out=tmp_path / "site", search=False))
    assert "base.html" in compiled
    assert sorted(compiled) == sorted(set(compiled))  # type: ignore[type-var]


def test_the_catalogues_compile_without_errors() -> None:
    """Every Chinese message keeps its English placeholders (`%(date)s`), and compiles to a .mo file."""
    for po_file in (Path(__file__).parent.parent / "generator" / "locales").glob("*/LC_MESSAGES/messages.po"):
        with po_file.open("rb") as po:
            catalogue = read_po(po)
        problems = [(message.id, errors) for message, errors in catalogue.check()]
        assert problems == [], po_file
        write_mo(BytesIO(), catalogue)


def test_marking_a_list_file_changes_only_the_fingerprints(capsys: pytest.CaptureFixture[str], bilingual: Path) -> None:
    """`translations mark` on a YAML list keeps its comments, quoting and line layout."""
    timeline = bilingual / "timeline.zh-Hans.yaml"
    edit(bilingual / "timeline.yaml", "title: Carter and Deng sign", "title: Carter and Deng signed")
    assert run(capsys, "check", "--strict", "--content", str(bilingual))[0] == 1
    before = timeline.read_text()
    fingerprint = re.compile(r"^  translated_from: \w+\n", re.M)
    assert run(capsys, "translations", "mark", str(timeline), "--content", str(bilingual))[0] == 0
    after = timeline.read_text()
    assert fingerprint.sub("", after) == fingerprint.sub("", before)
    assert sum(a != b for a, b in zip(before.splitlines(), after.splitlines(), strict=True)) == 1
    assert run(capsys, "check", "--strict", "--content", str(bilingual))[0] == 0


def test_marking_refuses_a_file_that_is_not_a_translation(capsys: pytest.CaptureFixture[str], bilingual: Path) -> None:
    code, _, err = run(capsys, "translations", "mark", str(bilingual / "timeline.yaml"), "--content", str(bilingual))
    assert code == 1 and "content/timeline.yaml: error: not a translation file" in err


def test_the_search_index_lists_the_languages_in_one_order_whatever_pagefind_chose(
    bundled_site: Path, tmp_path: Path
) -> None:
    """Pagefind writes a bilingual site's languages into its entry file in no set order (one run `en` first,
    the next `zh-hans`), so two builds of the same content differed there: the build sorts them, and leaves the
    rest of the file as Pagefind wrote it."""
    written = (bundled_site / INDEX_FOLDER / ENTRY).read_text("utf-8")
    assert re.search(r'"languages":\{"en":\{.*\},"zh-hans":\{', written)
    entry = tmp_path / ENTRY
    entry.write_text(written, "utf-8")
    settle_entry(entry)
    assert entry.read_text("utf-8") == written  # as Pagefind writes it: compact, characters as they are
    swapped = re.sub(r'"languages":\{("en":\{.*?\}),("zh-hans":\{.*?\})\}', r'"languages":{\2,\1}', written)
    assert swapped != written
    entry.write_text(swapped, "utf-8")
    settle_entry(entry)
    assert entry.read_text("utf-8") == written
    entry.write_text("not json", "utf-8")
    settle_entry(entry)
    assert entry.read_text("utf-8") == "not json"
