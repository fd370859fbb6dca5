"""Webhook subscriptions and delivery to a real receiver (uvicorn on 127.0.0.1), on real commits."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from standardwebhooks import Webhook

from genk3600.auth.service import create_api_client
from genk3600.config import Settings
from genk3600.db import Database
from genk3600.events.delivery import DeliveryResult, deliver_once
from genk3600.i18n.texts import Message
from genk3600.kit.clock import FixedClock
from genk3600.models import OutboxEvent, Ticket, Unit, WebhookDelivery, WebhookSubscription
from genk3600.models.enums import Language, Scope, TicketEventType
from genk3600.tickets.service import NewTicket, open_ticket
from genk3600.tickets.timeline import record_event
from tests import factories
from tests.events.conftest import TESTER, Committed, Receiver, read_all, ticket_with_event
from tests.factories import assert_problem, free_port


async def _subscribe(
    api: httpx.AsyncClient, committed: Committed, url: str, event_types: list[str] | None = None, **fields: Any
) -> dict[str, Any]:
    body = {"url": url, "event_types": event_types or ["*"], **fields}
    response = await api.post("/v1/webhooks", json=body, headers=committed.admin)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _deliveries(api: httpx.AsyncClient, committed: Committed, subscription_id: int) -> list[dict[str, Any]]:
    response = await api.get(f"/v1/webhooks/{subscription_id}/deliveries", headers=committed.admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _pending(database: Database) -> list[WebhookDelivery]:
    async with database.sessions() as session:
        rows = await session.scalars(select(WebhookDelivery).where(WebhookDelivery.status == "pending"))
        return list(rows)


async def _only_pending(database: Database) -> WebhookDelivery:
    pending = await _pending(database)
    assert len(pending) == 1
    return pending[0]


def _verified(secret: str, request: Any) -> dict[str, Any]:
    document: dict[str, Any] = Webhook(secret).verify(request.body, request.headers)
    return document


async def test_subscriptions_through_the_api(api: httpx.AsyncClient, database: Database, committed: Committed) -> None:
    body = {"url": "https://mijn.genk.example/hooks", "event_types": ["ticket.status_changed", "ticket.created"]}
    headers = {**committed.admin, "Idempotency-Key": "subscribe-1"}
    response = await api.post("/v1/webhooks", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["Location"] == f"/v1/webhooks/{created['id']}"
    assert created["event_types"] == ["ticket.created", "ticket.status_changed"]
    assert created["active"] is True
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 32
    again = await api.post("/v1/webhooks", json=body, headers=headers)
    assert (again.status_code, again.json()["id"], again.headers["Idempotent-Replayed"]) == (201, created["id"], "true")
    # The replay has no secret, and no stored response keeps it in clear.
    assert again.json()["secret"] is None
    async with database.sessions() as session:
        stored = (await session.scalars(text("SELECT response::text FROM idempotency_key"))).all()
    assert len(stored) == 1
    assert created["secret"] not in stored[0]

    shown = (await api.get(f"/v1/webhooks/{created['id']}", headers=committed.admin)).json()
    assert "secret" not in shown
    assert shown["url"] == "https://mijn.genk.example/hooks"
    listed = (await api.get("/v1/webhooks", headers=committed.admin)).json()
    assert [item["id"] for item in listed["items"]] == [created["id"]]

    assert (await api.delete(f"/v1/webhooks/{created['id']}", headers=committed.admin)).status_code == 204
    assert (await api.delete(f"/v1/webhooks/{created['id']}", headers=committed.admin)).status_code == 204
    disabled = (await api.get(f"/v1/webhooks/{created['id']}", headers=committed.admin)).json()
    assert (disabled["active"], disabled["disabled_reason"]) == (False, "Disabled by an administrator.")
    admin_feed, _ = await read_all(api, committed.admin)
    disabled_event = {"subscription_id": created["id"], "reason": "disabled_by_admin", "failure_count": 0}
    assert [(item["type"], item["ticket"], item["data"]) for item in admin_feed] == [
        ("webhook.disabled", None, disabled_event)
    ]
    assert (await read_all(api, committed.reader))[0] == []  # integration events are for admins
    assert_problem(await api.post(f"/v1/webhooks/{created['id']}/replay", headers=committed.admin), 409)

    bad = {**body, "event_types": ["ticket.created", "ticket.vanished"]}
    assert assert_problem(await api.post("/v1/webhooks", json=bad, headers=committed.admin), 422)["unknown"] == [
        "ticket.vanished"
    ]
    for wrong in ({"unit": "nowhere"}, {"url": "ftp://x.example"}, {"event_types": []}):
        assert_problem(await api.post("/v1/webhooks", json={**body, **wrong}, headers=committed.admin), 422)
    assert_problem(await api.post("/v1/webhooks", json=body, headers=committed.reader), 403)
    assert_problem(await api.get("/v1/webhooks/999", headers=committed.admin), 404)
    assert_problem(await api.get("/v1/webhooks/999/deliveries", headers=committed.admin), 404)


async def test_events_arrive_signed_and_only_those_subscribed(
    api: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    committed: Committed,
    receiver: Receiver,
    clock: FixedClock,
) -> None:
    unit_id = committed.world.omgeving.id
    await ticket_with_event(database, settings, unit_id)  # before any subscription: not delivered
    everything = await _subscribe(api, committed, receiver.url("/all"))
    notes = await _subscribe(api, committed, receiver.url("/notes"), ["ticket.note"])
    ticket = await ticket_with_event(database, settings, unit_id, events=3)

    result = await deliver_once(database.sessions, settings, clock)

    assert result == DeliveryResult(queued=5, leased=5, delivered=5)
    arrived = receiver.on("/all")
    assert [request.event["type"] for request in arrived] == ["ticket.created", "ticket.note", "ticket.note"]
    for request in arrived:
        document = _verified(everything["secret"], request)
        assert request.headers["webhook-id"] == str(document["id"])
        assert request.headers["content-type"] == "application/json"
        assert set(document) == {"id", "type", "occurred_at", "ticket", "data"}
        assert document["ticket"] == ticket.reference
    assert [request.event["data"] for request in arrived[1:]] == [{"n": 1}, {"n": 2}]  # the note's text stays home
    assert [request.event["type"] for request in receiver.on("/notes")] == ["ticket.note", "ticket.note"]
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(notes["secret"]).verify(arrived[0].body, arrived[0].headers)

    listed = await _deliveries(api, committed, everything["id"])
    assert [item["status"] for item in listed] == ["delivered"] * 3
    assert all(item["last_status_code"] == 200 and item["last_latency_ms"] >= 0 for item in listed)
    assert all(item["attempts"] == 1 and item["next_attempt_at"] is None for item in listed)
    assert [item["event_id"] for item in listed] == sorted((item["event_id"] for item in listed), reverse=True)
    assert await deliver_once(database.sessions, settings, clock) == DeliveryResult()


async def test_server_errors_are_retried_with_backoff_until_delivered(
    api: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    committed: Committed,
    receiver: Receiver,
    clock: FixedClock,
) -> None:
    subscription = await _subscribe(api, committed, receiver.url())
    receiver.script("/hook", 500, 502)
    await ticket_with_event(database, settings, committed.world.omgeving.id)
    start = clock.now()

    assert (await deliver_once(database.sessions, settings, FixedClock(start))).retrying == 1
    first = await _only_pending(database)
    assert timedelta(seconds=23) < first.next_attempt_at - start < timedelta(seconds=37)  # 30 s ± 20 %
    assert (await deliver_once(database.sessions, settings, FixedClock(start + timedelta(seconds=20)))).leased == 0
    assert (await deliver_once(database.sessions, settings, FixedClock(first.next_attempt_at))).retrying == 1
    second = await _only_pending(database)
    assert timedelta(seconds=47) < second.next_attempt_at - first.next_attempt_at < timedelta(seconds=73)
    assert (await deliver_once(database.sessions, settings, FixedClock(second.next_attempt_at))).delivered == 1

    assert [request.status for request in receiver.on("/hook")] == [500, 502, 200]
    assert len({request.headers["webhook-id"] for request in receiver.on("/hook")}) == 1
    [delivery] = await _deliveries(api, committed, subscription["id"])
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 3, 200)
    assert delivery["last_error"] is None


async def test_429_retry_after_is_honoured_in_seconds_and_as_a_date(
    database: Database,
    settings: Settings,
    api: httpx.AsyncClient,
    committed: Committed,
    receiver: Receiver,
    clock: FixedClock,
) -> None:
    await _subscribe(api, committed, receiver.url())
    receiver.script("/hook", (429, {"Retry-After": "120"}))
    await ticket_with_event(database, settings, committed.world.omgeving.id)
    start = clock.now()

    assert (await deliver_once(database.sessions, settings, FixedClock(start))).retrying == 1
    waiting = await _only_pending(database)
    assert timedelta(seconds=120) <= waiting.next_attempt_at - start < timedelta(seconds=125)
    assert (waiting.last_status_code, waiting.last_error) == (429, "HTTP 429")
    assert (await deliver_once(database.sessions, settings, FixedClock(start + timedelta(seconds=110)))).leased == 0
    assert (await deliver_once(database.sessions, settings, FixedClock(waiting.next_attempt_at))).delivered == 1

    later = clock.now() + timedelta(minutes=10)
    receiver.script("/hook", (503, {"Retry-After": format_datetime(later, usegmt=True)}))
    await ticket_with_event(database, settings, committed.world.omgeving.id)
    assert (await deliver_once(database.sessions, settings, clock)).retrying == 1
    waiting = await _only_pending(database)
    assert abs(waiting.next_attempt_at - later) < timedelta(seconds=3)


async def test_delivery_gives_up_after_n_attempts_and_at_once_on_a_refusal(
    database: Database,
    settings: Settings,
    api: httpx.AsyncClient,
    committed: Committed,
    receiver: Receiver,
    clock: FixedClock,
) -> None:
    three = settings.model_copy(update={"webhook_max_attempts": 3})
    subscription = await _subscribe(api, committed, receiver.url())
    receiver.script("/hook", 503, 503, 503, 410)
    await ticket_with_event(database, settings, committed.world.omgeving.id)
    moment = clock.now()
    results = []
    for _ in range(4):
        results.append(await deliver_once(database.sessions, three, FixedClock(moment)))
        moment += timedelta(hours=7)
    assert [(result.retrying, result.dead) for result in results] == [(1, 0), (1, 0), (0, 1), (0, 0)]

    await ticket_with_event(database, settings, committed.world.omgeving.id)
    assert (await deliver_once(database.sessions, three, FixedClock(moment))).dead == 1  # 410: no retry

    dead = await _deliveries(api, committed, subscription["id"])
    assert [(item["status"], item["attempts"], item["last_status_code"]) for item in dead] == [
        ("dead", 1, 410),
        ("dead", 3, 503),
    ]
    shown = (await api.get(f"/v1/webhooks/{subscription['id']}", headers=committed.admin)).json()
    assert (shown["active"], shown["failure_count"]) == (True, 2)


async def test_a_subscription_that_keeps_failing_is_disabled_with_an_event(
    database: Database,
    settings: Settings,
    api: httpx.AsyncClient,
    committed: Committed,
    receiver: Receiver,
    clock: FixedClock,
) -> None:
    strict = settings.model_copy(
        update={"webhook_max_attempts": 1, "webhook_disable_after_dead": 3, "webhook_concurrency": 1}
    )
    subscription = await _subscribe(api, committed, receiver.url())
    # Deaths in a row count; a success in between starts the count again.
    receiver.script("/hook", 400, 400, 200, 400, 400, 400)
    for _ in range(7):
        await ticket_with_event(database, settings, committed.world.omgeving.id)

    result = await deliver_once(database.sessions, strict, clock)

    assert (result.delivered, result.dead, result.disabled) == (1, 5, 1)
    assert [request.status for request in receiver.on("/hook")] == [400, 400, 200, 400, 400, 400]
    shown = (await api.get(f"/v1/webhooks/{subscription['id']}", headers=committed.admin)).json()
    assert (shown["active"], shown["failure_count"]) == (False, 3)
    assert shown["disabled_reason"] == "Disabled after 3 deliveries in a row failed."
    deliveries = await _deliveries(api, committed, subscription["id"])
    assert sorted(item["status"] for item in deliveries) == ["dead"] * 6 + ["delivered"]
    given_up = [item for item in deliveries if item["last_error"] == "subscription disabled"]
    assert [item["attempts"] for item in given_up] == [1]  # leased in the run, never sent: the run stopped
    events, _ = await read_all(api, committed.admin, types="webhook.disabled")
    assert [event["data"] for event in events] == [
        {"subscription_id": subscription["id"], "reason": "failing", "failure_count": 3}
    ]
    assert (await deliver_once(database.sessions, strict, clock)).leased == 0


async def test_timeouts_and_refused_connections_are_retried(
    database: Database,
    settings: Settings,
    api: httpx.AsyncClient,
    committed: Committed,
    receiver: Receiver,
    clock: FixedClock,
) -> None:
    impatient = settings.model_copy(update={"webhook_timeout_seconds": 0.2})
    receiver.delay_seconds = 1.0
    slow = await _subscribe(api, committed, receiver.url("/slow"))
    down = await _subscribe(api, committed, f"http://127.0.0.1:{free_port()}/hook")
    await ticket_with_event(database, settings, committed.world.omgeving.id)

    result = await deliver_once(database.sessions, impatient, clock)

    assert (result.leased, result.retrying) == (2, 2)
    [timed_out] = await _deliveries(api, committed, slow["id"])
    [refused] = await _deliveries(api, committed, down["id"])
    assert "Timeout" in timed_out["last_error"]
    assert timed_out["last_latency_ms"] >= 150
    assert "ConnectError" in refused["last_error"]
    assert refused["last_status_code"] is None


async def test_replay_sends_again_from_a_position(
    database: Database,
    settings: Settings,
    api: httpx.AsyncClient,
    committed: Committed,
    receiver: Receiver,
    clock: FixedClock,
) -> None:
    subscription = await _subscribe(api, committed, receiver.url())
    for _ in range(3):
        await ticket_with_event(database, settings, committed.world.omgeving.id)
    await deliver_once(database.sessions, settings, clock)
    feed, _ = await read_all(api, committed.admin)
    first_ids = sorted(request.headers["webhook-id"] for request in receiver.on("/hook"))
    assert first_ids == sorted(str(item["id"]) for item in feed)  # three tickets: sent side by side

    everything = await api.post(f"/v1/webhooks/{subscription['id']}/replay", headers=committed.admin)
    assert everything.status_code == 202, everything.text
    assert (everything.json()["queued"], everything.json()["complete"]) == (3, True)
    partial = await api.post(
        f"/v1/webhooks/{subscription['id']}/replay", params={"after": feed[1]["cursor"]}, headers=committed.admin
    )
    assert partial.json()["queued"] == 1
    assert (await deliver_once(database.sessions, settings, clock)).delivered == 4  # two of one ticket: in two rounds

    again = sorted(request.headers["webhook-id"] for request in receiver.on("/hook")[3:])
    assert again == sorted([*first_ids, str(feed[2]["id"])])  # same ids: receivers may drop what they have
    assert len(await _deliveries(api, committed, subscription["id"])) == 7
    bad = api.post(f"/v1/webhooks/{subscription['id']}/replay?from=xyz", headers=committed.admin)
    assert_problem(await bad, 400)
    assert_problem(await api.post("/v1/webhooks/12345/replay", headers=committed.admin), 404)


async def test_social_events_go_only_to_a_subscription_for_the_owning_unit(
    database: Database,
    settings: Settings,
    api: httpx.AsyncClient,
    committed: Committed,
    receiver: Receiver,
    clock: FixedClock,
) -> None:
    world = committed.world
    async with database.sessions.begin() as session:
        _client, ocmw_key = await create_api_client(
            session, "ocmw-admin", [Scope.admin, Scope.tickets_read], "sociale_dienst"
        )
    ocmw_admin = {"X-API-Key": ocmw_key}
    await _subscribe(api, committed, receiver.url("/anyone"))
    # The unit-less admin key reads no social ticket, so it cannot name the OCMW unit either.
    refused = {"url": receiver.url("/sneaky"), "event_types": ["*"], "unit": "sociale_dienst"}
    problem = assert_problem(await api.post("/v1/webhooks", json=refused, headers=committed.admin), 422)
    assert problem["code"] == "sociale_dienst"
    ocmw = await api.post("/v1/webhooks", json={**refused, "url": receiver.url("/ocmw")}, headers=ocmw_admin)
    assert ocmw.status_code == 201, ocmw.text
    normal = await ticket_with_event(database, settings, world.omgeving.id)
    social = await ticket_with_event(database, settings, world.sociale_dienst.id, social=True)

    await deliver_once(database.sessions, settings, clock)

    assert [request.event["ticket"] for request in receiver.on("/anyone")] == [normal.reference]
    # The unit-bound key reads only its unit's tickets: its subscription gets those, not other units' ones.
    assert [request.event["ticket"] for request in receiver.on("/ocmw")] == [social.reference]
    assert receiver.on("/sneaky") == []


async def test_fan_out_waits_for_a_slow_transaction(
    database: Database,
    settings: Settings,
    api: httpx.AsyncClient,
    committed: Committed,
    receiver: Receiver,
    clock: FixedClock,
) -> None:
    await _subscribe(api, committed, receiver.url())
    unit_id = committed.world.omgeving.id
    async with database.sessions() as slow, slow.begin():
        unit = await slow.get_one(Unit, unit_id)
        new = NewTicket(subject="Traag", language=Language.nl, owning_unit=unit, category=None, citizen=None)
        ticket_a = await open_ticket(slow, settings, new, factories.OPENED_AT)
        await record_event(slow, ticket_a, TESTER, TicketEventType.created, Message("ticket.created"), {})
        ticket_b = await ticket_with_event(database, settings, unit_id)
        assert await deliver_once(database.sessions, settings, clock) == DeliveryResult()  # B waits behind A
    assert (await deliver_once(database.sessions, settings, clock)).delivered == 2
    assert sorted(request.event["ticket"] for request in receiver.on("/hook")) == sorted(
        [ticket_a.reference, ticket_b.reference]
    )
    assert (await deliver_once(database.sessions, settings, clock)).queued == 0


async def test_two_workers_keep_each_tickets_order_and_never_send_twice(
    database: Database,
    settings: Settings,
    api: httpx.AsyncClient,
    committed: Committed,
    receiver: Receiver,
    clock: FixedClock,
) -> None:
    await _subscribe(api, committed, receiver.url())
    receiver.delay_seconds = 0.01
    # Every third answer is a server error: a failed event must hold back the ticket's later events.
    receiver.script("/hook", *[500 if number % 3 == 1 else 200 for number in range(200)])
    unit_id = committed.world.omgeving.id
    tickets = [await ticket_with_event(database, settings, unit_id) for _ in range(6)]
    for round_number in range(4):  # interleaved: one transaction per event, tickets taking turns
        for ticket in tickets:
            async with database.sessions.begin() as session:
                row = await session.get_one(Ticket, ticket.id)
                await record_event(
                    session,
                    row,
                    TESTER,
                    TicketEventType.note,
                    Message("legacy", {"text": "Note."}),
                    {"n": round_number},
                )
    async with database.sessions() as session:
        events = (await session.scalars(select(OutboxEvent).order_by(OutboxEvent.txid, OutboxEvent.id))).all()
    expected = {ticket.reference: [e.id for e in events if e.ticket_id == ticket.id] for ticket in tickets}

    moment = clock.now()
    for _ in range(30):
        small = 4  # small batches, so the two workers really take turns and compete
        await asyncio.gather(
            deliver_once(database.sessions, settings, FixedClock(moment), batch=small),
            deliver_once(database.sessions, settings, FixedClock(moment), batch=small),
        )
        moment += timedelta(hours=7)
        if not await _pending(database):
            break
    assert await _pending(database) == []

    delivered: dict[str, list[int]] = {}
    for request in receiver.on("/hook"):
        if request.status == 200:
            delivered.setdefault(request.event["ticket"], []).append(request.event["id"])
    assert delivered == expected  # every event once, each ticket's in feed order
    assert set(receiver.max_in_flight.values()) == {1}  # never two of one ticket at the same time
    assert any(request.status == 500 for request in receiver.on("/hook"))


def test_retry_after_parsing() -> None:
    from genk3600.events.delivery import parse_retry_after

    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert parse_retry_after("30", now) == timedelta(seconds=30)
    assert parse_retry_after("Mon, 23 Nov 2026 09:02:00 GMT", now) == timedelta(minutes=2)
    assert parse_retry_after("Mon, 23 Nov 2026 08:00:00 GMT", now) == timedelta(0)
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None
    assert parse_retry_after("-5", now) is None


async def test_subscription_starts_at_the_present(
    database: Database, settings: Settings, api: httpx.AsyncClient, committed: Committed
) -> None:
    await ticket_with_event(database, settings, committed.world.omgeving.id)
    created = await _subscribe(api, committed, "https://x.example/hook")
    async with database.sessions() as session:
        subscription = await session.get_one(WebhookSubscription, created["id"])
        newest = await session.scalar(select(OutboxEvent.txid).order_by(OutboxEvent.txid.desc()).limit(1))
    assert newest is not None
    assert subscription.cursor_txid > newest
