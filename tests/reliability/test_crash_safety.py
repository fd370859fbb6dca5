"""Crash safety: the API process is SIGKILLed and PostgreSQL crashes under load; nothing answered is lost."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.factories import free_port, web_contact
from tests.reliability.conftest import (
    DisposablePostgres,
    Receiver,
    Service,
    rows,
    scalar,
    serve,
    service_environment,
    wait_until,
)

pytestmark = pytest.mark.process

CLIENTS = 4
CONTACTS_PER_CLIENT = 6
TOTAL = CLIENTS * CONTACTS_PER_CLIENT
DEADLINE_SECONDS = 75.0


async def test_nothing_answered_is_lost_when_the_api_and_the_database_crash(
    tmp_path: Path, disposable: DisposablePostgres, services: list[Service], receiver: Receiver
) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    url = disposable.new_database()
    env = service_environment(
        url,
        tmp_path / "data",
        GENK3600_WEBHOOK_SEND_SECONDS="0.3",
        GENK3600_WEBHOOK_FIRST_RETRY_SECONDS="0.5",
        GENK3600_WEBHOOK_MAX_RETRY_SECONDS="1",
        GENK3600_WEBHOOK_MAX_ATTEMPTS="50",
        GENK3600_JOB_LEASE_SECONDS="2",
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    services.append(await asyncio.to_thread(serve, tmp_path, env, port))
    headers = {"X-API-Key": disposable.admin_key}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as admin:
        subscribed = await admin.post("/v1/webhooks", json={"url": receiver.url, "event_types": ["*"]})
        assert subscribed.status_code == 201, subscribed.text

    answered: dict[str, str] = {}  # Idempotency-Key -> ticket reference in the first 2xx answer
    failures: Counter[str] = Counter()  # what the clients saw before they got their 2xx

    async def client(number: int) -> None:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=httpx.Timeout(10)) as http:
            for index in range(CONTACTS_PER_CLIENT):
                key = f"crash-{number}-{index}"
                body = web_contact(
                    subject=f"Melding {key}",
                    citizen={"email": f"burger.{number}.{index}@example.org", "given_name": "Burger"},
                )
                while key not in answered:
                    assert time.monotonic() < deadline, f"{key} never got an answer; saw {failures}"
                    try:
                        response = await http.post("/v1/contacts", json=body, headers={"Idempotency-Key": key})
                    except httpx.TransportError as exc:
                        failures[type(exc).__name__] += 1
                        await asyncio.sleep(0.1)
                        continue
                    if response.is_success:
                        answered[key] = response.json()["ticket"]["reference"]
                    else:
                        failures[str(response.status_code)] += 1
                        await asyncio.sleep(0.1)

    clients = [asyncio.create_task(client(number)) for number in range(CLIENTS)]
    try:
        await wait_until(lambda: len(answered) >= TOTAL // 4, deadline, "the first answers")
        services[-1].kill()  # SIGKILL mid-load: requests in flight die with the process
        services.append(await asyncio.to_thread(serve, tmp_path, env, port))
        await wait_until(lambda: len(answered) >= TOTAL // 2, deadline, "answers after the restart")
        await asyncio.to_thread(disposable.crash)  # and PostgreSQL itself, mid-load
        await asyncio.sleep(0.5)
        await asyncio.to_thread(disposable.start)
        await asyncio.gather(*clients)
    finally:
        for task in clients:
            task.cancel()

    assert len(answered) == TOTAL
    assert failures, "the faults were never felt by a client: the test did not test anything"
    # While the service was down or PostgreSQL was, clients saw refused connections or 503s, never a 500.
    assert set(failures) <= {"503", "ConnectError", "ReadError", "RemoteProtocolError", "ReadTimeout"}, failures

    # A retry with the same key, now, gets the same ticket as the first answer did.
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as http:
        for key, reference in answered.items():
            number, index = key.split("-")[1:]
            body = web_contact(
                subject=f"Melding {key}",
                citizen={"email": f"burger.{number}.{index}@example.org", "given_name": "Burger"},
            )
            replay = await http.post("/v1/contacts", json=body, headers={"Idempotency-Key": key})
            assert replay.status_code == 201, replay.text
            assert replay.headers["Idempotent-Replayed"] == "true"
            assert replay.json()["ticket"]["reference"] == reference

    # Every answered key exists exactly once, as the ticket that was answered.
    tickets = dict(
        await rows(url, "SELECT reference, (SELECT count(*) FROM contact c WHERE c.ticket_id = t.id) FROM ticket t")
    )
    assert sorted(tickets) == sorted(answered.values())
    assert set(tickets.values()) == {1}
    assert await scalar(url, "SELECT count(*) FROM contact") == TOTAL
    assert await scalar(url, "SELECT count(*) FROM idempotency_key WHERE status_code BETWEEN 200 AND 299") == TOTAL
    # No contact without its ticket, no ticket without its timeline, one outbox event per timeline entry.
    assert await scalar(url, "SELECT count(*) FROM contact WHERE ticket_id IS NULL") == 0
    assert (
        await scalar(
            url, "SELECT count(*) FROM ticket t WHERE NOT EXISTS (SELECT FROM ticket_event e WHERE e.ticket_id = t.id)"
        )
        == 0
    )
    mismatched = await scalar(
        url,
        """
        SELECT count(*) FROM
            (SELECT ticket_id, 'ticket.' || type AS type, count(*) AS n FROM ticket_event GROUP BY 1, 2) AS timeline
            FULL JOIN (SELECT ticket_id, type, count(*) AS n FROM outbox_event GROUP BY 1, 2) AS outbox
            USING (ticket_id, type)
        WHERE timeline.n IS DISTINCT FROM outbox.n
        """,
    )
    assert mismatched == 0
    # Webhook delivery resumed after both crashes and delivered every event (at least once).
    events = {str(event_id) for (event_id,) in await rows(url, "SELECT id FROM outbox_event")}
    assert len(events) >= 2 * TOTAL  # created and routed, at least
    await wait_until(lambda: set(receiver.ids()) >= events, time.monotonic() + 30, "every webhook")
    assert set(receiver.ids()) == events
