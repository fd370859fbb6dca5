"""Acknowledgements: composed in the citizen's language, mailed through the outbox, replies thread back."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.db import Database
from genk3600.kit.clock import FixedClock
from genk3600.models import OutboundMail
from genk3600.notifications.sender import send_once
from tests import factories
from tests.factories import World, web_contact
from tests.notifications.test_sender import Sink, sink  # noqa: F401 - the SMTP sink fixture

MAIL = {"content-type": "message/rfc822"}


async def test_web_contact_gets_an_acknowledgement_in_the_citizens_language(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    contact = web_contact(citizen={"email": "marie@example.be", "preferred_language": "fr"})
    recorded = (await client.post("/v1/contacts", json=contact, headers=writer_headers)).json()
    reference, code = recorded["ticket"]["reference"], recorded["access_code"]

    [mail] = (await session.scalars(select(OutboundMail))).all()
    assert (mail.to_address, mail.language, mail.purpose) == ("marie@example.be", "fr", "acknowledgement")
    assert mail.subject == f"Nous avons bien reçu votre demande [{reference}]"
    assert f"/status?reference={reference}&code={code}" in mail.body
    assert "Omgeving" in mail.body

    status = await client.get(f"/v1/public/tickets/{reference}", params={"code": code})
    assert status.status_code == 200, status.text
    assert status.json()["language"] == "fr"


async def test_calls_and_anonymous_forms_are_not_mailed(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    call = {"channel": "phone", "summary": "Vraag", "citizen": {"email": "jan@example.org"}}
    phoned = (await client.post("/v1/contacts", json=call, headers=writer_headers)).json()
    assert phoned["access_code"]  # the agent reads it out
    await client.post("/v1/contacts", json=web_contact(citizen=None), headers=writer_headers)
    assert await factories.count(session, OutboundMail) == 0


async def test_acknowledgement_reaches_the_relay_and_a_reply_threads_back(
    scratch_app: tuple[FastAPI, Database],
    settings: Settings,
    sink: tuple[Sink, int],  # noqa: F811
    clock: FixedClock,
) -> None:
    app, database = scratch_app
    handler, port = sink
    async with database.sessions.begin() as session:
        await factories.small_world(session)
        key = await factories.api_key(session, "gateway", ["contacts:write", "tickets:read"])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        question = (
            b"From: Jan Janssens <jan.janssens@example.org>\r\nTo: 3600@genk.example\r\n"
            b"Subject: Grofvuil niet opgehaald\r\nMessage-ID: <q-1@example.org>\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n\r\nMijn grofvuil staat er nog.\r\n"
        )
        first = await client.post("/v1/intake/mail", content=question, headers={"X-API-Key": key, **MAIL})
        reference = first.json()["ticket"]["reference"]

        relay = settings.model_copy(update={"smtp_relay_host": "127.0.0.1", "smtp_relay_port": port})
        assert (await send_once(database.sessions, relay, clock)).sent == 1
        [ack] = handler.received
        assert ack["To"] == "jan.janssens@example.org"
        assert reference in ack["Subject"]
        assert ack["Content-Language"] == "nl"
        body = ack.get_payload(decode=True).decode()
        assert "Het nummer van uw vraag is " + reference in body

        # The citizen answers; the mail client keeps only In-Reply-To (no reference in the subject).
        reply = (
            f"From: jan.janssens@example.org\r\nTo: 3600@genk.example\r\nSubject: Re: ontvangen\r\n"
            f"Message-ID: <q-2@example.org>\r\nIn-Reply-To: {ack['Message-ID']}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nIntussen is het opgehaald, dank u.\r\n"
        ).encode()
        second = await client.post("/v1/intake/mail", content=reply, headers={"X-API-Key": key, **MAIL})
        assert second.json()["outcome"] == "threaded"
        assert second.json()["ticket"]["reference"] == reference
