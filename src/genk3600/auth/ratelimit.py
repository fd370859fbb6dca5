"""Rate limit per API key: fixed one-minute windows counted in PostgreSQL, shared by every replica.

Counted before the key is looked up, in a short transaction of its own: the request's transaction has not
touched the database yet, so a request never holds two pooled connections, and a refused request costs one
small upsert. The bucket is named after a digest of the presented key, so an unknown key is throttled too.
Staff tokens are not counted here: a person at a screen cannot outpace the limit, a runaway script can.
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from genk3600.auth.errors import TooManyRequests
from genk3600.auth.keys import hash_api_key
from genk3600.config import Settings
from genk3600.kit.clock import utcnow
from genk3600.public.ratelimit import CLEANUP_BATCH, KEEP_BUCKETS, seconds_to_next_window, window_of
from genk3600.public.repository import count_hit, delete_buckets_before


def bucket_key(api_key: str) -> str:
    return "api:key:" + hash_api_key(api_key)[:32]


async def count_api_key_request(request: Request, settings: Settings, api_key: str) -> None:
    """Count one request of the key; 429 with Retry-After once the key is over its limit for this minute."""
    limit = settings.api_key_requests_per_minute
    if limit == 0:
        return
    sessions: async_sessionmaker[AsyncSession] = request.app.state.db.sessions
    now = utcnow()
    async with sessions() as session, session.begin():
        hits = await count_hit(session, bucket_key(api_key), window_of(now))
        if hits == 1:
            await delete_buckets_before(session, now - KEEP_BUCKETS, CLEANUP_BATCH)
    if hits > limit:
        retry_after = seconds_to_next_window(now)
        raise TooManyRequests(
            f"This API key made more than {limit} requests this minute; try again in {retry_after} seconds.",
            retry_after,
        )
