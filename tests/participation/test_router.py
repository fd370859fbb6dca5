"""Recording and reading participations over HTTP, the service functions other capabilities call, deciders."""

from __future__ import annotations

from datetime import datetime

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.principal import Membership, Principal
from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.models import CategoryDecider, Contact, Participation, Ticket, TicketEvent
from genk3600.models.enums import Language, Position, Role, Scope
from genk3600.participation.errors import ContactsWithoutRole
from genk3600.participation.schemas import ParticipationIn
from genk3600.participation.service import record_participation, roles_on_ticket, unattributed_contacts
from genk3600.tickets.schemas import TicketEventOut
from tests import factories
from tests.factories import World, assert_problem
from tests.participation import new_contact, participate, set_deciders, staff_headers


async def _ticket_id(session: AsyncSession, reference: str) -> int:
    ticket_id = await session.scalar(select(Ticket.id).where(Ticket.reference == reference))
    assert ticket_id is not None
    return ticket_id


async def test_staff_record_their_own_role(
    client: httpx.AsyncClient, settings: Settings, world: World, writer_headers: dict[str, str], clock: FixedClock
) -> None:
    contact_id, reference = await new_contact(client, writer_headers)

    response = await participate(
        client, staff_headers(settings, clock, world.agent), contact_id, "registering", note="Adres nagevraagd."
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["contact_id"] == contact_id
    assert body["ticket"] == reference
    assert body["staff"] == {"id": world.agent.id, "full_name": "An Agent", "units": ["contact_centre"]}
    assert body["role"] == "registering"
    assert body["role_explanation"] == "An Agent registered the facts."
    assert body["note"] == "Adres nagevraagd."
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None


async def test_api_clients_name_the_staff_member(
    client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]
) -> None:
    contact_id, _ = await new_contact(client, writer_headers)

    recorded = await participate(client, writer_headers, contact_id, "informing", staff_id=world.agent.id)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["staff"]["id"] == world.agent.id
    assert recorded.json()["role_explanation"] == "An Agent informed the citizen."

    missing = assert_problem(await participate(client, writer_headers, contact_id, "registering"), 422)
    assert missing["type"].endswith("/staff-required")
    unknown = assert_problem(await participate(client, writer_headers, contact_id, "registering", staff_id=999999), 422)
    assert unknown["staff_id"] == 999999


async def test_supervisors_record_roles_of_their_unit_only(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    supervisor = await factories.staff(session, "su.pervisor@genk.example", world.contact_centre, "supervisor")
    elsewhere = await factories.staff(session, "bo.omgeving@genk.example", world.omgeving, "back_office")
    contact_id, reference = await new_contact(client, writer_headers)

    for_agent = await participate(
        client, staff_headers(settings, clock, supervisor), contact_id, "registering", staff_id=world.agent.id
    )
    assert for_agent.status_code == 201, for_agent.text
    assert for_agent.json()["staff"]["id"] == world.agent.id

    not_theirs = await participate(
        client, staff_headers(settings, clock, supervisor), contact_id, "advising", staff_id=elsewhere.id
    )
    assert assert_problem(not_theirs, 403)["type"].endswith("/not-their-supervisor")
    by_agent = await participate(
        client, staff_headers(settings, clock, world.agent), contact_id, "informing", staff_id=supervisor.id
    )
    assert assert_problem(by_agent, 403)["type"].endswith("/not-their-supervisor")

    events = (await client.get(f"/v1/tickets/{reference}/events", headers=writer_headers)).json()["items"]
    recorded = [event for event in events if event["type"] == "participation_recorded"]
    assert [event["actor"]["id"] for event in recorded] == [supervisor.id]  # who recorded it, not who played it
    assert recorded[0]["data"]["staff_id"] == world.agent.id


async def test_the_same_role_twice_is_409_another_role_is_fine(
    client: httpx.AsyncClient, settings: Settings, world: World, writer_headers: dict[str, str], clock: FixedClock
) -> None:
    contact_id, _ = await new_contact(client, writer_headers)
    headers = staff_headers(settings, clock, world.agent)
    assert (await participate(client, headers, contact_id, "registering")).status_code == 201

    problem = assert_problem(await participate(client, headers, contact_id, "registering", note="again"), 409)
    assert problem["type"].endswith("/participation-exists")
    assert (problem["contact_id"], problem["staff_id"], problem["role"]) == (contact_id, world.agent.id, "registering")
    assert (await participate(client, headers, contact_id, "informing")).status_code == 201


async def test_unknown_contact_is_404(client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]) -> None:
    response = await participate(client, writer_headers, 987654, "informing", staff_id=world.agent.id)
    posted = assert_problem(response, 404)
    assert "987654" in posted["detail"]
    assert_problem(await client.get("/v1/contacts/987654/participations", headers=writer_headers), 404)
    assert_problem(await client.get("/v1/contacts/0/participations", headers=writer_headers), 422)


async def test_bad_bodies_are_422(client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]) -> None:
    contact_id, _ = await new_contact(client, writer_headers)
    for body in (
        {"role": "watching", "staff_id": world.agent.id},
        {"role": "informing", "staff_id": world.agent.id, "note": "x" * 2001},
        {"role": "informing", "staff_id": world.agent.id, "extra": 1},
    ):
        response = await client.post(f"/v1/contacts/{contact_id}/participations", json=body, headers=writer_headers)
        assert_problem(response, 422)


async def test_participation_is_on_the_timeline(
    client: httpx.AsyncClient, settings: Settings, world: World, writer_headers: dict[str, str], clock: FixedClock
) -> None:
    contact_id, reference = await new_contact(client, writer_headers)
    await participate(client, staff_headers(settings, clock, world.agent), contact_id, "registering")

    events = (await client.get(f"/v1/tickets/{reference}/events", headers=writer_headers)).json()["items"]
    event = events[-1]
    assert event["type"] == "participation_recorded"
    assert event["summary"] == "An Agent registered the facts of a web contact."
    assert event["data"] == {"contact_id": contact_id, "staff_id": world.agent.id, "role": "registering"}
    assert event["actor"] == {"kind": "staff", "id": world.agent.id, "name": "An Agent"}


async def test_list_is_oldest_first(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    adviser = await factories.staff(session, "cw@genk.example", world.sociale_dienst, "case_worker")
    contact_id, _ = await new_contact(client, writer_headers)
    await participate(client, staff_headers(settings, clock, world.agent), contact_id, "registering")
    await participate(client, staff_headers(settings, clock, adviser), contact_id, "advising", note="Premie mogelijk.")

    response = await client.get(f"/v1/contacts/{contact_id}/participations", headers=writer_headers)

    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [(item["staff"]["id"], item["role"]) for item in items] == [
        (world.agent.id, "registering"),
        (adviser.id, "advising"),
    ]
    assert items[1]["role_explanation"] == "A Case worker gave advice for a later decision."
    assert items[1]["note"] == "Premie mogelijk."


async def test_unattributed_contacts_and_roles_on_ticket(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    first, reference = await new_contact(client, writer_headers)
    second, _ = await new_contact(client, writer_headers, ticket=reference, subject="Nog iets")
    third, _ = await new_contact(client, writer_headers, ticket=reference, subject="En nog iets")
    other_ticket_contact, _ = await new_contact(client, writer_headers)
    ticket_id = await _ticket_id(session, reference)
    assert await unattributed_contacts(session, ticket_id) == [first, second, third]

    await participate(client, staff_headers(settings, clock, world.agent), second, "registering", note="Feiten")
    await participate(client, staff_headers(settings, clock, world.agent), first, "informing")
    await participate(client, staff_headers(settings, clock, world.agent), other_ticket_contact, "informing")

    assert await unattributed_contacts(session, ticket_id) == [third]
    roles = await roles_on_ticket(session, ticket_id)
    assert [(role.contact_id, role.role) for role in roles] == [(second, Role.registering), (first, Role.informing)]
    assert roles[0].model_dump(exclude={"created_at"}) == {
        "contact_id": second,
        "channel": "web",
        "staff_id": world.agent.id,
        "staff_name": "An Agent",
        "units": ["contact_centre"],
        "role": Role.registering,
        "role_explanation": "An Agent registered the facts.",
        "note": "Feiten",
    }
    assert await roles_on_ticket(session, ticket_id + 1000) == []


def test_contacts_without_role_names_them() -> None:
    one = ContactsWithoutRole([17])
    assert one.status == 409
    assert one.detail == (
        "Contact 17 has no recorded role yet: record who informed, registered, advised or decided before resolving."
    )
    assert one.extensions == {"contacts": [17]}
    several = ContactsWithoutRole([17, 18, 21])
    assert several.detail.startswith("Contacts 17, 18 and 21 have no recorded role yet")
    assert several.extensions == {"contacts": [17, 18, 21]}


async def test_inline_callers_use_the_same_path(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    contact_id, reference = await new_contact(client, writer_headers)
    contact = await session.get(Contact, contact_id)
    assert contact is not None
    agent = Principal(
        kind="staff",
        id=world.agent.id,
        name="An Agent",
        scopes=frozenset({Scope.contacts_write}),
        memberships=(Membership(world.contact_centre.id, Position.agent),),
    )

    out = await record_participation(session, agent, contact, ParticipationIn(role=Role.registering))

    assert (out.contact_id, out.ticket, out.staff.id) == (contact_id, reference, world.agent.id)
    assert out.role is Role.registering
    event = await session.scalar(select(TicketEvent).where(TicketEvent.type == "participation_recorded"))
    assert event is not None
    assert (event.code, event.params) == ("participation.registering", {"who": "agent", "contact": "web"})
    assert TicketEventOut.of(event).summary == "An Agent registered the facts of a web contact."
    assert TicketEventOut.of(event, Language.nl).summary == (
        "Een medewerker van het contactcenter registreerde de gegevens van een webformulier."
    )


async def test_contact_without_ticket_takes_roles_but_no_decisions(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    pending = Contact(
        channel="phone",
        language="nl",
        body="",
        flags=["awaiting_summary"],
        occurred_at=clock.now(),
        actor_name="PBX",
    )
    session.add(pending)
    await session.flush()
    worker = await factories.staff(session, "bo.bz@genk.example", world.burgerzaken, "back_office")

    informed = await participate(client, staff_headers(settings, clock, world.agent), pending.id, "informing")
    assert informed.status_code == 201, informed.text
    assert informed.json()["ticket"] is None
    decided = await participate(client, staff_headers(settings, clock, worker), pending.id, "deciding")
    assert assert_problem(decided, 403)["type"].endswith("/decision-needs-category")


async def test_idempotent_retry_replays_the_first_response(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    contact_id, _ = await new_contact(client, writer_headers)
    headers = {**writer_headers, "Idempotency-Key": "role-4711"}

    first = await participate(client, headers, contact_id, "registering", staff_id=world.agent.id)
    again = await participate(client, headers, contact_id, "registering", staff_id=world.agent.id)
    other = await participate(client, headers, contact_id, "informing", staff_id=world.agent.id)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await factories.count(session, Participation) == 1
    assert_problem(other, 409)


async def test_deciders_get_and_put(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    url = "/v1/categories/civil.id_card/deciders"
    assert (await client.get(url, headers=admin_headers)).json() == {"category": "civil.id_card", "units": []}

    put = await set_deciders(client, admin_headers, "civil.id_card", ["omgeving", "burgerzaken", "omgeving"])
    assert put.status_code == 200, put.text
    assert put.json() == {"category": "civil.id_card", "units": ["burgerzaken", "omgeving"]}
    assert (await client.get(url, headers=admin_headers)).json()["units"] == ["burgerzaken", "omgeving"]

    replaced = await set_deciders(client, admin_headers, "civil.id_card", ["sociale_dienst"])
    assert replaced.json()["units"] == ["sociale_dienst"]
    assert (await set_deciders(client, admin_headers, "civil.id_card", [])).json()["units"] == []
    assert await factories.count(session, CategoryDecider) == 0
    assert await factories.count(session, TicketEvent) == 0  # writes nothing else


async def test_deciders_refuse_unknown_units_and_categories(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    admin_headers: dict[str, str],
    writer_headers: dict[str, str],
) -> None:
    await set_deciders(client, admin_headers, "civil.id_card", ["burgerzaken"])
    inactive = await factories.unit(session, "oude_dienst")
    inactive.active = False
    await session.flush()

    unknown = assert_problem(
        await set_deciders(client, admin_headers, "civil.id_card", ["burgerzaken", "no_such_unit", "oude_dienst"]),
        422,
    )
    assert unknown["codes"] == ["no_such_unit", "oude_dienst"]
    assert (await client.get("/v1/categories/civil.id_card/deciders", headers=admin_headers)).json()["units"] == [
        "burgerzaken"
    ]
    assert_problem(await set_deciders(client, admin_headers, "civil.id_card", ["Not A Code"]), 422)

    assert_problem(await client.get("/v1/categories/no.such/deciders", headers=admin_headers), 404)
    assert_problem(await set_deciders(client, admin_headers, "no.such", ["burgerzaken"]), 404)
    assert_problem(await set_deciders(client, writer_headers, "civil.id_card", ["omgeving"]), 403)
    assert_problem(await client.get("/v1/categories/civil.id_card/deciders", headers=writer_headers), 403)


async def test_scopes_and_documentation(client: httpx.AsyncClient, world: World, app_spec: dict[str, object]) -> None:
    assert_problem(await participate(client, {}, 1, "informing"), 401)
    paths = app_spec["paths"]
    assert isinstance(paths, dict)
    for path, method, operation_id in (
        ("/v1/contacts/{contact_id}/participations", "post", "record_participation"),
        ("/v1/contacts/{contact_id}/participations", "get", "list_participations"),
        ("/v1/categories/{category_code}/deciders", "get", "get_category_deciders"),
        ("/v1/categories/{category_code}/deciders", "put", "set_category_deciders"),
    ):
        operation = paths[path][method]
        assert operation["operationId"] == operation_id
        assert operation["summary"]
        assert operation["description"]
        assert operation["tags"]
        assert "application/problem+json" in operation["responses"]["403"]["content"]
        if method in ("post", "put"):
            assert operation["requestBody"]["content"]["application/json"]["examples"]


async def test_deciding_is_written_and_listed(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    await set_deciders(client, admin_headers, "civil.id_card", ["burgerzaken"])
    worker = await factories.staff(session, "bo.bz@genk.example", world.burgerzaken, "back_office")
    contact_id, reference = await new_contact(client, writer_headers, category="civil.id_card")

    assert (
        await participate(client, staff_headers(settings, clock, worker), contact_id, "deciding")
    ).status_code == 201

    roles = await roles_on_ticket(session, await _ticket_id(session, reference))
    assert [(role.staff_id, role.role, role.units) for role in roles] == [(worker.id, Role.deciding, ["burgerzaken"])]
    events = await session.scalars(select(TicketEvent).where(TicketEvent.type == "participation_recorded"))
    assert [TicketEventOut.of(event).summary for event in events] == [
        "A Back-office employee took the decision in a web contact."
    ]
