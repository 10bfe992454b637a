"""Internal link check over rendered pages: every relative href lands on a file and an existing id."""

from __future__ import annotations

import posixpath
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            elif name in ("href", "src") and value is not None and tag != "base":
                self.links.append(value)


def extract(path: str, data: bytes) -> tuple[set[str], list[str]]:
    """The ids a page defines and the links it makes (nothing for other files)."""
    if not path.endswith(".html"):
        return set(), []
    collector = _Collector()
    collector.feed(data.decode("utf-8"))
    return collector.ids, collector.links


class LinkChecker:
    def __init__(self) -> None:
        self.ids: dict[str, set[str]] = {}
        self.links: dict[str, list[str]] = {}
        self.files: set[str] = set()

    def add(self, path: str, data: bytes) -> None:
        self.record(path, *extract(path, data))

    def record(self, path: str, ids: set[str], links: list[str]) -> None:
        self.files.add(path)
        if path.endswith(".html"):
            self.ids[path] = ids
            self.links[path] = links

    def problems(self) -> list[tuple[str, str, str]]:
        """(page, link, what is wrong) for every broken internal link."""
        found = []
        for page, links in sorted(self.links.items()):
            for link in links:
                problem = self._check(page, link)
                if problem:
                    found.append((page, link, problem))
        return found

    def _check(self, page: str, link: str) -> str:
        parts = urlsplit(link)
        if parts.scheme or parts.netloc or link.startswith("//"):
            return ""  # external; not ours to check offline
        if page == "404.html" and not parts.path and not parts.fragment:
            return ""
        target = page
        if parts.path:
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))
            if joined.startswith(".."):
                return "points outside the site"
            target = joined + "/index.html" if parts.path.endswith("/") else joined
            if target not in self.files:
                return "no such file"
        if parts.fragment and target.endswith(".html") and unquote(parts.fragment) not in self.ids.get(target, set()):
            return f"no element with id `{parts.fragment}` in {target}"
        return ""
