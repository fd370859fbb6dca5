"""The issue's "done when" on the demo organisation: a case worker of the Sociale dienst is booked for a home visit
by the contact centre and by the citizen, and the visit lands on the ticket with its role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.demo import AGENT_EMAIL, DEMO_VISITING_CASE_WORKERS, seed_demo
from genk3600.kit.clock import FixedClock
from genk3600.models import Appointment, Citizen, Contact, Participation, Staff, Ticket
from tests.factories import bearer, web_contact

MONDAY = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # Monday 1 March 2027, 09:00 in Genk
HOME = "Hoogstraat 12, 3600 Genk"


async def test_the_demo_case_worker_is_booked_for_a_home_visit_by_the_contact_centre_and_by_the_citizen(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, clock: FixedClock
) -> None:
    await seed_demo(session)
    clock.set(MONDAY)
    agent = bearer(settings, clock, AGENT_EMAIL)
    body = web_contact(
        category="social.living_wage",
        subject="Vraag over leefloon",
        body="Ik wil graag dat iemand langskomt; ik kan moeilijk naar het OCMW komen.",
        citizen={"email": "rosa.huisbezoek@example.org", "given_name": "Rosa", "family_name": "Vos"},
    )
    created = await client.post("/v1/contacts", json=body, headers=agent)
    assert created.status_code == 201, created.text
    reference, code = created.json()["contact"]["ticket"], created.json()["access_code"]
    ines = await session.scalar(select(Staff).where(Staff.email == DEMO_VISITING_CASE_WORKERS[0]))
    assert ines is not None
    await session.execute(
        update(Citizen).where(Citizen.email == "rosa.huisbezoek@example.org").values(case_worker_id=ines.id)
    )
    await session.flush()

    # The contact centre may not read the social case: without the citizen's access code, nothing of it.
    path = f"/v1/tickets/{reference}/appointment-slots"
    for params in ({"kind": "social.home_visit"}, {"kind": "social.home_visit", "access_code": "WRONG-CODE-42"}):
        hidden = await client.get(path, params=params, headers=agent)
        assert hidden.status_code == 404, hidden.text
        assert "leefloon" not in hidden.text.lower()
    # With it, the front door books: the citizen's own case worker comes first, Tuesday 09:20 after the travel.
    slots = await client.get(path, params={"kind": "social.home_visit", "access_code": code}, headers=agent)
    assert slots.status_code == 200, slots.text
    first = slots.json()["items"][0]
    assert (first["staff"]["id"], first["case_worker"], first["starts_at"]) == (ines.id, True, "2027-03-02T08:20:00Z")
    book = {"ticket": reference, "kind": "social.home_visit", "starts_at": first["starts_at"], "staff_id": ines.id,
            "address": HOME}  # fmt: skip
    refused = await client.post("/v1/appointments", json=book, headers=agent)
    assert refused.status_code == 422, refused.text  # unknown-appointment-subject: no ticket the agent may see
    booked = await client.post("/v1/appointments", json={**book, "access_code": code}, headers=agent)
    assert booked.status_code == 201, booked.text
    assert "leefloon" not in booked.text.lower()
    # Booked, it stays the case's: the agent cannot read it back.
    assert (await client.get(f"/v1/appointments/{booked.json()['id']}", headers=agent)).status_code == 404

    # The citizen, on the status page with the access code: the next free time, no staff names.
    public = f"/v1/public/tickets/{reference}"
    times = await client.get(f"{public}/appointment-slots", params={"code": code})
    assert times.status_code == 200, times.text
    assert "Coenen" not in times.text
    mine = await client.post(
        f"{public}/appointments", params={"code": code},
        json={"kind": "social.home_visit", "starts_at": times.json()["items"][0]["starts_at"], "address": HOME},
    )  # fmt: skip
    assert mine.status_code == 201, mine.text
    # Ines is taken at 09:20: the citizen's visit is with her colleague then, or with her later.
    visits = (await session.execute(select(Appointment.staff_id, Appointment.starts_at))).all()
    assert len(visits) == len(set(visits)) == 2

    # Ines holds the first visit: a home-visit contact on the ticket with her role.
    clock.set(datetime.fromisoformat(first["starts_at"]) + timedelta(minutes=70))
    held = await client.post(
        f"/v1/appointments/{booked.json()['id']}/outcome", json={"outcome": "held", "role": "advising"},
        headers=bearer(settings, clock, ines.email),
    )  # fmt: skip
    assert held.status_code == 200, held.text
    contact = await session.get(Contact, held.json()["contact_id"])
    assert contact is not None
    ticket_id = await session.scalar(select(Ticket.id).where(Ticket.reference == reference))
    assert (contact.channel, contact.ticket_id) == ("home_visit", ticket_id)
    role = await session.scalar(select(Participation).where(Participation.contact_id == contact.id))
    assert role is not None
    assert (role.staff_id, role.role) == (ines.id, "advising")
