"""The console's live stream (`GET /v1/me/stream`) against a real `genk3600 serve`: a call and a queue change
arrive within a second, and a reconnect with `Last-Event-ID` resumes without a gap."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.console.conftest import staff_headers

pytestmark = pytest.mark.process

AGENT = "agent@genk.example"
ADMIN = "admin@genk.example"
DEADLINE = 1.0


@dataclass
class Message:
    event: str
    data: Any
    id: str | None


async def messages(response: httpx.Response) -> AsyncIterator[Message]:
    """Parse `text/event-stream` as a browser does (one JSON data line per message here)."""
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line == "":
            if "data" in fields:
                yield Message(fields.get("event", "message"), json.loads(fields["data"]), fields.get("id"))
            fields = {}
        elif not line.startswith(":") and ":" in line:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


async def next_of(stream: AsyncIterator[Message], event: str, within: float, seen: list[Message]) -> Message:
    async def find() -> Message:
        async for message in stream:
            seen.append(message)
            if message.event == event:
                return message
        raise AssertionError(f"the stream ended before a {event!r} message")

    return await asyncio.wait_for(find(), within)


def question(subject: str) -> dict[str, Any]:
    return {
        "channel": "web",
        "category": "general.question",
        "subject": subject,
        "body": "Wanneer is het recyclagepark open op zaterdag?",
        "citizen": {"email": "lotte.jansen@example.org"},
    }


async def test_a_call_and_a_queue_change_arrive_within_a_second_and_a_reconnect_resumes(
    service: str, api: httpx.AsyncClient
) -> None:
    admin = await staff_headers(api, ADMIN)
    agent = {**await staff_headers(api, AGENT), "Accept": "text/event-stream"}
    seen: list[Message] = []
    async with api.stream("GET", "/v1/me/stream", headers=agent, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = messages(response)
        first = await next_of(stream, "calls", 5, seen)
        assert first.data == {"items": []}

        ring = {"event": "ringing", "call_id": "pbx-sse-1", "caller_number": "+32 89 65 40 40", "agent": AGENT}
        started = time.monotonic()
        answer = await api.post("/v1/intake/phone/events", json=ring, headers=admin)
        assert answer.status_code == 200, answer.text
        calls = await next_of(stream, "calls", DEADLINE, seen)
        assert time.monotonic() - started < DEADLINE
        assert [call["call_id"] for call in calls.data["items"]] == ["pbx-sse-1"]

        started = time.monotonic()
        created = await api.post("/v1/contacts", json=question("Openingsuren"), headers=admin)
        assert created.status_code == 201, created.text
        reference = created.json()["ticket"]["reference"]
        queue = await next_of(stream, "queue", DEADLINE, seen)
        assert time.monotonic() - started < DEADLINE
        assert queue.data == {"units": ["contact_centre"], "ticket": reference}
        tickets = [message for message in seen if message.event == "ticket"]
        assert {message.data["ticket"] for message in tickets} == {reference}
        last_id = seen[-1].id
        assert last_id

    # Offline for a moment: a ticket changes meanwhile. The reconnect resumes right after the last id.
    missed = await api.post("/v1/contacts", json=question("Gemist"), headers=admin)
    assert missed.status_code == 201, missed.text
    missed_reference = missed.json()["ticket"]["reference"]
    seen = []
    resumed = {**agent, "Last-Event-ID": last_id}
    async with api.stream("GET", "/v1/me/stream", headers=resumed, timeout=30) as response:
        assert response.status_code == 200
        stream = messages(response)
        calls = await next_of(stream, "calls", 5, seen)
        assert [call["call_id"] for call in calls.data["items"]] == ["pbx-sse-1"]  # state, sent afresh
        await next_of(stream, "queue", 5, seen)
    tickets = [message.data["ticket"] for message in seen if message.event == "ticket"]
    assert tickets, "the missed change arrives"
    assert set(tickets) == {missed_reference}, "nothing before the last id again"


async def test_once_sends_the_backlog_and_ends_and_a_bad_last_event_id_is_a_problem(
    service: str, api: httpx.AsyncClient
) -> None:
    agent = await staff_headers(api, AGENT)
    start = await api.get("/v1/me/stream", headers=agent)  # no Accept: text/event-stream, so it ends
    assert start.status_code == 200, start.text
    assert "event: calls" in start.text
    assert "event: end" in start.text
    bad = await api.get("/v1/me/stream", params={"once": "true"}, headers={**agent, "Last-Event-ID": "nonsense!"})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
    anonymous = await api.get("/v1/me/stream", params={"once": "true"})
    assert anonymous.status_code == 401
