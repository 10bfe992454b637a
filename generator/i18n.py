"""Interface texts and dates in a site's language, from Babel's locale data and our catalogues.

The interface strings of the templates and of the views are written in English and marked `_()` (or `N_()`
where a label is chosen later); `pybabel extract -F babel.cfg -k N_ -o generator/locales/messages.pot .` (the
full command is in babel.cfg and the README) collects them, and each language has a
catalogue `generator/locales/<locale>/LC_MESSAGES/messages.po` (`pybabel update` keeps it in step). The
catalogue is compiled when a build starts, so a `.mo` file can never be older than its `.po`.
"""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import xxhash
from babel import Locale
from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from markupsafe import Markup

from generator.dates import PartialDate
from generator.model import Language

LOCALES = Path(__file__).parent / "locales"
_SKELETON = {"day": "yMMMMd", "month": "yMMMM", "year": "y"}
_SHORT = {"day": "yMMMd", "month": "yMMM", "year": "y"}


def catalogue_path(locale: str) -> Path | None:
    """The catalogue for a Babel locale (`zh_Hans_CN` → `zh_Hans_CN`, then `zh_Hans`, then `zh`), if any."""
    parts = locale.split("_")
    for end in range(len(parts), 0, -1):
        path = LOCALES / "_".join(parts[:end]) / "LC_MESSAGES" / "messages.po"
        if path.is_file():
            return path
    return None


def catalogues_digest() -> str:
    """Of every catalogue: part of every page's key, as the templates are."""
    digest = xxhash.xxh3_128()
    for path in sorted(LOCALES.glob("*/LC_MESSAGES/messages.po")):
        digest.update(path.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def translations_for(language: Language) -> gettext.NullTranslations:
    """The compiled catalogue of a language; for the language the strings are written in, none is needed."""
    path = catalogue_path(language.locale)
    if path is None or language.locale.startswith("en"):
        return gettext.NullTranslations()
    with path.open("rb") as file:
        catalogue = read_po(file, locale=language.locale)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


def template_gettext(translations: gettext.NullTranslations) -> tuple[Callable[..., Markup], Callable[..., Markup]]:
    """`_`/`gettext` and `ngettext` for autoescaped templates, with the semantics of Jinja2's "newstyle"
    gettext (the translation is markup, the variables are escaped into it, `num` is given to plurals) but
    with each message looked up once per build: a page calls them dozens of times, a big site millions."""
    cache: dict[str, Markup] = {}

    def template_gettext(message: str, **variables: object) -> Markup:
        translated = cache.get(message)
        if translated is None:
            translated = cache[message] = Markup(translations.gettext(message))
        return translated % variables if variables else translated

    def template_ngettext(singular: str, plural: str, num: int, **variables: object) -> Markup:
        variables.setdefault("num", num)
        return Markup(translations.ngettext(singular, plural, num)) % variables

    return template_gettext, template_ngettext


class Texts:
    """One language's interface: `gettext`/`ngettext` for strings, `date` and `short_date` for dates."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self.locale = Locale.parse(language.locale)
        self.translations = translations_for(language)
        self.gettext = self.translations.gettext
        self.ngettext = self.translations.ngettext
        self._dates: dict[tuple[str, str], str] = {}  # (skeleton, ISO date) → text: Babel formats each once

    def date(self, date: PartialDate) -> str:
        """`27 February 2024` / `2024年2月27日`, never more precise than the date is."""
        return self._format(_SKELETON[date.precision], date.earliest_iso)

    def short_date(self, date: PartialDate, year: bool = True) -> str:
        """`27 Aug 2024`, or without the year `27 Aug` (for the second date of a span in one year)."""
        skeleton = _SHORT[date.precision] if year or date.precision == "year" else _SHORT[date.precision][1:]
        return self._format(skeleton, date.earliest_iso)

    def _format(self, skeleton: str, iso: str) -> str:
        text = self._dates.get((skeleton, iso))
        if text is None:
            text = format_skeleton(skeleton, dt.date.fromisoformat(iso), locale=self.locale)
            self._dates[(skeleton, iso)] = text
        return text

    def language_name(self, code: str) -> str:
        """A language's name in this language: `英语` for `en` on the Chinese site."""
        return Locale.parse(code, sep="-").get_display_name(self.locale) or code
