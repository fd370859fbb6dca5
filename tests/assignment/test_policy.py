"""The assignment decision, table-driven: skills, capacity, continuity, round-robin order, ties, and why."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from genk3600.assignment.policy import Candidate, Policy, TicketNeeds, choose
from genk3600.i18n.texts import render
from genk3600.models.enums import AssignmentMode, Language, PresenceStatus

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NEEDS = TicketNeeds(
    ticket_id=1,
    channel="mail",
    language="nl",
    category="waste.pickup",
    desk=None,
    social=False,
    case_worker_id=None,
)


def person(staff_id: int, **fields: object) -> Candidate:
    base = Candidate(
        staff_id=staff_id,
        name=f"Agent {staff_id}",
        presence=PresenceStatus.available,
        languages=frozenset({"nl"}),
        categories=(),
        desks=frozenset(),
        open_on_channel=0,
        capacity=5,
        last_offered_at=None,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


ROUND_ROBIN = Policy(AssignmentMode.round_robin)
LEAST_LOADED = Policy(AssignmentMode.least_loaded)

CASES = [
    # (name, needs, candidates, policy, chosen staff id, skipped reasons)
    ("off assigns nobody", NEEDS, [person(1)], Policy(AssignmentMode.off), None, {}),
    ("nobody at all", NEEDS, [], LEAST_LOADED, None, {}),
    (
        "only the available",
        NEEDS,
        [person(1, presence=PresenceStatus.busy), person(2, presence=PresenceStatus.away), person(3)],
        LEAST_LOADED,
        3,
        {"not_available": 2},
    ),
    (
        "offline is not available",
        NEEDS,
        [person(1, presence=PresenceStatus.offline)],
        LEAST_LOADED,
        None,
        {"not_available": 1},
    ),
    (
        "language is a must",
        replace(NEEDS, language="fr"),
        [person(1), person(2, languages=frozenset({"nl", "fr"}))],
        LEAST_LOADED,
        2,
        {"language": 1},
    ),
    (
        "category skills: code or prefix",
        NEEDS,
        [person(1, categories=("civil.id_card",)), person(2, categories=("waste.*",))],
        LEAST_LOADED,
        2,
        {"category": 1},
    ),
    ("no category skills: any category", NEEDS, [person(1, categories=())], LEAST_LOADED, 1, {}),
    (
        "a desk's counter ticket only to its staff",
        replace(NEEDS, channel="counter", desk="snelbalie"),
        [person(1), person(2, desks=frozenset({"snelbalie"}))],
        LEAST_LOADED,
        2,
        {"desk": 1},
    ),
    (
        "capacity is per channel and full means full",
        NEEDS,
        [person(1, open_on_channel=5, capacity=5), person(2, open_on_channel=4, capacity=5)],
        LEAST_LOADED,
        2,
        {"capacity": 1},
    ),
    ("zero capacity takes nothing", NEEDS, [person(1, capacity=0)], LEAST_LOADED, None, {"capacity": 1}),
    (
        "least loaded first",
        NEEDS,
        [person(1, open_on_channel=3), person(2, open_on_channel=1), person(3, open_on_channel=2)],
        LEAST_LOADED,
        2,
        {},
    ),
    (
        "least loaded tie: more room left",
        NEEDS,
        [person(1, open_on_channel=2, capacity=3), person(2, open_on_channel=2, capacity=8)],
        LEAST_LOADED,
        2,
        {},
    ),
    (
        "least loaded full tie: longest since an offer, then lowest id",
        NEEDS,
        [
            person(3, last_offered_at=T0),
            person(2, last_offered_at=T0 - timedelta(minutes=1)),
            person(1, last_offered_at=T0),
        ],
        LEAST_LOADED,
        2,
        {},
    ),
    (
        "round robin: never offered goes first, lowest id among them",
        NEEDS,
        [person(4, last_offered_at=T0), person(3), person(2)],
        ROUND_ROBIN,
        2,
        {},
    ),
    (
        "round robin ignores load",
        NEEDS,
        [person(1, open_on_channel=4, last_offered_at=T0 - timedelta(hours=1)), person(2, last_offered_at=T0)],
        ROUND_ROBIN,
        1,
        {},
    ),
    (
        "an open offer blocks a second one",
        NEEDS,
        [person(1, has_open_offer=True), person(2, open_on_channel=4)],
        LEAST_LOADED,
        2,
        {"has_open_offer": 1},
    ),
    (
        "declined recently: not again",
        NEEDS,
        [person(1, declined_recently=True), person(2, open_on_channel=3)],
        LEAST_LOADED,
        2,
        {"declined_recently": 1},
    ),
    (
        "social: continuity to the case worker even when others are less loaded",
        replace(NEEDS, social=True, case_worker_id=2, category="social.living_wage"),
        [person(1, may_hold_social=True), person(2, may_hold_social=True, open_on_channel=4)],
        LEAST_LOADED,
        2,
        {},
    ),
    (
        "social: case worker away, so the policy decides",
        replace(NEEDS, social=True, case_worker_id=2),
        [
            person(1, may_hold_social=True, open_on_channel=1),
            person(2, may_hold_social=True, presence=PresenceStatus.away),
            person(3, may_hold_social=True, open_on_channel=2),
        ],
        LEAST_LOADED,
        1,
        {"not_available": 1},
    ),
    (
        "social: continuity off",
        replace(NEEDS, social=True, case_worker_id=2),
        [person(1, may_hold_social=True), person(2, may_hold_social=True, open_on_channel=4)],
        Policy(AssignmentMode.least_loaded, continuity=False),
        1,
        {},
    ),
    (
        "social: only staff who may hold it",
        replace(NEEDS, social=True),
        [person(1), person(2, may_hold_social=True, open_on_channel=3)],
        LEAST_LOADED,
        2,
        {"may_not_hold_social": 1},
    ),
    (
        "social: a case worker at full capacity is not forced",
        replace(NEEDS, social=True, case_worker_id=1),
        [person(1, may_hold_social=True, open_on_channel=5), person(2, may_hold_social=True)],
        LEAST_LOADED,
        2,
        {"capacity": 1},
    ),
]


@pytest.mark.parametrize(
    ("needs", "candidates", "policy", "chosen", "skipped"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_choose(
    needs: TicketNeeds, candidates: list[Candidate], policy: Policy, chosen: int | None, skipped: dict[str, int]
) -> None:
    choice = choose(needs, candidates, policy)
    assert choice.staff_id == chosen
    assert dict(choice.skipped) == skipped
    if chosen is not None:
        assert choice.text.code == "assignment.offered"
        assert choice.text.params["staff"] == f"Agent {chosen}"


def test_the_input_order_does_not_matter() -> None:
    people = [person(n, open_on_channel=n % 3, last_offered_at=T0 - timedelta(minutes=n % 4)) for n in range(1, 9)]
    for policy in (ROUND_ROBIN, LEAST_LOADED):
        assert choose(NEEDS, people, policy) == choose(NEEDS, list(reversed(people)), policy)


def test_the_explanation_reads_in_every_language() -> None:
    needs = replace(NEEDS, language="fr")
    choice = choose(needs, [person(1, name="An Peeters", languages=frozenset({"fr"}), open_on_channel=2)], LEAST_LOADED)
    nl = render("assignment.assigned", choice.text.params, Language.nl)
    assert nl == "Toegewezen aan An Peeters: beschikbaar, spreekt Frans, minst belast, 2 van 5 open."
    fr = render("assignment.assigned", choice.text.params, Language.fr)
    assert fr == "Attribué à An Peeters : disponible, parle français, le moins chargé, 2 sur 5 ouverts."
    de = render("assignment.assigned", choice.text.params, Language.de)
    assert de == "An Peeters zugewiesen: verfügbar, spricht Französisch, am wenigsten ausgelastet, 2 von 5 offen."
    en = render(choice.text.code, choice.text.params, Language.en)
    assert en == "Offered to An Peeters: available, speaks French, least loaded, 2 of 5 open."


def test_nobody_says_why() -> None:
    people = [person(1, presence=PresenceStatus.away), person(2, open_on_channel=5), person(3, open_on_channel=6)]
    choice = choose(NEEDS, people, LEAST_LOADED)
    assert choice.staff_id is None
    assert render(choice.text.code, choice.text.params, Language.en) == (
        "Nobody can take it now: 1 not available, 2 at full capacity."
    )
    assert "2 met volle capaciteit" in render(choice.text.code, choice.text.params, Language.nl)
