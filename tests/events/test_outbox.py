"""The outbox: every timeline entry writes an event in its own transaction, with a minimal payload."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.db import Database, Session
from genk3600.errors import Conflict
from genk3600.events.outbox import known_event_types, minimal_payload
from genk3600.i18n.texts import Message
from genk3600.models import OutboxEvent, Ticket, TicketEvent, Unit
from genk3600.models.enums import Language, TicketEventType
from genk3600.tickets.service import NewTicket, open_ticket
from genk3600.tickets.timeline import record_event
from tests import factories
from tests.events.conftest import TESTER, Committed
from tests.factories import World, web_contact

GROFVUIL = {
    "name": "Grofvuil",
    "position": 10,
    "conditions": {"keywords": ["grofvuil"]},
    "actions": {"owning_unit": "omgeving", "priority": "high"},
}


async def test_every_timeline_entry_has_its_event_without_free_text(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    assert (await client.post("/v1/routing/rules", json=GROFVUIL, headers=admin_headers)).status_code == 201
    contact = web_contact(category=None, subject="Vraag", body="Mijn GROFVUIL staat er nog, buurman Piet weet het.")
    ticket = (await client.post("/v1/contacts", json=contact, headers=admin_headers)).json()["ticket"]

    events = (await session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))).all()
    timeline = (await session.scalars(select(TicketEvent).order_by(TicketEvent.id))).all()
    assert [event.type for event in events] == [f"ticket.{entry.type}" for entry in timeline]
    assert [event.type for event in events] == ["ticket.created", "ticket.routed"]
    created, routed = events
    assert created.ticket_reference == ticket["reference"]
    assert created.owning_unit_id == world.omgeving.id
    assert created.confidentiality == "normal"
    assert created.payload["category"] is None
    assert created.payload["channel"] == "web"
    assert routed.payload["owning_unit"] == "omgeving"
    assert routed.payload["priority"] == "high"
    assert "matched" not in routed.payload  # what a keyword matched comes from the citizen's words
    document = json.dumps([event.payload for event in events]).lower()
    assert "staat er nog" not in document  # neither the body …
    assert "piet" not in document
    assert "vraag" not in document  # … nor the subject
    assert all(event.txid == events[0].txid for event in events)  # one transaction, one txid


async def test_owner_and_confidentiality_are_those_of_the_transaction(
    session: AsyncSession, settings: Settings, world: World
) -> None:
    ticket = await open_ticket(
        session,
        settings,
        NewTicket(subject="Vraag", language=Language.nl, owning_unit=world.omgeving, category=None, citizen=None),
        factories.OPENED_AT,
    )
    # A bulk UPDATE (as the SLA sweeper's hand-over does) that the ORM object does not see.
    await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id)
        .values(owning_unit_id=world.sociale_dienst.id, confidentiality="social")
    )
    await record_event(
        session, ticket, TESTER, TicketEventType.escalated, Message("ticket.returned"), {"to_unit": "sociale"}
    )

    event = await session.scalar(select(OutboxEvent).where(OutboxEvent.ticket_id == ticket.id))
    assert event is not None
    assert (event.owning_unit_id, event.confidentiality) == (world.sociale_dienst.id, "social")
    assert event.type == "ticket.escalated"
    assert event.payload == {"to_unit": "sociale"}


async def test_a_failed_transaction_leaves_no_event(
    database: Database, settings: Settings, committed: Committed
) -> None:
    class Boom(Exception):
        pass

    async def write_then_fail() -> None:
        async with database.sessions.begin() as session:
            unit = await session.get_one(Unit, committed.world.omgeving.id)
            new = NewTicket(subject="Vraag", language=Language.nl, owning_unit=unit, category=None, citizen=None)
            ticket = await open_ticket(session, settings, new, factories.OPENED_AT)
            await record_event(session, ticket, TESTER, TicketEventType.created, Message("ticket.created"), {})
            raise Boom

    with pytest.raises(Boom):
        await write_then_fail()

    async with database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxEvent)) == 0


async def test_a_request_that_fails_after_writing_leaves_no_event(
    scratch_app: tuple[FastAPI, Database], api: httpx.AsyncClient, settings: Settings, committed: Committed
) -> None:
    app, database = scratch_app
    unit_id = committed.world.omgeving.id

    @app.post("/test/fails-after-writing")
    async def fails_after_writing(session: Session) -> None:
        unit = await session.get_one(Unit, unit_id)
        new = NewTicket(subject="Vraag", language=Language.nl, owning_unit=unit, category=None, citizen=None)
        ticket = await open_ticket(session, settings, new, factories.OPENED_AT)
        await record_event(session, ticket, TESTER, TicketEventType.created, Message("ticket.created"), {})
        raise Conflict("Something after the write went wrong.")

    assert (await api.post("/test/fails-after-writing")).status_code == 409
    ok = await api.post("/v1/contacts", json=web_contact(), headers=committed.writer)
    assert ok.status_code == 201, ok.text
    async with database.sessions() as session:
        events = (await session.scalars(select(OutboxEvent))).all()
    assert events  # the successful request's events, and nothing of the failed one
    assert {event.ticket_reference for event in events} == {ok.json()["ticket"]["reference"]}


def test_minimal_payload_drops_free_text_at_every_depth() -> None:
    data = {
        "from": "new",
        "to": "assigned",
        "note": "De burger is boos",
        "matched": ["keyword 'schulden'"],
        "nested": {"summary": "x", "id": 3, "items": [{"body": "y", "code": "z"}]},
    }
    assert minimal_payload(data) == {"from": "new", "to": "assigned", "nested": {"id": 3, "items": [{"code": "z"}]}}


def test_every_timeline_type_has_an_event_type() -> None:
    assert {f"ticket.{kind.value}" for kind in TicketEventType} | {"webhook.disabled"} == known_event_types()
