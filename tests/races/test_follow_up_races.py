"""One citizen's contacts on one category arriving at once: one ticket, and no deadlock between the ways of
identifying them (the follow-up lock is taken before the citizen's row is written, on every path)."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from sqlalchemy import func, select, text, update

from genk3600.db import Database
from genk3600.models import Ticket
from tests import factories
from tests.races.scene import client_of

NATIONAL_NUMBER = "85.07.30-033.28"
EMAIL = "an.peeters@example.org"
AT_ONCE = 8
WAITING_ON_A_LOCK = (
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
)


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


async def test_a_follow_up_resolved_while_a_contact_waits_to_join_it_gets_a_ticket_of_its_own(
    scratch_app: tuple[FastAPI, Database],
) -> None:
    """The open ticket a follow-up would join is being resolved by another transaction: the contact waits for it
    (the ticket's row lock), finds it resolved once that commits, and opens a ticket of its own."""
    app, database = scratch_app
    async with database.sessions.begin() as session:
        await factories.small_world(session)
        key = await factories.api_key(session, "race-client", ["contacts:write", "tickets:read"])
    headers = {"X-API-Key": key}
    async with client_of(app) as client:
        first = await client.post("/v1/contacts", json=factories.web_contact(citizen={"email": EMAIL}), headers=headers)
        assert first.status_code == 201, first.text
        reference = first.json()["ticket"]["reference"]
        async with database.engine.connect() as other:
            resolving = await other.begin()
            await other.execute(update(Ticket).where(Ticket.reference == reference).values(status="resolved"))
            follow_up = asyncio.create_task(
                client.post(
                    "/v1/contacts",
                    json=factories.web_contact(citizen={"email": EMAIL}, body="Het staat er nog altijd."),
                    headers=headers,
                )
            )

            async def waiting_on_the_ticket() -> bool:
                async with database.engine.connect() as probe:
                    return bool(await probe.scalar(text(WAITING_ON_A_LOCK)))

            await factories.eventually(waiting_on_the_ticket, "the follow-up waiting on the ticket being resolved")
            await resolving.commit()
        answer = await follow_up
    assert answer.status_code == 201, answer.text
    assert answer.json()["outcome"] == "created"
    assert answer.json()["ticket"]["reference"] != reference
    async with database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 2
