"""A call-back that ran out of attempts mails the citizen through the outbound queue and the lease-based sender,
into a real SMTP sink, in their language; their answer threads back to the ticket."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from genk3600.config import Settings
from genk3600.db import Database
from genk3600.kit.clock import FixedClock
from genk3600.notifications.sender import send_once
from tests import factories
from tests.factories import bearer, web_contact
from tests.notifications.test_sender import Sink, sink  # noqa: F401 - the SMTP sink fixture

MAIL = {"content-type": "message/rfc822"}


async def test_the_citizen_we_could_not_reach_gets_a_mail_in_their_language_and_can_answer_it(
    scratch_app: tuple[FastAPI, Database],
    settings: Settings,
    sink: tuple[Sink, int],  # noqa: F811
    clock: FixedClock,
) -> None:
    app, database = scratch_app
    handler, port = sink
    async with database.sessions.begin() as session:
        world = await factories.small_world(session)
        gateway = {"X-API-Key": await factories.api_key(session, "gateway", ["contacts:write", "tickets:read"])}
    agent = bearer(settings, clock, world.agent.email)
    relay = settings.model_copy(update={"smtp_relay_host": "127.0.0.1", "smtp_relay_port": port})
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        citizen = {"email": "klaus.becker@example.de", "preferred_language": "de", "family_name": "Becker"}
        created = await client.post("/v1/contacts", json=web_contact(citizen=citizen), headers=agent)
        reference = created.json()["ticket"]["reference"]
        assert (await send_once(database.sessions, relay, clock)).sent == 1  # the acknowledgement
        asked = await client.post(
            "/v1/callbacks",
            json={"ticket": reference, "unit": "contact_centre", "phone": "0470 12 34 56", "question": "Termin?"},
            headers=agent,
        )
        assert asked.status_code == 201, asked.text
        for outcome in ("no_answer", "no_answer", "voicemail_left"):
            tried = await client.post(
                f"/v1/callbacks/{asked.json()['id']}/attempts", json={"outcome": outcome}, headers=agent
            )
            assert tried.status_code == 201, tried.text
        assert tried.json()["citizen_notice"] == "mail"

        assert (await send_once(database.sessions, relay, clock)).sent == 1
        mail = handler.received[-1]
        assert mail["To"] == "klaus.becker@example.de"
        assert mail["Subject"] == f"Wir konnten Sie telefonisch nicht erreichen [{reference}]"
        assert mail["Content-Language"] == "de"
        body = mail.get_payload(decode=True).decode()
        assert f"Sie haben uns gebeten, Sie wegen Ihres Anliegens {reference} zurückzurufen." in body
        assert "Wir haben Sie unter +32 470 12 34 56 angerufen, aber nicht erreicht." in body

        # The citizen answers; the mail client keeps only In-Reply-To.
        reply = (
            f"From: klaus.becker@example.de\r\nTo: 3600@genk.example\r\nSubject: Re: Anruf\r\n"
            f"Message-ID: <kb-2@example.de>\r\nIn-Reply-To: {mail['Message-ID']}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nBitte rufen Sie morgen nach 17 Uhr an.\r\n"
        ).encode()
        answered = await client.post("/v1/intake/mail", content=reply, headers={**gateway, **MAIL})
        assert answered.status_code == 201, answered.text
        assert answered.json()["outcome"] == "threaded"
        assert answered.json()["ticket"]["reference"] == reference
        assert answered.json()["ticket"]["flags"] == ["callback_failed"]
