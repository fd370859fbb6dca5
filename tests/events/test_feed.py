"""The pull feed on real commits: order, paging without gaps or repeats, slow transactions, permissions."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from genk3600.auth.service import create_api_client
from genk3600.auth.tokens import issue_dev_token
from genk3600.config import Settings
from genk3600.db import Database
from genk3600.i18n.texts import Message
from genk3600.kit.clock import FixedClock
from genk3600.models import Unit
from genk3600.models.enums import Language, Scope, TicketEventType
from genk3600.tickets.service import NewTicket, open_ticket
from genk3600.tickets.timeline import record_event
from tests import factories
from tests.events.conftest import TESTER, Committed, outbox_ids, read_all, ticket_with_event
from tests.factories import assert_problem, web_contact


def _ids(items: list[dict[str, Any]]) -> list[int]:
    return [item["id"] for item in items]


async def test_committed_events_come_in_order_across_pages(
    api: httpx.AsyncClient, database: Database, committed: Committed
) -> None:
    for number in range(7):
        contact = web_contact(citizen={"email": f"burger{number}@example.org"})
        assert (await api.post("/v1/contacts", json=contact, headers=committed.writer)).status_code == 201

    items, cursor = await read_all(api, committed.reader, limit="3")

    expected = await outbox_ids(database)
    assert len(expected) >= 14
    assert _ids(items) == expected
    first = items[0]
    assert set(first) == {"id", "type", "occurred_at", "ticket", "data", "cursor"}
    assert first["type"] == "ticket.created"
    assert first["ticket"].startswith("G3600-")
    # Each item's own cursor resumes right after it.
    resumed = await api.get("/v1/events", params={"after": items[3]["cursor"], "limit": "2"}, headers=committed.reader)
    assert _ids(resumed.json()["items"]) == expected[4:6]

    idle = await api.get("/v1/events", params={"after": cursor}, headers=committed.reader)
    assert idle.json()["items"] == []
    assert idle.json()["has_more"] is False
    assert (await api.post("/v1/contacts", json=web_contact(), headers=committed.writer)).status_code == 201
    later, _ = await read_all(api, committed.reader, after=idle.json()["next_cursor"])
    assert _ids(later) == (await outbox_ids(database))[len(expected) :]


async def test_a_slow_transaction_is_never_skipped(
    api: httpx.AsyncClient, database: Database, settings: Settings, committed: Committed
) -> None:
    unit_id = committed.world.omgeving.id
    await ticket_with_event(database, settings, unit_id)
    seen, cursor = await read_all(api, committed.reader)
    assert len(seen) == 1

    async with database.sessions() as slow:
        # Transaction A writes its event (taking a transaction id and an event id) and stays open …
        async with slow.begin():
            unit = await slow.get_one(Unit, unit_id)
            new = NewTicket(subject="Traag", language=Language.nl, owning_unit=unit, category=None, citizen=None)
            ticket_a = await open_ticket(slow, settings, new, factories.OPENED_AT)
            await record_event(slow, ticket_a, TESTER, TicketEventType.created, Message("ticket.created"), {})
            # … while transaction B writes and commits after it.
            ticket_b = await ticket_with_event(database, settings, unit_id)

            page = (await api.get("/v1/events", params={"after": cursor}, headers=committed.reader)).json()
            assert page["items"] == []  # B has committed, but A might still land before it
            from_start = (await api.get("/v1/events", headers=committed.reader)).json()
            assert _ids(from_start["items"]) == _ids(seen)
            cursor = page["next_cursor"]
        # A commits here.

    items, _ = await read_all(api, committed.reader, after=cursor)
    assert [item["ticket"] for item in items] == [ticket_a.reference, ticket_b.reference]
    everything, _ = await read_all(api, committed.reader)
    assert _ids(everything) == await outbox_ids(database)


async def test_a_rolled_back_transaction_leaves_no_hole_and_no_event(
    api: httpx.AsyncClient, database: Database, settings: Settings, committed: Committed
) -> None:
    unit_id = committed.world.omgeving.id
    _, cursor = await read_all(api, committed.reader)
    async with database.sessions() as doomed:
        transaction = await doomed.begin()
        unit = await doomed.get_one(Unit, unit_id)
        new = NewTicket(subject="Weg", language=Language.nl, owning_unit=unit, category=None, citizen=None)
        ticket = await open_ticket(doomed, settings, new, factories.OPENED_AT)
        await record_event(doomed, ticket, TESTER, TicketEventType.created, Message("ticket.created"), {})
        after = await ticket_with_event(database, settings, unit_id)
        await transaction.rollback()

    items, _ = await read_all(api, committed.reader, after=cursor)
    assert [item["ticket"] for item in items] == [after.reference]


WRITERS = 200  # the issue's figure: 200 concurrent writers, the feed read all along


async def test_concurrent_writers_and_a_concurrent_reader_see_every_event_once_in_order(
    api: httpx.AsyncClient, database: Database, committed: Committed
) -> None:
    writers_done = asyncio.Event()
    seen: list[int] = []

    async def write(number: int) -> None:
        contact = web_contact(citizen={"email": f"burger{number}@example.org"})
        # 200 writers outnumber the pool: on a slow machine some wait past the pool timeout and get a 503
        # with Retry-After. They retry as a real client would, with the same Idempotency-Key.
        headers = {**committed.writer, "Idempotency-Key": f"feed-writer-{number}"}
        deadline = asyncio.get_running_loop().time() + 120  # generous: the machine may be shared and slow
        while True:
            response = await api.post("/v1/contacts", json=contact, headers=headers)
            if response.status_code != 503 or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.2)
        assert response.status_code == 201, response.text

    async def read() -> None:
        cursor: str | None = None
        while True:
            done = writers_done.is_set()  # read once more after the last writer committed
            items, cursor = await read_all(api, committed.reader, after=cursor, limit="7")
            seen.extend(_ids(items))
            if done:
                return
            await asyncio.sleep(0.005)

    reader = asyncio.create_task(read())
    await asyncio.gather(*(write(number) for number in range(WRITERS)))
    writers_done.set()
    await reader

    expected = await outbox_ids(database)
    assert len(expected) >= 2 * WRITERS
    assert len(seen) == len(set(seen))  # nothing twice
    assert seen == expected  # nothing missed, in feed order


async def test_types_filter_and_bad_input(api: httpx.AsyncClient, database: Database, committed: Committed) -> None:
    assert (await api.post("/v1/contacts", json=web_contact(), headers=committed.writer)).status_code == 201

    created, _ = await read_all(api, committed.reader, types="ticket.created")
    assert {item["type"] for item in created} == {"ticket.created"}
    both, _ = await read_all(api, committed.reader, types="ticket.created, ticket.routed")
    assert len(both) > len(created)

    unknown = assert_problem(await api.get("/v1/events?types=ticket.exploded", headers=committed.reader), 422)
    assert unknown["unknown"] == ["ticket.exploded"]
    assert "ticket.created" in unknown["known_types"]
    assert_problem(await api.get("/v1/events?after=bm9wZQ", headers=committed.reader), 400)
    assert_problem(await api.get("/v1/events?after=WzEsMiwzXQ", headers=committed.reader), 400)
    assert_problem(await api.get("/v1/events"), 401)
    async with database.sessions.begin() as session:
        writes_only = await factories.api_key(session, "writes-only", ["contacts:write"])
    assert_problem(await api.get("/v1/events", headers={"X-API-Key": writes_only}), 403)


@pytest.fixture
async def social_world(
    database: Database, settings: Settings, committed: Committed, clock: FixedClock
) -> dict[str, Any]:
    """A normal ticket, a social one, and a social one of a citizen with a case worker, each with one event."""
    world = committed.world
    async with database.sessions.begin() as session:
        social_unit = await session.get_one(Unit, world.sociale_dienst.id)
        other_unit = await session.get_one(Unit, world.burgerzaken.id)
        social_worker = await factories.staff(session, "maat.schappelijk@genk.example", social_unit, "case_worker")
        case_worker = await factories.staff(session, "eigen.maatschappelijk@genk.example", other_unit, "agent")
        citizen = await factories.citizen(session, email="klant@example.org", case_worker_id=case_worker.id)
        keys = {}
        for name, unit in (("social", "sociale_dienst"), ("environment", "omgeving"), ("everywhere", None)):
            _client, keys[name] = await create_api_client(session, f"client-{name}", [Scope.tickets_read], unit)
    normal = await ticket_with_event(database, settings, world.omgeving.id)
    social = await ticket_with_event(database, settings, world.sociale_dienst.id, social=True, events=2)
    own = await ticket_with_event(database, settings, world.sociale_dienst.id, social=True, citizen_id=citizen.id)
    for _ in range(3):  # more normal events after the social ones: paging must not stop at the hidden ones
        await ticket_with_event(database, settings, world.omgeving.id)

    def bearer(email: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_dev_token(settings, clock, email)}"}

    return {
        "tickets": {"normal": normal.reference, "social": social.reference, "own": own.reference},
        "headers": {
            "unit-less client": {"X-API-Key": keys["everywhere"]},
            "social unit client": {"X-API-Key": keys["social"]},
            "other unit client": {"X-API-Key": keys["environment"]},
            "social unit staff": bearer(social_worker.email),
            "front office staff": bearer(world.agent.email),
            "case worker": bearer(case_worker.email),
        },
    }


@pytest.mark.parametrize(
    ("who", "sees_social", "sees_own"),
    [
        ("unit-less client", False, False),
        ("social unit client", True, True),
        ("other unit client", False, False),
        ("social unit staff", True, True),
        ("front office staff", False, False),
        ("case worker", False, True),
    ],
)
async def test_the_feed_lists_the_events_of_exactly_the_tickets_the_caller_could_get(
    api: httpx.AsyncClient, social_world: dict[str, Any], who: str, sees_social: bool, sees_own: bool
) -> None:
    """Not a rule of its own: a ticket's events are in the caller's feed if and only if its GET answers 200."""
    tickets = social_world["tickets"]
    headers = social_world["headers"][who]
    items, _ = await read_all(api, headers, limit="1")  # one per page: hidden events must not end the paging
    references = [item["ticket"] for item in items]
    for name, events in (("normal", 1), ("social", 2), ("own", 1)):
        status = (await api.get(f"/v1/tickets/{tickets[name]}", headers=headers)).status_code
        assert status in (200, 404)
        assert references.count(tickets[name]) == (events if status == 200 else 0), (name, status)
    assert (references.count(tickets["social"]) == 2) is sees_social
    assert (references.count(tickets["own"]) == 1) is sees_own
    for reference in set(references):  # the three other normal tickets too
        assert (await api.get(f"/v1/tickets/{reference}", headers=headers)).status_code == 200
