"""An appointment or home visit makes its staff member busy for its blocked time (the slot plus travel): no
offers go to them while it is under way, every presence read says `busy`, and none says with whom or why.
A cancelled appointment never makes busy; one whose outcome is recorded stops making busy then."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from genk3600.assignment.service import dispatch_once
from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.kit.reference import format_reference
from genk3600.models import AssignmentOffer, Ticket
from tests import factories
from tests.appointments.helpers import FIRST_VISIT, Case, social_case
from tests.factories import World, bearer

pytestmark = pytest.mark.asyncio

HOME = "Zwartbergstraat 12, 3600 Genk"
# The visit's blocked time: 20 minutes' travel either side of 09:20-10:20 local, so 08:00-09:40 UTC.
BLOCKED_SINCE = FIRST_VISIT - timedelta(minutes=20)
BLOCKED_UNTIL = FIRST_VISIT + timedelta(minutes=80)
# Words of the social case that no presence read may show.
SECRETS = ("CANARY-SOCIAL-7731", "Leefloon", "Peeters", "Zwartbergstraat", "Huisbezoek")


async def _visit(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin: dict[str, str],
) -> tuple[Case, int]:
    """The case worker's home visit booked, automatic assignment on in the social service, and one more waiting
    ticket there besides the social case's own: two tickets, two case workers."""
    case = await social_case(client, session, settings, clock, world, admin)
    body = {"ticket": case.reference, "kind": "social.home_visit", "starts_at": FIRST_VISIT.isoformat(),
            "staff_id": case.worker.id, "address": HOME}  # fmt: skip
    booked = await client.post("/v1/appointments", json=body, headers=case.worker_headers)
    assert booked.status_code == 201, booked.text
    session.add(Ticket(reference=format_reference(2027, 901), subject="Vraag", owning_unit_id=world.sociale_dienst.id))
    await session.commit()
    policy = {"mode": "round_robin"}
    put = await client.put("/v1/units/sociale_dienst/assignment-policy", json=policy, headers=admin)
    assert put.status_code == 200, put.text
    return case, booked.json()["id"]


async def _present(
    client: httpx.AsyncClient, settings: Settings, clock: FixedClock, case: Case
) -> list[dict[str, str]]:
    """Both case workers set available at the clock's moment (a fresh heartbeat); their headers."""
    headers = [bearer(settings, clock, who.email) for who in (case.worker, case.colleague)]
    for header in headers:
        put = await client.put("/v1/me/presence", json={"status": "available"}, headers=header)
        assert put.status_code == 200, put.text
    return headers


async def _offered_to(session: AsyncSession) -> set[int]:
    rows = await session.scalars(select(AssignmentOffer.staff_id).where(AssignmentOffer.state == "open"))
    return set(rows)


async def test_no_offers_during_a_home_visit_and_again_the_moment_its_travel_ends(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
) -> None:
    case, _ = await _visit(client, session, settings, clock, world, admin_headers)
    boss = await factories.staff(session, "baas.ocmw@genk.example", world.sociale_dienst, "supervisor")
    await session.commit()

    clock.set(BLOCKED_SINCE)  # travel to the citizen starts: busy from here
    worker, _colleague = await _present(client, settings, clock, case)
    mine = (await client.get("/v1/me/presence", headers=worker)).json()
    assert (mine["status"], mine["set_status"], mine["in_appointment"], mine["in_call"]) == (
        "busy", "available", True, False)  # fmt: skip
    theirs = await client.get(f"/v1/staff/{case.worker.id}/presence", headers=admin_headers)
    assert theirs.json()["status"] == "busy"
    view = await client.get("/v1/units/sociale_dienst/assignment", headers=bearer(settings, clock, boss.email))
    assert view.status_code == 200, view.text
    presence = {row["staff_id"]: row["presence"] for row in view.json()["staff"]}
    assert presence[case.worker.id] == "busy"
    assert presence[case.colleague.id] == "available"
    assert view.json()["available"] == 1
    for response in (theirs, view, await client.get("/v1/me/presence", headers=worker)):
        for secret in SECRETS:
            assert secret not in response.text

    # Two tickets wait; only the colleague is offered one.
    assert (await dispatch_once(sessions, settings, clock.now())).offered == 1
    assert await _offered_to(session) == {case.colleague.id}

    # A second before the travel back ends: still busy, still nothing for them (the colleague's offer timed out
    # meanwhile and they may be offered the other ticket).
    clock.set(BLOCKED_UNTIL - timedelta(seconds=1))
    worker, _colleague = await _present(client, settings, clock, case)
    assert (await client.get("/v1/me/presence", headers=worker)).json()["status"] == "busy"
    await dispatch_once(sessions, settings, clock.now())
    assert case.worker.id not in await _offered_to(session)

    # The moment it ends (the range's upper bound is not in it): available and offered the other ticket.
    clock.set(BLOCKED_UNTIL)
    worker, _colleague = await _present(client, settings, clock, case)
    back = (await client.get("/v1/me/presence", headers=worker)).json()
    assert (back["status"], back["in_appointment"]) == ("available", False)
    assert (await dispatch_once(sessions, settings, clock.now())).offered == 1
    assert case.worker.id in await _offered_to(session)


async def test_a_cancelled_appointment_does_not_make_busy(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
) -> None:
    case, appointment_id = await _visit(client, session, settings, clock, world, admin_headers)
    cancelled = await client.post(
        f"/v1/appointments/{appointment_id}/cancel", json={"reason": "De burger is ziek."}, headers=case.worker_headers
    )
    assert cancelled.status_code == 200, cancelled.text
    clock.set(FIRST_VISIT)
    worker, _colleague = await _present(client, settings, clock, case)
    mine = (await client.get("/v1/me/presence", headers=worker)).json()
    assert (mine["status"], mine["in_appointment"]) == ("available", False)
    assert (await dispatch_once(sessions, settings, clock.now())).offered == 2
    assert await _offered_to(session) == {case.worker.id, case.colleague.id}


async def test_recording_the_outcome_ends_the_busy_time_before_the_travel_back(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
) -> None:
    case, appointment_id = await _visit(client, session, settings, clock, world, admin_headers)
    clock.set(FIRST_VISIT + timedelta(minutes=70))  # the visit is over, the travel back is not
    worker, _colleague = await _present(client, settings, clock, case)
    assert (await client.get("/v1/me/presence", headers=worker)).json()["status"] == "busy"
    held = await client.post(
        f"/v1/appointments/{appointment_id}/outcome", json={"outcome": "held", "role": "advising"}, headers=worker
    )
    assert held.status_code == 200, held.text
    mine = (await client.get("/v1/me/presence", headers=worker)).json()
    assert (mine["status"], mine["in_appointment"]) == ("available", False)
