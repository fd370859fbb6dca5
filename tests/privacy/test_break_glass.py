"""Break the glass: a supervisor opens a social case for a while, with a reason, on the record."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.models import AccessGrant, AuditEntry, OutboxEvent, Ticket, TicketEvent
from tests import factories
from tests.factories import World, assert_problem, bearer, web_contact

REASON = "Citizen in crisis at the desk, case worker absent."


async def _social(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    social = web_contact(category="social.living_wage", subject="Leefloon", citizen=None)
    created = await client.post("/v1/contacts", json=social, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["ticket"] is None  # a city system does not see the social case it opened
    reference: str = created.json()["contact"]["ticket"]
    return reference


async def test_a_supervisor_breaks_the_glass_and_it_is_on_the_record(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    reference = await _social(client, writer_headers)
    supervisor = await factories.staff(session, "sup.omgeving@genk.example", world.omgeving, "supervisor")
    headers = bearer(settings, clock, supervisor.email)
    assert_problem(await client.get(f"/v1/tickets/{reference}", headers=headers), 404)

    response = await client.post(f"/v1/tickets/{reference}/break-glass", json={"reason": REASON}, headers=headers)

    assert response.status_code == 201, response.text
    grant = response.json()
    assert (grant["ticket"], grant["staff_id"], grant["reason"]) == (reference, supervisor.id, REASON)
    assert grant["expires_at"] > grant["granted_at"]
    ticket = (await client.get(f"/v1/tickets/{reference}", headers=headers)).json()
    assert ticket["subject"] == "Leefloon"
    assert reference in {t["reference"] for t in (await client.get("/v1/tickets", headers=headers)).json()["items"]}

    ticket_id = await session.scalar(select(Ticket.id).where(Ticket.reference == reference))
    note = await session.scalar(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket_id, TicketEvent.type == "note")
    )
    assert note is not None
    assert note.code == "ticket.break_glass"
    assert REASON not in str(note.params)  # the reason is for the audit trail, not for every reader of the case
    assert "reason" not in note.data
    outbox = await session.scalar(
        select(OutboxEvent).where(OutboxEvent.ticket_id == ticket_id, OutboxEvent.type == "ticket.note")
    )
    assert outbox is not None  # what a DPO's webhook subscription or the event feed receives
    assert outbox.payload["break_glass"] is True
    assert outbox.payload["staff_id"] == supervisor.id
    assert REASON not in str(outbox.payload)
    system = await session.scalar(select(OutboxEvent).where(OutboxEvent.type == "privacy.break_glass"))
    assert system is not None  # a ticket-less event: reaches admin feeds and every webhook subscription
    assert (system.payload["ticket"], system.payload["staff_id"]) == (reference, supervisor.id)
    assert REASON not in str(system.payload)
    entries = (
        await session.scalars(
            select(AuditEntry).where(AuditEntry.actor_id == supervisor.id, AuditEntry.actor_kind == "staff")
        )
    ).all()
    assert {(e.action, e.target_type) for e in entries} >= {("insert", "access_grant"), ("read", "ticket")}
    insert = next(e for e in entries if e.target_type == "access_grant")
    assert insert.changes["reason"] == REASON


async def test_the_grant_expires(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    reference = await _social(client, writer_headers)
    supervisor = await factories.staff(session, "sup.omgeving@genk.example", world.omgeving, "supervisor")
    headers = bearer(settings, clock, supervisor.email)
    assert (
        await client.post(f"/v1/tickets/{reference}/break-glass", json={"reason": REASON}, headers=headers)
    ).status_code == 201
    assert (await client.get(f"/v1/tickets/{reference}", headers=headers)).status_code == 200

    past = clock.now() - timedelta(hours=2)
    await session.execute(update(AccessGrant).values(granted_at=past - timedelta(hours=1), expires_at=past))
    await session.flush()

    assert_problem(await client.get(f"/v1/tickets/{reference}", headers=headers), 404)


async def test_only_supervisors_and_only_existing_tickets(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    reference = await _social(client, writer_headers)
    supervisor = await factories.staff(session, "sup.omgeving@genk.example", world.omgeving, "supervisor")
    body = {"reason": REASON}

    agent = await client.post(
        f"/v1/tickets/{reference}/break-glass", json=body, headers=bearer(settings, clock, world.agent.email)
    )
    system = await client.post(f"/v1/tickets/{reference}/break-glass", json=body, headers=writer_headers)
    unknown = await client.post(
        "/v1/tickets/G3600-2026-999999/break-glass", json=body, headers=bearer(settings, clock, supervisor.email)
    )
    too_short = await client.post(
        f"/v1/tickets/{reference}/break-glass",
        json={"reason": "because"},
        headers=bearer(settings, clock, supervisor.email),
    )

    assert assert_problem(agent, 403)["title"] == "Not a supervisor"
    assert_problem(system, 403)
    assert_problem(unknown, 404)
    assert_problem(too_short, 422)
    assert await factories.count(session, AccessGrant) == 0
