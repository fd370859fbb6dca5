"""Automatic assignment over HTTP and the job, in a rolled-back transaction: presence and its expiry, a unit
switched to automatic assignment by data, offers accepted, declined and timed out, continuity for social
tickets, the explanation on every assignment, the supervisor's view and the stream's offers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from genk3600.assignment import service as assignment_service
from genk3600.assignment.service import dispatch_once
from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.kit.reference import format_reference
from genk3600.models import AssignmentOffer, Call, Staff, Ticket, TicketEvent
from genk3600.models.enums import TicketEventType
from tests import factories

pytestmark = pytest.mark.asyncio


@dataclass
class Stage:
    world: factories.World
    agents: list[Staff]
    headers: list[dict[str, str]]
    supervisor: dict[str, str]


async def _stage(session: AsyncSession, settings: Settings, clock: FixedClock, count: int = 2) -> Stage:
    world = await factories.small_world(session)
    agents = [
        await factories.staff(session, f"agent.{n}@genk.example", world.omgeving, "back_office") for n in range(count)
    ]
    boss = await factories.staff(session, "baas@genk.example", world.omgeving, "supervisor")
    await session.commit()
    headers = [factories.bearer(settings, clock, agent.email) for agent in agents]
    return Stage(world, agents, headers, factories.bearer(settings, clock, boss.email))


async def _tickets(session: AsyncSession, unit_id: int, count: int, start: int = 1, **fields: object) -> list[Ticket]:
    rows = [
        Ticket(reference=format_reference(2026, n), subject=f"Vraag {n}", owning_unit_id=unit_id, **fields)
        for n in range(start, start + count)
    ]
    session.add_all(rows)
    await session.commit()
    return rows


async def _policy(client: httpx.AsyncClient, admin: dict[str, str], unit: str, **fields: object) -> dict[str, object]:
    body = {"mode": "least_loaded", "offer_timeout_seconds": 30, "decline_cooldown_seconds": 600, **fields}
    response = await client.put(f"/v1/units/{unit}/assignment-policy", json=body, headers=admin)
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


async def _available(client: httpx.AsyncClient, headers: list[dict[str, str]]) -> None:
    for header in headers:
        response = await client.put("/v1/me/presence", json={"status": "available"}, headers=header)
        assert response.status_code == 200, response.text


async def _offers(client: httpx.AsyncClient, header: dict[str, str], language: str = "nl") -> list[dict[str, object]]:
    response = await client.get("/v1/me/offers", headers={**header, "Accept-Language": language})
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def _entries(session: AsyncSession, reference: str) -> list[TicketEvent]:
    ticket_id = await session.scalar(select(Ticket.id).where(Ticket.reference == reference))
    rows = await session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id))
    return list(rows)


async def test_presence_expires_when_the_console_stops_sending_heartbeats(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, clock: FixedClock
) -> None:
    stage = await _stage(session, settings, clock, count=1)
    me = stage.headers[0]
    fresh = await client.get("/v1/me/presence", headers=me)
    assert fresh.json()["status"] == "offline"  # nothing set yet
    set_ = await client.put("/v1/me/presence", json={"status": "available"}, headers=me)
    assert set_.json()["status"] == "available"
    ttl = settings.presence_ttl_seconds
    clock.advance(seconds=ttl - 1)
    assert (await client.get("/v1/me/presence", headers=me)).json()["status"] == "available"
    beat = await client.post("/v1/me/presence/heartbeat", headers=me)
    assert beat.status_code == 200, beat.text
    clock.advance(seconds=ttl - 1)
    assert (await client.get("/v1/me/presence", headers=me)).json()["status"] == "available"
    clock.advance(seconds=2)
    silent = (await client.get("/v1/me/presence", headers=me)).json()
    assert silent["status"] == "offline"
    assert silent["set_status"] == "available"
    # A heartbeat brings them back as they were.
    await client.post("/v1/me/presence/heartbeat", headers=me)
    assert (await client.get("/v1/me/presence", headers=me)).json()["status"] == "available"


async def test_a_call_makes_an_agent_busy_until_it_ends(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, clock: FixedClock
) -> None:
    stage = await _stage(session, settings, clock, count=1)
    await _available(client, stage.headers)
    call = Call(call_id="pbx-1", state="answered", agent_staff_id=stage.agents[0].id)
    session.add(call)
    await session.commit()
    busy = (await client.get("/v1/me/presence", headers=stage.headers[0])).json()
    assert busy["status"] == "busy"
    assert busy["in_call"] is True
    call.state = "ended"
    await session.commit()
    assert (await client.get("/v1/me/presence", headers=stage.headers[0])).json()["status"] == "available"


async def test_a_unit_switched_to_automatic_assignment_offers_explains_and_assigns(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FixedClock,
    admin_headers: dict[str, str],
) -> None:
    stage = await _stage(session, settings, clock)
    [ticket] = await _tickets(session, stage.world.omgeving.id, 1, language="fr")
    await _available(client, stage.headers)
    # Claim only until the unit says otherwise: nothing is offered.
    assert (await dispatch_once(sessions, settings, clock.now())).offered == 0
    policy = await _policy(client, admin_headers, "omgeving")
    assert policy["mode"] == "least_loaded"
    # Only the second agent speaks French.
    skills = {"languages": ["nl", "fr"], "default_capacity": 5}
    response = await client.put(f"/v1/staff/{stage.agents[1].id}/skills", json=skills, headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.json()["effective_languages"] == ["nl", "fr"]

    assert (await dispatch_once(sessions, settings, clock.now())).offered == 1
    assert await _offers(client, stage.headers[0]) == []
    [offer] = await _offers(client, stage.headers[1])
    assert offer["ticket"] == ticket.reference
    assert offer["explanation"] == (
        f"Aangeboden aan {stage.agents[1].full_name}: beschikbaar, spreekt Frans, minst belast, 0 van 5 open."
    )
    # Nothing more while the one ticket is on offer.
    assert (await dispatch_once(sessions, settings, clock.now())).offered == 0

    accepted = await client.post(f"/v1/me/offers/{offer['id']}/accept", headers=stage.headers[1])
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["assignee"]["id"] == stage.agents[1].id
    assert accepted.json()["status"] == "assigned"
    entries = await _entries(session, ticket.reference)
    assert [entry.code for entry in entries][-2:] == ["assignment.offered", "assignment.assigned"]
    assigned = entries[-1]
    assert assigned.type == TicketEventType.assigned.value
    assert assigned.data["via"] == "offer"
    timeline = await client.get(
        f"/v1/tickets/{ticket.reference}/events", headers={**stage.supervisor, "Accept-Language": "nl"}
    )
    assert timeline.json()["items"][-1]["summary"] == (
        f"Toegewezen aan {stage.agents[1].full_name}: beschikbaar, spreekt Frans, minst belast, 0 van 5 open."
    )
    # Answered once: a second answer is refused and writes nothing.
    again = await client.post(f"/v1/me/offers/{offer['id']}/accept", headers=stage.headers[1])
    assert factories.assert_problem(again, 409)["state"] == "accepted"
    assert len(await _entries(session, ticket.reference)) == len(entries)


async def test_declined_and_timed_out_offers_move_on_and_do_not_come_back_soon(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FixedClock,
    admin_headers: dict[str, str],
) -> None:
    stage = await _stage(session, settings, clock, count=3)
    [ticket] = await _tickets(session, stage.world.omgeving.id, 1)
    await _available(client, stage.headers)
    await _policy(client, admin_headers, "omgeving", mode="round_robin", offer_timeout_seconds=30)

    def holder(items: list[list[dict[str, object]]]) -> int:
        [index] = [n for n, offers in enumerate(items) if offers]
        return index

    await dispatch_once(sessions, settings, clock.now())
    first = holder([await _offers(client, header) for header in stage.headers])
    [offer] = await _offers(client, stage.headers[first])
    declined = await client.post(f"/v1/me/offers/{offer['id']}/decline", headers=stage.headers[first])
    assert declined.status_code == 200, declined.text
    assert declined.json()["state"] == "declined"

    await dispatch_once(sessions, settings, clock.now())
    second = holder([await _offers(client, header) for header in stage.headers])
    assert second != first
    # The second lets it time out: the job ends the offer and the ticket goes to the third, not back.
    clock.advance(seconds=31)
    await _available(client, stage.headers)  # their consoles stay open
    result = await dispatch_once(sessions, settings, clock.now())
    assert result.expired == 1
    assert result.offered == 1
    third = holder([await _offers(client, header) for header in stage.headers])
    assert third not in (first, second)
    codes = [entry.code for entry in await _entries(session, ticket.reference)]
    assert codes[-5:] == [
        "assignment.offered",
        "assignment.declined",
        "assignment.offered",
        "assignment.expired",
        "assignment.offered",
    ]
    # Everyone refused it once: nobody gets it again until the cool-down passes.
    [offer] = await _offers(client, stage.headers[third])
    await client.post(f"/v1/me/offers/{offer['id']}/decline", headers=stage.headers[third])
    assert (await dispatch_once(sessions, settings, clock.now())).offered == 0
    clock.advance(seconds=601)
    await _available(client, stage.headers)
    assert (await dispatch_once(sessions, settings, clock.now())).offered == 1
    # Never two open offers for one ticket.
    open_offers = await session.scalars(
        select(AssignmentOffer).where(AssignmentOffer.ticket_id == ticket.id, AssignmentOffer.state == "open")
    )
    assert len(list(open_offers)) == 1


async def test_a_social_ticket_goes_to_the_citizens_case_worker_first(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FixedClock,
    admin_headers: dict[str, str],
) -> None:
    world = await factories.small_world(session)
    other = await factories.staff(session, "ander@genk.example", world.sociale_dienst, "case_worker")
    own = await factories.staff(session, "eigen@genk.example", world.sociale_dienst, "case_worker")
    citizen = await factories.citizen(session, case_worker_id=own.id)
    await session.commit()
    # The case worker holds more already; least loaded alone would pick the other.
    await _tickets(session, world.sociale_dienst.id, 2, start=1, assignee_staff_id=own.id, status="assigned")
    [ticket] = await _tickets(
        session, world.sociale_dienst.id, 1, start=10, confidentiality="social", citizen_id=citizen.id
    )
    headers = [factories.bearer(settings, clock, person.email) for person in (other, own)]
    await _available(client, headers)
    await _policy(client, admin_headers, "sociale_dienst")
    await dispatch_once(sessions, settings, clock.now())
    assert await _offers(client, headers[0]) == []
    [offer] = await _offers(client, headers[1], "en")
    assert offer["ticket"] == ticket.reference
    assert "the citizen's case worker" in str(offer["explanation"])


async def test_offers_belong_to_their_staff_member(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FixedClock,
    admin_headers: dict[str, str],
) -> None:
    stage = await _stage(session, settings, clock, count=1)
    await _tickets(session, stage.world.omgeving.id, 1)
    await _available(client, stage.headers)
    await _policy(client, admin_headers, "omgeving")
    await dispatch_once(sessions, settings, clock.now())
    [offer] = await _offers(client, stage.headers[0])
    factories.assert_problem(await client.post(f"/v1/me/offers/{offer['id']}/accept", headers=stage.supervisor), 404)
    factories.assert_problem(await client.post("/v1/me/offers/999999/decline", headers=stage.headers[0]), 404)
    factories.assert_problem(await client.get("/v1/me/presence", headers=admin_headers), 422)
    factories.assert_problem(await client.get("/v1/me/offers", headers=admin_headers), 422)
    factories.assert_problem(await client.get("/v1/units/nope/assignment-policy", headers=admin_headers), 404)
    factories.assert_problem(await client.get("/v1/staff/999999/skills", headers=admin_headers), 404)
    bad = await client.put("/v1/units/omgeving/assignment-policy", json={"mode": "random"}, headers=admin_headers)
    factories.assert_problem(bad, 422)
    # Agents cannot change a unit's policy.
    factories.assert_problem(
        await client.put("/v1/units/omgeving/assignment-policy", json={"mode": "off"}, headers=stage.headers[0]), 403
    )
    # Too late: after the timeout an accept is refused even before the job ran.
    clock.advance(seconds=31)
    late = await client.post(f"/v1/me/offers/{offer['id']}/accept", headers=stage.headers[0])
    assert factories.assert_problem(late, 409)["state"] == "expired"


async def test_the_supervisor_sees_presence_load_offers_and_waiting_tickets(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FixedClock,
    admin_headers: dict[str, str],
) -> None:
    stage = await _stage(session, settings, clock, count=2)
    due = clock.now() + timedelta(minutes=30)
    await _tickets(session, stage.world.omgeving.id, 3, resolution_due_at=due)
    await _available(client, stage.headers[:1])
    await _policy(client, admin_headers, "omgeving")
    await dispatch_once(sessions, settings, clock.now())
    factories.assert_problem(await client.get("/v1/units/omgeving/assignment", headers=stage.headers[0]), 403)
    view = await client.get("/v1/units/omgeving/assignment", headers=stage.supervisor)
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["mode"] == "least_loaded"
    assert body["available"] == 1
    presence = {row["staff_id"]: row["presence"] for row in body["staff"]}
    assert presence[stage.agents[0].id] == "available"
    assert presence[stage.agents[1].id] == "offline"
    # An offer is not yet a ticket held: open tickets stay 0 while it waits for an answer.
    assert [row["open_tickets"] for row in body["staff"]] == [0, 0, 0]
    assert [offer["staff_id"] for offer in body["offers"]] == [stage.agents[0].id]
    assert body["waiting_count"] == 2
    assert [row["deadline_colour"] for row in body["waiting"]] == ["orange", "orange"]


async def test_the_console_stream_sends_my_offers(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FixedClock,
    admin_headers: dict[str, str],
) -> None:
    stage = await _stage(session, settings, clock, count=1)
    [ticket] = await _tickets(session, stage.world.omgeving.id, 1)
    await _available(client, stage.headers)
    await _policy(client, admin_headers, "omgeving")
    await dispatch_once(sessions, settings, clock.now())
    response = await client.get("/v1/me/stream", params={"once": "true"}, headers=stage.headers[0])
    assert response.status_code == 200, response.text
    assert "event: offers" in response.text
    assert ticket.reference in response.text


async def test_a_ticket_claimed_while_on_offer_withdraws_the_offer(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FixedClock,
    admin_headers: dict[str, str],
) -> None:
    stage = await _stage(session, settings, clock, count=2)
    [ticket] = await _tickets(session, stage.world.omgeving.id, 1)
    await _available(client, stage.headers[:1])
    await _policy(client, admin_headers, "omgeving")
    await dispatch_once(sessions, settings, clock.now())
    [offer] = await _offers(client, stage.headers[0])
    # Claiming stays possible beside automatic assignment: the other agent takes it from the queue.
    claimed = await client.post("/v1/queues/omgeving/claim", headers=stage.headers[1])
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["reference"] == ticket.reference
    late = await client.post(f"/v1/me/offers/{offer['id']}/accept", headers=stage.headers[0])
    assert factories.assert_problem(late, 409)["state"] == "withdrawn"
    result = await dispatch_once(sessions, settings, clock.now())
    assert result.withdrawn == 1
    assert await _offers(client, stage.headers[0]) == []
    assigned = await session.scalar(select(Ticket.assignee_staff_id).where(Ticket.id == ticket.id))
    assert assigned == stage.agents[1].id


async def test_skills_and_policy_read_back_with_their_defaults(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    admin_headers: dict[str, str],
) -> None:
    stage = await _stage(session, settings, clock, count=1)
    skills = await client.get(f"/v1/staff/{stage.agents[0].id}/skills", headers=admin_headers)
    assert skills.json() == {
        "staff_id": stage.agents[0].id,
        "capacity": {},
        "default_capacity": 5,
        "languages": [],
        "effective_languages": ["nl"],
        "categories": [],
        "desks": [],
    }
    policy = await client.get("/v1/units/omgeving/assignment-policy", headers=stage.headers[0])
    assert policy.json()["mode"] == "off"
    assert policy.json()["version"] == 0
    repeated = {"languages": ["nl", "nl"]}
    bad = await client.put(f"/v1/staff/{stage.agents[0].id}/skills", json=repeated, headers=admin_headers)
    factories.assert_problem(bad, 422)
    wrong = {"categories": ["Waste"]}
    bad = await client.put(f"/v1/staff/{stage.agents[0].id}/skills", json=wrong, headers=admin_headers)
    factories.assert_problem(bad, 422)
    presence = await client.put(
        f"/v1/staff/{stage.agents[0].id}/presence", json={"status": "away"}, headers=admin_headers
    )
    assert presence.json()["status"] == "away"
    assert (await client.get(f"/v1/staff/{stage.agents[0].id}/presence", headers=admin_headers)).json()[
        "set_status"
    ] == "away"


async def test_tickets_nobody_can_take_do_not_starve_those_behind_them(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FixedClock,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(assignment_service, "BATCH", 2)  # pages of two, so the head fills more than a page
    stage = await _stage(session, settings, clock, count=1)
    await _tickets(session, stage.world.omgeving.id, 5, language="de", priority="urgent")
    [dutch] = await _tickets(session, stage.world.omgeving.id, 1, start=6, priority="low")
    await _available(client, stage.headers)
    await _policy(client, admin_headers, "omgeving")
    assert (await dispatch_once(sessions, settings, clock.now())).offered == 1
    [offer] = await _offers(client, stage.headers[0])
    assert offer["ticket"] == dutch.reference
