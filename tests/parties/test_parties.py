"""Parties to a contact: "the daughter called for her mother", recorded truthfully, and whom replies go to."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from stdnum.be import vat

from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.models import ApiClient, AuditEntry, ContactParty, OutboxEvent, Ticket
from genk3600.models.enums import Language, PartyRole
from genk3600.parties.schemas import ENTERPRISE_NUMBER_EXAMPLE
from genk3600.parties.service import correspondent_for_ticket
from tests import factories
from tests.factories import World, assert_problem, bearer

MOTHER = {"phone": "089 30 30 30", "given_name": "Maria", "family_name": "Peeters", "preferred_language": "nl"}
DAUGHTER = {
    "role": "representative",
    "relationship": "family_member",
    "name": "Lotte Janssens",
    "phone": "0470 12 34 56",
    "email": "Lotte.Janssens@example.org",
    "language": "fr",
    "correspondent": True,
}


def _call(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "phone",
        "category": "civil.id_card",
        "summary": "De dochter belt voor haar moeder: wanneer is de nieuwe identiteitskaart klaar?",
        "citizen": MOTHER,
        "parties": [DAUGHTER],
    }
    body.update(overrides)
    return body


async def test_a_representatives_call_is_recorded_with_both_parties_and_replies_go_to_her(
    client: httpx.AsyncClient, session: AsyncSession, world: World, settings: Settings, clock: FixedClock
) -> None:
    agent = bearer(settings, clock, world.agent.email)
    recorded = await client.post("/v1/contacts", json=_call(), headers=agent)
    assert recorded.status_code == 201, recorded.text
    body = recorded.json()
    mother_id = body["contact"]["citizen_id"]
    subject, daughter = body["parties"]
    # The subject was added from the identified citizen; the daughter as she was given.
    assert subject["role"] == "subject"
    assert subject["citizen_id"] == mother_id
    assert not subject["correspondent"]
    assert daughter["role"] == "representative"
    assert daughter["relationship"] == "family_member"
    assert daughter["name"] == "Lotte Janssens"
    assert daughter["phone"] == "+32470123456"
    assert daughter["email"] == "lotte.janssens@example.org"
    assert daughter["correspondent"] is True
    assert daughter["recorded_by"] == {"kind": "staff", "id": world.agent.id, "name": world.agent.full_name}

    reference = body["ticket"]["reference"]
    shown = (await client.get(f"/v1/tickets/{reference}", headers=agent)).json()
    assert [party["id"] for party in shown["parties"]] == [subject["id"], daughter["id"]]
    listed = (await client.get(f"/v1/contacts/{body['contact_id']}/parties", headers=agent)).json()
    assert listed["items"] == shown["parties"]

    ticket_id = await session.scalar(select(Ticket.id).where(Ticket.reference == reference))
    assert ticket_id is not None
    correspondent = await correspondent_for_ticket(session, ticket_id)
    assert correspondent is not None
    assert (correspondent.name, correspondent.email, correspondent.language) == (
        "Lotte Janssens",
        "lotte.janssens@example.org",
        Language.fr,
    )
    assert correspondent.role is PartyRole.representative

    # The timeline and the events say a party was added, by role, never by name.
    events = (await client.get(f"/v1/tickets/{reference}/events", headers={**agent, "Accept-Language": "nl"})).json()
    texts = [item["summary"] for item in events["items"] if item["type"] == "party_added"]
    assert texts == [
        "Betrokkene bij een telefoongesprek: de burger over wie het contact gaat.",
        "Betrokkene bij een telefoongesprek: een familielid namens de burger.",
    ]
    payloads = (
        await session.scalars(select(OutboxEvent.payload).where(OutboxEvent.type == "ticket.party_added"))
    ).all()
    assert [payload["role"] for payload in payloads] == ["subject", "representative"]
    assert "Lotte" not in str(payloads)
    assert "470" not in str(payloads)


async def test_without_a_correspondent_replies_stay_with_the_citizen(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    recorded = await client.post(
        "/v1/contacts", json=_call(parties=[{**DAUGHTER, "correspondent": False}]), headers=admin_headers
    )
    assert recorded.status_code == 201, recorded.text
    ticket_id = await session.scalar(
        select(Ticket.id).where(Ticket.reference == recorded.json()["ticket"]["reference"])
    )
    assert ticket_id is not None
    assert await correspondent_for_ticket(session, ticket_id) is None


async def test_a_known_citizen_as_correspondent_is_written_to_in_their_own_language(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    """The administrator is a known citizen: the reply uses the register's address and language, which the
    party itself does not show."""
    known = await factories.citizen(session, email="guido.claes@example.org", given_name="Guido", family_name="Claes")
    known.preferred_language = "de"
    mother = await factories.citizen(session, phone="+3289303030", given_name="Maria", family_name="Peeters")
    await factories.representation(session, mother, known, kind="legal_administrator")
    party = {
        "role": "representative",
        "relationship": "legal_administrator",
        "citizen_id": known.id,
        "correspondent": True,
    }
    recorded = await client.post("/v1/contacts", json=_call(parties=[party]), headers=admin_headers)
    assert recorded.status_code == 201, recorded.text
    shown = recorded.json()["parties"][1]
    assert shown["citizen_id"] == known.id
    assert shown["name"] is None
    assert shown["email"] is None
    ticket_id = await session.scalar(
        select(Ticket.id).where(Ticket.reference == recorded.json()["ticket"]["reference"])
    )
    assert ticket_id is not None
    correspondent = await correspondent_for_ticket(session, ticket_id)
    assert correspondent is not None
    assert (correspondent.name, correspondent.email, correspondent.language) == (
        "Guido Claes",
        "guido.claes@example.org",
        Language.de,
    )


async def test_an_organisation_with_a_valid_enterprise_number_is_added_afterwards(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    assert vat.is_valid(ENTERPRISE_NUMBER_EXAMPLE)
    contact_id = (await client.post("/v1/contacts", json=_call(parties=[]), headers=admin_headers)).json()["contact_id"]
    organisation = {
        "kind": "organisation",
        "role": "representative",
        "relationship": "legal_administrator",
        "name": "Bewindvoering Kempen bv",
        "enterprise_number": "BE 0850213314",
        "correspondent": True,
    }
    added = await client.post(f"/v1/contacts/{contact_id}/parties", json=organisation, headers=admin_headers)
    assert added.status_code == 201, added.text
    assert added.json()["enterprise_number"] == ENTERPRISE_NUMBER_EXAMPLE
    second = await client.post(f"/v1/contacts/{contact_id}/parties", json={**DAUGHTER}, headers=admin_headers)
    assert_problem(second, 409)  # one correspondent per contact
    removed = await client.delete(f"/v1/contacts/{contact_id}/parties/{added.json()['id']}", headers=admin_headers)
    assert removed.status_code == 204, removed.text
    assert (await client.get(f"/v1/contacts/{contact_id}/parties", headers=admin_headers)).json()["items"] == []
    again = await client.delete(f"/v1/contacts/{contact_id}/parties/{added.json()['id']}", headers=admin_headers)
    assert_problem(again, 404)


async def test_an_invalid_enterprise_number_is_a_422_naming_the_field_and_nothing_is_written(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    organisation = {
        "kind": "organisation",
        "role": "representative",
        "name": "Stad Genk",
        "enterprise_number": "0207.478.917",
    }
    contacts_before = await factories.count(session, Ticket)
    refused = await client.post("/v1/contacts", json=_call(parties=[organisation]), headers=admin_headers)
    problem = assert_problem(refused, 422)
    assert [error["field"] for error in problem["errors"]] == ["body.phone.parties.0.enterprise_number"]
    assert "enterprise number" in problem["errors"][0]["message"]
    assert await factories.count(session, Ticket) == contacts_before
    assert await factories.count(session, ContactParty) == 0

    contact_id = (await client.post("/v1/contacts", json=_call(parties=[]), headers=admin_headers)).json()["contact_id"]
    refused = await client.post(f"/v1/contacts/{contact_id}/parties", json=organisation, headers=admin_headers)
    problem = assert_problem(refused, 422)
    assert [error["field"] for error in problem["errors"]] == ["body.enterprise_number"]
    assert await factories.count(session, ContactParty) == 0


async def test_incoherent_parties_are_refused(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    two = _call(parties=[DAUGHTER, {**DAUGHTER, "name": "Tom Janssens"}])
    assert_problem(await client.post("/v1/contacts", json=two, headers=admin_headers), 422)
    nobody = _call(parties=[{"role": "representative"}])
    assert_problem(await client.post("/v1/contacts", json=nobody, headers=admin_headers), 422)
    subject_relation = _call(parties=[{"role": "subject", "relationship": "partner", "name": "X Y"}])
    assert_problem(await client.post("/v1/contacts", json=subject_relation, headers=admin_headers), 422)
    unknown = _call(parties=[{"role": "representative", "citizen_id": 987654}])
    problem = assert_problem(await client.post("/v1/contacts", json=unknown, headers=admin_headers), 422)
    assert problem["field"] == "citizen_id"


async def test_a_party_relation_never_opens_another_persons_social_case(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    settings: Settings,
    clock: FixedClock,
    admin_headers: dict[str, str],
) -> None:
    """The mother's social case names her daughter as a party; the daughter's own (normal) ticket and everyone
    who sees it learn nothing of the case, its parties or its links."""
    ocmw = {"X-API-Key": await factories.api_key(session, "ocmw", ["contacts:write", "tickets:read", "tickets:write"])}
    await session.execute(update(ApiClient).where(ApiClient.name == "ocmw").values(unit_id=world.sociale_dienst.id))
    await session.commit()  # the app reads the key on its own connection
    daughter = await factories.citizen(session, email="lotte.janssens@example.org", given_name="Lotte")
    mother = await factories.citizen(session, email="maria.peeters@example.org")
    # She acts for her mother in OCMW matters too (households/service.py: a social case needs `social`).
    await factories.representation(session, mother, daughter, scopes=("information", "social"))
    await session.commit()
    social = {
        "channel": "web",
        "category": "social.living_wage",
        "subject": "Leefloon voor mijn moeder",
        "body": "Mijn moeder heeft hulp nodig met haar schulden.",
        "citizen": {"email": "maria.peeters@example.org"},
        "parties": [{"role": "representative", "relationship": "family_member", "citizen_id": daughter.id}],
        "links": [{"system": "ocmw-dossiers", "object_type": "dossier", "object_id": "SD/2026/04711"}],
    }
    case = await client.post("/v1/contacts", json=social, headers=ocmw)
    assert case.status_code == 201, case.text
    case_contact = case.json()["contact_id"]
    own = await client.post(
        "/v1/contacts",
        json=factories.web_contact(citizen={"email": "lotte.janssens@example.org"}),
        headers=admin_headers,
    )
    assert own.status_code == 201, own.text
    agent = bearer(settings, clock, world.agent.email)
    for headers in (agent, admin_headers):
        assert_problem(await client.get(f"/v1/contacts/{case_contact}/parties", headers=headers), 404)
        assert_problem(await client.get(f"/v1/contacts/{case_contact}/links", headers=headers), 404)
        mine = await client.get(f"/v1/tickets/{own.json()['ticket']['reference']}", headers=headers)
        assert mine.status_code == 200
        assert mine.json()["parties"] == []
        assert mine.json()["links"] == []
        found = await client.get("/v1/tickets", params={"object_system": "ocmw-dossiers"}, headers=headers)
        assert found.json()["items"] == []
        added = await client.post(f"/v1/contacts/{case_contact}/parties", json=DAUGHTER, headers=headers)
        assert_problem(added, 404)
    # The OCMW sees its case with both, and reading them is on the audit trail.
    shown = await client.get(f"/v1/contacts/{case_contact}/parties", headers=ocmw)
    assert [party["role"] for party in shown.json()["items"]] == ["subject", "representative"]
    reads = await session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "read", AuditEntry.target_type == "contact_party")
    )
    assert reads == 1


async def test_erasing_a_citizen_erases_who_acted_for_them_and_where_they_acted_for_others(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    recorded = await client.post("/v1/contacts", json=_call(), headers=admin_headers)
    assert recorded.status_code == 201, recorded.text
    mother_id = recorded.json()["contact"]["citizen_id"]
    # Elsewhere the mother herself acts for a neighbour, named as a known citizen with her own number.
    neighbour_citizen = await factories.citizen(session, email="buur@example.org")
    await factories.representation(session, neighbour_citizen, mother_id)
    await session.commit()
    for_neighbour = {
        "role": "representative",
        "relationship": "other",
        "citizen_id": mother_id,
        "phone": "089 30 30 30",
    }
    neighbour = await client.post(
        "/v1/contacts",
        json=factories.web_contact(citizen={"email": "buur@example.org"}, parties=[for_neighbour]),
        headers=admin_headers,
    )
    assert neighbour.status_code == 201, neighbour.text
    dpo = {"X-API-Key": await factories.api_key(session, "dpo", ["citizens:export"])}
    erased = await client.post(
        f"/v1/citizens/{mother_id}/erasure", json={"reason": "Verzoek (AVG art. 17)"}, headers=dpo
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["parties"] == 3  # the mother as subject, her daughter, the mother for her neighbour
    rows = (await session.scalars(select(ContactParty).order_by(ContactParty.id))).all()
    for row in rows:
        await session.refresh(row)
    people = {(row.role, row.citizen_id): (row.name, row.email, row.phone) for row in rows}
    assert people[("representative", None)] == ("[erased]", None, None)  # the daughter
    assert people[("representative", mother_id)] == ("[erased]", None, None)
    assert people[("subject", mother_id)] == ("[erased]", None, None)
    neighbours = [row for row in rows if row.role == "subject" and row.citizen_id != mother_id]
    assert [row.name for row in neighbours] == [None]  # the neighbour's own record is not the mother's to erase


async def test_the_citizens_export_names_who_acted_for_them(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    recorded = await client.post("/v1/contacts", json=_call(), headers=admin_headers)
    assert recorded.status_code == 201, recorded.text
    mother_id = recorded.json()["contact"]["citizen_id"]
    dpo = {"X-API-Key": await factories.api_key(session, "dpo", ["citizens:export"])}
    export = await client.get(f"/v1/citizens/{mother_id}/export", headers=dpo)
    assert export.status_code == 200, export.text
    parties = export.json()["parties"]
    assert [(party["role"], party["name"]) for party in parties] == [
        ("subject", None),
        ("representative", "Lotte Janssens"),
    ]
