"""Graceful shutdown: SIGTERM finishes what is in flight and hands back leases; a killed worker's lease runs out."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL

from genk3600.config import Settings
from tests.factories import web_contact
from tests.reliability.conftest import (
    DisposablePostgres,
    Receiver,
    Service,
    in_process_api,
    rows,
    scalar,
    serve,
    service_environment,
    start_service,
    wait_until,
)

pytestmark = pytest.mark.process

TICKETS = 5


async def test_sigterm_lets_a_request_in_flight_finish_and_exits_0(
    tmp_path: Path, disposable: DisposablePostgres, services: list[Service]
) -> None:
    url = disposable.new_database()
    env = service_environment(url, tmp_path / "data", GENK3600_RUN_JOBS="false")
    service = await asyncio.to_thread(serve, tmp_path, env)
    services.append(service)
    body = json.dumps(web_contact(subject="Trage verbinding")).encode()
    head_sent = asyncio.Event()
    refusing = asyncio.Event()

    async def slow_upload() -> AsyncIterator[bytes]:
        # A citizen's form on a slow line: the request is in flight when the signal comes, its body not all there.
        yield body[:20]
        head_sent.set()
        await refusing.wait()
        yield body[20:]

    headers = {"X-API-Key": disposable.admin_key, "content-type": "application/json", "content-length": str(len(body))}
    async with httpx.AsyncClient(base_url=service.base, timeout=30) as http:
        in_flight = asyncio.create_task(http.post("/v1/contacts", content=slow_upload(), headers=headers))
        await asyncio.wait_for(head_sent.wait(), timeout=10)
        await asyncio.sleep(0.3)  # the server has read the request's head and started on it
        service.process.send_signal(signal.SIGTERM)

        # Shutting down: new connections are refused, while the request in flight goes on.
        async with httpx.AsyncClient(base_url=service.base, timeout=2) as newcomer:
            deadline = time.monotonic() + 10
            while True:
                assert time.monotonic() < deadline, "still accepting new connections after SIGTERM"
                try:
                    await newcomer.get("/healthz")
                except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError):
                    # Refused, or (a connection accepted in the instant the listener closed) dropped unanswered:
                    # closed cleanly, or reset because the kernel still held the request's unread bytes.
                    break
                await asyncio.sleep(0.05)
        assert not in_flight.done()
        refusing.set()
        response = await asyncio.wait_for(in_flight, timeout=30)

    assert response.status_code == 201, response.text
    assert await asyncio.to_thread(service.process.wait, 30) == 0
    assert await scalar(url, "SELECT count(*) FROM contact") == 1
    assert "Traceback" not in service.output()


async def _tickets_with_a_webhook(url: URL, settings: Settings, api_key: str, receiver: Receiver) -> int:
    """TICKETS tickets (created, routed) and a subscription to all events; the number of events."""
    async with in_process_api(url, settings, api_key) as api:
        hook = await api.post("/v1/webhooks", json={"url": receiver.url, "event_types": ["*"]})
        assert hook.status_code == 201, hook.text
        for number in range(TICKETS):
            citizen = {"email": f"burger.{number}@example.org", "given_name": "Burger"}
            created = await api.post("/v1/contacts", json=web_contact(citizen=citizen))
            assert created.status_code == 201, created.text
    return int(await scalar(url, "SELECT count(*) FROM outbox_event"))


async def delivered(url: URL) -> int:
    return int(await scalar(url, "SELECT count(*) FROM webhook_delivery WHERE status = 'delivered'"))


async def test_a_stopping_worker_hands_back_its_leases(
    tmp_path: Path, disposable: DisposablePostgres, services: list[Service], receiver: Receiver, settings: Settings
) -> None:
    url = disposable.new_database()
    events = await _tickets_with_a_webhook(url, settings, disposable.admin_key, receiver)
    receiver.delay_seconds = 1.0  # a slow receiver: the worker holds leases on deliveries it has not sent yet
    env = service_environment(
        url, tmp_path / "data", GENK3600_WEBHOOK_CONCURRENCY="1", GENK3600_WEBHOOK_SEND_SECONDS="0.2"
    )
    worker = start_service(tmp_path, env, "worker", name="worker")
    services.append(worker)
    await wait_until(lambda: len(receiver.arrived()) >= 1, time.monotonic() + 60, "the first delivery")
    held = await scalar(url, "SELECT count(*) FROM webhook_delivery WHERE leased_until IS NOT NULL")
    assert held > 1  # one being sent, the others leased and waiting their turn

    assert await asyncio.to_thread(worker.terminate, 30) == 0
    # The send in flight finished and was recorded; the worker sent nothing more, and every other lease it
    # held was handed back untouched.
    assert await delivered(url) == len(receiver.ids()) >= 1
    assert len(receiver.ids()) < held
    assert await scalar(url, "SELECT count(*) FROM webhook_delivery WHERE leased_until IS NOT NULL") == 0
    assert await scalar(url, "SELECT count(*) FROM webhook_delivery WHERE status = 'pending' AND attempts > 0") == 0
    assert "Webhook delivery run stopped" in worker.output()

    # So the next worker sends them at once, without waiting out a 5-minute lease.
    receiver.delay_seconds = 0.0
    services.append(start_service(tmp_path, env, "worker", name="worker"))
    await wait_until(
        lambda: len(set(receiver.ids())) >= events, time.monotonic() + 30, "every event delivered by the next worker"
    )
    assert sorted(set(receiver.ids())) == sorted(
        str(event) for (event,) in await rows(url, "SELECT id FROM outbox_event")
    )


async def test_a_killed_workers_lease_is_taken_over_after_it_runs_out(
    tmp_path: Path, disposable: DisposablePostgres, services: list[Service], receiver: Receiver, settings: Settings
) -> None:
    url = disposable.new_database()
    events = await _tickets_with_a_webhook(url, settings, disposable.admin_key, receiver)
    receiver.open.clear()  # the receiver hangs: the worker's send stays in flight
    env = service_environment(
        url,
        tmp_path / "data",
        GENK3600_JOB_LEASE_SECONDS="3",
        GENK3600_WEBHOOK_TIMEOUT_SECONDS="60",
        GENK3600_WEBHOOK_CONCURRENCY="1",
        GENK3600_WEBHOOK_SEND_SECONDS="0.2",
    )
    first = start_service(tmp_path, env, "worker", name="worker")
    services.append(first)
    await wait_until(lambda: len(receiver.arrived()) >= 1, time.monotonic() + 60, "the first delivery")
    first.kill()  # SIGKILL mid-send: nothing is recorded, the lease stays
    (_arrived, event_id) = receiver.arrived()[0]
    [(lease_ends, attempts)] = await rows(
        url,
        "SELECT extract(epoch FROM leased_until), attempts FROM webhook_delivery WHERE event_id = :event",
        event=int(event_id),
    )
    assert attempts == 1

    receiver.open.set()
    services.append(start_service(tmp_path, env, "worker", name="worker"))
    await wait_until(
        lambda: len(set(receiver.ids())) >= events, time.monotonic() + 30, "every event delivered by the other worker"
    )
    deadline = time.monotonic() + 30
    while await delivered(url) < events:  # the receiver answered; the worker records right after
        assert time.monotonic() < deadline, "deliveries answered but not recorded"
        await asyncio.sleep(0.1)
    # The killed worker's delivery was sent again, by the other worker, and not before its lease ran out.
    again = [at for at, webhook_id in receiver.arrived()[1:] if webhook_id == event_id]
    assert len(again) == 1
    assert again[0] >= float(lease_ends)
    assert await scalar(url, "SELECT attempts FROM webhook_delivery WHERE event_id = :event", event=int(event_id)) == 2
