"""Gettext catalogues for everything a citizen reads, and the language and date helpers around them.

Message ids are the English source texts, marked in code with `translator(language).gettext("...")`
or, in tables built at import time, with `N_("...")`; placeholders are named (`{subject}`) and filled with
`str.format` after translation. `pybabel extract -F babel.cfg` finds both forms.

The `.po` files are the only source: they are compiled in memory once per process, so no `.mo` file is
committed or built, and a catalogue edit takes effect on the next start.
"""

from __future__ import annotations

import io
from datetime import date, datetime, tzinfo
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from genk3600.models.enums import Language

DOMAIN = "genk3600"
LANGUAGES: tuple[Language, ...] = tuple(Language)
# Belgian variants: 24-hour clock and the date order people in Genk are used to.
_LOCALES = {Language.nl: "nl_BE", Language.fr: "fr_BE", Language.en: "en_BE", Language.de: "de_BE"}
# A browser may send a long list; nobody needs more than this many entries to find one of four languages.
_MAX_ACCEPT_ENTRIES = 20


def N_(message: str) -> str:
    """Mark a text for extraction where it is defined; translate it later with `gettext(text)`."""
    return message


def P_(message: str) -> str:
    """`N_` for the texts of problems (errors.py): integrators' and staff's register, not klantentaal.

    A keyword of its own so the catalogue tests can tell them from citizens' texts (`-k P_` in the Makefile)."""
    return message


def catalogue_path(language: Language | str) -> Traversable:
    """Where the `.po` file of a language lives inside the package."""
    return resources.files(__package__).joinpath("locales", Language(language).value, "LC_MESSAGES", f"{DOMAIN}.po")


def translator(language: Language | str) -> Translations:
    """The catalogue of one language, compiled from its `.po` file on first use (ValueError if unsupported)."""
    # A member passes as it is: the enum's conversion is two Python calls, and this runs for every text rendered.
    return _compiled(language if type(language) is Language else Language(language))


@lru_cache(maxsize=len(Language))
def _compiled(language: Language) -> Translations:
    with catalogue_path(language).open("rb") as po_file:
        catalog = read_po(po_file, locale=_LOCALES[language], domain=DOMAIN)
    compiled = io.BytesIO()
    # Fuzzy entries are not finished translations: they fall back to the English source text.
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def locale_of(language: Language | str) -> Locale:
    return _parsed_locale(Language(language))


@lru_cache(maxsize=len(Language))
def _parsed_locale(language: Language) -> Locale:
    # Parsing loads the locale's CLDR data; once per language, not per acknowledgement (seen in the profile).
    return Locale.parse(_LOCALES[language])


def _supported(tag: str) -> Language | None:
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return Language(primary) if primary in Language.__members__ else None


def requested_language(accept_language: str | None, override: str | None) -> Language | None:
    """The language a request asks for: `override` (e.g. `?lang=`) first, then `Accept-Language`; else None."""
    if override and (chosen := _supported(override)):
        return chosen
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, entry in enumerate(accept_language.split(",")[:_MAX_ACCEPT_ENTRIES]):
        tag, _, parameters = entry.partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and tag.strip() not in ("", "*"):
            ranked.append((-quality, position, tag))
    for _quality, _position, tag in sorted(ranked):
        if chosen := _supported(tag):
            return chosen
    return None


def negotiate(accept_language: str | None, override: str | None, default: Language | str) -> Language:
    """`override` if supported, else the best supported `Accept-Language` entry, else `default`.

    `fr-BE,fr;q=0.9` → fr; `es` → default; `*` → default.
    """
    return requested_language(accept_language, override) or Language(default)


def format_moment(moment: datetime, language: Language | str, timezone: tzinfo) -> str:
    """A moment in words in local time, e.g. `maandag 30 november 2026 om 12:00`."""
    local = moment.astimezone(timezone)
    language = Language(language)
    words = {
        "date": _day_in_words(local.date(), language),
        "time": format_time(local.time(), format="HH:mm", locale=locale_of(language)),
    }
    # Translators: a date in words followed by a time on the 24-hour clock, e.g. "Monday 30 November 2026" "12:00".
    return translator(language).gettext("{date} at {time}").format(**words)


@lru_cache(maxsize=2048)
def _day_in_words(day: date, language: Language) -> str:
    # Babel's full date is the costly part of an acknowledgement's texts (#16); a day reads the same all day long.
    return format_date(day, format="full", locale=locale_of(language))
