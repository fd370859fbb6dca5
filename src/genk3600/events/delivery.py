"""The webhook job: fan committed events out to subscriptions, then deliver them, signed, at least once.

Safe with any number of workers and replicas:
- fan-out locks each subscription row (SKIP LOCKED) while it queues the events after the subscription's
  feed position and moves that position on, in one transaction: every event is queued once per
  subscription, and only events the feed has made final (see events/feed.py) are queued;
- delivery leases due rows (SKIP LOCKED, with a lease time), sends outside any transaction, and records
  each outcome in its own short transaction, fenced by the attempt number so a worker whose lease ran out
  cannot overwrite a newer attempt. A worker that dies mid-send leaves a lease that runs out: the delivery
  is sent again (at least once; `webhook-id` stays the event id, so receivers can drop repeats), once its
  lease (GENK3600_JOB_LEASE_SECONDS) has run out. A worker told to stop finishes the sends it started and
  hands back the leases of those it did not start, so another worker sends them at once;
- a ticket's deliveries to one subscription go one at a time, in feed order (see repository.lease_due).

Signatures follow the Standard Webhooks spec (`webhook-id`, `webhook-timestamp`, `webhook-signature`:
HMAC-SHA256 over `id.timestamp.body` with the subscription's secret), made by the `standardwebhooks`
package. Retries back off exponentially with jitter after timeouts, connection errors, 408, 429 and 5xx,
honouring `Retry-After`; any other answer outside 2xx is final (the receiver refused this event).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks import Webhook

from genk3600 import __version__
from genk3600.config import Settings
from genk3600.events import repository, webhooks
from genk3600.events.feed import audience_of_subscription
from genk3600.events.repository import Position
from genk3600.events.schemas import EventBody
from genk3600.kit.clock import Clock
from genk3600.kit.jobs import backoff as retry_delay
from genk3600.kit.jobs import run_every
from genk3600.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from genk3600.models.events import WebhookDeliveryStatus

log = logging.getLogger(__name__)

FAN_OUT_BATCH = 500  # events per subscription per run
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504}) | frozenset(range(505, 600))
USER_AGENT = f"Genk3600-Webhooks/{__version__}"
MAX_ERROR_LENGTH = 500
MIN_RETRY = timedelta(seconds=1)
MAX_ROUNDS = 20  # lease-and-send rounds per run, so one run ends even under a steady stream of events


@dataclass(frozen=True)
class DeliveryConfig:
    """Delivery settings (GENK3600_WEBHOOK_*)."""

    max_attempts: int = 8
    timeout_seconds: float = 10.0
    first_retry_seconds: float = 30.0
    max_retry_seconds: float = 6 * 3600.0
    disable_after_dead: int = 5
    concurrency: int = 8
    # Far above one round (batch / concurrency x timeout) by default: a live worker keeps what it leased.
    lease_seconds: float = 300.0

    @classmethod
    def of(cls, settings: Settings) -> DeliveryConfig:
        return cls(
            max_attempts=settings.webhook_max_attempts,
            timeout_seconds=settings.webhook_timeout_seconds,
            first_retry_seconds=settings.webhook_first_retry_seconds,
            max_retry_seconds=settings.webhook_max_retry_seconds,
            disable_after_dead=settings.webhook_disable_after_dead,
            concurrency=settings.webhook_concurrency,
            lease_seconds=settings.job_lease_seconds,
        )


@dataclass(frozen=True)
class DeliveryResult:
    """What one run did: events queued by fan-out, deliveries leased, delivered, retrying, dead; disabled
    subscriptions; leases handed back unsent because the worker was stopping."""

    queued: int = 0
    leased: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    disabled: int = 0
    released: int = 0


@dataclass(frozen=True)
class _Job:
    delivery_id: int
    attempts: int
    subscription_id: int
    event_id: int
    url: str
    secret: str
    body: str


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    retryable: bool
    status_code: int | None
    latency_ms: int
    error: str | None = None
    retry_after: timedelta | None = None


def backoff(attempt: int, config: DeliveryConfig) -> timedelta:
    """The shared retry delay with this configuration's first retry and cap."""
    return retry_delay(
        attempt, timedelta(seconds=config.first_retry_seconds), timedelta(seconds=config.max_retry_seconds)
    )


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """`Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3); None if absent or unreadable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(moment - now, timedelta(0))


def signed_headers(secret: str, event_id: int, body: str, timestamp: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt (the timestamp is the attempt's, not the event's)."""
    message_id = str(event_id)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, timestamp, body),
    }


def _job(delivery: WebhookDelivery, event: OutboxEvent, subscription: WebhookSubscription) -> _Job:
    return _Job(
        delivery_id=delivery.id,
        attempts=delivery.attempts,
        subscription_id=subscription.id,
        event_id=event.id,
        url=subscription.url,
        secret=subscription.secret,
        body=EventBody.of(event).model_dump_json(),
    )


async def fan_out_once(sessions: async_sessionmaker[AsyncSession], now: datetime, batch: int = FAN_OUT_BATCH) -> int:
    """Queue deliveries (due at `now`) of newly final events for every active subscription; the number queued."""
    due_at = now
    queued = 0
    async with sessions.begin() as session:
        horizon = await repository.feed_horizon(session)
        for subscription in await repository.lock_subscriptions_to_fan_out(session, batch=1000):
            progress = Position(subscription.cursor_txid, subscription.cursor_event_id)
            positions = await repository.queue_deliveries(
                session,
                subscription,
                audience_of_subscription(subscription.unit_id),
                progress,
                due_at=due_at,
                below_txid=horizon,
                limit=batch,
            )
            queued += len(positions)
            # Caught up: everything below the horizon is final, so the next run starts there.
            end = positions[-1] if len(positions) == batch else max(progress, Position(horizon, 0))
            if end != progress:
                await repository.advance_cursor(session, subscription.id, end)
    return queued


async def _attempt(client: httpx.AsyncClient, job: _Job, clock: Clock) -> _Outcome:
    headers = signed_headers(job.secret, job.event_id, job.body, clock.now())
    started = time.perf_counter()

    def elapsed() -> int:
        return round((time.perf_counter() - started) * 1000)

    try:
        # Streamed and not read: a receiver's answer body is of no use and must not cost us memory.
        async with client.stream("POST", job.url, content=job.body.encode(), headers=headers) as response:
            status = response.status_code
            retry_after = parse_retry_after(response.headers.get("retry-after"), clock.now())
    except (httpx.HTTPError, httpx.InvalidURL) as exc:  # timeouts, refused or broken connections, bad URLs
        return _Outcome(False, True, None, elapsed(), f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH])
    latency = elapsed()
    if 200 <= status < 300:
        return _Outcome(True, False, status, latency)
    retryable = status in RETRYABLE_STATUSES
    return _Outcome(False, retryable, status, latency, f"HTTP {status}", retry_after if retryable else None)


async def _record(
    sessions: async_sessionmaker[AsyncSession],
    config: DeliveryConfig,
    job: _Job,
    outcome: _Outcome,
    base: datetime,
) -> str:
    """Write one attempt's outcome in its own transaction; the resulting state (or "lost" if re-leased).

    Lock order is subscription, then deliveries (as when disabling), so concurrent outcomes never deadlock.
    """
    values: dict[str, Any] = {
        "last_status_code": outcome.status_code,
        "last_latency_ms": outcome.latency_ms,
        "last_error": outcome.error,
    }
    async with sessions.begin() as session:
        if outcome.ok:
            await repository.reset_failures(session, job.subscription_id)
            values.update(status=WebhookDeliveryStatus.delivered.value, delivered_at=base)
            delivered = await repository.record_attempt(session, job.delivery_id, job.attempts, values)
            return "delivered" if delivered else "lost"
        if outcome.retryable and job.attempts < config.max_attempts:
            delay = backoff(job.attempts, config)
            if outcome.retry_after is not None:  # the receiver's wish, but never a tight loop
                delay = max(outcome.retry_after, MIN_RETRY)
            values["next_attempt_at"] = base + min(delay, timedelta(seconds=config.max_retry_seconds))
            retrying = await repository.record_attempt(session, job.delivery_id, job.attempts, values)
            return "retrying" if retrying else "lost"
        await repository.lock_subscription(session, job.subscription_id)
        values["status"] = WebhookDeliveryStatus.dead.value
        if not await repository.record_attempt(session, job.delivery_id, job.attempts, values):
            return "lost"
        failures = await repository.add_failure(session, job.subscription_id)
        if failures is not None and failures >= config.disable_after_dead:
            if await webhooks.disable_after_failures(session, job.subscription_id, failures, base):
                log.warning("Webhook subscription %s disabled after %s dead deliveries", job.subscription_id, failures)
                return "disabled"
        return "dead"


async def release_lease(sessions: async_sessionmaker[AsyncSession], job: _Job) -> bool:
    """Hand a leased delivery that was not sent back, as if never leased; False if it is no longer ours."""
    async with sessions.begin() as session:
        released = await session.scalar(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == job.delivery_id,
                WebhookDelivery.attempts == job.attempts,
                WebhookDelivery.status == WebhookDeliveryStatus.pending.value,
            )
            .values(leased_until=None, attempts=WebhookDelivery.attempts - 1)
            .returning(WebhookDelivery.id)
        )
    return released is not None


class _Run:
    """One run's HTTP client, clock and tally; rounds of leasing and sending share them."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        config: DeliveryConfig,
        clock: Clock,
        stop: asyncio.Event | None = None,
    ) -> None:
        self.sessions = sessions
        self.config = config
        self.clock = clock
        self.stop = stop or asyncio.Event()
        self.states: dict[str, int] = {}
        self.disabled: set[int] = set()
        self.limit = asyncio.Semaphore(config.concurrency)

    async def send(self, client: httpx.AsyncClient, job: _Job) -> None:
        async with self.limit:
            if job.subscription_id in self.disabled:  # disabled during this run: its pending rows are dead
                return
            if self.stop.is_set():  # shutting down: not started, so another worker may send it right away
                if await release_lease(self.sessions, job):
                    self.states["released"] = self.states.get("released", 0) + 1
                return
            outcome = await _attempt(client, job, self.clock)
            # Retry times count from when the answer came, on the run's clock (a test's clock may stand still).
            state = await _record(self.sessions, self.config, job, outcome, self.clock.now())
        self.states[state] = self.states.get(state, 0) + 1
        if state == "disabled":
            self.disabled.add(job.subscription_id)
        if not outcome.ok:
            log.info(
                "Webhook delivery %s (event %s) attempt %s: %s -> %s",
                job.delivery_id,
                job.event_id,
                job.attempts,
                outcome.error,
                state,
            )

    def result(self, queued: int, leased: int) -> DeliveryResult:
        states = self.states
        return DeliveryResult(
            queued=queued,
            leased=leased,
            delivered=states.get("delivered", 0),
            retrying=states.get("retrying", 0),
            dead=states.get("dead", 0) + states.get("disabled", 0),
            disabled=states.get("disabled", 0),
            released=states.get("released", 0),
        )


async def deliver_once(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock,
    batch: int = 50,
    stop: asyncio.Event | None = None,
) -> DeliveryResult:
    """One run of the job: fan out new events, then send what is due by `clock`.

    Sends in rounds of at most `batch` leased deliveries, until nothing is due or MAX_ROUNDS: a delivered
    event lets the next event of its ticket go in the following round, instead of a whole interval later.
    Once `stop` is set, sends already started finish and are recorded, the rest of the round's leases are
    handed back and no new round starts.
    """
    if batch < 1:
        raise ValueError(f"batch must be at least 1, not {batch}")
    config = DeliveryConfig.of(settings)
    queued = await fan_out_once(sessions, clock.now())
    run = _Run(sessions, config, clock, stop)
    lease = timedelta(seconds=config.lease_seconds)
    leased = 0
    async with httpx.AsyncClient(timeout=httpx.Timeout(config.timeout_seconds), follow_redirects=False) as client:
        for _round in range(MAX_ROUNDS):
            if run.stop.is_set():
                break
            current = clock.now()  # each round's lease runs from when it is taken, not from the run's start
            async with sessions.begin() as session:
                rows = await repository.lease_due(session, current, current + lease, batch)
                jobs = [_job(delivery, event, subscription) for delivery, event, subscription in rows]
            if not jobs:
                break
            leased += len(jobs)
            outcomes = await asyncio.gather(*(run.send(client, job) for job in jobs), return_exceptions=True)
            for job, outcome in zip(jobs, outcomes, strict=True):
                if isinstance(outcome, Exception):  # e.g. the database went away: the lease runs out, we retry
                    log.error("Webhook delivery %s failed to record", job.delivery_id, exc_info=outcome)
                elif isinstance(outcome, BaseException):
                    raise outcome
    return run.result(queued, leased)


async def run_deliveries(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock,
    interval_seconds: float,
    stop: asyncio.Event,
) -> None:
    """Deliver until `stop` is set: at once again while there is a backlog, else every `interval_seconds`."""
    batch = 50

    async def step() -> bool:
        result = await deliver_once(sessions, settings, clock, batch=batch, stop=stop)
        return result.leased >= batch * MAX_ROUNDS or result.queued >= FAN_OUT_BATCH

    await run_every("Webhook delivery run", step, interval_seconds, stop, log)
