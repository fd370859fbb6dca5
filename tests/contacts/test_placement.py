"""Where a contact lands: counter desks, explicit links, follow-ups, and never-guess citizen matching."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.models import Citizen, Ticket
from tests import factories
from tests.factories import World, assert_problem, web_contact


async def test_counter_visit_at_a_desk(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    await factories.unit(session, "snelbalie", "quick_desk")
    visit = {
        "channel": "counter",
        "desk": "quick_desk",
        "unit": "snelbalie",
        "category": "civil.id_card",
        "summary": "Identiteitskaart aangevraagd.",
        "citizen": {"national_number": "85073003328"},
    }
    response = await client.post("/v1/contacts", json=visit, headers=writer_headers)
    assert response.status_code == 201, response.text
    assert response.json()["contact"]["channel_details"] == {"desk": "quick_desk", "unit": "snelbalie"}
    assert response.json()["ticket"]["owning_unit"] == "burgerzaken"

    wrong_desk = {**visit, "desk": "reception"}
    assert (
        "reception"
        in assert_problem(await client.post("/v1/contacts", json=wrong_desk, headers=writer_headers), 422)["detail"]
    )


async def test_follow_up_from_same_citizen_joins_the_open_ticket(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    first = (await client.post("/v1/contacts", json=web_contact(), headers=writer_headers)).json()
    second = (
        await client.post("/v1/contacts", json=web_contact(body="Nog steeds niet."), headers=writer_headers)
    ).json()
    other_topic = (
        await client.post("/v1/contacts", json=web_contact(category="civil.id_card"), headers=writer_headers)
    ).json()

    assert second["outcome"] == "attached"
    assert second["ticket"]["reference"] == first["ticket"]["reference"]
    assert other_topic["outcome"] == "created"
    events = (await client.get(f"/v1/tickets/{first['ticket']['reference']}/events", headers=writer_headers)).json()
    assert [e["type"] for e in events["items"]] == ["created", "routed", "contact_added"]
    assert "same citizen and category" in events["items"][2]["summary"]

    await factories.set_status(session, first["ticket"]["reference"], "resolved")
    after_resolution = (await client.post("/v1/contacts", json=web_contact(), headers=writer_headers)).json()
    assert after_resolution["outcome"] == "created"
    assert await factories.count(session, Ticket) == 3


async def test_explicit_link_to_a_ticket(
    client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]
) -> None:
    first = (await client.post("/v1/contacts", json=web_contact(), headers=writer_headers)).json()
    reference = first["ticket"]["reference"]
    call = {"channel": "phone", "ticket": reference, "summary": "Belt terug: opgelost."}
    linked = await client.post("/v1/contacts", json=call, headers=writer_headers)
    assert linked.json()["outcome"] == "attached"
    assert linked.json()["ticket"]["reference"] == reference
    unknown = {**call, "ticket": "G3600-2026-999999"}
    assert_problem(await client.post("/v1/contacts", json=unknown, headers=writer_headers), 422)


async def test_several_matching_citizens_leave_the_contact_unlinked_and_flagged(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    await factories.citizen(session, email="gezin@example.org", given_name="An")
    await factories.citizen(session, email="gezin@example.org", given_name="Bert")
    response = await client.post(
        "/v1/contacts", json=web_contact(citizen={"email": "gezin@example.org"}), headers=writer_headers
    )
    body = response.json()
    assert body["contact"]["citizen_id"] is None
    assert body["contact"]["flags"] == ["ambiguous_citizen"]
    assert body["ticket"]["citizen"] is None
    flagged = await client.get("/v1/contacts", params={"flag": "ambiguous_citizen"}, headers=writer_headers)
    assert [c["id"] for c in flagged.json()["items"]] == [body["contact"]["id"]]
    assert await factories.count(session, Citizen) == 2


async def test_a_bare_caller_number_does_not_register_a_citizen(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    call = {"channel": "phone", "summary": "Vraag", "citizen": {"phone": "0470 99 88 77"}}
    assert (await client.post("/v1/contacts", json=call, headers=writer_headers)).json()["contact"][
        "citizen_id"
    ] is None
    named = {**call, "citizen": {"phone": "0470 99 88 77", "family_name": "Claes"}}
    assert (await client.post("/v1/contacts", json=named, headers=writer_headers)).json()["contact"]["citizen_id"]
    assert await factories.count(session, Citizen) == 1


async def test_national_numbers_never_appear_in_clear_anywhere(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    numbers = {"85073003328": "85.07.30-033.28", "01020312345": "01.02.03-123.45"}
    for compact, written in numbers.items():
        for notation in (compact, written):
            payload = web_contact(citizen={"national_number": notation}, body="Mijn nummer staat in het formulier.")
            assert (await client.post("/v1/contacts", json=payload, headers=writer_headers)).status_code == 201
    assert await factories.count(session, Citizen) == 2

    columns = await session.execute(
        text(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN ('text', 'jsonb', 'ARRAY', 'character varying')"
        )
    )
    leaks = []
    for table, column in columns.all():
        for compact in numbers:
            hits = await session.scalar(
                text(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE :needle'), {"needle": f"%{compact}%"}
            )
            if hits:
                leaks.append(f"{table}.{column}")
    assert leaks == []
