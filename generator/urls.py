"""The one place that turns a site path into a link: always relative, always naming a file.

Site paths are POSIX paths from the site root (`issues/renewal/index.html`). Links from one page to
another are made relative to the linking page, so the site works under any sub-path of a host and
when opened from disk; they name `index.html` explicitly, because a browser reading from `file://`
shows a folder listing for `issues/`. Absolute, clean addresses (`…/issues/renewal/`) are used only
where a full URL is required: canonical links, the sitemap and the feed.
"""

from __future__ import annotations

from generator.model import Entity, Event, Issue, Language, Page, Period, Quote, Source, Stakeholder

# The site paths of the pages and files that are no entity's, named once (render.routes lists them in order)
HOME_PAGE = "index.html"
ISSUES_PAGE = "issues/index.html"
STAKEHOLDERS_PAGE = "stakeholders/index.html"
TIMELINE_PAGE = "timeline/index.html"
POSITIONS_PAGE = "positions/index.html"
SOURCES_PAGE = "sources/index.html"
UPDATES_PAGE = "updates/index.html"
SEARCH_PAGE = "search/index.html"
PRINT_PAGE = "print/index.html"
PRINT_SHORT_PAGE = "print/short/index.html"
NOT_FOUND_PAGE = "404.html"
TRANSLATIONS_PAGE = "translations/index.html"
FEED = "feed.xml"
UPDATES_FEED = "updates.xml"
SITEMAP = "sitemap.xml"
BRIEFING_JSON = "briefing.json"
TIMELINE_CSV = "timeline.csv"
POSITIONS_CSV = "positions.csv"
SOURCES_CSV = "sources.csv"
CALENDAR = "timeline.ics"
ROBOTS = "robots.txt"

SHARED = ("assets/", "pagefind/")  # files every language's pages use
# the data exports: one set for the briefing, in its own language
FIRST_LANGUAGE_ONLY = frozenset({SITEMAP, BRIEFING_JSON, TIMELINE_CSV, POSITIONS_CSV, SOURCES_CSV, CALENDAR, ROBOTS})


def entity_path(entity: Entity) -> str:
    """The site path of the page that shows `entity`, with a fragment where it is one item of a page."""
    if isinstance(entity, Issue):
        return f"issues/{entity.id}/index.html"
    if isinstance(entity, Stakeholder):
        return f"stakeholders/{entity.id}/index.html"
    if isinstance(entity, Event | Period):
        return f"{TIMELINE_PAGE}#{entity.id}"
    if isinstance(entity, Source):
        return f"{SOURCES_PAGE}#{entity.id}"
    if isinstance(entity, Quote):
        return f"stakeholders/{entity.speaker.id}/index.html#{entity.id}"
    assert isinstance(entity, Page)
    return f"{entity.id}/index.html"


def section_path(section: str) -> str:
    """The site path of a section of the site (`issues`, or a free page's id): its folder's index page."""
    return f"{section}/index.html"


def in_part(path: str, anchor: str) -> str:
    """The site path of the part of the page at `path` whose element has the id `anchor`."""
    return f"{path.partition('#')[0]}#{anchor}"


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
