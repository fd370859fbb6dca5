from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.principal import Principal
from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.kit.pagination import PageParams
from genk3600.models import Staff, Ticket, TicketEvent, Unit
from genk3600.models.enums import Language, Scope
from genk3600.queues import service
from genk3600.queues.schemas import DeadlineColour
from genk3600.tickets.service import NewTicket, open_ticket
from genk3600.units.repository import unit_by_code
from tests import factories
from tests.factories import World, assert_problem, bearer

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def _ticket(
    session: AsyncSession,
    settings: Settings,
    unit: Unit,
    *,
    priority: str = "normal",
    due: datetime | None = None,
    language: str = "nl",
    status: str = "new",
    assignee: Staff | None = None,
) -> Ticket:
    ticket = await open_ticket(
        session,
        settings,
        NewTicket(subject="Vraag", language=Language(language), owning_unit=unit, category=None, citizen=None),
        factories.OPENED_AT,
    )
    ticket.priority = priority
    ticket.resolution_due_at = due
    ticket.status = status
    ticket.assignee_staff_id = assignee.id if assignee else None
    await session.flush()
    return ticket


async def _queue(
    client: httpx.AsyncClient, headers: dict[str, str], unit: str = "omgeving", **params: str
) -> list[str]:
    response = await client.get(f"/v1/queues/{unit}", params={"limit": "200", **params}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return [item["reference"] for item in response.json()["items"]]


async def test_queue_orders_by_priority_then_deadline(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    base = clock.now() + timedelta(days=2)
    unit = world.omgeving
    low = await _ticket(session, settings, unit, priority="low", due=base)
    normal_late = await _ticket(session, settings, unit, due=base + timedelta(hours=2))
    normal_none = await _ticket(session, settings, unit)
    urgent_late = await _ticket(session, settings, unit, priority="urgent", due=base + timedelta(hours=5))
    normal_early = await _ticket(session, settings, unit, due=base + timedelta(hours=1), status="in_progress")
    high_none = await _ticket(session, settings, unit, priority="high", status="waiting_on_citizen")
    urgent_early = await _ticket(session, settings, unit, priority="urgent", due=base + timedelta(hours=3))
    await _ticket(session, settings, unit, priority="urgent", status="resolved")
    await _ticket(session, settings, unit, priority="urgent", status="closed")
    await _ticket(session, settings, world.burgerzaken, priority="urgent")

    expected = [urgent_early, urgent_late, high_none, normal_early, normal_late, normal_none, low]
    assert await _queue(client, writer_headers) == [ticket.reference for ticket in expected]


async def test_deadline_colours_against_the_given_now(session: AsyncSession, settings: Settings, world: World) -> None:
    dues = {
        "overdue": NOW - timedelta(minutes=1),
        "due_now": NOW,
        "half_hour": NOW + timedelta(minutes=30),
        "one_hour": NOW + timedelta(hours=1),
        "later": NOW + timedelta(hours=1, seconds=1),
    }
    references = {
        name: (await _ticket(session, settings, world.omgeving, due=due)).reference for name, due in dues.items()
    }
    no_deadline = (await _ticket(session, settings, world.omgeving)).reference
    reader = Principal(kind="api_client", id=1, name="reader", scopes=frozenset({Scope.tickets_read}))

    page = await service.list_queue(
        session, "omgeving", reader, unassigned=False, assigned_to_me=False, params=PageParams(limit=50), now=NOW
    )

    colours = {item.reference: item.deadline_colour for item in page.items}
    assert colours == {
        references["overdue"]: DeadlineColour.red,
        references["due_now"]: DeadlineColour.red,
        references["half_hour"]: DeadlineColour.orange,
        references["one_hour"]: DeadlineColour.orange,
        references["later"]: DeadlineColour.green,
        no_deadline: DeadlineColour.none,
    }


async def test_deadline_colour_is_in_the_response(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    overdue = await _ticket(session, settings, world.omgeving, due=clock.now() - timedelta(hours=1))
    far = await _ticket(session, settings, world.omgeving, due=clock.now() + timedelta(days=10))

    response = await client.get("/v1/queues/omgeving", headers=writer_headers)

    assert response.status_code == 200, response.text
    items = {item["reference"]: item for item in response.json()["items"]}
    assert items[overdue.reference]["deadline_colour"] == "red"
    assert items[far.reference]["deadline_colour"] == "green"
    assert items[far.reference]["owning_unit"] == "omgeving"  # a full TicketOut besides the colour
    assert items[far.reference]["status"] == "new"


async def test_filters_unassigned_and_mine(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    worker = await factories.staff(session, "om.worker@genk.example", world.omgeving)
    other = await factories.staff(session, "om.other@genk.example", world.omgeving)
    free = await _ticket(session, settings, world.omgeving, priority="high")
    mine = await _ticket(session, settings, world.omgeving, status="assigned", assignee=worker)
    theirs = await _ticket(session, settings, world.omgeving, status="in_progress", assignee=other)
    headers = bearer(settings, clock, worker.email)

    assert await _queue(client, headers) == [free.reference, mine.reference, theirs.reference]
    assert await _queue(client, headers, unassigned="true") == [free.reference]
    assert await _queue(client, headers, assignee="me") == [mine.reference]
    assert await _queue(client, bearer(settings, clock, other.email), assignee="me") == [theirs.reference]
    assert await _queue(client, headers, assignee="me", unassigned="true") == []

    problem = assert_problem(await client.get("/v1/queues/omgeving?assignee=me", headers=writer_headers), 422)
    assert "staff" in problem["detail"]
    assert_problem(await client.get("/v1/queues/omgeving?assignee=someone", headers=headers), 422)


async def test_pagination_walks_the_queue_without_duplicates_or_gaps(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    base = clock.now() + timedelta(days=1)
    # Ties on deadline and missing deadlines in several priorities: the cursor must carry the whole sort key.
    for priority, due in [
        ("normal", base),
        ("normal", base),
        ("normal", None),
        ("urgent", None),
        ("urgent", base + timedelta(minutes=5)),
        ("low", base),
        ("normal", base - timedelta(minutes=5)),
        ("high", base),
        ("normal", None),
        ("urgent", base + timedelta(minutes=5)),
        ("low", None),
    ]:
        await _ticket(session, settings, world.omgeving, priority=priority, due=due)
    whole = await _queue(client, writer_headers)
    assert len(whole) == 11

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = await client.get("/v1/queues/omgeving", params=params, headers=writer_headers)
        assert response.status_code == 200, response.text
        page = response.json()
        seen.extend(item["reference"] for item in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert pages == 6
    assert seen == whole


async def test_bad_cursor_is_400(client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]) -> None:
    for cursor in ("garbage!", "eyJhZnRlciI6IDF9", "eyJyYW5rIjogMCwgImR1ZSI6ICJzb29uIiwgImlkIjogMX0"):
        response = await client.get("/v1/queues/omgeving", params={"cursor": cursor}, headers=writer_headers)
        assert_problem(response, 400)


async def test_unknown_unit_is_404(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    problem = assert_problem(await client.get("/v1/queues/no_such_unit", headers=writer_headers), 404)
    assert "no_such_unit" in problem["detail"]
    claim = await client.post("/v1/queues/no_such_unit/claim", headers=bearer(settings, clock, world.agent.email))
    assert_problem(claim, 404)


async def test_queue_needs_credentials(client: httpx.AsyncClient, world: World) -> None:
    assert_problem(await client.get("/v1/queues/omgeving"), 401)
    assert_problem(await client.post("/v1/queues/omgeving/claim"), 401)


async def test_claim_assigns_the_first_ticket_in_queue_order_and_records_it(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    worker = await factories.staff(session, "om.worker@genk.example", world.omgeving)
    await _ticket(session, settings, world.omgeving, priority="low")
    first = await _ticket(session, settings, world.omgeving, priority="high", due=clock.now() + timedelta(hours=4))
    await _ticket(session, settings, world.omgeving, priority="high")
    await _ticket(session, settings, world.omgeving, priority="urgent", status="assigned", assignee=worker)
    version_before = first.version

    response = await client.post("/v1/queues/omgeving/claim", headers=bearer(settings, clock, worker.email))

    assert response.status_code == 200, response.text
    claimed = response.json()
    assert claimed["reference"] == first.reference
    assert claimed["status"] == "assigned"
    assert claimed["assignee"] == {"id": worker.id, "full_name": worker.full_name}
    assert claimed["owning_unit"] == "omgeving"

    await session.refresh(first)
    assert first.assignee_staff_id == worker.id
    assert first.version == version_before + 1  # the ETag moved

    events = (await client.get(f"/v1/tickets/{first.reference}/events", headers=writer_headers)).json()["items"]
    [assigned] = [event for event in events if event["type"] == "assigned"]
    assert assigned["data"] == {"assignee_staff_id": worker.id, "via": "claim"}
    assert assigned["summary"] == f"Claimed from the queue of Omgeving by {worker.full_name}."
    assert assigned["actor"] == {"kind": "staff", "id": worker.id, "name": worker.full_name}


async def test_claim_respects_language_skills(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    dutch_only = await factories.staff(session, "nl.only@genk.example", world.omgeving)
    french = await _ticket(session, settings, world.omgeving, priority="urgent", language="fr")
    dutch = await _ticket(session, settings, world.omgeving, priority="low", language="nl")

    response = await client.post("/v1/queues/omgeving/claim", headers=bearer(settings, clock, dutch_only.email))
    assert response.status_code == 200, response.text
    assert response.json()["reference"] == dutch.reference  # the more urgent French ticket is passed over

    again = await client.post("/v1/queues/omgeving/claim", headers=bearer(settings, clock, dutch_only.email))
    problem = assert_problem(again, 404)
    assert problem["detail"] == "The queue of Omgeving has no unassigned ticket in your languages."

    bilingual = await factories.staff(session, "bi.lingual@genk.example", world.omgeving)
    bilingual.languages = ["nl", "fr"]
    await session.flush()
    response = await client.post("/v1/queues/omgeving/claim", headers=bearer(settings, clock, bilingual.email))
    assert response.status_code == 200, response.text
    assert response.json()["reference"] == french.reference


async def test_staff_without_languages_may_take_any_language(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    unrecorded = await factories.staff(session, "no.languages@genk.example", world.omgeving)
    unrecorded.languages = []
    await session.flush()
    german = await _ticket(session, settings, world.omgeving, language="de")

    response = await client.post("/v1/queues/omgeving/claim", headers=bearer(settings, clock, unrecorded.email))

    assert response.status_code == 200, response.text
    assert response.json()["reference"] == german.reference


async def test_api_client_cannot_claim(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, admin_headers: dict[str, str]
) -> None:
    await _ticket(session, settings, world.omgeving)
    problem = assert_problem(await client.post("/v1/queues/omgeving/claim", headers=admin_headers), 403)
    assert "claiming needs a staff member" in problem["detail"].lower()


async def test_only_staff_of_the_unit_or_above_may_claim(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    ticket = await _ticket(session, settings, world.omgeving)
    outsider = await factories.staff(session, "burger.zaken@genk.example", world.burgerzaken)

    for staff in (outsider, world.agent):  # another department; the contact centre, a sibling unit
        problem = assert_problem(
            await client.post("/v1/queues/omgeving/claim", headers=bearer(settings, clock, staff.email)), 403
        )
        assert "Omgeving (omgeving)" in problem["detail"]
        assert problem["unit"] == "omgeving"

    root = await unit_by_code(session, "stad")
    assert root is not None
    city_manager = await factories.staff(session, "stads.manager@genk.example", root, "supervisor")
    response = await client.post("/v1/queues/omgeving/claim", headers=bearer(settings, clock, city_manager.email))
    assert response.status_code == 200, response.text
    assert response.json()["reference"] == ticket.reference


async def test_empty_queue_is_404(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    worker = await factories.staff(session, "om.worker@genk.example", world.omgeving)
    # Nothing claimable: taken, in progress, resolved, or in another unit.
    await _ticket(session, settings, world.omgeving, status="assigned", assignee=worker)
    await _ticket(session, settings, world.omgeving, status="in_progress")
    await _ticket(session, settings, world.omgeving, status="resolved")
    await _ticket(session, settings, world.burgerzaken)

    problem = assert_problem(
        await client.post("/v1/queues/omgeving/claim", headers=bearer(settings, clock, worker.email)), 404
    )
    assert problem["detail"] == "The queue of Omgeving has no unassigned ticket in your languages."
    assigned = await session.scalar(select(TicketEvent.id).where(TicketEvent.type == "assigned"))
    assert assigned is None
