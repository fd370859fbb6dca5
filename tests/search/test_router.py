"""GET /v1/search/tickets: Dutch and French, accents ignored, prefix on the last word, visibility, paging."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.tokens import issue_dev_token
from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from tests import factories
from tests.factories import World, assert_problem, web_contact


async def _record(client: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> str:
    response = await client.post("/v1/contacts", json=web_contact(**fields), headers=headers)
    assert response.status_code == 201, response.text
    reference: str = response.json()["ticket"]["reference"]
    return reference


async def _search(client: httpx.AsyncClient, headers: dict[str, str], q: str, **params: Any) -> list[str]:
    response = await client.get("/v1/search/tickets", params={"q": q, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return [item["reference"] for item in response.json()["items"]]


def _citizen(n: int) -> dict[str, str]:
    return {"email": f"burger{n}@example.org"}


async def test_finds_dutch_word_forms_in_contact_bodies(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    wanted = await _record(
        client,
        admin_headers,
        subject="Vraag",
        body="De containers in onze straat werden niet geledigd.",
        citizen=_citizen(1),
    )
    await _record(client, admin_headers, subject="Andere vraag", body="Het zwembad is gesloten.", citizen=_citizen(2))

    assert await _search(client, admin_headers, "container geledigd") == [wanted]
    assert await _search(client, admin_headers, "zwembad containers") == []


async def test_items_have_the_ticket_list_shape(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    reference = await _record(client, admin_headers, subject="Kapotte straatlamp", citizen=_citizen(1))

    found = (await client.get("/v1/search/tickets", params={"q": "straatlamp"}, headers=admin_headers)).json()
    listed = (await client.get("/v1/tickets", headers=admin_headers)).json()

    assert found["next_cursor"] is None
    assert found["items"] == [item for item in listed["items"] if item["reference"] == reference]


async def test_french_without_accents_and_prefix_of_last_word(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    reference = await _record(
        client,
        admin_headers,
        subject="Carte d'identité",
        body="Ma carte d'identité a été volée près de l'école.",
        language="fr",
        citizen=_citizen(1),
    )

    assert await _search(client, admin_headers, "identite") == [reference]
    assert await _search(client, admin_headers, "ÉCOLE volee") == [reference]
    assert await _search(client, admin_headers, "carte ident") == [reference]  # still typing
    assert await _search(client, admin_headers, "carte id") == []  # too short to be taken as a prefix


async def test_subject_match_ranks_above_body_match(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    in_subject = await _record(client, admin_headers, subject="Parkeerkaart", body="Graag info.", citizen=_citizen(1))
    in_body = await _record(
        client, admin_headers, subject="Vraag", body="Waar haal ik een parkeerkaart?", citizen=_citizen(2)
    )
    newer_in_subject = await _record(
        client, admin_headers, subject="Parkeerkaart", body="Graag info.", citizen=_citizen(3)
    )

    assert await _search(client, admin_headers, "parkeerkaart") == [newer_in_subject, in_subject, in_body]


async def test_cursor_pages_through_every_match_once(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    bodies = ["Lawaai van de buren.", "Veel lawaai 's nachts, lawaai en nog eens lawaai.", "Lawaaioverlast."]
    references = {
        await _record(client, admin_headers, subject=f"Melding {n}", body=body, citizen=_citizen(n))
        for n, body in enumerate(bodies * 2)
    }
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"q": "lawaai", "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/v1/search/tickets", params=params, headers=admin_headers)).json()
        seen += [item["reference"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    whole = await _search(client, admin_headers, "lawaai", limit=50)

    assert len(seen) == len(set(seen))
    assert seen == whole
    assert set(whole) == references  # "Lawaaioverlast" too: the last word also matches as a prefix


async def test_never_shows_tickets_out_of_sight(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    admin_headers: dict[str, str],
    settings: Settings,
    clock: FixedClock,
) -> None:
    waste = await _record(client, admin_headers, subject="Dringend", body="Afval op straat.", citizen=_citizen(1))
    await _record(
        client,
        admin_headers,
        category="civil.id_card",
        subject="Dringend",
        body="Identiteitskaart kwijt.",
        citizen=_citizen(2),
    )
    await _record(
        client,
        admin_headers,
        category="social.living_wage",
        subject="Dringend",
        body="Leefloon aangevraagd.",
        citizen=_citizen(3),
    )
    worker = await factories.staff(session, "mo.geving@genk.example", world.omgeving, "back_office")
    token = issue_dev_token(settings, clock, worker.email, timedelta(hours=1))
    staff_headers = {"Authorization": f"Bearer {token}"}

    assert await _search(client, staff_headers, "dringend") == [waste]
    assert len(await _search(client, admin_headers, "dringend")) == 2  # the social case stays out of sight
    assert await _search(client, admin_headers, "leefloon") == []


async def test_unsearchable_queries_are_refused(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    for q in ["", "  ", "?!", "de", "de en", " ".join(["woord"] * 11)]:
        response = await client.get("/v1/search/tickets", params={"q": q}, headers=admin_headers)
        assert_problem(response, 422)
    too_long = await client.get("/v1/search/tickets", params={"q": "a" * 201}, headers=admin_headers)
    assert_problem(too_long, 422)
    bad_cursor = await client.get(
        "/v1/search/tickets", params={"q": "afval", "cursor": "bm9wZQ"}, headers=admin_headers
    )
    assert_problem(bad_cursor, 400)
