"""Rate limits: per API key on the authenticated API, counted in process and shared through PostgreSQL about once
a second (auth/ratelimit.py), so every replica shares them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from genk3600.app import create_app
from genk3600.auth import ratelimit
from genk3600.config import Settings
from genk3600.db import Database
from genk3600.kit.clock import Clock, FixedClock
from genk3600.models import RateLimitBucket
from genk3600.public.repository import count_hit
from tests import factories

LIMIT = 3
FROZEN = datetime(2026, 11, 23, 10, 15, 20, tzinfo=UTC)


def _replica(
    settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> httpx.AsyncClient:
    app = create_app(settings.model_copy(update={"api_key_requests_per_minute": LIMIT}), clock=clock)
    app.state.db = Database(engine, sessions)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://genk3600.test")


async def _a_second_later(
    replicas: tuple[httpx.AsyncClient, ...], sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    """What each replica's background task does about once a second (the ASGI test transport runs no lifespan):
    share its counts and learn the others'."""
    for replica in replicas:
        transport = replica._transport
        assert isinstance(transport, httpx.ASGITransport)
        await transport.app.state.api_key_limiter.flush(sessions, clock.now())  # type: ignore[attr-defined]


@pytest.fixture
def frozen_clock(clock: FixedClock) -> FixedClock:
    """20 seconds into a minute, so the Retry-After is known; both replicas share it, as real ones share time."""
    clock.set(FROZEN)
    return clock


async def test_a_key_over_its_limit_gets_429_with_retry_after_on_every_replica(
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    world: factories.World,
    frozen_clock: FixedClock,
) -> None:
    busy = {"X-API-Key": await factories.api_key(session, "busy", ["admin"])}
    quiet = {"X-API-Key": await factories.api_key(session, "quiet", ["admin"])}
    async with (
        _replica(settings, engine, sessions, frozen_clock) as one,
        _replica(settings, engine, sessions, frozen_clock) as two,
    ):
        answers = []
        for replica in (one, two, one):
            answers.append(await replica.get("/v1/units", headers=busy))
            await _a_second_later((one, two), sessions, frozen_clock)
        assert [answer.status_code for answer in answers] == [200] * LIMIT
        refused = await two.get("/v1/units", headers=busy)
        problem = factories.assert_problem(refused, 429)
        assert refused.headers["retry-after"] == "40"  # the minute ends 40 seconds after 10:15:20
        assert problem["retry_after"] == 40
        assert (await one.get("/v1/units", headers=quiet)).status_code == 200

        frozen_clock.set(FROZEN + timedelta(seconds=40))
        assert (await two.get("/v1/units", headers=busy)).status_code == 200


async def test_an_unknown_key_is_throttled_before_it_is_looked_up(
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    frozen_clock: FixedClock,
) -> None:
    guessed = {"Authorization": "Bearer g3600_not-a-key-anyone-was-given"}
    async with _replica(settings, engine, sessions, frozen_clock) as client:
        statuses = [(await client.get("/v1/units", headers=guessed)).status_code for _ in range(LIMIT + 1)]
    assert statuses == [401] * LIMIT + [429]


async def test_zero_means_no_limit(
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    clock: FixedClock,
) -> None:
    app = create_app(settings.model_copy(update={"api_key_requests_per_minute": 0}), clock=clock)
    app.state.db = Database(engine, sessions)
    headers = {"X-API-Key": await factories.api_key(session, "unlimited", ["admin"])}
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        statuses = {(await client.get("/v1/units", headers=headers)).status_code for _ in range(LIMIT * 3)}
    assert statuses == {200}


async def test_the_count_commits_on_its_own_even_when_the_request_rolls_back(
    scratch_app: tuple[FastAPI, Database],
) -> None:
    app, database = scratch_app
    app.state.settings = app.state.settings.model_copy(update={"api_key_requests_per_minute": LIMIT})
    async with database.sessions.begin() as session:
        key = await factories.api_key(session, "rolled-back", ["tickets:read"])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        # A 404 rolls the request's transaction back; the count, autocommitted before it, stands.
        missing = await client.get("/v1/tickets/G3600-2026-999999", headers={"X-API-Key": key})
        factories.assert_problem(missing, 404)
    assert database.autocommit_sessions is not None
    await app.state.api_key_limiter.flush(database.autocommit_sessions, app.state.clock.now())
    async with database.sessions() as session:
        hits = await session.scalar(
            select(RateLimitBucket.hits).where(RateLimitBucket.key == ratelimit.bucket_key(key))
        )
    assert hits == 1


async def test_autocommit_sessions_commit_every_statement_by_itself(scratch_url: URL) -> None:
    database = Database.connect(scratch_url, pool_size=1)
    try:
        assert database.autocommit_sessions is not None
        async with database.autocommit_sessions() as counter:
            assert await count_hit(counter, "api:key:autocommitted", FROZEN.replace(second=0)) == 1
            # No commit: the session closes, and a transaction would roll back here.
        async with database.sessions() as reader:
            hits = await reader.scalar(
                select(RateLimitBucket.hits).where(RateLimitBucket.key == "api:key:autocommitted")
            )
        assert hits == 1
    finally:
        await database.dispose()


async def test_the_relaxed_commit_of_a_count_does_not_outlive_its_statement(scratch_url: URL) -> None:
    database = Database.connect(scratch_url, pool_size=1)
    try:
        assert database.autocommit_sessions is not None
        async with database.autocommit_sessions() as counter:
            window = FROZEN.replace(second=0)
            assert [await ratelimit._count_hit(counter, "api:key:relaxed", window) for _ in range(2)] == [1, 2]
            # The same pooled connection serves the next caller: its own commits must stay synchronous.
            assert await counter.scalar(text("SHOW synchronous_commit")) == "on"
    finally:
        await database.dispose()


async def test_replicas_learn_each_others_counts_at_their_next_flush(
    sessions: async_sessionmaker[AsyncSession], frozen_clock: FixedClock
) -> None:
    one, two = ratelimit.KeyLimiter(), ratelimit.KeyLimiter()
    window = FROZEN.replace(second=0)
    assert [one.hit("api:key:shared", window) for _ in range(2)] == [1, 2]
    assert two.hit("api:key:shared", window) == 1  # not flushed yet: each replica knows only its own
    await one.flush(sessions, frozen_clock.now())
    await two.flush(sessions, frozen_clock.now())
    assert two.hit("api:key:shared", window) == 4  # 3 shared + this one
    await one.flush(sessions, frozen_clock.now())  # refreshes the key although `one` counted nothing since
    assert one.hit("api:key:shared", window) == 4  # two's last hit is not flushed yet
    await two.flush(sessions, frozen_clock.now())
    await one.flush(sessions, frozen_clock.now())
    assert one.hit("api:key:shared", window) == 6
    # A new window starts from nothing.
    assert one.hit("api:key:shared", window + timedelta(minutes=1)) == 1


async def test_counts_survive_a_failed_flush(frozen_clock: FixedClock) -> None:
    limiter = ratelimit.KeyLimiter()
    window = FROZEN.replace(second=0)
    limiter.hit("api:key:offline", window)

    def unavailable() -> AsyncSession:
        raise OSError("connection refused")

    with pytest.raises(OSError, match="refused"):
        await limiter.flush(unavailable, frozen_clock.now())  # type: ignore[arg-type]
    assert limiter.hit("api:key:offline", window) == 2
