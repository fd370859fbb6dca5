"""Every text a citizen reads exists in all four languages, finished, with the same placeholders."""

from __future__ import annotations

import string
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from genk3600.i18n import LANGUAGES, format_moment, negotiate, requested_language, translator
from genk3600.i18n.catalogue import catalogue_path
from genk3600.models.enums import Language

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "src" / "genk3600"
BRUSSELS = ZoneInfo("Europe/Brussels")


def _extracted(keywords: dict[str, Any]) -> dict[str, list[str]]:
    """msgid → where it is used, extracted from the source with the project's babel.cfg (and the Makefile's `-k`)."""
    with (REPO / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        SOURCE, method_map, options_map, keywords=keywords
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


USED = _extracted({**DEFAULT_KEYWORDS, "P_": None})
# Problem details (errors.py, `P_`): the register of integrators and staff, like the staff's texts below.
PROBLEMS = _extracted({"P_": None})


def _catalogue(language: Language) -> Catalog:
    with catalogue_path(language).open("rb") as po_file:
        return read_po(po_file)


def _placeholders(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None}


def _entries(catalog: Catalog) -> Iterator[Message]:
    return (message for message in catalog if message.id)


def test_source_uses_messages() -> None:
    # Guards the test itself: if extraction silently found nothing, every other check would pass.
    assert "Your case worker is handling your question." in USED
    assert "There is no ticket with reference {reference!r}." in USED  # a problem's detail (P_)
    assert "Your case worker is handling your question." not in PROBLEMS
    assert "The {unit} department decides on your request." in USED
    assert "{date} at {time}" in USED
    assert len(USED) >= 20


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language: Language) -> None:
    catalog = _catalogue(language)
    assert str(catalog.locale) == language.value
    problems = []
    for msgid, where in sorted(USED.items()):
        message = catalog.get(msgid)
        if message is None:
            problems.append(f"missing: {msgid!r} ({', '.join(where)})")
        elif not message.string:
            problems.append(f"empty: {msgid!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        elif _placeholders(str(message.string)) != _placeholders(msgid):
            problems.append(f"placeholders differ: {msgid!r} → {message.string!r}")
    assert not problems, f"{language.value}:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_stale_messages(language: Language) -> None:
    catalog = _catalogue(language)
    stale = sorted(message.id for message in _entries(catalog) if message.id not in USED)
    assert not stale, f"{language.value} has messages the code no longer uses (run make i18n-update): {stale}"
    assert not catalog.obsolete, f"{language.value} has obsolete entries: {list(catalog.obsolete)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_format_and_load(language: Language) -> None:
    catalog = _catalogue(language)
    translations = translator(language)
    for message in _entries(catalog):
        msgid, text = str(message.id), str(message.string)
        filled = text.format(**dict.fromkeys(_placeholders(text), "X"))
        assert not {"{", "}"} & set(filled), text
        assert translations.gettext(msgid) == text


# Texts for staff (timeline, roles, routing, reports): their own register, with the domain's words and
# placeholders; every other text is for citizens.
STAFF_MODULES = ("i18n/texts.py", "reports/catalogue.py")


def _for_citizens(msgid: str) -> bool:
    places = [where for where in USED.get(msgid, ["?"]) if where not in PROBLEMS.get(msgid, [])]
    return not all(where.split(":")[0].endswith(STAFF_MODULES) for where in places)


def test_dutch_is_short_and_plain() -> None:
    """B1: short sentences, no internal codes or jargon (texts for citizens)."""
    jargon = ("ticket", "sla", "escalat", "status", "dossiernummer", "back office", "tier", "deciding", "_")
    for message in _entries(_catalogue(Language.nl)):
        if not _for_citizens(str(message.id)):
            continue
        text = str(message.string)
        for sentence in text.replace("?", ".").split("."):
            assert len(sentence.split()) <= 15, sentence
        assert not any(word in text.lower() for word in jargon), text


def test_translator_is_compiled_once_per_language() -> None:
    assert translator("nl") is translator(Language.nl)
    assert translator("fr") is not translator("nl")
    with pytest.raises(ValueError, match="es"):
        translator("es")


@pytest.mark.parametrize(
    ("accept_language", "override", "expected"),
    [
        ("fr-BE,fr;q=0.9", None, Language.fr),
        ("fr-BE,fr;q=0.9,en;q=0.8", "de", Language.de),  # ?lang= wins
        ("es-ES,es;q=0.9,de;q=0.5", None, Language.de),  # first supported by quality
        ("en;q=0.2, nl;q=0.8", None, Language.nl),
        ("nl;q=0, en", None, Language.en),  # q=0 means "not this one"
        ("de_DE", None, Language.de),
        ("NL-be", None, Language.nl),
        ("es, *", None, Language.nl),  # nothing supported: the default
        ("", None, Language.nl),
        (None, None, Language.nl),
        ("fr;q=abc, en", None, Language.en),  # a broken quality counts as 0
        (None, "es", Language.nl),  # an unsupported override is ignored
    ],
)
def test_negotiate(accept_language: str | None, override: str | None, expected: Language) -> None:
    assert negotiate(accept_language, override, Language.nl) == expected


def test_requested_language_is_none_without_a_preference() -> None:
    assert requested_language(None, None) is None
    assert requested_language("es", None) is None
    assert negotiate("es", None, "de") == Language.de


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (Language.nl, "maandag 30 november 2026 om 12:00"),
        (Language.fr, "lundi 30 novembre 2026 à 12:00"),
        (Language.en, "Monday, 30 November 2026 at 12:00"),
        (Language.de, "Montag, 30. November 2026 um 12:00"),
    ],
)
def test_format_moment_in_words_in_local_time(language: Language, expected: str) -> None:
    assert format_moment(datetime(2026, 11, 30, 11, 0, tzinfo=UTC), language, BRUSSELS) == expected


def test_format_moment_follows_summer_time() -> None:
    # The same UTC hour is 09:30 before and 10:30 after the switch to summer time (31 March 2030).
    assert format_moment(datetime(2030, 3, 29, 8, 30, tzinfo=UTC), "nl", BRUSSELS) == "vrijdag 29 maart 2030 om 09:30"
    assert format_moment(datetime(2030, 4, 1, 8, 30, tzinfo=UTC), "nl", BRUSSELS) == "maandag 1 april 2030 om 10:30"
