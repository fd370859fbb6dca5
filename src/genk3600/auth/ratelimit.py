"""Rate limit per API key: fixed one-minute windows counted in PostgreSQL, shared by every replica.

Counted before the key is looked up, outside the request's transaction (the count must stand when that rolls
back, and holding the bucket's row lock for a whole request would queue every request of the key), as one
autocommitted upsert: no BEGIN and COMMIT round trips. The request's transaction has not touched the database
yet, so a request never holds two pooled connections, and a refused request costs one small upsert. The
bucket is named after a digest of the presented key, so an unknown key is throttled too.
Staff tokens are not counted here: a person at a screen cannot outpace the limit, a runaway script can.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from sqlalchemy import func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.errors import TooManyRequests
from genk3600.auth.keys import hash_api_key
from genk3600.config import Settings
from genk3600.db import Database
from genk3600.kit.clock import Clock
from genk3600.models import RateLimitBucket
from genk3600.public.ratelimit import CLEANUP_BATCH, KEEP_BUCKETS, seconds_to_next_window, window_of
from genk3600.public.repository import delete_buckets_before


def bucket_key(api_key: str) -> str:
    return "api:key:" + hash_api_key(api_key)[:32]


async def _count_hit(session: AsyncSession, key: str, window_start: datetime) -> int:
    """Add one hit to the key's bucket for the window (creating it) and return the hits so far.

    Every request of a key updates the same row, so each holds that row's lock until its commit is durable:
    with a synchronous commit, the key's requests would queue one WAL flush (fsync) each, one after the
    other. A counter may lose its last fraction of a second in a server crash, so this statement's own
    transaction commits asynchronously (`set_config(..., is_local => true)` ends with it): the lock is gone
    as soon as the row is written. The value is visible to every other transaction right away all the same.
    """
    relaxed = func.set_config("synchronous_commit", "off", True) == "off"
    row = select(literal(key), literal(window_start), literal(1)).where(relaxed)
    statement = (
        insert(RateLimitBucket)
        .from_select(["key", "window_start", "hits"], row)
        .on_conflict_do_update(
            index_elements=[RateLimitBucket.key, RateLimitBucket.window_start],
            set_={"hits": RateLimitBucket.hits + 1},
        )
        .returning(RateLimitBucket.hits)
    )
    return int((await session.execute(statement)).scalar_one())


async def count_api_key_request(request: Request, settings: Settings, clock: Clock, api_key: str) -> None:
    """Count one request of the key; 429 with Retry-After once the key is over its limit for this minute."""
    limit = settings.api_key_requests_per_minute
    if limit == 0:
        return
    database: Database = request.app.state.db
    sessions = database.autocommit_sessions or database.sessions
    now = clock.now()
    async with sessions() as session, session.begin():
        hits = await _count_hit(session, bucket_key(api_key), window_of(now))
        if hits == 1:
            await delete_buckets_before(session, now - KEEP_BUCKETS, CLEANUP_BATCH)
    if hits > limit:
        retry_after = seconds_to_next_window(now)
        raise TooManyRequests(
            f"This API key made more than {limit} requests this minute; try again in {retry_after} seconds.",
            retry_after,
        )
