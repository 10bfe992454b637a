"""Page memo: skip rendering a page whose inputs have not changed since the last build.

A page's inputs are the briefing's *structure* — every YAML file, every front matter, the link and
citation targets of every Markdown body, the templates and assets, the generator's version — plus the
bodies it shows: its own entity's (issue, stakeholder and free pages), every one (the print page and the
JSON export), or none (every other page). A body edit that keeps its links therefore re-renders only its
own page and the two that show every body; anything else re-renders every page. The key is exact for the
built-in templates, and for custom templates as long as they show bodies only where these pages do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from generator import cache
from generator.load import Loaded
from generator.model import Briefing, Issue, Page, Stakeholder
from generator.render import Route

_IN_PROCESS: dict[str, dict[str, list[str]]] = {}  # per content folder, for the preview server


def _hash(*parts: str) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass
class PageMemo:
    content: Path
    structure: str
    bodies: dict[str, str]
    entries: dict[str, list[str]] = field(default_factory=dict)  # path → [key, digest] of the last build

    @classmethod
    def for_build(cls, content: Path, loaded: Loaded, briefing: Briefing, templates: str) -> PageMemo:
        """`templates` is the fingerprint of the template folders (files and assets)."""
        links = []
        for entity in briefing.by_id.values():
            if isinstance(entity, Issue | Stakeholder | Page):
                links.append(
                    entity.id
                    + ":"
                    + ",".join(r.target for r in entity.body.links)
                    + ";"
                    + ",".join(r.target for r in entity.body.citations)
                )
        structure = _hash(templates, *sorted(loaded.structure), *sorted(links))
        key = str(content.resolve())
        entries = _IN_PROCESS.get(key) or cache.load(content, "pages")
        return cls(content, structure, dict(loaded.bodies), dict(entries))

    def key(self, route: Route) -> str:
        if route.all_bodies:
            return _hash(self.structure, *sorted(f"{k}={v}" for k, v in self.bodies.items()))
        if route.body_of:
            return _hash(self.structure, self.bodies.get(route.body_of, ""))
        return self.structure

    def unchanged(self, route: Route, previous: dict[str, str]) -> str:
        """The digest of the page as last built, if its key is unchanged and that file is still in place."""
        entry = self.entries.get(route.path)
        if entry and entry[0] == self.key(route) and previous.get(route.path) == entry[1]:
            return entry[1]
        return ""

    def remember(self, route: Route, digest: str) -> None:
        self.entries[route.path] = [self.key(route), digest]

    def save(self) -> None:
        _IN_PROCESS[str(self.content.resolve())] = self.entries
        cache.save(self.content, "pages", self.entries)
