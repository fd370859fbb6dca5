"""The bounded search (search/repository.py): a common word's candidates are its newest visible matches; a rare
word's are every match, old ones through the GIN indexes; common words together are looked for among the newest
records only. Tickets are written with one INSERT each batch, as
many as the window needs, with real PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.search import repository, word_counts
from genk3600.search.repository import RECENT_CANDIDATES, RECENT_WINDOW
from tests.factories import World

_numbers = itertools.count()  # each batch its own range of reference numbers


async def _tickets(session: AsyncSession, world: World, count: int, subject: str, *, social: bool = False) -> list[str]:
    """`count` tickets with `subject` (no contacts), oldest first; their references in that order."""
    unit, category = (world.sociale_dienst, world.living_wage) if social else (world.omgeving, world.waste)
    rows = await session.execute(
        text(
            "INSERT INTO ticket (reference, subject, owning_unit_id, category_id, confidentiality) "
            "SELECT 'G3600-1999-' || lpad((:first + n)::text, 7, '0'), :subject, :unit, :category, :confidentiality "
            "FROM generate_series(1, :count) AS n ORDER BY n RETURNING id, reference"
        ),
        {
            "subject": subject,
            "unit": unit.id,
            "category": category.id,
            "confidentiality": "social" if social else "normal",
            "count": count,
            "first": next(_numbers) * 100_000,
        },
    )
    await session.flush()
    return [reference for _, reference in sorted(rows.all())]


async def _every_page(client: httpx.AsyncClient, headers: dict[str, str], q: str, limit: int) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": q, "limit": limit} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/v1/search/tickets", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [item["reference"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


async def test_a_common_word_shows_its_newest_matches(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    oldest_first = await _tickets(session, world, RECENT_CANDIDATES + 50, "Grofvuil niet opgehaald")

    found = await _every_page(client, admin_headers, "grofvuil", limit=50)

    # Equal ranks, so newest first; and only the newest RECENT_CANDIDATES are candidates (the promise for a
    # common word: the best of its newest matches), the cursor pages through them once.
    assert found == list(reversed(oldest_first))[:RECENT_CANDIDATES]


async def test_the_newest_matches_are_the_newest_visible_ones(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    normal = await _tickets(session, world, RECENT_CANDIDATES + 10, "Dringende vraag")
    social = await _tickets(session, world, RECENT_CANDIDATES + 10, "Dringende vraag", social=True)

    found = await _every_page(client, admin_headers, "dringend", limit=100)

    assert not set(found) & set(social)  # the admin key has no need-to-know for social cases
    assert found == list(reversed(normal))[:RECENT_CANDIDATES]


async def test_a_rare_word_is_found_beyond_the_recent_window(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    [old] = await _tickets(session, world, 1, "Zwembad gesloten")
    await _tickets(session, world, RECENT_WINDOW + 1, "Andere vraag")
    [new] = await _tickets(session, world, 1, "Zwembad te koud")

    # Fewer recent matches than RECENT_CANDIDATES: the GIN indexes add the old one; the newest stays.
    assert await _every_page(client, admin_headers, "zwembad", limit=10) == [new, old]


@pytest.fixture
def common_from_200(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Words in 200 records are common (the real bar is made for a million), with statistics read afresh."""
    monkeypatch.setattr(repository, "COMMON_RECORDS", 200)
    word_counts.forget()
    yield
    word_counts.forget()  # this test's statistics go with its transaction


async def test_common_words_rare_together_are_looked_for_among_the_newest_only(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    admin_headers: dict[str, str],
    common_from_200: None,
) -> None:
    [together] = await _tickets(session, world, 1, "Sluikstort niet opgehaald")
    [with_rare_word] = await _tickets(session, world, 1, "Sluikstort bij het zwembad niet opgehaald")
    [rare_only] = await _tickets(session, world, 1, "Sluikstort bij het zwembad")  # lacks the common prefix
    await _tickets(session, world, 300, "Sluikstort gemeld")
    await _tickets(session, world, 300, "Grofvuil niet opgehaald")
    await _tickets(session, world, RECENT_WINDOW + 1, "Andere vraag")
    await session.execute(text("ANALYZE ticket, contact"))  # within the test's transaction: rolled back with it

    # Both words common and none of the newest records holds both: the GIN indexes are not asked.
    assert await _every_page(client, admin_headers, "sluikstort opgehaald", limit=10) == []
    # One rare word more, and they are: it leads the index scan, the common prefix is checked on the rows read.
    assert await _every_page(client, admin_headers, "zwembad sluikstort opgeh", limit=10) == [with_rare_word]
    # A rare word alone finds every match, as before.
    assert set(await _every_page(client, admin_headers, "zwembad", limit=10)) == {with_rare_word, rare_only}
    # So does a common word alone (one posting list, nothing to intersect) once the window holds too few.
    assert together in await _every_page(client, admin_headers, "sluikstort", limit=200)
