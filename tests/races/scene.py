"""The stage of the race tests: a small world, staff with tokens, an API key and one routed ticket."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from genk3600.auth.tokens import issue_dev_token
from genk3600.config import Settings
from genk3600.db import Database
from genk3600.kit.clock import Clock
from genk3600.models import OutboxEvent, Staff, StaffMembership, Ticket, TicketEvent
from tests import factories

SCOPES = ["admin", "contacts:write", "tickets:read", "tickets:write"]


@dataclass
class Scene:
    client: httpx.AsyncClient
    headers: dict[str, str]
    reference: str
    contact_id: int
    staff_tokens: dict[str, dict[str, str]]  # e-mail -> Authorization header
    staff_ids: dict[str, int]


async def scene_with_ticket(database: Database, settings: Settings, clock: Clock, client: httpx.AsyncClient) -> Scene:
    """A small world, two back-office people per department, and one routed ticket from a web contact."""
    async with database.sessions.begin() as session:
        world = await factories.small_world(session)
        key = await factories.api_key(session, "race-client", SCOPES)
        people = {f"{unit.code}.{n}@genk.example": unit for unit in (world.omgeving, world.burgerzaken) for n in (1, 2)}
        rows = [
            Staff(
                email=email,
                full_name=email.split("@")[0],
                memberships=[StaffMembership(unit_id=unit.id, position="back_office")],
            )
            for email, unit in people.items()
        ]
        session.add_all(rows)
        await session.flush()
        staff_ids = {row.email: row.id for row in rows} | {world.agent.email: world.agent.id}
    headers = {"X-API-Key": key}
    created = await client.post("/v1/contacts", json=factories.web_contact(), headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    tokens = {email: {"Authorization": f"Bearer {issue_dev_token(settings, clock, email)}"} for email in staff_ids}
    return Scene(client, headers, body["ticket"]["reference"], body["contact"]["id"], tokens, staff_ids)


async def ticket_state(database: Database, reference: str) -> tuple[Ticket, list[TicketEvent], Counter[str]]:
    async with database.sessions() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket is not None
        events = list(
            (
                await session.scalars(
                    select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
                )
            ).all()
        )
        outbox = Counter(
            (await session.scalars(select(OutboxEvent.type).where(OutboxEvent.ticket_id == ticket.id))).all()
        )
    return ticket, events, outbox


def client_of(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://genk3600.test")
