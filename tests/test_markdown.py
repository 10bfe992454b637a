from pathlib import Path

from generator.markdown import compile_markdown

HERE = Path("x.md")


def compiled(text: str, inline: bool = False):  # type: ignore[no-untyped-def]
    return compile_markdown(text, HERE, 1, inline)


def test_entity_link_and_label() -> None:
    md = compiled("See [[denis-simon]] and [[denis-simon|Simon]].")
    assert [(r.target, r.label) for r in md.links] == [("denis-simon", ""), ("denis-simon", "Simon")]
    assert "\x00Edenis-simon|\x00" in md.html and "\x00Edenis-simon|Simon\x00" in md.html


def test_label_may_contain_a_bar() -> None:
    md = compiled("[[a-b|one | two]]")
    assert md.links[0].label == "one | two"


def test_citations_single_and_grouped() -> None:
    md = compiled("Claim [@a]. Two [@b; @c].")
    assert [r.target for r in md.citations] == ["a", "b", "c"]
    assert "Claim\x00Ca\x00." in md.html  # the space before a citation is dropped
    assert "end of line\x00Cb\x00." in compiled("At the end of line\n[@b].").html


def test_code_spans_and_blocks_stay_literal() -> None:
    md = compiled("`[[x]]` and `[@y]`\n\n    [[z]]\n")
    assert md.links == () and md.citations == ()
    assert "<code>[[x]]</code>" in md.html


def test_not_a_citation_when_malformed() -> None:
    md = compiled("[@] and [see @a] and [[]] and [[a\nb]]")
    assert md.links == () and md.citations == ()


def test_reference_lines_follow_the_file() -> None:
    md = compile_markdown("para\n\nSee [[a]].\n\n- item [@s]\n", HERE, 10)
    assert [r.line for r in md.links] == [12] and [r.line for r in md.citations] == [14]


def test_raw_html_is_escaped_and_unsafe_links_are_dropped() -> None:
    md = compiled("<script>alert(1)</script> [x](javascript:alert(1)) [y](JaVaScRiPt:alert(1))")
    assert "<script>" not in md.html and "&lt;script&gt;" in md.html
    assert "<a" not in md.html  # unsafe schemes (any case) are left as text, never a live link


def test_tables_footnotes_and_heading_anchors() -> None:
    md = compiled("## A heading\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\nText[^1]\n\n[^1]: Note\n")
    assert '<h2 id="a-heading">' in md.html and "<table>" in md.html and 'class="footnotes"' in md.html


def test_template_syntax_in_content_is_printed_literally() -> None:
    assert "{{ config.title }}" in compiled("{{ config.title }}").html


def test_plain_text_fast_path_matches_the_parser() -> None:
    """Inline fields without any markup skip the parser; the result must be what the parser gives."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from generator.markdown import _MARKUP, _PARSER

    @settings(max_examples=300, deadline=None)
    @given(
        st.text(
            alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]) | st.just("\t"),
            min_size=1,
            max_size=60,
        )
    )
    def check(text: str) -> None:
        if _MARKUP.search(text) or not text.strip():
            return
        parsed = _PARSER.renderer.render(_PARSER.parseInline(text), _PARSER.options, {}).strip()
        assert compiled(text, inline=True).html == parsed

    check()
