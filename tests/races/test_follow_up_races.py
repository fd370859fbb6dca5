"""One citizen's contacts on one category arriving at once: one ticket, and no deadlock between the ways of
identifying them (the follow-up lock is taken before the citizen's row is written, on every path)."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from sqlalchemy import func, select

from genk3600.db import Database
from genk3600.models import Ticket
from tests import factories
from tests.races.scene import client_of

NATIONAL_NUMBER = "85.07.30-033.28"
EMAIL = "an.peeters@example.org"
AT_ONCE = 8


async def test_contacts_by_national_number_and_by_e_mail_at_once_join_one_ticket(
    scratch_app: tuple[FastAPI, Database],
) -> None:
    app, database = scratch_app
    async with database.sessions.begin() as session:
        await factories.small_world(session)
        key = await factories.api_key(session, "race-client", ["contacts:write", "tickets:read"])
    headers = {"X-API-Key": key}
    async with client_of(app) as client:
        first = await client.post(
            "/v1/contacts",
            json=factories.web_contact(citizen={"national_number": NATIONAL_NUMBER, "email": EMAIL}),
            headers=headers,
        )
        assert first.status_code == 201, first.text
        # Half by national number, half by e-mail; each changes the preferred language, so each writes the row.
        who = [{"national_number": NATIONAL_NUMBER} if n % 2 else {"email": EMAIL} for n in range(AT_ONCE)]
        answers = await asyncio.gather(
            *(
                client.post(
                    "/v1/contacts",
                    json=factories.web_contact(
                        citizen={**citizen, "preferred_language": "de" if n % 2 else "fr"}, body=f"Nog iets ({n})."
                    ),
                    headers=headers,
                )
                for n, citizen in enumerate(who)
            )
        )
    assert [answer.status_code for answer in answers] == [201] * AT_ONCE, [answer.text for answer in answers]
    assert {answer.json()["outcome"] for answer in answers} == {"attached"}
    async with database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 1
