"""Races on one ticket over real concurrent connections: every request commits on its own pooled connection.

What must hold whatever the interleaving: with the same stale If-Match exactly one change wins; a mix of
escalations, claims, status changes and participations leaves a status the machine allows, a timeline with
exactly one entry per accepted change (none for a refused one) that replays to the final state, and one
outbox event per timeline entry.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from genk3600.config import Settings
from genk3600.db import Database
from genk3600.kit.clock import FixedClock
from genk3600.models import Contact, Participation, TicketEvent, Unit
from genk3600.models.enums import TicketStatus
from genk3600.tickets.transitions import TRANSITIONS
from tests import factories
from tests.races.scene import Scene, client_of, scene_with_ticket, ticket_state


async def test_the_same_stale_if_match_lets_exactly_one_change_through(
    scratch_app: tuple[FastAPI, Database], settings: Settings, clock: FixedClock
) -> None:
    app, database = scratch_app
    async with client_of(app) as client:
        scene = await scene_with_ticket(database, settings, clock, client)
        read = await client.get(f"/v1/tickets/{scene.reference}", headers=scene.headers)
        stale = read.headers["etag"]
        _ticket, events_before, _outbox = await ticket_state(database, scene.reference)
        # None of them is a no-op: the ticket is new and of low priority.
        changes: list[dict[str, Any]] = [
            {"priority": priority, "note": f"agent {n}"} for n, priority in enumerate(["normal", "high", "urgent"] * 4)
        ] + [{"status": "in_progress"}, {"status": "waiting_on_citizen"}]
        responses = await asyncio.gather(
            *(
                client.patch(
                    f"/v1/tickets/{scene.reference}", json=change, headers={**scene.headers, "If-Match": stale}
                )
                for change in changes
            )
        )

    statuses = Counter(response.status_code for response in responses)
    assert statuses == Counter({200: 1, 412: len(changes) - 1}), [r.text for r in responses]
    for response in responses:
        if response.status_code == 412:
            assert factories.assert_problem(response, 412)["current_etag"] != stale
    [winner] = [response for response in responses if response.status_code == 200]
    ticket, events, outbox = await ticket_state(database, scene.reference)
    assert ticket.version == read.json()["version"] + 1 == winner.json()["version"]
    assert winner.headers["etag"] == f'"{ticket.version}"'
    new_events = events[len(events_before) :]
    assert len(new_events) == 1, [event.summary for event in new_events]
    assert outbox == Counter(f"ticket.{event.type}" for event in events)


async def _change_status(scene: Scene, target: str, outcomes: Counter[str]) -> None:
    """A careful client: read, skip if already there, change with If-Match, re-read on 412, stop on 409."""
    url = f"/v1/tickets/{scene.reference}"
    for _attempt in range(20):
        read = await scene.client.get(url, headers=scene.headers)
        if read.json()["status"] == target:
            outcomes["status:noop"] += 1
            return
        response = await scene.client.patch(
            url, json={"status": target}, headers={**scene.headers, "If-Match": read.headers["etag"]}
        )
        if response.status_code == 412:
            continue
        assert response.status_code in (200, 409), response.text
        if response.status_code == 409:
            factories.assert_problem(response, 409)
        outcomes[f"status:{response.status_code}"] += 1
        return
    outcomes["status:gave-up"] += 1


async def _escalate(scene: Scene, unit: str, outcomes: Counter[str]) -> None:
    response = await scene.client.post(
        f"/v1/tickets/{scene.reference}/escalations",
        json={"to_unit": unit, "reason": "needs_expertise", "requested_role": "advising"},
        headers=scene.headers,
    )
    assert response.status_code in (201, 409), response.text
    outcomes[f"escalation:{response.status_code}"] += 1


async def _claim(scene: Scene, email: str, outcomes: Counter[str]) -> None:
    unit = email.split(".")[0]
    response = await scene.client.post(f"/v1/queues/{unit}/claim", headers=scene.staff_tokens[email])
    assert response.status_code in (200, 404), response.text
    if response.status_code == 200:
        assert response.json()["reference"] == scene.reference
    outcomes[f"claim:{response.status_code}"] += 1


async def _participate(scene: Scene, email: str, role: str, outcomes: Counter[str]) -> None:
    response = await scene.client.post(
        f"/v1/contacts/{scene.contact_id}/participations",
        json={"role": role, "staff_id": scene.staff_ids[email]},
        headers=scene.headers,
    )
    assert response.status_code in (201, 409), response.text
    outcomes[f"participation:{response.status_code}"] += 1


def _replay(events: list[TicketEvent], start: TicketStatus) -> tuple[TicketStatus, str | None, int | None]:
    """Status, owning unit and tier the timeline leads to, checking every status change on the way."""
    status, unit, tier = start, None, None
    for event in events:
        data = event.data
        if event.type == "status_changed":
            before, after = TicketStatus(data["from"]), TicketStatus(data["to"])
            assert before is status, f"event {event.id} changes from {before}, but the ticket was {status}"
            assert after in TRANSITIONS[before], f"event {event.id}: {before} → {after} is not allowed"
            status = after
        elif event.type == "escalated":
            status = TicketStatus.assigned if data["to_staff_id"] else TicketStatus.new
            assert tier is None or data["from_tier"] == tier, f"event {event.id} starts from tier {data['from_tier']}"
            unit, tier = data["to_unit"], data["to_tier"]
        elif event.type == "assigned":
            if data["via"] == "claim":
                assert status is TicketStatus.new, f"event {event.id} claims a ticket that was {status}"
                status = TicketStatus.assigned
            elif data["assignee_staff_id"] is not None and status is TicketStatus.new:
                status = TicketStatus.assigned
    return status, unit, tier


async def test_concurrent_hand_offs_claims_status_changes_and_roles_leave_a_consistent_ticket(
    scratch_app: tuple[FastAPI, Database], settings: Settings, clock: FixedClock
) -> None:
    app, database = scratch_app
    async with client_of(app) as client:
        scene = await scene_with_ticket(database, settings, clock, client)
        ticket, events_before, _outbox = await ticket_state(database, scene.reference)
        start, start_tier = TicketStatus(ticket.status), ticket.tier
        outcomes: Counter[str] = Counter()
        people = [email for email in scene.staff_ids if email.startswith(("omgeving", "burgerzaken"))]
        agent = next(email for email in scene.staff_ids if email.startswith("an.agent"))
        work = [
            *(_escalate(scene, unit, outcomes) for unit in ("burgerzaken", "omgeving", "burgerzaken", "omgeving")),
            *(_claim(scene, email, outcomes) for email in people),
            *(
                _change_status(scene, target, outcomes)
                for target in ("in_progress", "waiting_on_citizen", "in_progress", "assigned", "resolved", "new")
            ),
            # The same person and role twice: one of each pair is a duplicate (409).
            *(_participate(scene, email, "registering", outcomes) for email in (agent, agent, people[0], people[0])),
            _participate(scene, agent, "informing", outcomes),
        ]
        await asyncio.gather(*work)
    print(f"\nrace outcomes: {dict(sorted(outcomes.items()))}")  # noqa: T201 - which interleaving this run saw

    ticket, events, outbox = await ticket_state(database, scene.reference)
    new_events = events[len(events_before) :]
    kinds = Counter(event.type for event in new_events)
    assert outcomes["status:gave-up"] == 0, outcomes
    # Exactly one timeline entry per accepted change, none for a refused one.
    assert kinds["escalated"] == outcomes["escalation:201"], (kinds, outcomes)
    assert kinds["assigned"] == outcomes["claim:200"], (kinds, outcomes)
    assert kinds["status_changed"] == outcomes["status:200"], (kinds, outcomes)
    assert kinds["participation_recorded"] == outcomes["participation:201"] == 3, (kinds, outcomes)
    assert set(kinds) <= {"escalated", "assigned", "status_changed", "participation_recorded"}, kinds
    # The timeline replays to the ticket's state, every status change allowed by the machine.
    replayed_status, replayed_unit, replayed_tier = _replay(new_events, start)
    assert replayed_status.value == ticket.status
    async with database.sessions() as session:
        owner = await session.scalar(select(Unit.code).where(Unit.id == ticket.owning_unit_id))
        participations = await factories.count(session, Participation)
        contacts = await factories.count(session, Contact)
    assert (owner, ticket.tier) == (replayed_unit or "omgeving", replayed_tier or start_tier)
    assert participations == 3
    assert contacts == 1
    # One outbox event per timeline entry, of the same kind.
    assert outbox == Counter(f"ticket.{event.type}" for event in events)
    assert ticket.version >= 1 + outcomes["escalation:201"] + outcomes["claim:200"] + outcomes["status:200"]
