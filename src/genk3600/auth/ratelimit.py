"""Rate limit per API key: fixed one-minute windows, counted in process and shared through PostgreSQL.

Every request of a city system used to update one row (the key's bucket) on a second pooled connection: a hot
row and a round trip per request. Now a request only adds one to a counter in this process and compares the
key's estimate with its limit; no statement, no second connection. About once a second a background task
(`flush_forever`, in every API process) adds what this process counted since the last flush to the shared
buckets in one multi-row upsert, which also answers every replica's total so far: that total plus what this
process counted since is the estimate.

The bound: replicas see each other's requests up to one flush late, so a key spread over N replicas may get
up to about (N - 1) x (its requests per second) x 1 s above its limit in a minute before every replica refuses
it; with one replica the limit is exact. README: Limits.

The bucket is named after a digest of the presented key, so an unknown key is throttled too. Staff tokens are
not counted here: a person at a screen cannot outpace the limit, a runaway script can.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import datetime

from fastapi import Request
from sqlalchemy import DateTime, Integer, Text, column, func, select, values
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.dml import ReturningInsert

from genk3600.auth.errors import TooManyRequests
from genk3600.auth.keys import hash_api_key
from genk3600.config import Settings
from genk3600.kit.clock import Clock
from genk3600.models import RateLimitBucket
from genk3600.public.ratelimit import CLEANUP_BATCH, KEEP_BUCKETS, seconds_to_next_window, window_of
from genk3600.public.repository import delete_buckets_before

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
Bucket = tuple[str, datetime]  # (key, window start)


def bucket_key(api_key: str) -> str:
    return "api:key:" + hash_api_key(api_key)[:32]


def _upsert(counts: dict[Bucket, int]) -> ReturningInsert[str, datetime, int]:
    """Add the counts to their buckets (creating them), returning each bucket's total: one statement.

    A counter may lose its last fraction of a second in a server crash, so the statement's own transaction
    commits asynchronously (`set_config(..., is_local => true)` ends with it): no flush waits for a WAL fsync,
    and the rows' locks go as soon as they are written. Rows in a fixed order: two replicas flushing the same
    keys at once cannot deadlock.
    """
    counted = values(
        column("key", Text), column("window_start", DateTime(timezone=True)), column("hits", Integer), name="counted"
    ).data([(key, window, hits) for (key, window), hits in sorted(counts.items())])
    relaxed = func.set_config("synchronous_commit", "off", True) == "off"
    statement = insert(RateLimitBucket).from_select(
        ["key", "window_start", "hits"], select(counted.c.key, counted.c.window_start, counted.c.hits).where(relaxed)
    )
    return statement.on_conflict_do_update(
        index_elements=[RateLimitBucket.key, RateLimitBucket.window_start],
        set_={"hits": RateLimitBucket.hits + statement.excluded.hits},
    ).returning(RateLimitBucket.key, RateLimitBucket.window_start, RateLimitBucket.hits)


async def _count_hit(session: AsyncSession, key: str, window_start: datetime, hits: int = 1) -> int:
    """Add `hits` to the key's bucket for the window (creating it) and return the hits so far."""
    return int((await session.execute(_upsert({(key, window_start): hits}))).one().hits)


class KeyLimiter:
    """The per-key counters of this process (see the module's docstring)."""

    def __init__(self) -> None:
        self._pending: defaultdict[Bucket, int] = defaultdict(int)  # counted here, not flushed yet
        self._shared: dict[Bucket, int] = {}  # every replica's total at the last flush (ours included)
        self._lock = asyncio.Lock()

    def hit(self, key: str, window_start: datetime) -> int:
        """Count one request of the key in the window; return the estimate of its hits so far."""
        bucket = (key, window_start)
        self._pending[bucket] += 1
        return self._shared.get(bucket, 0) + self._pending[bucket]

    async def flush(self, sessions: async_sessionmaker[AsyncSession], now: datetime) -> None:
        """Add what this process counted to the shared buckets and learn every replica's totals: one upsert.

        Buckets of the current window are refreshed even without new hits here, so that what other replicas
        counted reaches this one within a flush.
        """
        async with self._lock:
            current = window_of(now)
            self._shared = {bucket: hits for bucket, hits in self._shared.items() if bucket[1] >= current}
            pending, self._pending = self._pending, defaultdict(int)
            counts = dict.fromkeys(self._shared, 0) | dict(pending)
            if not counts:
                return
            try:
                totals = await self._write(sessions, counts, now)
            except (DBAPIError, SQLAlchemyError, OSError):
                # The database is away: keep counting here (the limit still holds per process) and try again.
                for bucket, hits in pending.items():
                    self._pending[bucket] += hits
                raise
            for bucket, total in totals.items():
                if bucket[1] >= current:
                    # Hits counted while the upsert ran are in `_pending` again, on top of this total.
                    self._shared[bucket] = total

    @staticmethod
    async def _write(
        sessions: async_sessionmaker[AsyncSession], counts: dict[Bucket, int], now: datetime
    ) -> dict[Bucket, int]:
        async with sessions() as session, session.begin():
            result = await session.execute(_upsert(counts))
            totals = {(row.key, row.window_start): int(row.hits) for row in result}
            if any(hits == counts[bucket] for bucket, hits in totals.items()):  # a new bucket: a new window began
                await delete_buckets_before(session, now - KEEP_BUCKETS, CLEANUP_BATCH)
        return totals


def limiter_of(request: Request) -> KeyLimiter:
    limiter: KeyLimiter | None = getattr(request.app.state, "api_key_limiter", None)
    if limiter is None:
        limiter = request.app.state.api_key_limiter = KeyLimiter()
    return limiter


async def flush_forever(
    limiter: KeyLimiter, sessions: async_sessionmaker[AsyncSession], clock: Clock, stop: asyncio.Event
) -> None:
    """Flush the process's counts about once a second until `stop` is set, and once more then."""
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), FLUSH_SECONDS)
        except TimeoutError:
            pass
        try:
            await limiter.flush(sessions, clock.now())
        except (DBAPIError, SQLAlchemyError, OSError) as exc:
            log.warning("Rate limit counts not shared this second (%s); counting on here", type(exc).__name__)


async def count_api_key_request(request: Request, settings: Settings, clock: Clock, api_key: str) -> None:
    """Count one request of the key; 429 with Retry-After once the key is over its limit for this minute."""
    limit = settings.api_key_requests_per_minute
    if limit == 0:
        return
    now = clock.now()
    hits = limiter_of(request).hit(bucket_key(api_key), window_of(now))
    if hits > limit:
        retry_after = seconds_to_next_window(now)
        raise TooManyRequests(limit, retry_after)
