"""Rate limits of the public status page: fixed one-minute windows counted in PostgreSQL.

The counters live in `rate_limit_bucket`, so every replica sees the same counts. Each lookup is counted
in a short transaction of its own: the request's transaction is rolled back when the answer is a 404,
and a guessed code must count all the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from genk3600.config import Settings
from genk3600.db import Session, autocommits
from genk3600.errors import AppError
from genk3600.i18n import P_, requested_language, translator
from genk3600.kit.clock import Clock
from genk3600.kit.reference import normalise_reference
from genk3600.models.enums import Language
from genk3600.public import repository

WINDOW = timedelta(minutes=1)
KEEP_BUCKETS = timedelta(hours=1)
CLEANUP_BATCH = 500


class TooManyLookups(AppError):
    status = 429
    title = P_("Too many requests")
    slug = "too-many-requests"

    def __init__(self, retry_after: int, language: Language) -> None:
        message = translator(language).gettext("You tried too often. Try again in a minute.")
        super().__init__(
            P_("Too many status lookups; try again in {retry_after} seconds."),
            params={"retry_after": retry_after},
            retry_after=retry_after,
            message=message,
        )
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the current window ends


def window_of(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def seconds_to_next_window(now: datetime) -> int:
    return max(1, math.ceil((window_of(now) + WINDOW - now).total_seconds()))


async def count_lookup(
    session: AsyncSession, settings: Settings, address: str, reference: str, now: datetime
) -> Verdict:
    """Count one lookup against the address and the reference; not allowed once either is over its limit."""
    window = window_of(now)
    # Already refused: the reference is not counted, so one noisy address cannot use up its budget for its owner.
    address_hits, reference_hits = await repository.count_lookup_hits(
        session,
        f"public:address:{address}",
        f"public:reference:{reference}",
        window,
        settings.public_lookups_per_address,
    )
    if address_hits == 1:
        # Once per address per minute is often enough to keep the table small, and cheap: indexed, bounded.
        await repository.delete_buckets_before(session, now - KEEP_BUCKETS, CLEANUP_BATCH)
    allowed = reference_hits is not None and reference_hits <= settings.public_lookups_per_reference
    return Verdict(allowed=allowed, retry_after=seconds_to_next_window(now))


async def limit_public_lookups(request: Request, session: Session) -> None:
    """FastAPI dependency: 429 with Retry-After when the client or the reference is over its limit.

    The counts must stand whatever the request's answer (a wrong code is a 404 that rolls back): on the request's
    own session when that commits every statement by itself (db.AUTOCOMMIT_OPERATIONS), so the request holds one
    pooled connection; else in a short transaction of their own.
    """
    settings: Settings = request.app.state.settings
    clock: Clock = request.app.state.clock
    address = request.client.host if request.client else "unknown"
    reference = normalise_reference(str(request.path_params.get("reference", "")))
    if autocommits(request):
        verdict = await count_lookup(session, settings, address, reference, clock.now())
    else:
        sessions: async_sessionmaker[AsyncSession] = request.app.state.db.sessions
        async with sessions() as own, own.begin():
            verdict = await count_lookup(own, settings, address, reference, clock.now())
    if not verdict.allowed:
        language = requested_language(request.headers.get("accept-language"), request.query_params.get("lang"))
        raise TooManyLookups(verdict.retry_after, language or Language.nl)
