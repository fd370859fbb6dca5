"""The console's live stream: one server-sent events stream per open console, instead of polling.

What it carries, as SSE events:

- `calls`: the calls at the signed-in staff member's phone with their screen pop (the `list_my_calls`
  answer), sent when the stream opens and whenever a call rings, is answered or ends;
- `ticket`: each feed event (the `list_events` item) of a ticket the caller could `GET` now — the feed's
  own visibility rule, read through `events.feed.read_feed` with the caller's principal;
- `queue`: the unit codes among the caller's units whose queue a ticket event touched (the ticket's
  owner at the event, the unit an escalation came from, or the unit a call-back request is for), so the
  console reloads just those queues (and call-back lists);
- `offers`: the tickets automatic assignment offers the signed-in staff member (the `list_my_offers`
  answer), sent when the stream opens and whenever an offer is made, answered, withdrawn or times out.

Every SSE `id` is a feed cursor, so a console that reconnects with `Last-Event-ID` resumes the feed
exactly where it left off (no gaps, no repeats; see events/feed.py); calls and offers are state, not
history, and are sent afresh on every (re)connect.

Why the server checks every `TICK_SECONDS` instead of waiting for a NOTIFY: the outbox has no trigger yet,
and one small indexed read per console per tick is cheap next to two HTTP requests every 2 s per console.
Each tick runs in its own short transaction: a transaction held open for the life of the stream would hold
back the feed horizon for every reader in the cluster (events/feed.py). A stream ends after
`MAX_SECONDS`; the console reconnects, which also re-checks the token.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from genk3600.assignment import repository as assignment_repository
from genk3600.assignment import service as assignment_service
from genk3600.audit.trail import actor_var
from genk3600.auth.principal import Principal
from genk3600.config import Settings
from genk3600.console import repository, service
from genk3600.events import feed
from genk3600.events import repository as events_repository
from genk3600.events.repository import Position
from genk3600.kit.clock import Clock
from genk3600.models.enums import CallState, Language

TICK_SECONDS = 0.25
HEARTBEAT_SECONDS = 15.0
MAX_SECONDS = 600.0
RETRY_MS = 1000
PAGE = 200
OPEN_CALL_STATES = (CallState.ringing, CallState.answered)


def sse(event: str | None, data: Any, event_id: str | None = None) -> str:
    """One SSE message; the data is JSON on one line, so it never needs splitting."""
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if event is not None:
        lines.append(f"event: {event}")
    payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
    lines.append("data: " + json.dumps(payload, separators=(",", ":"), ensure_ascii=False))
    return "\n".join(lines) + "\n\n"


@dataclass
class StreamStart:
    """Where a stream begins: a checked feed cursor and the caller's units (id → code)."""

    cursor: str
    units: dict[int, str]


async def start(session: AsyncSession, principal: Principal, last_event_id: str | None) -> StreamStart:
    """Check `Last-Event-ID` (400 if it is no feed cursor) or start at the feed's present end."""
    if last_event_id:
        feed.decode_position(last_event_id)
        cursor = last_event_id
    else:
        cursor = feed.encode_position(Position(await events_repository.feed_horizon(session), 0))
    units = await repository.units_by_ids(session, {m.unit_id for m in principal.memberships})
    return StreamStart(cursor, {unit_id: unit.code for unit_id, unit in units.items()})


def touched_queues(event_unit_id: int | None, data: dict[str, Any], units: dict[int, str]) -> list[str]:
    """The caller's units whose queue this event may have changed."""
    ids: Iterable[Any] = (event_unit_id, data.get("from_unit_id"), data.get("to_unit_id"), data.get("callback_unit_id"))
    return sorted({units[unit_id] for unit_id in ids if isinstance(unit_id, int) and unit_id in units})


async def events(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    principal: Principal,
    begin: StreamStart,
    *,
    once: bool,
    disconnected: Callable[[], Any],
    clock: Callable[[], float],
    calendar: Clock,
    language: Language = Language.nl,
) -> AsyncIterator[str]:
    """The stream's messages until the client leaves, `MAX_SECONDS` pass, or (`once`) the backlog is sent."""
    actor_var.set(principal)
    cursor = begin.cursor
    calls_seen: tuple[tuple[str, str], ...] | None = None
    offers_seen: tuple[int, ...] | None = None
    started = last_sent = clock()
    yield f"retry: {RETRY_MS}\n\n"
    while True:
        messages: list[str] = []
        async with sessions() as session:
            page = await feed.read_feed(session, principal, cursor, None, PAGE)
            owners = await repository.event_owners(session, [item.id for item in page.items])
            if principal.staff_id is not None:
                states = [state.value for state in OPEN_CALL_STATES]
                calls_now = await repository.call_signature(session, principal.staff_id, states)
                if calls_now != calls_seen:
                    calls = await service.calls_of_agent(session, settings, calendar, principal, list(OPEN_CALL_STATES))
                    messages.append(sse("calls", calls, page.next_cursor))
                    calls_seen = calls_now
                offers_now = await assignment_repository.open_offer_signature(session, principal.staff_id)
                if offers_now != offers_seen:
                    offers = await assignment_service.offers_of(session, principal.staff_id, language)
                    messages.append(sse("offers", offers, page.next_cursor))
                    offers_seen = offers_now
            await session.commit()
        for item in page.items:
            if item.ticket is None:
                continue  # events about the integration itself are not a console's business
            messages.append(sse("ticket", item, item.cursor))
            queues = touched_queues(owners.get(item.id), item.data, begin.units)
            if queues:
                messages.append(sse("queue", {"units": queues, "ticket": item.ticket}, item.cursor))
        cursor = page.next_cursor
        for message in messages:
            yield message
        if messages:
            last_sent = clock()
        if once and not page.has_more:
            # The position reached, so a client of `once` can continue from it.
            yield sse("end", {"cursor": cursor}, cursor)
            return
        if page.has_more:
            continue
        now = clock()
        if now - started >= MAX_SECONDS or await disconnected():
            return
        if now - last_sent >= HEARTBEAT_SECONDS:
            yield ": keep-alive\n\n"
            last_sent = now
        await asyncio.sleep(TICK_SECONDS)
