"""Rate limits: per API key on the authenticated API, counted in PostgreSQL so every replica shares them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from genk3600.app import create_app
from genk3600.auth import ratelimit
from genk3600.config import Settings
from genk3600.db import Database
from tests import factories

LIMIT = 3
FROZEN = datetime(2026, 11, 23, 10, 15, 20, tzinfo=UTC)


def _replica(settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> httpx.AsyncClient:
    app = create_app(settings.model_copy(update={"api_key_requests_per_minute": LIMIT}))
    app.state.db = Database(engine, sessions)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://genk3600.test")


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    now = [FROZEN]
    monkeypatch.setattr(ratelimit, "utcnow", lambda: now[0])
    return now


async def test_a_key_over_its_limit_gets_429_with_retry_after_on_every_replica(
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    world: factories.World,
    frozen_clock: list[datetime],
) -> None:
    busy = {"X-API-Key": await factories.api_key(session, "busy", ["admin"])}
    quiet = {"X-API-Key": await factories.api_key(session, "quiet", ["admin"])}
    async with _replica(settings, engine, sessions) as one, _replica(settings, engine, sessions) as two:
        answers = [await replica.get("/v1/units", headers=busy) for replica in (one, two, one)]
        assert [answer.status_code for answer in answers] == [200] * LIMIT
        refused = await two.get("/v1/units", headers=busy)
        problem = factories.assert_problem(refused, 429)
        assert refused.headers["retry-after"] == "40"  # the minute ends 40 seconds after 10:15:20
        assert problem["retry_after"] == 40
        assert (await one.get("/v1/units", headers=quiet)).status_code == 200

        frozen_clock[0] = FROZEN + timedelta(seconds=40)
        assert (await two.get("/v1/units", headers=busy)).status_code == 200


async def test_an_unknown_key_is_throttled_before_it_is_looked_up(
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    frozen_clock: list[datetime],
) -> None:
    guessed = {"Authorization": "Bearer g3600_not-a-key-anyone-was-given"}
    async with _replica(settings, engine, sessions) as client:
        statuses = [(await client.get("/v1/units", headers=guessed)).status_code for _ in range(LIMIT + 1)]
    assert statuses == [401] * LIMIT + [429]


async def test_zero_means_no_limit(
    settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    app = create_app(settings.model_copy(update={"api_key_requests_per_minute": 0}))
    app.state.db = Database(engine, sessions)
    headers = {"X-API-Key": await factories.api_key(session, "unlimited", ["admin"])}
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        statuses = {(await client.get("/v1/units", headers=headers)).status_code for _ in range(LIMIT * 3)}
    assert statuses == {200}
