"""Resolving a ticket while the citizen keeps writing: never a finished ticket with a contact nobody handled."""

from __future__ import annotations

import asyncio
from collections import Counter

from fastapi import FastAPI
from sqlalchemy import exists, select

from genk3600.config import Settings
from genk3600.db import Database
from genk3600.kit.clock import FixedClock
from genk3600.models import Contact, OutboxEvent, Participation, Ticket, TicketEvent
from genk3600.models.enums import FINISHED_STATUSES
from tests import factories
from tests.races.scene import client_of, scene_with_ticket

FOLLOW_UPS = 6


async def test_resolving_while_follow_ups_arrive_never_finishes_with_an_unhandled_contact(
    scratch_app: tuple[FastAPI, Database], settings: Settings, clock: FixedClock
) -> None:
    app, database = scratch_app
    async with client_of(app) as client:
        scene = await scene_with_ticket(database, settings, clock, client)
        agent = next(email for email in scene.staff_ids if email.startswith("an.agent"))
        role = await client.post(
            f"/v1/contacts/{scene.contact_id}/participations",
            json={"role": "registering", "staff_id": scene.staff_ids[agent]},
            headers=scene.headers,
        )
        assert role.status_code == 201, role.text
        url = f"/v1/tickets/{scene.reference}"
        answers = []
        for round_ in range(2):
            if round_ == 1:
                # Second round: everything so far handled, so the resolve can win and the follow-ups come after.
                async with database.sessions() as session:
                    ids = (
                        await session.scalars(
                            select(Contact.id).where(~exists().where(Participation.contact_id == Contact.id))
                        )
                    ).all()
                for contact_id in ids:
                    handled = await client.post(
                        f"/v1/contacts/{contact_id}/participations",
                        json={"role": "registering", "staff_id": scene.staff_ids[agent]},
                        headers=scene.headers,
                    )
                    assert handled.status_code == 201, handled.text
            resolve = client.patch(url, json={"status": "resolved"}, headers={**scene.headers, "If-Match": "*"})
            # The same citizen on the same category: each joins the open ticket, or opens a new one once it is
            # resolved.
            follow_ups = [
                client.post(
                    "/v1/contacts", json=factories.web_contact(body=f"Nog iets ({round_}.{n})."), headers=scene.headers
                )
                for n in range(FOLLOW_UPS)
            ]
            resolved, *written = await asyncio.gather(resolve, *follow_ups)
            assert resolved.status_code in (200, 409), resolved.text
            assert {response.status_code for response in written} == {201}
            answers.append(resolved.status_code)
    print(f"\nresolve answered {answers}")  # noqa: T201 - which interleaving this run saw

    async with database.sessions() as session:
        tickets = (await session.scalars(select(Ticket))).all()
        unhandled = exists().where(Participation.contact_id == Contact.id)
        for ticket in tickets:
            if ticket.status in FINISHED_STATUSES:
                orphans = await session.scalars(select(Contact.id).where(Contact.ticket_id == ticket.id, ~unhandled))
                assert orphans.all() == [], f"{ticket.reference} is {ticket.status} with contacts nobody handled"
        # Follow-ups arriving together join one ticket; they never open one each.
        still_open = [ticket.reference for ticket in tickets if ticket.status not in FINISHED_STATUSES]
        assert len(still_open) <= 1, still_open
        contacts = (await session.scalars(select(Contact))).all()
        # Every contact is on a ticket, and on that ticket's timeline exactly once.
        print(f"tickets: {sorted((t.reference, t.status) for t in tickets)}")  # noqa: T201
        assert len(contacts) == 1 + 2 * FOLLOW_UPS
        assert all(contact.ticket_id is not None for contact in contacts)
        placed = Counter(
            event.data["contact_id"]
            for event in (await session.scalars(select(TicketEvent))).all()
            if event.type in ("created", "contact_added") and "contact_id" in event.data
        )
        assert placed == Counter({contact.id: 1 for contact in contacts}), placed
        timeline = Counter(f"ticket.{kind}" for kind in (await session.scalars(select(TicketEvent.type))).all())
        outbox = Counter(
            (await session.scalars(select(OutboxEvent.type).where(OutboxEvent.ticket_id.is_not(None)))).all()
        )
    assert outbox == timeline
