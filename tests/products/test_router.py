"""The product catalogue over HTTP: search in Dutch and French with synonyms, versioned edits, bad input."""

from __future__ import annotations

import copy
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.models import AuditEntry, Product, ProductVersion
from tests import factories
from tests.knowledge import BULKY_WASTE, ID_CARD, LIVING_WAGE, catalogue_world

Headers = dict[str, str]


async def _catalogue(session: AsyncSession, client: httpx.AsyncClient, headers: Headers) -> factories.World:
    world = await catalogue_world(session)
    for entry in (ID_CARD, BULKY_WASTE, LIVING_WAGE):
        response = await client.post("/v1/products", json=entry, headers=headers)
        assert response.status_code == 201, response.text
    return world


async def _search(client: httpx.AsyncClient, headers: Headers, q: str, language: str = "nl") -> list[dict[str, Any]]:
    response = await client.get("/v1/products", params={"q": q}, headers={**headers, "Accept-Language": language})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_stolen_id_card_finds_the_product_with_what_to_bring_and_who_decides(
    session: AsyncSession, client: httpx.AsyncClient, admin_headers: Headers, settings: Any, clock: Any
) -> None:
    world = await _catalogue(session, client, admin_headers)
    agent = factories.bearer(settings, clock, world.agent.email)

    items = await _search(client, agent, "mijn identiteitskaart is gestolen")

    first = items[0]
    assert first["code"] == "identiteitskaart-aanvragen"
    assert first["display"]["what_to_bring"] == "Het attest van diefstal van de politie en een recente pasfoto."
    assert first["display"]["cost"] == "€ 20,00"
    assert [unit["name"] for unit in first["deciding_units"]] == ["Burgerzaken"]
    assert first["desk"]["name"] == "Burgerzaken"
    assert first["desk"]["opening_hours"][0] == {"weekday": 0, "opens": "08:30:00", "closes": "12:30:00"}
    assert first["web_page"] == "https://www.genk.be/identiteitskaart"
    assert first["rank"] > 0
    assert all(item["code"] != "grofvuil-ophalen" for item in items)


async def test_french_query_finds_the_french_texts(
    session: AsyncSession, client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    await _catalogue(session, client, admin_headers)

    items = await _search(client, admin_headers, "carte d'identité volée", language="fr")
    waste = await _search(client, admin_headers, "mes encombrants", language="fr")

    assert items[0]["code"] == "identiteitskaart-aanvragen"
    assert items[0]["language"] == "fr"
    assert items[0]["display"]["name"] == "Demander une carte d'identité"
    assert items[0]["display"]["cost"] == "€ 20,00"  # not written in French: the Dutch text stands in
    assert items[0]["deciding_units"] == [{"code": "burgerzaken", "name": "Population"}]
    assert waste[0]["code"] == "grofvuil-ophalen"


async def test_synonyms_find_what_the_texts_do_not_say(
    session: AsyncSession, client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    await _catalogue(session, client, admin_headers)

    by_synonym = await _search(client, admin_headers, "identiteitsbewijs")
    by_other_synonym = await _search(client, admin_headers, "oude matras")

    assert [item["code"] for item in by_synonym] == ["identiteitskaart-aanvragen"]
    assert [item["code"] for item in by_other_synonym] == ["grofvuil-ophalen"]


async def test_social_product_is_public_information(
    session: AsyncSession, client: httpx.AsyncClient, admin_headers: Headers, settings: Any, clock: Any
) -> None:
    world = await _catalogue(session, client, admin_headers)
    agent = factories.bearer(settings, clock, world.agent.email)

    items = await _search(client, agent, "leefloon")

    assert [item["code"] for item in items] == ["leefloon"]
    assert items[0]["categories"][0]["social"] is True
    assert items[0]["deciding_units"][0]["code"] == "sociale_dienst"


async def test_entries_of_a_category_for_the_ticket_view(
    session: AsyncSession, client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    await _catalogue(session, client, admin_headers)

    response = await client.get("/v1/products", params={"category": "waste.pickup"}, headers=admin_headers)

    assert [item["code"] for item in response.json()["items"]] == ["grofvuil-ophalen"]


async def test_an_edit_is_a_new_version_and_keeps_the_old_one(
    session: AsyncSession, client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    await _catalogue(session, client, admin_headers)
    changed = copy.deepcopy(ID_CARD)
    changed["texts"]["nl"]["cost"] = "€ 22,00"

    without = await client.put("/v1/products/identiteitskaart-aanvragen", json=changed, headers=admin_headers)
    stale = await client.put(
        "/v1/products/identiteitskaart-aanvragen", json=changed, headers={**admin_headers, "If-Match": '"7"'}
    )
    read = await client.get("/v1/products/identiteitskaart-aanvragen", headers=admin_headers)
    saved = await client.put(
        "/v1/products/identiteitskaart-aanvragen",
        json=changed,
        headers={**admin_headers, "If-Match": read.headers["ETag"]},
    )
    history = await client.get("/v1/products/identiteitskaart-aanvragen/versions", headers=admin_headers)

    factories.assert_problem(without, 428)
    factories.assert_problem(stale, 412)
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 2
    assert saved.headers["ETag"] == '"2"'
    assert saved.json()["display"]["cost"] == "€ 22,00"
    versions = history.json()["versions"]
    assert [version["version"] for version in versions] == [1, 2]
    assert versions[0]["content"]["texts"]["nl"]["cost"] == "€ 20,00"
    assert versions[1]["content"]["texts"]["nl"]["cost"] == "€ 22,00"
    product_id = await session.scalar(select(Product.id).where(Product.code == "identiteitskaart-aanvragen"))
    audited = (
        await session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.target_type == "product", AuditEntry.target_id == str(product_id)
            )
        )
    ).all()
    assert audited == ["insert", "update"]


async def test_bad_input_is_refused_and_writes_nothing(
    session: AsyncSession, client: httpx.AsyncClient, admin_headers: Headers, settings: Any, clock: Any
) -> None:
    world = await catalogue_world(session)
    no_dutch = {**ID_CARD, "texts": {"fr": ID_CARD["texts"]["fr"]}}
    unknown_category = {**ID_CARD, "categories": ["civil.nothing"]}
    bad_page = {**ID_CARD, "web_page": "javascript:alert(1)"}
    agent = factories.bearer(settings, clock, world.agent.email)

    answers = [
        await client.post("/v1/products", json=no_dutch, headers=admin_headers),
        await client.post("/v1/products", json=unknown_category, headers=admin_headers),
        await client.post("/v1/products", json=bad_page, headers=admin_headers),
        await client.post("/v1/products", json=ID_CARD, headers=agent),  # not an admin
        await client.put("/v1/products/identiteitskaart-aanvragen", json=ID_CARD, headers=admin_headers),
        await client.get("/v1/products", params={"q": "?!"}, headers=admin_headers),
    ]

    assert [answer.status_code for answer in answers] == [422, 422, 422, 403, 404, 422]
    for answer in answers:
        factories.assert_problem(answer, answer.status_code)
    assert await factories.count(session, Product) == 0
    assert await factories.count(session, ProductVersion) == 0


async def test_a_search_within_categories(
    session: AsyncSession, client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    await _catalogue(session, client, admin_headers)

    within = await client.get(
        "/v1/products", params={"q": "identiteitskaart grofvuil", "category": "waste.pickup"}, headers=admin_headers
    )
    wrong = await client.get("/v1/products", params={"category": "DROP TABLE"}, headers=admin_headers)

    assert [item["code"] for item in within.json()["items"]] == ["grofvuil-ophalen"]
    factories.assert_problem(wrong, 422)
