"""A social case with a case worker who can be booked for home visits: what the appointment tests share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.models import Citizen, Staff, Ticket
from tests import factories
from tests.factories import World, bearer, web_contact

# Monday 22 March 2027, 09:00 in Genk: the week before the daylight-saving switch (and Easter).
MONDAY = datetime(2027, 3, 22, 8, 0, tzinfo=UTC)
# Tuesday 23 March 2027, 09:20 local (CET): the case worker's first home-visit slot after 20 minutes' travel.
FIRST_VISIT = datetime(2027, 3, 23, 8, 20, tzinfo=UTC)
SOCIAL_SUBJECT = "Leefloon aanvraag CANARY-SOCIAL-7731"
KIND = {
    "name": "Huisbezoek maatschappelijk werker",
    "names": {"fr": "Visite à domicile", "de": "Hausbesuch"},
    "unit": "sociale_dienst",
    "category_prefix": "social.",
    "duration_minutes": 60,
    "home_visit": True,
    "travel_minutes": 20,
    "citizen_bookable": True,
}
WEEK = {"windows": [{"unit": "sociale_dienst", "weekday": day, "opens": "09:00", "closes": "12:00"} for day in (1, 3)]}


@dataclass
class Case:
    reference: str
    access_code: str
    worker: Staff
    colleague: Staff
    worker_headers: dict[str, str]
    colleague_headers: dict[str, str]


async def social_case(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin: dict[str, str],
    *,
    email: str = "client@example.org",
    language: str = "nl",
) -> Case:
    """A social ticket of a citizen whose case worker (and a colleague) can be booked for home visits."""
    clock.set(MONDAY)
    worker = await factories.staff(session, "sofie.vermeulen@genk.example", world.sociale_dienst, "case_worker")
    colleague = await factories.staff(session, "tom.claes@genk.example", world.sociale_dienst, "case_worker")
    worker_headers = bearer(settings, clock, worker.email)
    body = web_contact(
        category="social.living_wage",
        subject=SOCIAL_SUBJECT,
        body="Ik heb hulp nodig met mijn leefloon CANARY-SOCIAL-7731.",
        citizen={"email": email, "family_name": "Peeters", "preferred_language": language},
    )
    created = await client.post("/v1/contacts", json=body, headers=worker_headers)
    assert created.status_code == 201, created.text
    reference = created.json()["contact"]["ticket"]
    access_code = created.json()["access_code"]
    citizen_id = await session.scalar(Ticket.__table__.select().with_only_columns(Ticket.citizen_id).where(
        Ticket.reference == reference))  # fmt: skip
    await session.execute(update(Citizen).where(Citizen.id == citizen_id).values(case_worker_id=worker.id))
    await session.flush()
    put = await client.put("/v1/appointment-kinds/social.home_visit", json=KIND, headers=admin)
    assert put.status_code == 200, put.text
    for who in (worker, colleague):
        made = await client.put(f"/v1/staff/{who.id}/availability", json=WEEK, headers=admin)
        assert made.status_code == 200, made.text
    return Case(reference, access_code, worker, colleague, worker_headers, bearer(settings, clock, colleague.email))
