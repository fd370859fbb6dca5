"""Concurrent retries with one Idempotency-Key on the operations that create: one record, one answer."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from genk3600.config import Settings
from genk3600.db import Database
from genk3600.kit.clock import FixedClock
from genk3600.models import Escalation, OutboxEvent, Participation, TicketEvent
from tests import factories
from tests.races.scene import client_of, scene_with_ticket

RETRIES = 12


async def test_concurrent_retries_of_a_hand_off_and_a_role_create_one_of_each(
    scratch_app: tuple[FastAPI, Database], settings: Settings, clock: FixedClock
) -> None:
    app, database = scratch_app
    async with client_of(app) as client:
        scene = await scene_with_ticket(database, settings, clock, client)
        agent = next(email for email in scene.staff_ids if email.startswith("an.agent"))

        async def escalate() -> httpx.Response:
            return await client.post(
                f"/v1/tickets/{scene.reference}/escalations",
                json={"to_unit": "burgerzaken", "reason": "needs_decision", "requested_role": "deciding"},
                headers={**scene.headers, "Idempotency-Key": "handoff-1"},
            )

        async def participate() -> httpx.Response:
            return await client.post(
                f"/v1/contacts/{scene.contact_id}/participations",
                json={"role": "registering", "staff_id": scene.staff_ids[agent]},
                headers={**scene.headers, "Idempotency-Key": "role-1"},
            )

        # Interleaved, so retries of both operations overlap.
        responses = await asyncio.gather(*(make() for _ in range(RETRIES) for make in (escalate, participate)))

    handoffs, roles = responses[0::2], responses[1::2]
    assert {response.status_code for response in responses} == {201}, [r.text for r in responses]
    assert len({response.json()["id"] for response in handoffs}) == 1
    assert len({response.json()["id"] for response in roles}) == 1
    assert Counter(response.headers.get("idempotent-replayed") for response in handoffs)["true"] == RETRIES - 1
    async with database.sessions() as session:
        assert await factories.count(session, Escalation) == 1
        assert await factories.count(session, Participation) == 1
        kinds = Counter(
            (
                await session.scalars(
                    select(TicketEvent.type).where(TicketEvent.type.in_(["escalated", "participation_recorded"]))
                )
            ).all()
        )
        outbox = await session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.type.in_(["ticket.escalated", "ticket.participation_recorded"]))
        )
    assert kinds == Counter({"escalated": 1, "participation_recorded": 1})
    assert outbox == 2
