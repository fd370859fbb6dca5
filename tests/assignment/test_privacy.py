"""A social (OCMW) case on offer: its words reach only the staff member it is offered to, never a supervisor out
of sight of it, in the supervisor's view, the offers list or the console's stream."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from genk3600.assignment.service import dispatch_once
from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.kit.reference import format_reference
from genk3600.models import Ticket
from tests import factories

CANARY = "Canary schuldbemiddeling 7741"


async def test_a_social_offer_shows_only_to_whom_it_is_offered(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FixedClock,
    admin_headers: dict[str, str],
) -> None:
    world = await factories.small_world(session)
    worker = await factories.staff(session, "mw.offer@genk.example", world.sociale_dienst, "case_worker")
    outsider = await factories.staff(session, "sup.omgeving@genk.example", world.omgeving, "supervisor")
    await session.commit()
    social = Ticket(
        reference=format_reference(2026, 77),
        subject=CANARY,
        owning_unit_id=world.sociale_dienst.id,
        confidentiality="social",
    )
    waiting = Ticket(
        reference=format_reference(2026, 78),
        subject=CANARY,
        owning_unit_id=world.sociale_dienst.id,
        confidentiality="social",
    )
    session.add_all([social, waiting])
    await session.commit()
    worker_headers = factories.bearer(settings, clock, worker.email)
    outsider_headers = factories.bearer(settings, clock, outsider.email)
    await client.put("/v1/me/presence", json={"status": "available"}, headers=worker_headers)
    await client.put("/v1/me/presence", json={"status": "available"}, headers=outsider_headers)
    policy = {"mode": "round_robin"}
    assert (
        await client.put("/v1/units/sociale_dienst/assignment-policy", json=policy, headers=admin_headers)
    ).is_success
    assert (await dispatch_once(sessions, settings, clock.now())).offered == 1

    mine = await client.get("/v1/me/offers", headers=worker_headers)
    assert CANARY in mine.text
    for response in (
        await client.get("/v1/me/offers", headers=outsider_headers),
        await client.get("/v1/me/stream", params={"once": "true"}, headers=outsider_headers),
        await client.get("/v1/units/sociale_dienst/assignment", headers=outsider_headers),
    ):
        assert response.status_code == 200, response.text
        assert CANARY not in response.text
        assert social.reference not in response.text
        assert waiting.reference not in response.text
    view = (await client.get("/v1/units/sociale_dienst/assignment", headers=outsider_headers)).json()
    assert view["offers"] == []
    assert [row["offer"] for row in view["staff"]] == [None]
    assert view["waiting"] == []
    assert view["waiting_count"] == 1  # a number, as the reports give them, not a case
