"""With a real pool the status page runs without BEGIN/COMMIT (db.AUTOCOMMIT_OPERATIONS) and counts its lookups on
its own connection: the counts of misses stand although the answer is a 404, as on the tests' shared one."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from genk3600.db import Database
from genk3600.models import RateLimitBucket
from genk3600.public.access import new_access_code
from tests import factories
from tests.public.test_status import lookup, make_ticket


async def test_misses_count_on_the_requests_own_connection(scratch_app: tuple[FastAPI, Database]) -> None:
    app, database = scratch_app
    settings = app.state.settings = app.state.settings.model_copy(update={"public_lookups_per_address": 3})
    async with database.sessions.begin() as session:
        world = await factories.small_world(session)
        ticket, code = await make_ticket(session, settings, world.omgeving)
    wrong, _ = new_access_code(settings.secret)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        for reference in (ticket.reference, "G3600-2026-999998", ticket.reference):
            assert (await lookup(client, reference, wrong)).status_code == 404
        factories.assert_problem(await lookup(client, ticket.reference, code), 429)
    async with database.sessions() as session:
        rows = await session.execute(select(RateLimitBucket.key, RateLimitBucket.hits))
        hits: dict[str, int] = {row.key: row.hits for row in rows}
    assert hits["public:address:127.0.0.1"] == 4
    # The refused fourth lookup did not count against the reference (its owner keeps the budget).
    assert hits[f"public:reference:{ticket.reference}"] == 2
    assert hits["public:reference:G3600-2026-999998"] == 1
