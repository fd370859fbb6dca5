"""Staff sign in from the in-process reference cache (auth/repository.staff_for_token): a change of a staff
member or of their memberships, committed by anybody, is what the next request sees."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import delete, select, update

from genk3600.auth.tokens import issue_dev_token
from genk3600.db import Database
from genk3600.kit.clock import FixedClock
from genk3600.models import ApiClient, Staff, StaffMembership
from tests import factories
from tests.factories import assert_problem


async def test_a_committed_change_of_staff_reaches_the_next_sign_in(
    scratch_app: tuple[FastAPI, Database], clock: FixedClock
) -> None:
    app, database = scratch_app
    async with database.sessions.begin() as session:
        world = await factories.small_world(session)
        worker = await factories.staff(session, "queue.worker@genk.example", world.omgeving, "back_office")
    headers = {"Authorization": f"Bearer {issue_dev_token(app.state.settings, clock, worker.email)}"}
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        me = await client.get("/v1/me", headers=headers)
        assert me.status_code == 200, me.text
        assert [m["unit"] for m in me.json()["memberships"]] == ["omgeving"]

        # Memberships changed elsewhere (another session, committed): the next request has the new ones.
        async with database.sessions.begin() as session:
            await session.execute(delete(StaffMembership).where(StaffMembership.staff_id == worker.id))
            session.add(StaffMembership(staff_id=worker.id, unit_id=world.burgerzaken.id, position="agent"))
        me = await client.get("/v1/me", headers=headers)
        assert me.status_code == 200, me.text
        assert [m["unit"] for m in me.json()["memberships"]] == ["burgerzaken"]

        # Deactivated: the same token no longer signs in.
        async with database.sessions.begin() as session:
            await session.execute(update(Staff).where(Staff.id == worker.id).values(active=False))
        assert_problem(await client.get("/v1/me", headers=headers), 401)


async def test_a_stale_key_stamp_held_by_another_request_is_skipped_not_waited_for(
    scratch_app: tuple[FastAPI, Database], clock: FixedClock
) -> None:
    """Every request of a key with a stale `last_used_at` stamps it; while one request holds the row (until it
    commits), the others go on without the stamp instead of queueing behind it (a hot row at every 5 minutes)."""
    app, database = scratch_app
    stale = clock.now() - timedelta(minutes=6)
    async with database.sessions.begin() as session:
        key = await factories.api_key(session, "busy-system", ["tickets:read"])
        await session.execute(update(ApiClient).where(ApiClient.name == "busy-system").values(last_used_at=stale))
    stamp = select(ApiClient.last_used_at).where(ApiClient.name == "busy-system")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        async with database.sessions.begin() as holder:
            # Another request stamping the key: it holds the row as the stamp's UPDATE does, until it commits.
            await holder.execute(select(ApiClient.id).where(ApiClient.name == "busy-system").with_for_update())
            # A guard against a hang, not a timing: with the row waited for, this request never finishes.
            answer = await asyncio.wait_for(client.get("/v1/tickets", headers={"X-API-Key": key}), timeout=60)
            assert answer.status_code == 200, answer.text
        async with database.sessions() as session:
            assert await session.scalar(stamp) == stale

        # Nobody holds it: the next request stamps it.
        assert (await client.get("/v1/tickets", headers={"X-API-Key": key})).status_code == 200
        async with database.sessions() as session:
            assert await session.scalar(stamp) == clock.now()
