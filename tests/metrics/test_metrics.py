"""GET /metrics: parsed with prometheus_client's own parser, values checked after known actions."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from genk3600.config import Settings
from genk3600.models import OutboxEvent, Ticket, TicketEvent, WebhookDelivery, WebhookSubscription
from tests.factories import World, assert_problem, web_contact

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(client: httpx.AsyncClient, headers: dict[str, str] | None = None) -> Samples:
    answer = await client.get("/metrics", headers=headers or {})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_business_figures_after_known_actions(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    writer_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    before = await scrape(client)
    subscribed = await client.post(
        "/v1/webhooks",
        json={"url": "https://hooks.genk.example/hook", "event_types": ["ticket.created"]},
        headers=admin_headers,
    )
    assert subscribed.status_code == 201, subscribed.text
    subscription = str(subscribed.json()["id"])
    references = {}
    for category in ("waste.pickup", "civil.id_card"):
        created = await client.post("/v1/contacts", json=web_contact(category=category), headers=writer_headers)
        assert created.status_code == 201, created.text
        references[category] = created.json()["ticket"]["reference"]

    after = await scrape(client)
    intake = "genk3600_intake_contacts_total"
    assert value(after, intake, channel="web") - value(before, intake, channel="web") == 2
    assert value(after, intake, channel="phone") == value(before, intake, channel="phone")
    # Two tickets created since the subscription: neither queued nor delivered yet.
    assert (
        value(after, "genk3600_webhook_undelivered_events", subscription=subscription)
        == len(set(references.values()))
        == 2
    )
    assert value(after, "genk3600_webhook_oldest_undelivered_age_seconds", subscription=subscription) >= 0

    # A breach on one ticket (as the sweeper records it); one delivery queued and failing, one given up.
    ticket = await session.scalar(select(Ticket).where(Ticket.reference == references["waste.pickup"]))
    assert ticket is not None
    assert ticket.owning_unit_id == world.omgeving.id
    await session.execute(update(Ticket).where(Ticket.id == ticket.id).values(sla_breached_at=func.now()))
    session.add(
        TicketEvent(ticket_id=ticket.id, type="sla_breach", code="legacy", summary="SLA breached", actor_name="test")
    )
    events = (
        await session.scalars(select(OutboxEvent).where(OutboxEvent.type == "ticket.created").order_by(OutboxEvent.id))
    ).all()[-2:]
    # Through SQL from the event rows: the driver takes xid8 only as text, so the ids never pass through Python.
    for event, status, attempts in ((events[0], "pending", 1), (events[1], "dead", 8)):
        source = select(
            literal(int(subscription)), OutboxEvent.id, OutboxEvent.ticket_id, OutboxEvent.txid, literal(status)
        ).add_columns(literal(attempts))
        columns = ["subscription_id", "event_id", "ticket_id", "event_txid", "status", "attempts"]
        await session.execute(insert(WebhookDelivery).from_select(columns, source.where(OutboxEvent.id == event.id)))
    last = select(OutboxEvent.txid).where(OutboxEvent.id == events[1].id).scalar_subquery()
    await session.execute(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == int(subscription))
        .values(cursor_txid=last, cursor_event_id=events[1].id)
    )
    await session.flush()

    later = await scrape(client)
    assert value(later, "genk3600_sla_breaches_total") - value(before, "genk3600_sla_breaches_total") == 1
    assert value(later, "genk3600_sla_breached_open_tickets", unit="omgeving") == 1
    assert value(later, "genk3600_webhook_undelivered_events", subscription=subscription) == 1  # the pending one
    assert value(later, "genk3600_webhook_deliveries_retrying", subscription=subscription) == 1
    assert value(later, "genk3600_webhook_deliveries_dead_total", subscription=subscription) == 1


async def test_request_latency_by_route_template(
    client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]
) -> None:
    created = await client.post("/v1/contacts", json=web_contact(), headers=writer_headers)
    reference = created.json()["ticket"]["reference"]
    for _ in range(3):
        assert (await client.get(f"/v1/tickets/{reference}", headers=writer_headers)).status_code == 200
    assert (await client.get("/v1/tickets/G3600-2026-999999", headers=writer_headers)).status_code == 404
    assert (await client.get("/no/such/page")).status_code == 404

    samples = await scrape(client)
    count = "genk3600_http_request_duration_seconds_count"
    route = "/v1/tickets/{reference}"
    assert value(samples, count, route=route, method="GET", status="200") == 3
    assert value(samples, count, route=route, method="GET", status="404") == 1
    assert value(samples, count, route="/v1/contacts", method="POST", status="201") == 1
    assert value(samples, count, route="<unmatched>", method="GET", status="404") == 1
    assert value(samples, "genk3600_http_request_duration_seconds_sum", route=route, method="GET", status="200") > 0
    assert not any(reference in labels_route for (_, labels) in samples for _, labels_route in labels)


async def test_db_pool_figures(client: httpx.AsyncClient, app: FastAPI, engine: AsyncEngine) -> None:
    samples = await scrape(client)
    pool = engine.sync_engine.pool
    assert value(samples, "genk3600_db_pool_size") == pool.size() > 0  # type: ignore[attr-defined]
    # The test's own connection is checked out while the scrape runs.
    assert value(samples, "genk3600_db_pool_checked_out") >= 1
    assert value(samples, "genk3600_db_pool_overflow") >= 0


@pytest.fixture
async def remote_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=("192.0.2.10", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        yield client


async def test_without_a_token_only_loopback_may_scrape(remote_client: httpx.AsyncClient) -> None:
    problem = assert_problem(await remote_client.get("/metrics"), 403)
    assert "127.0.0.1" in problem["detail"]


async def test_with_a_token_every_scraper_must_send_it(
    app: FastAPI, remote_client: httpx.AsyncClient, settings: Settings
) -> None:
    app.state.settings = settings.model_copy(update={"metrics_token": SecretStr("scrape-me-please-0123456789")})
    assert_problem(await remote_client.get("/metrics"), 401)
    assert_problem(await remote_client.get("/metrics", headers={"Authorization": "Bearer wrong"}), 401)
    samples = await scrape(remote_client, {"Authorization": "Bearer scrape-me-please-0123456789"})
    assert ("genk3600_db_pool_size", ()) in samples


async def test_metrics_stay_out_of_the_api_spec(app: FastAPI) -> None:
    assert "/metrics" not in app.openapi()["paths"]
