"""The loop every background job shares, and the retry delay they share."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta

log = logging.getLogger(__name__)


async def run_every(
    name: str,
    step: Callable[[], Awaitable[bool]],
    interval_seconds: float,
    stop: asyncio.Event,
    logger: logging.Logger = log,
) -> None:
    """Call `step` until `stop` is set: again at once while it says more work is waiting, else after
    `interval_seconds`. A failing step is logged (on the job's own logger) and tried again; it never ends the
    loop."""
    logger.info("%s started (every %s s)", name, interval_seconds)
    while not stop.is_set():
        more = False
        try:
            more = await step()
        except Exception:
            logger.exception("%s failed; trying again in %s s", name, interval_seconds)
        if more:
            await asyncio.sleep(0)  # let others run, then go on with the backlog
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
    logger.info("%s stopped", name)


def backoff(attempt: int, first: timedelta, cap: timedelta) -> timedelta:
    """Exponential with ±20 % jitter, capped: first, then twice that, four times … for attempts 1, 2, 3 …"""
    delay: timedelta = min(first * 2 ** max(attempt - 1, 0), cap)
    jitter = random.uniform(0.8, 1.2)  # noqa: S311 - spreading retries, not cryptography
    return delay * jitter
