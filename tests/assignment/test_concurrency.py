"""Fifty tickets arriving while ten agents accept, decline and let offers time out, all at once, over real
connections: two dispatchers (replicas) run side by side, every request commits on its own pooled connection.

What must hold whatever the interleaving: every ticket is assigned exactly once (one accepted offer, one
`assigned` entry with its explanation), no agent holds more than their capacity, and no ticket was ever
offered to two agents at once (never two open offers, and each ticket's offers follow one another in time).
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter, defaultdict

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from genk3600.assignment.service import dispatch_once
from genk3600.config import Settings
from genk3600.db import Database
from genk3600.kit.clock import FixedClock
from genk3600.kit.reference import format_reference
from genk3600.models import AssignmentOffer, AssignmentPolicy, Staff, StaffMembership, StaffSkills, Ticket, TicketEvent
from genk3600.models.enums import TicketEventType
from tests import factories

TICKETS = 50
AGENTS = 10
CAPACITY = 6
WAVES = 10  # tickets arrive in waves of TICKETS / WAVES
TIMEOUT = 10
STEP = 4  # seconds on the clock per round


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://genk3600.test")


async def _setup(database: Database) -> tuple[int, list[Staff]]:
    async with database.sessions.begin() as session:
        world = await factories.small_world(session)
        agents = [
            Staff(
                email=f"agent.{n:02d}@genk.example",
                full_name=f"Agent {n:02d}",
                memberships=[StaffMembership(unit_id=world.omgeving.id, position="back_office")],
            )
            for n in range(AGENTS)
        ]
        session.add_all(agents)
        await session.flush()
        session.add_all(StaffSkills(staff_id=agent.id, default_capacity=CAPACITY) for agent in agents)
        session.add(
            AssignmentPolicy(
                unit_id=world.omgeving.id,
                mode="least_loaded",
                offer_timeout_seconds=TIMEOUT,
                decline_cooldown_seconds=3 * STEP,
            )
        )
        return world.omgeving.id, agents


async def _arrive(database: Database, unit_id: int, wave: int) -> None:
    size = TICKETS // WAVES
    async with database.sessions.begin() as session:
        session.add_all(
            Ticket(reference=format_reference(2026, n), subject=f"Vraag {n}", owning_unit_id=unit_id)
            for n in range(wave * size + 1, (wave + 1) * size + 1)
        )


async def _open_offers_per_ticket(database: Database) -> int:
    async with database.sessions() as session:
        most = await session.scalar(
            select(func.count())
            .select_from(AssignmentOffer)
            .where(AssignmentOffer.state == "open")
            .group_by(AssignmentOffer.ticket_id)
            .order_by(func.count().desc())
            .limit(1)
        )
    return int(most or 0)


async def test_fifty_tickets_ten_agents_accepting_declining_and_timing_out(
    scratch_app: tuple[FastAPI, Database], settings: Settings, clock: FixedClock
) -> None:
    app, database = scratch_app
    unit_id, agents = await _setup(database)
    headers = [factories.bearer(settings, clock, agent.email) for agent in agents]
    chance = random.Random(21)  # noqa: S311 - a reproducible mix of answers, not cryptography
    answers: Counter[str] = Counter()

    async with _client(app) as client:

        async def agent(header: dict[str, str], generous: bool) -> None:
            beat = await client.post("/v1/me/presence/heartbeat", headers=header)
            assert beat.status_code == 200, beat.text
            listed = await client.get("/v1/me/offers", headers=header)
            assert listed.status_code == 200, listed.text
            for offer in listed.json()["items"]:
                roll = chance.random()
                if generous or roll < 0.55:
                    answer = "accept"
                elif roll < 0.8:
                    answer = "decline"
                else:
                    answers["ignored"] += 1
                    continue
                response = await client.post(f"/v1/me/offers/{offer['id']}/{answer}", headers=header)
                # 409: the offer timed out or was taken meanwhile; never a 5xx, never another agent's.
                assert response.status_code in (200, 409), response.text
                answers[f"{answer} {response.status_code}"] += 1

        for header in headers:
            response = await client.put("/v1/me/presence", json={"status": "available"}, headers=header)
            assert response.status_code == 200, response.text

        for round_ in range(200):
            generous = round_ >= 40  # in the end everyone says yes, so the test ends
            work = [agent(header, generous) for header in headers]
            work += [dispatch_once(database.sessions, settings, clock.now()) for _replica in range(2)]
            if round_ < WAVES:
                work.append(_arrive(database, unit_id, round_))
            await asyncio.gather(*work)
            assert await _open_offers_per_ticket(database) <= 1
            clock.advance(seconds=STEP)
            async with database.sessions() as session:
                left = await session.scalar(
                    select(func.count()).select_from(Ticket).where(Ticket.assignee_staff_id.is_(None))
                )
            if round_ >= WAVES and left == 0:
                break

    async with database.sessions() as session:
        tickets = list((await session.scalars(select(Ticket).order_by(Ticket.id))).all())
        offers = list((await session.scalars(select(AssignmentOffer).order_by(AssignmentOffer.id))).all())
        assigned_entries = list(
            (await session.scalars(select(TicketEvent).where(TicketEvent.type == TicketEventType.assigned.value))).all()
        )
    assert len(tickets) == TICKETS
    assert all(ticket.assignee_staff_id is not None for ticket in tickets), answers
    # Once each: one accepted offer and one `assigned` entry, with its explanation, per ticket.
    accepted = Counter(offer.ticket_id for offer in offers if offer.state == "accepted")
    assert accepted == Counter({ticket.id: 1 for ticket in tickets})
    assert Counter(entry.ticket_id for entry in assigned_entries) == Counter({ticket.id: 1 for ticket in tickets})
    for entry in assigned_entries:
        assert entry.code == "assignment.assigned"
        assert entry.params["reasons"]
        assert entry.params["capacity"] == CAPACITY
    by_ticket = {ticket.id: ticket for ticket in tickets}
    for offer in offers:
        if offer.state == "accepted":
            assert by_ticket[offer.ticket_id].assignee_staff_id == offer.staff_id
    # Nobody over capacity.
    load = Counter(ticket.assignee_staff_id for ticket in tickets)
    assert max(load.values()) <= CAPACITY, load
    # Never two agents at once: each ticket's offers follow one another.
    history: dict[int, list[AssignmentOffer]] = defaultdict(list)
    for offer in offers:
        history[offer.ticket_id].append(offer)
    for ticket_offers in history.values():
        ticket_offers.sort(key=lambda offer: (offer.offered_at, offer.id))
        for before, after in itertools.pairwise(ticket_offers):
            assert before.answered_at is not None
            assert before.answered_at <= after.offered_at
    # The mix really happened.
    assert answers["decline 200"] > 0, answers
    assert answers["ignored"] > 0, answers
    assert any(offer.state == "expired" for offer in offers)
    assert any(offer.state == "declined" for offer in offers)


async def test_a_first_presence_set_twice_at_once_is_one_row(
    scratch_app: tuple[FastAPI, Database], settings: Settings, clock: FixedClock
) -> None:
    app, database = scratch_app
    _unit_id, agents = await _setup(database)
    header = factories.bearer(settings, clock, agents[0].email)
    async with _client(app) as client:
        responses = await asyncio.gather(
            *(
                client.put("/v1/me/presence", json={"status": status}, headers=header)
                for status in ["available", "away"] * 5
            )
        )
    assert [response.status_code for response in responses] == [200] * 10, [r.text for r in responses]
