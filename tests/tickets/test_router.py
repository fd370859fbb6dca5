from __future__ import annotations

import httpx

from tests.factories import World, assert_problem, web_contact


async def _record(client: httpx.AsyncClient, headers: dict[str, str], **overrides: object) -> str:
    # Anonymous, so that contacts on one category do not join each other's ticket as follow-ups.
    response = await client.post("/v1/contacts", json=web_contact(citizen=None, **overrides), headers=headers)
    assert response.status_code == 201, response.text
    reference: str = response.json()["ticket"]["reference"]
    return reference


async def test_pagination_walks_every_ticket_once(
    client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]
) -> None:
    created = [await _record(client, writer_headers) for _ in range(7)]

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/v1/tickets", params=params, headers=writer_headers)
        assert response.status_code == 200
        page = response.json()
        seen.extend(ticket["reference"] for ticket in page["items"])
        pages += 1
        if pages == 1:
            # A ticket created mid-walk is newer than the cursor: it must not appear or shift later pages.
            await _record(client, writer_headers)
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert seen == list(reversed(created))  # newest first, no duplicates, no gaps


async def test_last_full_page_has_no_next_cursor(
    client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]
) -> None:
    for _ in range(2):
        await _record(client, writer_headers)
    page = (await client.get("/v1/tickets", params={"limit": 2}, headers=writer_headers)).json()
    assert len(page["items"]) == 2
    assert page["next_cursor"] is None


async def test_filters_by_status_unit_and_category(
    client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]
) -> None:
    waste = await _record(client, writer_headers)
    id_card = await _record(client, writer_headers, category="civil.id_card")

    async def references(**params: str) -> list[str]:
        response = await client.get("/v1/tickets", params=params, headers=writer_headers)
        assert response.status_code == 200, response.text
        return [ticket["reference"] for ticket in response.json()["items"]]

    assert await references(unit="omgeving") == [waste]
    assert await references(unit="burgerzaken") == [id_card]
    assert await references(category="civil.id_card") == [id_card]
    assert await references(status="new", unit="omgeving") == [waste]
    assert await references(status="resolved") == []
    assert await references(unit="no_such_unit") == []


async def test_bad_list_parameters_are_problems(client: httpx.AsyncClient, writer_headers: dict[str, str]) -> None:
    assert_problem(await client.get("/v1/tickets?status=lost", headers=writer_headers), 422)
    assert_problem(await client.get("/v1/tickets?limit=0", headers=writer_headers), 422)
    assert_problem(await client.get("/v1/tickets?limit=10000", headers=writer_headers), 422)
    assert_problem(await client.get("/v1/tickets?cursor=garbage!", headers=writer_headers), 400)


async def test_unknown_ticket_is_404(client: httpx.AsyncClient, writer_headers: dict[str, str]) -> None:
    problem = assert_problem(await client.get("/v1/tickets/G3600-2026-999999", headers=writer_headers), 404)
    assert "G3600-2026-999999" in problem["detail"]
    assert_problem(await client.get("/v1/tickets/G3600-2026-999999/events", headers=writer_headers), 404)
    assert_problem(await client.get("/v1/tickets/not-a-reference", headers=writer_headers), 422)


async def test_events_paginate(client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]) -> None:
    reference = await _record(client, writer_headers)
    first = (await client.get(f"/v1/tickets/{reference}/events", params={"limit": 1}, headers=writer_headers)).json()
    assert [event["type"] for event in first["items"]] == ["created"]
    params = {"limit": 1, "cursor": first["next_cursor"]}
    second = (await client.get(f"/v1/tickets/{reference}/events", params=params, headers=writer_headers)).json()
    assert [event["type"] for event in second["items"]] == ["routed"]
    assert second["next_cursor"] is None
