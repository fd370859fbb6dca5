"""Households and representatives (issue 20): relations read from both sides, consent with a scope and a period,
acting for a citizen only within it, and a family that never opens anyone's social case."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.households.service import active_representation, today
from genk3600.kit.clock import FixedClock
from genk3600.models import ApiClient, AuditEntry, Citizen, Contact, ContactParty
from genk3600.models.enums import ConsentScope
from tests import factories
from tests.factories import World, assert_problem, bearer

CANARY = "Zwaluwstaart"  # in the mother's social case only
MOTHER_EMAIL = "maria.peeters@example.org"
DAUGHTER_EMAIL = "lotte.janssens@example.org"
DAUGHTER_PHONE = "+32470654321"


async def _family(session: AsyncSession) -> tuple[Citizen, Citizen]:
    mother = await factories.citizen(session, email=MOTHER_EMAIL, given_name="Maria", family_name="Peeters")
    daughter = await factories.citizen(
        session, email=DAUGHTER_EMAIL, phone=DAUGHTER_PHONE, given_name="Lotte", family_name="Janssens"
    )
    return mother, daughter


def _for_mother(daughter: Citizen, **overrides: Any) -> dict[str, Any]:
    """The daughter calls for her mother, named as a known citizen."""
    body: dict[str, Any] = {
        "channel": "phone",
        "category": "civil.id_card",
        "summary": "De dochter belt voor haar moeder: wanneer is de identiteitskaart klaar?",
        "citizen": {"email": MOTHER_EMAIL},
        "parties": [{"role": "representative", "relationship": "informal_carer", "citizen_id": daughter.id}],
    }
    body.update(overrides)
    return body


def _consent(daughter: Citizen, clock: FixedClock, **overrides: Any) -> dict[str, Any]:
    day = today(clock)
    body: dict[str, Any] = {
        "representative_citizen_id": daughter.id,
        "kind": "informal_carer",
        "scopes": ["information", "applications"],
        "first_day": str(day - timedelta(days=30)),
        "last_day": str(day + timedelta(days=5)),
        "source": "signed_consent",
        "source_reference": "TV-2026-0412",
    }
    body.update(overrides)
    return body


async def test_a_relation_is_read_correctly_from_either_side(
    client: httpx.AsyncClient, session: AsyncSession, world: World, settings: Settings, clock: FixedClock
) -> None:
    mother, daughter = await _family(session)
    partner = await factories.citizen(session, email="jef.peeters@example.org", given_name="Jef")
    agent = bearer(settings, clock, world.agent.email)
    child = await client.post(
        f"/v1/citizens/{mother.id}/relations", json={"related_citizen_id": daughter.id, "kind": "child"}, headers=agent
    )
    assert child.status_code == 201, child.text
    assert child.json()["kind"] == "child"
    assert child.json()["relative"]["given_name"] == "Lotte"
    # Recorded from the daughter's side it is the same fact: refused as a duplicate.
    again = await client.post(
        f"/v1/citizens/{daughter.id}/relations", json={"related_citizen_id": mother.id, "kind": "parent"}, headers=agent
    )
    assert assert_problem(again, 409)["relation_id"] == child.json()["id"]
    married = await client.post(
        f"/v1/citizens/{partner.id}/relations",
        json={"related_citizen_id": mother.id, "kind": "partner", "first_day": "1990-06-02"},
        headers=agent,
    )
    assert married.status_code == 201, married.text

    of_mother = (await client.get(f"/v1/citizens/{mother.id}/household", headers=agent)).json()
    assert sorted((r["kind"], r["relative"]["citizen_id"]) for r in of_mother["relations"]) == sorted(
        [("child", daughter.id), ("partner", partner.id)]
    )
    of_daughter = (await client.get(f"/v1/citizens/{daughter.id}/household", headers=agent)).json()
    assert [(r["kind"], r["relative"]["citizen_id"]) for r in of_daughter["relations"]] == [("parent", mother.id)]
    of_partner = (await client.get(f"/v1/citizens/{partner.id}/household", headers=agent)).json()
    assert [(r["kind"], r["first_day"]) for r in of_partner["relations"]] == [("partner", "1990-06-02")]

    # Ended from the daughter's side: gone from the screen pop, kept as history.
    ended = await client.post(f"/v1/citizens/{daughter.id}/relations/{child.json()['id']}/end", json={}, headers=agent)
    assert ended.status_code == 200, ended.text
    assert ended.json()["last_day"] == str(today(clock))
    clock.advance(days=1)
    agent = bearer(settings, clock, world.agent.email)
    popped = (await client.get("/v1/citizens/lookup", params={"email": MOTHER_EMAIL}, headers=agent)).json()
    assert [r["kind"] for r in popped["matches"][0]["household"]["relations"]] == ["partner"]
    history = (await client.get(f"/v1/citizens/{mother.id}/household", headers=agent)).json()
    assert {r["kind"]: r["active"] for r in history["relations"]} == {"child": False, "partner": True}
    assert_problem(
        await client.post(f"/v1/citizens/{mother.id}/relations/{child.json()['id']}/end", json={}, headers=agent), 409
    )
    # Oneself, strangers and unknown people are refused.
    for body, status in (
        ({"related_citizen_id": mother.id, "kind": "partner"}, 422),
        ({"related_citizen_id": 987654, "kind": "partner"}, 422),
    ):
        assert_problem(await client.post(f"/v1/citizens/{mother.id}/relations", json=body, headers=agent), status)
    assert_problem(await client.get("/v1/citizens/987654/household", headers=agent), 404)
    audited = await session.scalars(
        select(AuditEntry.action).where(AuditEntry.target_type == "citizen_relation").order_by(AuditEntry.id)
    )
    assert list(audited) == ["insert", "insert", "update"]


async def test_a_representative_is_changed_with_if_match_and_shown_on_the_screen_pop_and_ticket(
    client: httpx.AsyncClient, session: AsyncSession, world: World, settings: Settings, clock: FixedClock
) -> None:
    mother, daughter = await _family(session)
    agent = bearer(settings, clock, world.agent.email)
    created = await client.post(
        f"/v1/citizens/{mother.id}/representations", json=_consent(daughter, clock), headers=agent
    )
    assert created.status_code == 201, created.text
    representation = created.json()
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"] == f"/v1/citizens/{mother.id}/representations/{representation['id']}"
    assert representation["representative"]["given_name"] == "Lotte"
    assert representation["scopes"] == ["applications", "information"]
    assert representation["active"] is True
    url = f"/v1/citizens/{mother.id}/representations/{representation['id']}"

    assert_problem(await client.patch(url, json={"scopes": ["all"]}, headers=agent), 428)
    assert_problem(await client.patch(url, json={"scopes": ["all"]}, headers={**agent, "If-Match": '"7"'}), 412)
    backwards = {"last_day": "2001-01-01"}
    assert_problem(await client.patch(url, json=backwards, headers={**agent, "If-Match": '"1"'}), 422)
    changed = await client.patch(url, json={"scopes": ["all"]}, headers={**agent, "If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["scopes"], changed.headers["ETag"]) == (["all"], '"2"')
    read = await client.get(url, headers=agent)
    assert (read.json()["version"], read.headers["ETag"]) == (2, '"2"')

    recorded = await client.post("/v1/contacts", json=_for_mother(daughter), headers=agent)
    assert recorded.status_code == 201, recorded.text
    ticket = await client.get(f"/v1/tickets/{recorded.json()['ticket']['reference']}", headers=agent)
    household = ticket.json()["household"]
    assert household["citizen_id"] == mother.id
    [shown] = household["representatives"]
    assert (shown["representative"]["family_name"], shown["kind"], shown["scopes"]) == (
        "Janssens",
        "informal_carer",
        ["all"],
    )
    assert shown["last_day"] == str(today(clock) + timedelta(days=5))
    popped = (await client.get("/v1/citizens/lookup", params={"email": DAUGHTER_EMAIL}, headers=agent)).json()
    [represents] = popped["matches"][0]["household"]["represents"]
    assert represents["citizen"]["given_name"] == "Maria"
    audited = await session.scalars(
        select(AuditEntry.action).where(AuditEntry.target_type == "representation").order_by(AuditEntry.id)
    )
    assert list(audited) == ["insert", "update"]


async def test_acting_outside_the_consent_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, world: World, settings: Settings, clock: FixedClock
) -> None:
    mother, daughter = await _family(session)
    agent = bearer(settings, clock, world.agent.email)
    before = (await factories.count(session, Contact), await factories.count(session, ContactParty))
    # No consent at all.
    refused = assert_problem(await client.post("/v1/contacts", json=_for_mother(daughter), headers=agent), 422)
    assert refused["type"].endswith("/outside-consent")
    assert (refused["representative_citizen_id"], refused["citizen_id"]) == (daughter.id, mother.id)
    # Consent for information only: acting needs `applications`.
    await factories.representation(session, mother, daughter, scopes=("information",))
    assert_problem(await client.post("/v1/contacts", json=_for_mother(daughter), headers=agent), 422)
    # Consent for normal matters does not reach a social case.
    await factories.representation(session, mother, daughter, scopes=("applications",))
    social = _for_mother(daughter, category="social.living_wage", summary="Vraag over het leefloon van mijn moeder")
    problem = assert_problem(await client.post("/v1/contacts", json=social, headers=agent), 422)
    assert problem["scope"] == "social"
    assert (await factories.count(session, Contact), await factories.count(session, ContactParty)) == before
    # Within consent it is recorded with both parties.
    fine = await client.post("/v1/contacts", json=_for_mother(daughter), headers=agent)
    assert fine.status_code == 201, fine.text
    assert [(p["role"], p["citizen_id"]) for p in fine.json()["parties"]] == [
        ("subject", mother.id),
        ("representative", daughter.id),
    ]
    # Added afterwards to a contact of someone she does not represent: refused as well.
    stranger = await client.post(
        "/v1/contacts", json=factories.web_contact(citizen={"email": "buur@example.org"}), headers=agent
    )
    added = await client.post(
        f"/v1/contacts/{stranger.json()['contact_id']}/parties",
        json={"role": "representative", "citizen_id": daughter.id},
        headers=agent,
    )
    assert_problem(added, 422)


async def test_consent_expiry_ends_the_representatives_access(
    client: httpx.AsyncClient, session: AsyncSession, world: World, settings: Settings, clock: FixedClock
) -> None:
    mother, daughter = await _family(session)
    agent = bearer(settings, clock, world.agent.email)
    created = await client.post(
        f"/v1/citizens/{mother.id}/representations",
        json=_consent(daughter, clock, last_day=str(today(clock) + timedelta(days=1))),
        headers=agent,
    )
    assert created.status_code == 201, created.text
    on_last_day = today(clock) + timedelta(days=1)
    assert await active_representation(
        session, citizen_id=mother.id, representative_citizen_id=daughter.id, scope=ConsentScope.applications,
        on_day=on_last_day,
    )  # fmt: skip
    assert (await client.post("/v1/contacts", json=_for_mother(daughter), headers=agent)).status_code == 201

    clock.advance(days=2)  # the day after the last day
    agent = bearer(settings, clock, world.agent.email)
    assert not await active_representation(
        session, citizen_id=mother.id, representative_citizen_id=daughter.id, scope=ConsentScope.applications,
        on_day=today(clock),
    )  # fmt: skip
    refused = assert_problem(await client.post("/v1/contacts", json=_for_mother(daughter), headers=agent), 422)
    assert refused["on_day"] == str(today(clock))
    popped = (await client.get("/v1/citizens/lookup", params={"email": MOTHER_EMAIL}, headers=agent)).json()
    assert popped["matches"][0]["household"]["representatives"] == []
    daughter_pop = (await client.get("/v1/citizens/lookup", params={"email": DAUGHTER_EMAIL}, headers=agent)).json()
    assert daughter_pop["matches"][0]["household"]["represents"] == []
    [own] = (await client.get("/v1/tickets", params={"limit": 5}, headers=agent)).json()["items"]
    ticket = (await client.get(f"/v1/tickets/{own['reference']}", headers=agent)).json()
    assert ticket["household"]["representatives"] == []
    history = (await client.get(f"/v1/citizens/{mother.id}/household", headers=agent)).json()
    [ended] = history["representatives"]
    assert (ended["active"], ended["last_day"]) == (False, str(on_last_day))
    # Ending it once more is refused; a new consent brings the access back.
    url = f"/v1/citizens/{mother.id}/representations/{ended['id']}/end"
    assert_problem(await client.post(url, json={}, headers={**agent, "If-Match": '"1"'}), 409)
    renewed = await client.post(
        f"/v1/citizens/{mother.id}/representations", json=_consent(daughter, clock, last_day=None), headers=agent
    )
    assert renewed.status_code == 201, renewed.text
    assert (await client.post("/v1/contacts", json=_for_mother(daughter), headers=agent)).status_code == 201
    # Ended today by the agent (consent withdrawn): still today, no longer tomorrow.
    end = f"/v1/citizens/{mother.id}/representations/{renewed.json()['id']}/end"
    withdrawn = await client.post(end, json={}, headers={**agent, "If-Match": '"1"'})
    assert (withdrawn.json()["last_day"], withdrawn.json()["active"]) == (str(today(clock)), True)
    clock.advance(days=1)
    agent = bearer(settings, clock, world.agent.email)
    assert_problem(await client.post("/v1/contacts", json=_for_mother(daughter), headers=agent), 422)


async def test_a_relation_or_representation_never_opens_the_relatives_social_case(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    settings: Settings,
    clock: FixedClock,
    admin_headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The daughter represents her mother in everything, social matters included, and they are related; whoever
    serves the daughter (or reads her household) still learns nothing of what the mother's social case says."""
    caplog.set_level(logging.DEBUG)
    ocmw = {"X-API-Key": await factories.api_key(session, "ocmw", ["contacts:write", "tickets:read", "tickets:write"])}
    await session.execute(update(ApiClient).where(ApiClient.name == "ocmw").values(unit_id=world.sociale_dienst.id))
    lookup_key = {"X-API-Key": await factories.api_key(session, "pbx-desk", ["citizens:lookup"])}
    await session.commit()  # the app reads the keys on its own connection
    mother, daughter = await _family(session)
    await factories.representation(session, mother, daughter, scopes=("all",))
    agent = bearer(settings, clock, world.agent.email)
    related = await client.post(
        f"/v1/citizens/{mother.id}/relations", json={"related_citizen_id": daughter.id, "kind": "child"}, headers=agent
    )
    assert related.status_code == 201, related.text
    case = {
        "channel": "web",
        "category": "social.living_wage",
        "subject": f"Leefloon {CANARY}",
        "body": f"Schulden bij {CANARY}; budgetbegeleiding nodig.",
        "citizen": {"email": MOTHER_EMAIL},
        "parties": [{"role": "representative", "relationship": "informal_carer", "citizen_id": daughter.id}],
    }
    social = await client.post("/v1/contacts", json=case, headers=ocmw)
    assert social.status_code == 201, social.text
    own = await client.post(
        "/v1/contacts", json=factories.web_contact(citizen={"email": DAUGHTER_EMAIL}), headers=admin_headers
    )
    assert own.status_code == 201, own.text
    reference = own.json()["ticket"]["reference"]

    seen: list[httpx.Response] = []
    for headers in (agent, lookup_key):
        for email in (DAUGHTER_EMAIL, MOTHER_EMAIL):
            seen.append(await client.get("/v1/citizens/lookup", params={"email": email}, headers=headers))
        for citizen in (daughter, mother):
            seen.append(await client.get(f"/v1/citizens/{citizen.id}/household", headers=headers))
    for headers in (agent, admin_headers):
        seen.append(await client.get(f"/v1/tickets/{reference}", headers=headers))
        seen.append(await client.get("/v1/events", headers=headers))
    # The daughter calls the contact centre: the phone's screen pop, as the PBX event answers it and as the
    # agent's console reads it.
    for event in ("ringing", "answered"):
        call = {"event": event, "call_id": "pbx-daughter-1", "caller_number": DAUGHTER_PHONE, "called_number": "3600"}
        seen.append(
            await client.post("/v1/intake/phone/events", json={**call, "agent": world.agent.email}, headers=agent)
        )
    seen.append(await client.get("/v1/me/calls", headers=agent))
    [pop] = seen[-1].json()["items"][0]["screen_pop"]["matches"]
    assert pop["household"]["represents"][0]["citizen"]["citizen_id"] == mother.id
    for answer in seen:
        assert answer.status_code == 200, (answer.request.url, answer.text)
        assert CANARY not in answer.text, answer.request.url
    popped = seen[1].json()["matches"][0]
    assert popped["household"]["representatives"][0]["scopes"] == ["all"]
    [masked] = popped["open_tickets"]
    assert (masked["social"], masked["subject"]) == (True, None)
    assert_problem(await client.get(f"/v1/tickets/{social.json()['contact']['ticket']}", headers=agent), 404)
    logged = [record.getMessage() + (record.exc_text or "") for record in caplog.records]
    assert not [line for line in logged if CANARY in line]


async def test_callers_who_may_not_look_citizens_up_get_no_relatives_names(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    """A system key that writes (tickets:write) or reads tickets (tickets:read) is no reader of the register: the
    answers it gets carry ids, not the relatives' names, and a ticket's household is left out for it."""
    writer = {"X-API-Key": await factories.api_key(session, "case-system", ["tickets:write"])}
    mother, daughter = await _family(session)
    related = await client.post(
        f"/v1/citizens/{mother.id}/relations", json={"related_citizen_id": daughter.id, "kind": "child"}, headers=writer
    )
    assert related.status_code == 201, related.text
    assert related.json()["relative"] == {"citizen_id": daughter.id, "given_name": None, "family_name": None}
    consent = {"representative_citizen_id": daughter.id, "kind": "guardian", "scopes": ["all"]}
    consent |= {"first_day": "2026-01-01", "source": "court_order"}
    represented = await client.post(f"/v1/citizens/{mother.id}/representations", json=consent, headers=writer)
    assert represented.status_code == 201, represented.text
    assert "Lotte" not in represented.text
    assert "Maria" not in represented.text
    assert_problem(await client.get(f"/v1/citizens/{mother.id}/household", headers=writer), 403)
    assert_problem(await client.get(f"/v1/citizens/{mother.id}/household", headers=writer_headers), 403)
    recorded = await client.post(
        "/v1/contacts", json=factories.web_contact(citizen={"email": MOTHER_EMAIL}), headers=writer_headers
    )
    assert recorded.status_code == 201, recorded.text
    ticket = await client.get(f"/v1/tickets/{recorded.json()['ticket']['reference']}", headers=writer_headers)
    assert ticket.json()["household"] is None
    assert "Lotte" not in ticket.text
    # Writes to an unknown citizen answer 404, to someone else's relation or representation 404 too.
    assert_problem(
        await client.post(
            "/v1/citizens/987654/relations", json={"related_citizen_id": daughter.id, "kind": "child"}, headers=writer
        ),
        404,
    )
    ended = await client.post(f"/v1/citizens/987654/relations/{related.json()['id']}/end", json={}, headers=writer)
    assert_problem(ended, 404)
    other = f"/v1/citizens/{daughter.id}/representations/{represented.json()['id']}"
    assert_problem(await client.patch(other, json={"scopes": ["all"]}, headers={**writer, "If-Match": '"1"'}), 404)


async def test_subject_access_exports_the_household_and_erasure_erases_a_named_representative(
    client: httpx.AsyncClient, session: AsyncSession, world: World, settings: Settings, clock: FixedClock
) -> None:
    dpo = {"X-API-Key": await factories.api_key(session, "dpo", ["citizens:export"])}
    mother, daughter = await _family(session)
    agent = bearer(settings, clock, world.agent.email)
    lawyer = {
        "representative_name": "Mr. Pieter Claes",
        "organisation_name": "Advocatenkantoor Claes",
        "kind": "legal_administrator",
        "scopes": ["all"],
        "first_day": "2026-03-15",
        "source": "court_order",
        "source_reference": "Vredegerecht Genk 26B1234",
    }
    created = await client.post(f"/v1/citizens/{mother.id}/representations", json=lawyer, headers=agent)
    assert created.status_code == 201, created.text
    related = await client.post(
        f"/v1/citizens/{mother.id}/relations", json={"related_citizen_id": daughter.id, "kind": "child"}, headers=agent
    )
    assert related.status_code == 201, related.text

    exported = (await client.get(f"/v1/citizens/{mother.id}/export", headers=dpo)).json()
    assert exported["household"]["representatives"][0]["representative"]["name"] == "Mr. Pieter Claes"
    assert exported["household"]["relations"][0]["relative"]["citizen_id"] == daughter.id
    erased = await client.post(f"/v1/citizens/{mother.id}/erasure", json={"reason": "AVG art. 17"}, headers=dpo)
    assert erased.status_code == 200, erased.text
    assert erased.json()["representations"] == 1
    after = (await client.get(f"/v1/citizens/{mother.id}/household", headers=agent)).json()
    [kept] = after["representatives"]
    assert (kept["representative"]["name"], kept["source_reference"], kept["scopes"]) == (
        "[erased]",
        "[erased]",
        ["all"],
    )
    # Neither the name nor the court order's number lives on in the append-only trail.
    trail = " ".join(str(changes) for changes in await session.scalars(select(AuditEntry.changes)))
    assert "Pieter Claes" not in trail
    assert "26B1234" not in trail
