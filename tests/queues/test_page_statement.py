"""A queue page is one statement (queues/repository.py); its answer is, byte for byte, what the ORM objects gave
before: the same tickets in the same order with the same fields, colours and cursors, on every page."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from genk3600.auth.principal import Membership, Principal, staff_scopes
from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.models import Ticket
from genk3600.models.enums import Position
from genk3600.privacy.visibility import visible_tickets
from genk3600.queues.repository import _in_queue_order, _is_open
from genk3600.queues.schemas import QueuePage, QueueTicketOut
from genk3600.queues.service import _key_of, deadline_colour, encode_queue_cursor
from genk3600.tickets.schemas import TicketOut
from tests import factories
from tests.factories import World, web_contact
from tests.participation import staff_headers


async def _as_the_orm_gives_it(session: AsyncSession, viewer: Principal, unit_id: int, clock: FixedClock) -> list[str]:
    """Every page of the unit's queue (limit 2), as the ORM rendering of before serialises it."""
    session.expunge_all()
    statement = (
        select(Ticket)
        .options(
            selectinload(Ticket.category),
            selectinload(Ticket.owning_unit),
            selectinload(Ticket.assignee),
            selectinload(Ticket.citizen),
        )
        .where(Ticket.owning_unit_id == unit_id, _is_open(), visible_tickets(viewer))
        .order_by(*_in_queue_order())
    )
    tickets = list((await session.scalars(statement)).all())
    pages = []
    for start in range(0, max(len(tickets), 1), 2):
        shown, more = tickets[start : start + 2], len(tickets) > start + 2
        items = [
            QueueTicketOut(**dict(TicketOut.of(t)), deadline_colour=deadline_colour(t.resolution_due_at, clock.now()))
            for t in shown
        ]
        cursor = encode_queue_cursor(_key_of(shown[-1])) if more and shown else None
        pages.append(QueuePage(items=items, next_cursor=cursor).model_dump_json())
    return pages


async def test_every_page_is_byte_identical_to_the_orm_rendering(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
) -> None:
    worker = await factories.staff(session, "bo@genk.example", world.omgeving, "back_office")
    # Seven tickets, two per page: cursors after a deadline and after a ticket without one (the last page).
    dues = [None, timedelta(minutes=-5), timedelta(minutes=30), timedelta(days=2), None, timedelta(days=2), None]
    for number, due in enumerate(dues):
        citizen = {"email": f"burger{number}@example.org", "given_name": "Zoë"} if number % 2 else None
        contact = web_contact(citizen=citizen, subject=f"Vraag {number}")
        created = await client.post("/v1/contacts", json=contact, headers=admin_headers)
        assert created.status_code == 201, created.text
        reference = created.json()["ticket"]["reference"]
        fields = {"resolution_due_at": clock.now() + due if due is not None else None}
        if number == 2:
            fields |= {"assignee_staff_id": worker.id, "priority": "urgent"}
        await factories.set_status(session, reference, "assigned" if number == 2 else "new", **fields)

    viewer = Principal(
        kind="staff",
        id=worker.id,
        name=worker.full_name,
        scopes=staff_scopes({Position.back_office}),
        memberships=(Membership(world.omgeving.id, Position.back_office),),
    )
    expected = await _as_the_orm_gives_it(session, viewer, world.omgeving.id, clock)
    headers = staff_headers(settings, clock, worker)
    answers, cursor = [], None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        answer = await client.get("/v1/queues/omgeving", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        answers.append(answer.content.decode())
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            break
    assert len(expected) == 4
    assert answers == expected
