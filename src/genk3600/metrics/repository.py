"""The business figures, read from PostgreSQL at scrape time: right across replicas and restarts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.models.enums import OPEN_STATUSES

_INTAKE = text("SELECT channel, count(*) FROM contact WHERE direction = 'inbound' GROUP BY channel ORDER BY channel")

_SLA_BREACHES = text("SELECT count(*) FROM ticket_event WHERE type = 'sla_breach'")

_BREACHED_OPEN = text(
    """
    SELECT u.code, count(*)
    FROM ticket t JOIN unit u ON u.id = t.owning_unit_id
    WHERE t.sla_breached_at IS NOT NULL AND t.status = ANY(CAST(:open AS text[]))
    GROUP BY u.code ORDER BY u.code
    """
)

# Undelivered per active subscription: deliveries still pending, plus matching events the fan-out has not
# reached yet (after the subscription's cursor, of its types, visible to it as in events/repository.py).
_WEBHOOK_LAG = text(
    """
    SELECT s.id,
           pending.n + unqueued.n AS undelivered,
           coalesce(extract(epoch FROM statement_timestamp() - least(pending.oldest, unqueued.oldest)), 0) AS age
    FROM webhook_subscription s
    CROSS JOIN LATERAL (
        SELECT count(*) AS n, min(e.occurred_at) AS oldest
        FROM webhook_delivery d JOIN outbox_event e ON e.id = d.event_id
        WHERE d.subscription_id = s.id AND d.status = 'pending'
    ) pending
    CROSS JOIN LATERAL (
        SELECT count(*) AS n, min(e.occurred_at) AS oldest
        FROM outbox_event e
        WHERE (e.txid, e.id) > (s.cursor_txid, s.cursor_event_id)
          AND ('*' = ANY(s.event_types) OR e.type = ANY(s.event_types))
          AND ((e.ticket_id IS NOT NULL AND e.confidentiality = 'normal')
               OR (e.confidentiality = 'social' AND e.owning_unit_id = s.unit_id)
               OR e.ticket_id IS NULL)
    ) unqueued
    WHERE s.active
    ORDER BY s.id
    """
)

_WEBHOOK_FAILURES = text(
    """
    SELECT subscription_id,
           count(*) FILTER (WHERE status = 'dead') AS dead,
           count(*) FILTER (WHERE status = 'pending' AND attempts > 0) AS retrying
    FROM webhook_delivery
    WHERE status = 'dead' OR (status = 'pending' AND attempts > 0)
    GROUP BY subscription_id ORDER BY subscription_id
    """
)


@dataclass(frozen=True)
class WebhookLag:
    subscription_id: int
    undelivered: int
    oldest_age_seconds: float


@dataclass(frozen=True)
class WebhookFailures:
    subscription_id: int
    dead: int
    retrying: int


@dataclass(frozen=True)
class Figures:
    intake: dict[str, int]
    sla_breaches: int
    breached_open: dict[str, int]
    webhook_lag: list[WebhookLag]
    webhook_failures: list[WebhookFailures]


async def figures(session: AsyncSession) -> Figures:
    """Every business figure, straight from the database."""
    intake = {channel: int(n) for channel, n in await session.execute(_INTAKE)}
    breaches = int(await session.scalar(_SLA_BREACHES) or 0)
    breached = {code: int(n) for code, n in await session.execute(_BREACHED_OPEN, {"open": list(OPEN_STATUSES)})}
    lag = [WebhookLag(int(sid), int(n), float(age)) for sid, n, age in await session.execute(_WEBHOOK_LAG)]
    failures = [
        WebhookFailures(int(sid), int(dead), int(retrying))
        for sid, dead, retrying in await session.execute(_WEBHOOK_FAILURES)
    ]
    return Figures(intake, breaches, breached, lag, failures)
