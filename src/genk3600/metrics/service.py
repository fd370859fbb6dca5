"""One scrape: the business figures from PostgreSQL, this process's request histogram and DB pool."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from ipaddress import ip_address

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from genk3600.config import Settings
from genk3600.i18n.catalogue import P_
from genk3600.metrics import repository
from genk3600.metrics.errors import MetricsLoopbackOnly, MetricsTokenRequired
from genk3600.metrics.repository import Figures
from genk3600.models.enums import Channel


def check_access(settings: Settings, authorization: str | None, client_host: str | None) -> None:
    """With a `metrics_token`: only a scraper sending it. Without one: only callers on this machine."""
    token = settings.metrics_token
    if token is not None:
        expected = f"Bearer {token.get_secret_value()}".encode()
        if authorization is None or not hmac.compare_digest(authorization.encode(), expected):
            raise MetricsTokenRequired(P_("/metrics needs 'Authorization: Bearer <metrics token>'."))
        return
    if not _loopback(client_host):
        raise MetricsLoopbackOnly(
            P_(
                "/metrics answers only on 127.0.0.1 unless GENK3600_METRICS_TOKEN is set; then send it as a bearer "
                "token."
            )
        )


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ip_address(host).is_loopback
    except ValueError:
        return False


class _Families(Collector):
    """Metric families computed before the scrape (the database is async, collectors are not)."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


def business_families(figures: Figures) -> list[Metric]:
    intake = CounterMetricFamily(
        "genk3600_intake_contacts", "Inbound contacts recorded, by channel (all time).", labels=["channel"]
    )
    for channel in Channel:
        intake.add_metric([channel.value], figures.intake.get(channel.value, 0))
    breaches = CounterMetricFamily("genk3600_sla_breaches", "SLA breaches recorded on ticket timelines (all time).")
    breaches.add_metric([], figures.sla_breaches)
    breached = GaugeMetricFamily(
        "genk3600_sla_breached_open_tickets", "Open tickets past an SLA deadline, by owning unit.", labels=["unit"]
    )
    for unit, count in figures.breached_open.items():
        breached.add_metric([unit], count)
    undelivered = GaugeMetricFamily(
        "genk3600_webhook_undelivered_events",
        "Events not yet delivered to an active webhook subscription (pending or not yet queued).",
        labels=["subscription"],
    )
    oldest = GaugeMetricFamily(
        "genk3600_webhook_oldest_undelivered_age_seconds",
        "Age of the oldest event not yet delivered to an active webhook subscription (0 when none).",
        labels=["subscription"],
    )
    for lag in figures.webhook_lag:
        undelivered.add_metric([str(lag.subscription_id)], lag.undelivered)
        oldest.add_metric([str(lag.subscription_id)], lag.oldest_age_seconds)
    dead = CounterMetricFamily(
        "genk3600_webhook_deliveries_dead",
        "Webhook deliveries given up on (refused, too many failures or subscription disabled).",
        labels=["subscription"],
    )
    retrying = GaugeMetricFamily(
        "genk3600_webhook_deliveries_retrying",
        "Webhook deliveries that failed at least once and wait for another attempt.",
        labels=["subscription"],
    )
    for failure in figures.webhook_failures:
        dead.add_metric([str(failure.subscription_id)], failure.dead)
        retrying.add_metric([str(failure.subscription_id)], failure.retrying)
    return [intake, breaches, breached, undelivered, oldest, dead, retrying]


def pool_families(engine: AsyncEngine) -> list[Metric]:
    """This process's connection pool (pools without a size, as in some tests, report nothing)."""
    pool = engine.sync_engine.pool
    size, checked_out, overflow = (getattr(pool, name, None) for name in ("size", "checkedout", "overflow"))
    if size is None or checked_out is None or overflow is None:
        return []
    families: list[Metric] = []
    for name, documentation, value in (
        ("genk3600_db_pool_size", "Connections the pool keeps open (this process).", size()),
        ("genk3600_db_pool_checked_out", "Connections in use right now (this process).", checked_out()),
        # SQLAlchemy counts overflow from -size upwards; below zero means no connection beyond the pool size.
        ("genk3600_db_pool_overflow", "Connections open beyond the pool size (this process).", max(overflow(), 0)),
    ):
        family = GaugeMetricFamily(name, documentation)
        family.add_metric([], value)
        families.append(family)
    return families


async def scrape(session: AsyncSession, engine: AsyncEngine, requests: Histogram) -> bytes:
    """The exposition text: business figures, the request histogram and the DB pool."""
    figures = await repository.figures(session)
    registry = CollectorRegistry(auto_describe=True)
    registry.register(_Families(business_families(figures) + pool_families(engine)))
    registry.register(requests)
    return generate_latest(registry)
