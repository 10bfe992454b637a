"""The one place that turns a site path into a link: always relative, always naming a file.

Site paths are POSIX paths from the site root (`issues/renewal/index.html`). Links from one page to
another are made relative to the linking page, so the site works under any sub-path of a host and
when opened from disk; they name `index.html` explicitly, because a browser reading from `file://`
shows a folder listing for `issues/`. Absolute, clean addresses (`…/issues/renewal/`) are used only
where a full URL is required: canonical links, the sitemap and the feed.
"""

from __future__ import annotations

from generator.model import Entity, Event, Issue, Language, Page, Period, Quote, Source, Stakeholder

SHARED = ("assets/", "pagefind/")  # files every language's pages use
FIRST_LANGUAGE_ONLY = frozenset(  # the data exports: one set for the briefing, in its own language
    {"sitemap.xml", "briefing.json", "timeline.csv", "positions.csv", "sources.csv", "timeline.ics", "robots.txt"}
)


def entity_path(entity: Entity) -> str:
    """The site path of the page that shows `entity`, with a fragment where it is one item of a page."""
    if isinstance(entity, Issue):
        return f"issues/{entity.id}/index.html"
    if isinstance(entity, Stakeholder):
        return f"stakeholders/{entity.id}/index.html"
    if isinstance(entity, Event):
        return f"timeline/index.html#{entity.id}"
    if isinstance(entity, Period):
        return f"timeline/index.html#{entity.id}"
    if isinstance(entity, Source):
        return f"sources/index.html#{entity.id}"
    if isinstance(entity, Quote):
        return f"stakeholders/{entity.speaker.id}/index.html#{entity.id}"
    assert isinstance(entity, Page)
    return f"{entity.id}/index.html"


def in_language(path: str, language: Language) -> str:
    """The site path of a page of `language`'s site: under its folder, except files all languages share."""
    if not language.prefix or path.startswith(SHARED) or path.partition("#")[0] in FIRST_LANGUAGE_ONLY:
        return path
    return f"{language.prefix}/{path}"


def page_path(entity: Entity, language: Language) -> str:
    """The site path of `entity`'s page on `language`'s site."""
    return in_language(entity_path(entity), language)


def relative(target: str, from_page: str) -> str:
    """Link to site path `target` from the page at site path `from_page`: up to the root, then down."""
    path, _, fragment = target.partition("#")
    if path == from_page and fragment:
        return f"#{fragment}"
    return "../" * from_page.count("/") + target


def absolute(base_url: str, target: str) -> str:
    """Full, clean URL for `target` under `base_url` (which ends in `/`)."""
    path = target.removesuffix("index.html")
    return base_url + path
