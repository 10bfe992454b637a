"""Markdown: one markdown-it-py instance and our two syntax rules, `[[id]]` and `[@source]`.

Compiling a text happens once, before ids are resolved: the result is HTML in which entity links and
citations are left as markers, plus the list of references found (with their lines). Once every id
is known, a page's view (`views.PageText.html`) replaces each marker with the final link, relative to the
page, and numbers the citations in the order the page shows them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin

from generator.safeurl import is_safe_url
from generator.spool import Spool, Spooled, text_of

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MARKUP = re.compile(r"[\\`*_\[\]<>&!~|#=+\-{}()\n\d.:]|^\s|\s$|  ")  # anything that could be syntax
MARKER = re.compile(r"\x00([EC])([^\x00]*)\x00")
_ENTITY_MAX = 200


@dataclass(frozen=True, slots=True)
class Reference:
    target: str
    line: int
    label: str = ""


@dataclass(eq=False, slots=True)
class Markdown:
    """A compiled Markdown text: HTML with markers, and what it refers to. Its source and HTML may be kept in
    a `Spool` (a long body, once loaded): read them as `text` and `html`."""

    source: str | Spooled
    file: Path
    line: int
    inline: bool
    rendered: str | Spooled = ""
    links: tuple[Reference, ...] = ()
    citations: tuple[Reference, ...] = ()
    too_deep: int = 0  # line where nesting reached markdown-it's limit (and text beyond it would be lost)

    @property
    def text(self) -> str:
        return text_of(self.source)

    @property
    def html(self) -> str:
        return text_of(self.rendered)

    def spool(self, spool: Spool) -> None:
        """Keep the source and HTML in `spool`'s file, each if it is long; a blank text stays (it is false)."""
        if not self:
            return
        if isinstance(self.source, str):
            self.source = spool.keep(self.source)
        if isinstance(self.rendered, str):
            self.rendered = spool.keep(self.rendered)

    def __bool__(self) -> bool:
        return not isinstance(self.source, str) or bool(self.source.strip())


def _entity_link_rule(state: StateInline, silent: bool) -> bool:
    """`[[id]]` or `[[id|label]]`: a link to any entity of the briefing."""
    src, pos = state.src, state.pos
    if not src.startswith("[[", pos):
        return False
    end = src.find("]]", pos + 2, pos + 2 + _ENTITY_MAX)
    if end < 0:
        return False
    inner = src[pos + 2 : end]
    if not inner.strip() or "\n" in inner or "[" in inner:
        return False
    target, _, label = inner.partition("|")
    if not silent:
        token = state.push("entity_link", "", 0)
        token.meta = {"target": target.strip(), "label": label.strip()}
        token.content = inner
    state.pos = end + 2
    return True


def _citation_rule(state: StateInline, silent: bool) -> bool:
    """`[@source-id]` or `[@a; @b]`: numbered citations of entries in sources.yaml."""
    src, pos = state.src, state.pos
    if not src.startswith("[@", pos):
        return False
    end = src.find("]", pos + 2, pos + 2 + _ENTITY_MAX * 4)
    if end < 0:
        return False
    inner = src[pos + 1 : end]
    if "\n" in inner or "[" in inner:
        return False
    keys = [part.strip() for part in inner.split(";")]
    if not all(key.startswith("@") and len(key) > 1 for key in keys):
        return False
    if not silent:
        _drop_space_before(state)  # "a claim [@src]." renders as "a claim[1]."
        token = state.push("citation", "", 0)
        token.meta = {"sources": [key[1:].strip() for key in keys]}
        token.content = inner
    state.pos = end + 1
    return True


def _drop_space_before(state: StateInline) -> None:
    state.pending = state.pending.rstrip(" \t")
    if not state.pending:
        while state.tokens and state.tokens[-1].type == "softbreak":
            state.tokens.pop()
        if state.tokens and state.tokens[-1].type == "text":
            state.tokens[-1].content = state.tokens[-1].content.rstrip(" \t")


def _render_entity_link(self, tokens, idx, options, env) -> str:  # type: ignore[no-untyped-def]
    meta = tokens[idx].meta
    return f"\x00E{meta['target']}|{meta['label']}\x00"


def _render_citation(self, tokens, idx, options, env) -> str:  # type: ignore[no-untyped-def]
    return "".join(f"\x00C{key}\x00" for key in tokens[idx].meta["sources"])


def _heading_slug(text: str) -> str:
    slug = re.sub(r"[^\w\s-]", "", text.lower()).strip()
    return re.sub(r"[\s_-]+", "-", slug) or "section"


def make_parser() -> MarkdownIt:
    md = (
        MarkdownIt("js-default", {"typographer": False})  # js-default: raw HTML off, safe links
        .use(footnote_plugin)
        .use(anchors_plugin, min_level=2, max_level=3, slug_func=_heading_slug, permalink=False)
    )
    md.validateLink = is_safe_url  # type: ignore[method-assign]  # one URL policy for Markdown and YAML
    md.inline.ruler.before("link", "entity_link", _entity_link_rule)
    md.inline.ruler.before("link", "citation", _citation_rule)
    md.add_render_rule("entity_link", _render_entity_link)
    md.add_render_rule("citation", _render_citation)
    return md


_PARSER = make_parser()  # configured once, never changed: parsing keeps no state between calls


def compile_markdown(text: str, file: Path, line: int, inline: bool = False) -> Markdown:
    """Parse `text` (found in `file` from `line` on)."""
    cached: tuple[str, list[tuple[str, int, str]], list[tuple[str, int]], int] | None = None
    if inline and not _MARKUP.search(text):
        cached = (escapeHtml(text.strip()), [], [], -1)  # plain words: what the parser would give, sooner
    if cached is None:
        tokens = _PARSER.parseInline(text) if inline else _PARSER.parse(text)
        html = _PARSER.renderer.render(tokens, _PARSER.options, {})
        links: list[tuple[str, int, str]] = []
        citations: list[tuple[str, int]] = []
        deepest = -1
        limit = _PARSER.options["maxNesting"] - 1
        for token, offset in _walk(tokens):
            if token.level >= limit and deepest < 0:
                deepest = offset
            if token.type == "entity_link":
                links.append((token.meta["target"], offset, token.meta["label"]))
            elif token.type == "citation":
                citations.extend((key_, offset) for key_ in token.meta["sources"])
        cached = (html.strip() if inline else html, links, citations, deepest)
    html, links, citations, deepest = cached
    return Markdown(
        source=text,
        file=file,
        line=line,
        inline=inline,
        rendered=html,
        links=tuple(Reference(target, line + offset, label) for target, offset, label in links),
        citations=tuple(Reference(target, line + offset) for target, offset in citations),
        too_deep=line + deepest if deepest >= 0 else 0,
    )


def _walk(tokens: list[Token], offset: int = 0) -> Iterator[tuple[Token, int]]:
    for token in tokens:
        line = token.map[0] if token.map else offset
        yield token, line
        if token.children:
            yield from _walk(token.children, line)
