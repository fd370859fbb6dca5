from __future__ import annotations

from dataclasses import replace
from datetime import UTC, time
from itertools import permutations
from typing import Any

import pytest
from pydantic import ValidationError

from genk3600.i18n.texts import Message, render_message
from genk3600.models.enums import Channel, Confidentiality, Language, Priority
from genk3600.routing.rules import (
    Actions,
    AssignmentStrategy,
    Conditions,
    ContactFacts,
    Decision,
    Rule,
    UnitNames,
    default_decision,
    explain,
    normalise_text,
    route,
)

FRONT_OFFICE = "contact_centre"
UNITS = UnitNames(
    {
        "contact_centre": "Contactcenter Genk3600",
        "omgeving": "Omgeving",
        "sociale_dienst": "Sociale dienst",
    }
)
CONTACT = ContactFacts(
    channel=Channel.phone,
    category="waste.pickup",
    subject="Vraag",
    body="",
    language=Language.nl,
    citizen_has_case_worker=False,
    local_time=time(10, 0),
)


def contact(**changes: Any) -> ContactFacts:
    return replace(CONTACT, **changes)


def rule(
    conditions: Conditions | None = None,
    *,
    id: int = 1,
    version: int = 1,
    name: str = "Regel",
    position: int = 10,
    active: bool = True,
    actions: Actions | None = None,
) -> Rule:
    return Rule(
        id=id,
        version=version,
        name=name,
        position=position,
        active=active,
        conditions=conditions or Conditions(),
        actions=actions or Actions(owning_unit="omgeving"),
    )


def decide(facts: ContactFacts, *rules: Rule) -> Decision:
    return route(facts, rules, UNITS, FRONT_OFFICE)


def matches(conditions: Conditions, facts: ContactFacts) -> bool:
    return decide(facts, rule(conditions)).rule_id == 1


@pytest.mark.parametrize(
    ("conditions", "facts", "expected"),
    [
        (Conditions(channels=[Channel.phone]), contact(channel=Channel.phone), True),
        (Conditions(channels=[Channel.phone]), contact(channel=Channel.mail), False),
        (Conditions(channels=[Channel.mail, Channel.web]), contact(channel=Channel.web), True),
        (Conditions(categories=["waste.pickup"]), contact(category="waste.pickup"), True),
        (Conditions(categories=["waste.pickup"]), contact(category="waste.bulky"), False),
        (Conditions(categories=["waste.pickup"]), contact(category=None), False),
        (Conditions(categories=["civil.id_card", "waste.pickup"]), contact(category="waste.pickup"), True),
        (Conditions(categories=["waste.*"]), contact(category="waste.pickup"), True),
        (Conditions(categories=["waste.*"]), contact(category="waste.pickup.bulky"), True),
        (Conditions(categories=["waste.*"]), contact(category="wastewater.sewer"), False),
        (Conditions(categories=["waste.pickup.*"]), contact(category="waste.pickup"), False),
        (Conditions(categories=["waste.*"]), contact(category=None), False),
        (Conditions(languages=[Language.fr]), contact(language=Language.fr), True),
        (Conditions(languages=[Language.fr]), contact(language=Language.nl), False),
        (Conditions(languages=[Language.fr, Language.de]), contact(language=Language.de), True),
        (Conditions(citizen_has_case_worker=True), contact(citizen_has_case_worker=True), True),
        (Conditions(citizen_has_case_worker=True), contact(citizen_has_case_worker=False), False),
        (Conditions(citizen_has_case_worker=False), contact(citizen_has_case_worker=False), True),
        (Conditions(citizen_has_case_worker=False), contact(citizen_has_case_worker=True), False),
        (Conditions(keywords=["grofvuil"]), contact(subject="Grofvuil"), True),
        (Conditions(keywords=["grofvuil"]), contact(subject="Huisvuil"), False),
        (Conditions(), contact(), True),
    ],
)
def test_each_condition_matches_or_not(conditions: Conditions, facts: ContactFacts, expected: bool) -> None:
    assert matches(conditions, facts) is expected


BOTH = Conditions(channels=[Channel.phone], categories=["waste.*"], languages=[Language.nl])


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (contact(), True),
        (contact(channel=Channel.mail), False),
        (contact(category="civil.id_card"), False),
        (contact(language=Language.fr), False),
    ],
)
def test_all_given_conditions_must_hold(facts: ContactFacts, expected: bool) -> None:
    assert matches(BOTH, facts) is expected


@pytest.mark.parametrize(
    ("keywords", "subject", "body", "expected"),
    [
        (["afval"], "Afval!", "", True),
        (["afval"], "", "Où mettre l'afval?", True),
        (["afval"], "Afvalligheid", "", False),
        (["afval"], "afvalcontainer kapot", "", False),
        (["Grofvuil"], "GROFVUIL ophalen", "", True),
        (["grof vuil"], "Wanneer wordt grof-vuil opgehaald?", "", True),
        (["grof vuil"], "Grof   Vuil", "", True),
        (["grof vuil"], "grof en vuil", "", False),
        (["grofvuil"], "grof vuil", "", False),
        (["grof vuil"], "nog iets grof", "vuil ligt op straat", False),
        (["matras", "grofvuil"], "", "een oude matras", True),
        (["déchets"], "Collecte des dechets", "", True),
        (["dechets"], "DÉCHETS encombrants", "", True),
        (["l'été"], "Fermé pendant L\u2019ÉTÉ", "", True),
        (["été"], "", "l'été", True),
        (["coeur"], "Sacré-Cœur", "", True),
        (["œuvre"], "OEUVRE sociale", "", True),
        (["ijzer"], "oud ĳzer", "", True),
        (["straße"], "Strasse gesperrt", "", True),
        (["3600"], "bel 3600", "", True),
        (["3600"], "bel 036001", "", False),
    ],
)
def test_keywords_ignore_accents_case_and_punctuation_but_need_whole_words(
    keywords: list[str], subject: str, body: str, expected: bool
) -> None:
    assert matches(Conditions(keywords=keywords), contact(subject=subject, body=body)) is expected


def test_the_first_keyword_found_is_reported_as_written() -> None:
    conditions = Conditions(keywords=["matras", "Grof Vuil", "afval"])
    decision = decide(contact(body="grof-vuil en afval"), rule(conditions))
    assert decision.matched == ("keyword 'Grof Vuil'",)


@pytest.mark.parametrize(
    ("start", "until", "at", "expected"),
    [
        (time(8), time(17), time(8), True),
        (time(8), time(17), time(16, 59, 59), True),
        (time(8), time(17), time(17), False),
        (time(8), time(17), time(7, 59, 59), False),
        (time(22), time(6), time(22), True),
        (time(22), time(6), time(23, 59, 59, 999999), True),
        (time(22), time(6), time(0), True),
        (time(22), time(6), time(5, 59, 59), True),
        (time(22), time(6), time(6), False),
        (time(22), time(6), time(21, 59, 59), False),
        (time(22), time(6), time(12), False),
    ],
)
def test_time_windows_include_their_start_and_exclude_their_end(
    start: time, until: time, at: time, expected: bool
) -> None:
    conditions = Conditions(local_time_from=start, local_time_until=until)
    assert matches(conditions, contact(local_time=at)) is expected


def test_rules_are_tried_by_position_then_id_whatever_the_input_order() -> None:
    rules = [
        rule(id=7, position=20, name="later"),
        rule(id=9, position=10, name="tie, higher id"),
        rule(id=8, position=10, name="first"),
    ]
    for order in permutations(rules):
        assert decide(contact(), *order).rule_name == "first"


def test_the_first_matching_rule_wins() -> None:
    decision = decide(
        contact(),
        rule(Conditions(channels=[Channel.mail]), id=1, position=1),
        rule(Conditions(categories=["waste.*"]), id=2, position=2, name="Afval"),
        rule(id=3, position=3, name="Alles"),
    )
    assert (decision.rule_id, decision.rule_name) == (2, "Afval")


def test_inactive_rules_are_skipped() -> None:
    decision = decide(contact(), rule(id=1, position=1, active=False), rule(id=2, position=2))
    assert decision.rule_id == 2


@pytest.mark.parametrize(
    "rules",
    [
        (),
        (rule(Conditions(channels=[Channel.counter])),),
        (rule(active=False),),
    ],
)
def test_the_default_applies_when_nothing_matches(rules: tuple[Rule, ...]) -> None:
    decision = decide(contact(), *rules)
    assert decision == default_decision(FRONT_OFFICE, UNITS)
    assert (decision.rule_id, decision.rule_version, decision.rule_name) == (None, None, "default")
    assert decision.actions == Actions(owning_unit=FRONT_OFFICE, tier=1, assignment=AssignmentStrategy.queue)
    assert decision.matched == ()
    assert decision.explanation == "no rule matched: default → Contactcenter Genk3600 (front office)"


def test_a_decision_carries_rule_version_actions_and_what_matched() -> None:
    actions = Actions(owning_unit="omgeving", priority=Priority.high, sla_policy="omgeving-3d")
    waste = rule(Conditions(categories=["waste.pickup"]), id=4, version=3, name="Afval ophaling", actions=actions)
    decision = decide(contact(), waste)
    assert decision == Decision(
        rule_id=4,
        rule_version=3,
        rule_name="Afval ophaling",
        actions=actions,
        matched=("category waste.pickup",),
        explanation="rule 'Afval ophaling' v3: category waste.pickup → Omgeving (priority high, "
        "SLA policy omgeving-3d)",
    )


def test_matched_phrases_name_every_condition() -> None:
    conditions = Conditions(
        channels=[Channel.mail, Channel.phone],
        categories=["waste.*"],
        keywords=["grof vuil"],
        languages=[Language.nl],
        citizen_has_case_worker=False,
        local_time_from=time(22),
        local_time_until=time(6),
    )
    facts = contact(body="Grof-vuil!", local_time=time(23, 15, 42))
    assert decide(facts, rule(conditions)).matched == (
        "channel phone",
        "category waste.pickup (waste.*)",
        "language Dutch",
        "citizen has no case worker",
        "local time 23:15 in 22:00-06:00",
        "keyword 'grof vuil'",
    )


@pytest.mark.parametrize(
    ("subject", "conditions", "actions", "explanation"),
    [
        (
            "",
            Conditions(categories=["waste.pickup"]),
            Actions(owning_unit="omgeving"),
            "rule 'Afval ophaling' v3: category waste.pickup → Omgeving",
        ),
        (
            "Grofvuil",
            Conditions(channels=[Channel.phone], keywords=["grofvuil"]),
            Actions(owning_unit="omgeving", tier=2),
            "rule 'Afval ophaling' v3: channel phone, keyword 'grofvuil' → Omgeving (tier 2)",
        ),
        (
            "",
            Conditions(),
            Actions(owning_unit="stadswinkel"),
            "rule 'Afval ophaling' v3: any contact → stadswinkel",
        ),
        (
            "",
            Conditions(),
            Actions(owning_unit="omgeving", assignment=AssignmentStrategy.named_staff, assignee_staff_id=42),
            "rule 'Afval ophaling' v3: any contact → Omgeving (assigned to staff member 42)",
        ),
    ],
)
def test_explanations_read_as_a_sentence(
    subject: str, conditions: Conditions, actions: Actions, explanation: str
) -> None:
    waste = rule(conditions, version=3, name="Afval ophaling", actions=actions)
    assert decide(contact(subject=subject), waste).explanation == explanation


LIVING_WAGE = rule(
    Conditions(categories=["social.*"]),
    id=5,
    version=2,
    name="Leefloon",
    actions=Actions(
        owning_unit="sociale_dienst",
        confidentiality=Confidentiality.social,
        assignment=AssignmentStrategy.case_worker,
    ),
)


def test_a_case_worker_rule_assigns_to_the_case_worker() -> None:
    facts = contact(category="social.living_wage", citizen_has_case_worker=True)
    decision = decide(facts, LIVING_WAGE)
    assert decision.actions == LIVING_WAGE.actions
    assert decision.explanation == (
        "rule 'Leefloon' v2: category social.living_wage (social.*) → Sociale dienst "
        "(confidentiality social (OCMW), assigned to the citizen's case worker)"
    )


def test_a_case_worker_rule_falls_back_to_the_units_queue_without_a_case_worker() -> None:
    decision = decide(contact(category="social.living_wage"), LIVING_WAGE)
    assert decision.rule_id == 5
    assert decision.actions == LIVING_WAGE.actions.model_copy(update={"assignment": AssignmentStrategy.queue})
    assert decision.explanation == (
        "rule 'Leefloon' v2: category social.living_wage (social.*) → Sociale dienst "
        "(confidentiality social (OCMW), to the unit's queue: the citizen has no case worker)"
    )


def test_explain_uses_the_rules_own_actions() -> None:
    matched = [Message("routing.matched.category", {"category": "waste.pickup"})]
    assert render_message(explain(LIVING_WAGE, matched), Language.en, UnitNames({})) == (
        "rule 'Leefloon' v2: category waste.pickup → sociale_dienst "
        "(confidentiality social (OCMW), assigned to the citizen's case worker)"
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"assignment": "named_staff"},
        {"assignment": "queue", "assignee_staff_id": 42},
        {"assignment": "case_worker", "assignee_staff_id": 42},
        {"tier": 0},
        {"tier": 4},
        {"owning_unit": ""},
        {"priority": "whenever"},
        {"colour": "red"},
    ],
)
def test_invalid_actions_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Actions.model_validate({"owning_unit": "omgeving", **fields})


@pytest.mark.parametrize(
    "fields",
    [
        {"local_time_from": "22:00"},
        {"local_time_until": "06:00"},
        {"local_time_from": "08:00", "local_time_until": "08:00"},
        {"local_time_from": "08:00+01:00", "local_time_until": "17:00+01:00"},
        {"channels": []},
        {"keywords": []},
        {"keywords": ["!!!"]},
        {"categories": ["Waste.Pickup"]},
        {"categories": ["waste*"]},
        {"categories": ["*"]},
        {"categories": ["waste.*.bulky"]},
        {"channel": ["phone"]},
    ],
)
def test_invalid_conditions_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Conditions.model_validate(fields)


def test_conditions_and_actions_round_trip_through_json() -> None:
    conditions = Conditions.model_validate_json(
        '{"channels": ["phone", "mail"], "categories": ["waste.*"], "keywords": ["grof vuil"],'
        ' "local_time_from": "22:00", "local_time_until": "06:00"}'
    )
    actions = Actions.model_validate_json('{"owning_unit": "omgeving", "priority": "high", "tier": 2}')
    assert conditions.local_time_until == time(6)
    assert Conditions.model_validate_json(conditions.model_dump_json()) == conditions
    assert Actions.model_validate_json(actions.model_dump_json()) == actions


def test_models_are_frozen() -> None:
    actions = Actions(owning_unit="omgeving")
    with pytest.raises(ValidationError):
        actions.tier = 2  # type: ignore[misc]


def test_contact_times_must_be_local() -> None:
    with pytest.raises(ValueError, match="Europe/Brussels"):
        contact(local_time=time(10, tzinfo=UTC))


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("Grofvuil!", "grofvuil"),
        ("  Grof -  Vuil  ", "grof vuil"),
        ("l'été", "l ete"),
        ("L\u2019ÉTÉ", "l ete"),
        ("déchets", "dechets"),
        ("Sacré-Cœur", "sacre coeur"),
        ("ex æquo", "ex aequo"),
        ("ĲZER", "ijzer"),
        ("Straße", "strasse"),
        ("ﬁets_pad", "fiets pad"),
        ("?!", ""),
    ],
)
def test_normalise_text(text: str, normalised: str) -> None:
    assert normalise_text(text) == normalised
