"""Over real connections (every request commits): twenty agents booking one slot at once, and the reminder the
day before, through the outbound mail job into a real SMTP sink, with an .ics that `icalendar` parses."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from fastapi import FastAPI
from icalendar import Calendar
from sqlalchemy import func, select, update

from genk3600.appointments.reminders import remind_once
from genk3600.config import Settings
from genk3600.db import Database
from genk3600.kit.clock import FixedClock
from genk3600.models import Appointment, Citizen, Staff, Ticket
from genk3600.notifications.sender import send_once
from tests import factories
from tests.appointments.helpers import FIRST_VISIT, KIND, MONDAY, WEEK
from tests.factories import bearer, web_contact
from tests.notifications.test_sender import Sink, sink  # noqa: F401 - the SMTP sink fixture

AGENTS = 20


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://genk3600.test"
    )


async def _booked_world(app: FastAPI, database: Database, settings: Settings, clock: FixedClock, agents: int) -> tuple[
    str, Staff, list[dict[str, str]]
]:  # fmt: skip
    """A social ticket of a citizen (who reads German) whose case worker can be booked, and `agents` colleagues
    of the OCMW who may book it; committed."""
    clock.set(MONDAY)
    async with database.sessions.begin() as session:
        world = await factories.small_world(session)
        worker = await factories.staff(session, "sofie.vermeulen@genk.example", world.sociale_dienst, "case_worker")
        bookers = [
            await factories.staff(session, f"mw{n:02d}@genk.example", world.sociale_dienst, "case_worker")
            for n in range(agents)
        ]
        admin = {"X-API-Key": await factories.api_key(session, "admin", ["admin", "tickets:read", "tickets:write"])}
    headers = bearer(settings, clock, worker.email)
    async with _client(app) as client:
        social = web_contact(
            category="social.living_wage",
            subject="Leefloon",
            citizen={"email": "klaus.becker@example.de", "preferred_language": "de", "family_name": "Becker"},
        )
        created = await client.post("/v1/contacts", json=social, headers=headers)
        assert created.status_code == 201, created.text
        reference = created.json()["contact"]["ticket"]
        assert (await client.put("/v1/appointment-kinds/social.home_visit", json=KIND, headers=admin)).is_success
        assert (await client.put(f"/v1/staff/{worker.id}/availability", json=WEEK, headers=admin)).is_success
    async with database.sessions.begin() as session:
        citizen_id = (await session.scalar(select(Ticket.citizen_id).where(Ticket.reference == reference))) or 0
        await session.execute(update(Citizen).where(Citizen.id == citizen_id).values(case_worker_id=worker.id))
    return reference, worker, [bearer(settings, clock, booker.email) for booker in bookers]


async def test_twenty_agents_booking_one_slot_at_once_one_wins_nineteen_get_alternatives(
    scratch_app: tuple[FastAPI, Database], settings: Settings, clock: FixedClock
) -> None:
    app, database = scratch_app
    reference, worker, agents = await _booked_world(app, database, settings, clock, AGENTS)
    body = {"ticket": reference, "kind": "social.home_visit", "starts_at": FIRST_VISIT.isoformat(),
            "staff_id": worker.id, "address": "Stadsplein 1, 3600 Genk"}  # fmt: skip

    async def book(headers: dict[str, str]) -> httpx.Response:
        async with _client(app) as client:  # a client (and a pooled connection) of its own per agent
            return await client.post("/v1/appointments", json=body, headers=headers)

    answers = await asyncio.gather(*(book(headers) for headers in agents))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [409] * (AGENTS - 1), [a.text for a in answers if a.status_code not in (201, 409)]
    for lost in (answer for answer in answers if answer.status_code == 409):
        problem = lost.json()
        assert problem["type"].endswith("/slot-taken")
        assert problem["alternatives"], problem
        assert all(
            alt["starts_at"] != FIRST_VISIT.isoformat().replace("+00:00", "Z") for alt in problem["alternatives"]
        )
    async with database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Appointment)) == 1


async def test_the_reminder_arrives_the_day_before_with_a_valid_ics_and_only_once(
    scratch_app: tuple[FastAPI, Database],
    settings: Settings,
    clock: FixedClock,
    sink: tuple[Sink, int],  # noqa: F811
) -> None:
    app, database = scratch_app
    handler, port = sink
    relay = settings.model_copy(update={"smtp_relay_host": "127.0.0.1", "smtp_relay_port": port})
    reference, worker, _ = await _booked_world(app, database, settings, clock, 0)
    # Booked on Monday for Thursday 25 March 09:20 local: the reminder is due Wednesday 10:00 local.
    visit = FIRST_VISIT + timedelta(days=2)
    async with _client(app) as client:
        booked = await client.post(
            "/v1/appointments",
            json={"ticket": reference, "kind": "social.home_visit", "starts_at": visit.isoformat(),
                  "staff_id": worker.id, "address": "Stadsplein 1, 3600 Genk"},
            headers=bearer(settings, clock, worker.email),
        )  # fmt: skip
        assert booked.status_code == 201, booked.text
    assert booked.json()["reminder_due_at"] == "2027-03-24T09:00:00Z"
    await send_once(database.sessions, relay, clock)  # the acknowledgement and the confirmation
    confirmation = handler.received[-1]
    assert confirmation["Subject"] == f"Ihr Termin ist gebucht [{reference}]"

    clock.set(MONDAY + timedelta(days=2))  # Wednesday 09:00 local: not yet
    assert await remind_once(database.sessions, settings, clock) == 0
    clock.advance(hours=1)
    assert await remind_once(database.sessions, settings, clock) == 1
    assert await remind_once(database.sessions, settings, clock) == 0  # once only
    assert (await send_once(database.sessions, relay, clock)).sent == 1

    reminder = handler.received[-1]
    assert reminder["To"] == "klaus.becker@example.de"
    assert reminder["Subject"] == f"Erinnerung: Ihr Termin morgen [{reference}]"
    assert reminder["Content-Language"] == "de"
    [text] = [part for part in reminder.walk() if part.get_content_type() == "text/plain"]
    assert "Donnerstag, 25. März 2027" in text.get_payload(decode=True).decode()
    [attachment] = [part for part in reminder.walk() if part.get_content_type() == "text/calendar"]
    assert attachment.get_filename() == "invite.ics"
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    assert calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == visit
    assert event.decoded("DTEND") == visit + timedelta(hours=1)
    async with database.sessions() as session:
        uid = await session.scalar(select(Appointment.uid))
    assert str(event["UID"]) == uid
    assert reference in str(event["SUMMARY"])
