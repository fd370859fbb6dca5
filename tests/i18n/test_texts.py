"""Staff texts stored as a code plus parameters read in every language, and never in English in nl or fr."""

from __future__ import annotations

import string
from typing import Any

import pytest

from genk3600.i18n.texts import MESSAGES, Kind, Message, NameBook, legacy, render, render_message
from genk3600.models.enums import Language

NAMES = NameBook(
    units={"omgeving": {"": "Omgeving", "fr": "Environnement"}, "contact_centre": {"": "Contactcenter"}},
    categories={"waste.pickup": {"": "Ophaling huisvuil", "fr": "Collecte des déchets"}},
)
SAMPLE: dict[Kind, Any] = {
    Kind.text: "X",
    Kind.unit: "omgeving",
    Kind.unit_staff: ["omgeving", "An Peeters"],
    Kind.category: "waste.pickup",
    Kind.status: "in_progress",
    Kind.priority: "high",
    Kind.channel: "phone",
    Kind.contact: "phone",
    Kind.position: "agent",
    Kind.reason: "needs_decision",
    Kind.confidentiality: "social",
    Kind.language: "fr",
    Kind.role: "deciding",
    Kind.moment: "2026-11-30T11:00:00+00:00",
    Kind.message: Message("routing.matched.channel", {"channel": "mail"}).as_json(),
    Kind.messages: [Message("routing.matched.keyword", {"keyword": "grofvuil"}).as_json()],
    Kind.party: "family_member",
}


def _params(code: str) -> dict[str, Any]:
    spec = MESSAGES[code]
    names = {name for _literal, name, _spec, _conv in string.Formatter().parse(spec.text) if name}
    return {name: SAMPLE[spec.kinds.get(name, Kind.text)] for name in names}


@pytest.mark.parametrize("language", [Language.nl, Language.fr, Language.de])
@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_message_reads_in_the_language_not_in_english(code: str, language: Language) -> None:
    params = _params(code)
    english = render(code, params, Language.en, NAMES)
    text = render(code, params, language, NAMES)
    assert text.strip()
    assert text != english, f"{code} in {language.value} is the English text: {text!r}"
    assert text != MESSAGES[code].text
    assert "{" not in text


def test_names_are_per_language_with_the_canonical_name_as_fallback() -> None:
    created = Message("ticket.created", {"contact": "web", "unit": "omgeving"})
    assert render_message(created, "nl", NAMES) == "Vraag aangemaakt uit een webformulier; eigenaar Omgeving."
    assert render_message(created, "fr", NAMES) == (
        "Demande créée à partir d'un formulaire web; attribuée à Environnement."
    )
    assert render_message(created, "en", NAMES) == "Ticket created from a web contact; owned by Omgeving."


def test_codes_show_as_words() -> None:
    changed = Message("ticket.status_changed", {"old": "new", "new": "in_progress", "actor": "An Peeters"})
    assert render_message(changed, "nl") == "Toestand gewijzigd van nieuw naar in behandeling door An Peeters."
    assert render_message(changed, "fr") == "État modifié de nouveau à en cours par An Peeters."


def test_a_note_is_said_in_the_language_and_kept_as_written() -> None:
    changed = Message("ticket.priority_changed", {"old": "low", "new": "high", "note": "Belt opnieuw."})
    assert render_message(changed, "nl") == "Prioriteit gewijzigd van laag naar hoog. Notitie: Belt opnieuw."


def test_moments_are_local_and_in_the_language() -> None:
    missed = Message("sla.resolution_missed", {"due": "2026-11-20T10:30:00+00:00"})
    assert "11:30" in render_message(missed, "nl")
    assert "nov" in render_message(missed, "nl")


def test_nested_routing_explanation() -> None:
    rule = Message(
        "routing.rule_with_details",
        {
            "rule": "Grofvuil",
            "version": 1,
            "reasons": [Message("routing.matched.category", {"category": "waste.pickup"}).as_json()],
            "unit": "omgeving",
            "details": [Message("routing.action.priority", {"priority": "high"}).as_json()],
        },
    )
    assert render_message(rule, "nl", NAMES) == (
        "regel 'Grofvuil' v1: onderwerp Ophaling huisvuil → Omgeving (prioriteit hoog)"
    )
    assert render_message(rule, "fr", NAMES) == (
        "règle 'Grofvuil' v1: sujet Collecte des déchets → Environnement (priorité haute)"
    )


def test_legacy_and_unknown_codes_show_their_stored_text() -> None:
    assert render("legacy", {"text": "Status changed from new to resolved."}, "nl") == (
        "Status changed from new to resolved."
    )
    assert render("routing.kept_in_ocmw", {"explanation": legacy("old words"), "unit": "x"}, "en").startswith(
        "old words; "
    )
    assert render("some.future_code", {}, "nl") == "some.future_code"
