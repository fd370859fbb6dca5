"""Claims under real concurrency: a real connection pool, every request commits on its own connection."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from genk3600.auth.tokens import issue_dev_token
from genk3600.config import Settings
from genk3600.db import Database
from genk3600.kit.clock import FixedClock
from genk3600.kit.reference import format_reference
from genk3600.models import Staff, StaffMembership, Ticket, TicketEvent
from genk3600.models.enums import TicketEventType, TicketStatus
from tests import factories

TICKETS = 60
CLAIMERS = 50


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://genk3600.test")


async def _staff_and_tickets(database: Database, claimers: int, tickets: int) -> list[str]:
    """A unit with `claimers` staff members and `tickets` unassigned new tickets; returns the staff e-mails."""
    async with database.sessions.begin() as session:
        world = await factories.small_world(session)
        emails = [f"claimer.{n:02d}@genk.example" for n in range(claimers)]
        session.add_all(
            Staff(
                email=email,
                full_name=f"Claimer {n:02d}",
                memberships=[StaffMembership(unit_id=world.omgeving.id, position="back_office")],
            )
            for n, email in enumerate(emails)
        )
        session.add_all(
            Ticket(reference=format_reference(2026, n), subject=f"Vraag {n}", owning_unit_id=world.omgeving.id)
            for n in range(1, tickets + 1)
        )
    return emails


async def test_fifty_concurrent_claimers_never_get_the_same_ticket(
    scratch_app: tuple[FastAPI, Database], settings: Settings, clock: FixedClock
) -> None:
    app, database = scratch_app
    emails = await _staff_and_tickets(database, CLAIMERS, TICKETS)

    async with _client(app) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    "/v1/queues/omgeving/claim",
                    headers={"Authorization": f"Bearer {issue_dev_token(settings, clock, email)}"},
                )
                for email in emails
            )
        )

    assert [response.status_code for response in responses] == [200] * CLAIMERS, [r.text for r in responses]
    claimed = [response.json() for response in responses]
    references = {ticket["reference"] for ticket in claimed}
    assert len(references) == CLAIMERS
    assert len({ticket["assignee"]["id"] for ticket in claimed}) == CLAIMERS

    async with database.sessions() as session:
        rows = (await session.execute(select(Ticket.reference, Ticket.assignee_staff_id, Ticket.status))).all()
        by_reference = {reference: (assignee, status) for reference, assignee, status in rows}
        events = Counter(
            (
                await session.scalars(
                    select(Ticket.reference)
                    .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
                    .where(TicketEvent.type == TicketEventType.assigned.value)
                )
            ).all()
        )

    for ticket in claimed:
        assert by_reference[ticket["reference"]] == (ticket["assignee"]["id"], TicketStatus.assigned.value)
    assert events == Counter(dict.fromkeys(references, 1))
    unassigned = [reference for reference, (assignee, _status) in by_reference.items() if assignee is None]
    assert len(unassigned) == TICKETS - CLAIMERS
    assert all(by_reference[reference][1] == TicketStatus.new.value for reference in unassigned)
    # Queue order holds across claimers: with equal priority and no deadlines, the oldest tickets went first.
    assert references == {format_reference(2026, n) for n in range(1, CLAIMERS + 1)}


async def test_a_locked_ticket_is_skipped_not_waited_for(
    scratch_app: tuple[FastAPI, Database], settings: Settings, clock: FixedClock
) -> None:
    app, database = scratch_app
    [email] = await _staff_and_tickets(database, claimers=1, tickets=2)

    async with database.sessions.begin() as holder, _client(app) as client:
        # Another claimer's transaction holds the first ticket and has not committed yet.
        await holder.execute(select(Ticket.id).where(Ticket.reference == "G3600-2026-000001").with_for_update())
        response = await asyncio.wait_for(
            client.post(
                "/v1/queues/omgeving/claim",
                headers={"Authorization": f"Bearer {issue_dev_token(settings, clock, email)}"},
            ),
            timeout=10,
        )

    assert response.status_code == 200, response.text
    assert response.json()["reference"] == "G3600-2026-000002"
    async with database.sessions() as session:
        assert (
            await session.scalar(select(func.count()).select_from(Ticket).where(Ticket.assignee_staff_id.is_(None)))
            == 1
        )
