"""The status page is about a person's question: never stored by browsers or proxies, varies by language."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from tests.factories import World, assert_problem
from tests.public.test_status import lookup, make_ticket


async def test_found_status_is_not_stored_and_varies_by_language(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World
) -> None:
    ticket, code = await make_ticket(session, settings, world.burgerzaken)
    response = await lookup(client, ticket.reference, code, headers={"Accept-Language": "fr-BE,fr;q=0.9"})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["vary"] == "Accept-Language"


async def test_not_found_is_not_stored_either(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World
) -> None:
    ticket, _code = await make_ticket(session, settings, world.burgerzaken)
    response = await lookup(client, ticket.reference, "WRONG-CODE-00")
    assert_problem(response, 404)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["vary"] == "Accept-Language"
