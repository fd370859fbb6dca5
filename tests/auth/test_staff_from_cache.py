"""Staff sign in from the in-process reference cache (auth/repository.staff_for_token): a change of a staff
member or of their memberships, committed by anybody, is what the next request sees."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import delete, update

from genk3600.auth.tokens import issue_dev_token
from genk3600.db import Database
from genk3600.kit.clock import FixedClock
from genk3600.models import Staff, StaffMembership
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
