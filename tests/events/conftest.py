"""Fixtures for the events tests: the events router on the app, a real webhook receiver, helpers."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from genk3600.auth.principal import system_principal
from genk3600.config import Settings
from genk3600.db import Database
from genk3600.events.router import router as events_router
from genk3600.i18n.texts import Message
from genk3600.models import Citizen, OutboxEvent, Ticket, Unit
from genk3600.models.enums import Confidentiality, Language, TicketEventType
from genk3600.tickets.service import NewTicket, open_ticket
from genk3600.tickets.timeline import record_event
from tests import factories
from tests.factories import free_port

TESTER = system_principal("events test")


def mount_events(app: FastAPI) -> FastAPI:
    """Include the events router unless create_app already does (once app.py mounts it)."""
    paths = {getattr(route, "path", None) for route in app.routes}
    if "/v1/events" not in paths:
        app.include_router(events_router)
    return app


@pytest.fixture(scope="session")
def settings(settings: Settings) -> Settings:
    """The webhook receiver of these tests listens on 127.0.0.1: allow private targets here (off by default)."""
    return settings.model_copy(update={"webhook_allow_private_targets": True})


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    return mount_events(app)


@pytest.fixture
def scratch_app(scratch_app: tuple[FastAPI, Database]) -> tuple[FastAPI, Database]:
    app, database = scratch_app
    return mount_events(app), database


@pytest.fixture
def database(scratch_app: tuple[FastAPI, Database]) -> Database:
    return scratch_app[1]


@pytest.fixture
async def api(scratch_app: tuple[FastAPI, Database]) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app on the scratch database: every request commits for real."""
    transport = httpx.ASGITransport(app=scratch_app[0], raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        yield client


@dataclass
class Committed:
    """A small organisation and API keys, committed in the scratch database."""

    world: factories.World
    admin: dict[str, str]
    reader: dict[str, str]  # tickets:read, no unit restriction
    writer: dict[str, str]  # contacts:write + tickets:read


@pytest.fixture
async def committed(database: Database) -> Committed:
    async with database.sessions.begin() as session:
        world = await factories.small_world(session)
        admin = await factories.api_key(session, "admin", ["admin", "tickets:read", "contacts:write"])
        reader = await factories.api_key(session, "reader", ["tickets:read"])
        writer = await factories.api_key(session, "writer", ["contacts:write", "tickets:read"])
    return Committed(world, {"X-API-Key": admin}, {"X-API-Key": reader}, {"X-API-Key": writer})


async def ticket_with_event(
    database: Database,
    settings: Settings,
    unit_id: int,
    *,
    social: bool = False,
    citizen_id: int | None = None,
    events: int = 1,
) -> Ticket:
    """Open a ticket and record `events` timeline entries on it, in one committed transaction."""
    async with database.sessions.begin() as session:
        unit = await session.get(Unit, unit_id)
        assert unit is not None
        citizen = await session.get(Citizen, citizen_id) if citizen_id else None
        ticket = await open_ticket(
            session,
            settings,
            NewTicket(
                subject="Vraag over leefloon",
                language=Language.nl,
                owning_unit=unit,
                category=None,
                citizen=citizen,
                confidentiality=Confidentiality.social if social else None,
            ),
            factories.OPENED_AT,
        )
        await record_event(
            session, ticket, TESTER, TicketEventType.created, Message("ticket.created"), {"owning_unit": unit.code}
        )
        for number in range(1, events):
            await record_event(
                session,
                ticket,
                TESTER,
                TicketEventType.note,
                Message("legacy", {"text": "Note."}),
                {"n": number, "note": "x"},
            )
    return ticket


async def outbox_ids(database: Database) -> list[int]:
    """Every event in feed order, straight from the table."""
    async with database.sessions() as session:
        rows = await session.scalars(select(OutboxEvent.id).order_by(OutboxEvent.txid, OutboxEvent.id))
        return list(rows)


async def read_all(
    client: httpx.AsyncClient, headers: dict[str, str], after: str | None = None, **params: str
) -> tuple[list[dict[str, Any]], str]:
    """Page through the feed until it has no more right now; the items and the cursor to continue from."""
    items: list[dict[str, Any]] = []
    while True:
        query = {**params, **({"after": after} if after else {})}
        response = await client.get("/v1/events", params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        after = page["next_cursor"]
        assert after
        if not page["has_more"]:
            return items, after


# --- a real webhook receiver: uvicorn on 127.0.0.1 in a thread ------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def event(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.body)
        return document


@dataclass
class Receiver:
    """Answers from a script per path (status, headers), then 200; records every request it gets."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    scripts: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    delay_seconds: float = 0.0
    in_flight: dict[str, int] = field(default_factory=dict)  # per ticket reference
    max_in_flight: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path: str, *answers: int | tuple[int, dict[str, str]]) -> None:
        self.scripts[path] = [answer if isinstance(answer, tuple) else (answer, {}) for answer in answers]

    def on(self, path: str) -> list[Received]:
        with self.lock:
            return [request for request in self.received if request.path == path]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        path = request.url.path
        ticket = str(json.loads(body).get("ticket")) if body else ""
        with self.lock:
            self.in_flight[ticket] = self.in_flight.get(ticket, 0) + 1
            self.max_in_flight[ticket] = max(self.max_in_flight.get(ticket, 0), self.in_flight[ticket])
            script = self.scripts.get(path, [])
            status, headers = script.pop(0) if script else (200, {})
        try:
            if self.delay_seconds:
                await asyncio.sleep(self.delay_seconds)
        finally:
            with self.lock:
                self.in_flight[ticket] -= 1
                self.received.append(Received(path, dict(request.headers), body, status))
        await Response(status_code=status, headers=headers)(scope, receive, send)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    handler = Receiver(port=free_port())
    server = uvicorn.Server(
        uvicorn.Config(handler, host="127.0.0.1", port=handler.port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "the webhook receiver did not start"
        assert time.monotonic() < deadline, "the webhook receiver did not start in time"
        time.sleep(0.01)
    try:
        yield handler
    finally:
        server.should_exit = True
        thread.join(timeout=10)
