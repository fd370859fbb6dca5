"""Mail end to end: the corpus over HTTP (message/rfc822) and through a real SMTP session into PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import smtplib
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.db import Database
from genk3600.kit.clock import FixedClock
from genk3600.models import Contact, ContactAttachment, Ticket
from tests import factories
from tests.factories import World, assert_problem

CORPUS = Path(__file__).parent / "mail_corpus"
MAIL = {"content-type": "message/rfc822"}


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def reply_to_reference(reference: str) -> bytes:
    """A reply that names its ticket only in the subject (no In-Reply-To or References)."""
    return (
        "From: Jan Janssens <jan.janssens@example.org>\r\nTo: 3600@genk.example\r\n"
        f"Subject: Re: [{reference}] Grofvuil\r\nMessage-ID: <subject-ref-{reference}@example.org>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nEn nu?\r\n"
    ).encode()


async def _post(client: httpx.AsyncClient, headers: dict[str, str], raw: bytes) -> httpx.Response:
    return await client.post("/v1/intake/mail", content=raw, headers={**headers, **MAIL})


async def test_corpus_over_http(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    async def recorded(name: str | bytes, status: int = 201) -> dict[str, Any]:
        response = await _post(client, writer_headers, corpus(name) if isinstance(name, str) else name)
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        return body

    plain = await recorded("plain.eml")
    assert plain["outcome"] == "created"
    assert plain["ticket"]["subject"] == "Grofvuil niet opgehaald"
    assert plain["ticket"]["citizen"]["email"] == "jan.janssens@example.org"
    assert plain["contact"]["external_id"] == "20261123091200.4711@mail.example.org"

    photo = await recorded("multipart_attachment.eml")
    [attachment] = photo["contact"]["attachments"]
    assert attachment["content_stored"] is True
    assert re.fullmatch(r"[0-9a-f]{64}", attachment["sha256"])
    assert (await recorded("latin1_encoded_word.eml"))["ticket"][
        "subject"
    ] == "Vraag over financiële steun voor één maand"
    assert "€" in (await recorded("windows1252.eml"))["ticket"]["subject"]
    assert (await recorded("html_only.eml"))["contact"]["body"].strip()
    assert (await recorded("no_message_id.eml"))["contact"]["external_id"]

    by_subject = await recorded(reply_to_reference(plain["ticket"]["reference"]))
    assert (by_subject["outcome"], by_subject["ticket"]["reference"]) == ("threaded", plain["ticket"]["reference"])
    by_header = await recorded("reply_in_reply_to.eml")
    assert (by_header["outcome"], by_header["ticket"]["reference"]) == ("threaded", photo["ticket"]["reference"])

    for automated in ("out_of_office.eml", "bounce.eml"):
        stored = await recorded(automated)
        assert (stored["outcome"], stored["ticket"], stored["contact"]["flags"]) == ("stored", None, ["automated"])

    tickets_before = await factories.count(session, Ticket)
    again = await recorded("plain.eml", status=200)
    assert (again["outcome"], again["contact"]["id"]) == ("duplicate", plain["contact"]["id"])
    assert await factories.count(session, Ticket) == tickets_before


async def test_reply_reopens_a_recently_resolved_ticket(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str], clock: FixedClock
) -> None:
    plain = (await _post(client, writer_headers, corpus("plain.eml"))).json()
    reference = plain["ticket"]["reference"]
    await factories.set_status(session, reference, "resolved", resolved_at=clock.now())
    reopened = (await _post(client, writer_headers, reply_to_reference(reference))).json()

    assert reopened["outcome"] == "reopened"
    assert reopened["ticket"]["status"] == "new"
    events = (await client.get(f"/v1/tickets/{reference}/events", headers=writer_headers)).json()["items"]
    assert [e["type"] for e in events][-2:] == ["status_changed", "contact_added"]


async def test_malformed_or_wrong_media_type_stores_nothing(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    for name in ("malformed_no_from.eml", "garbage.eml"):
        problem = assert_problem(await _post(client, writer_headers, corpus(name)), 422)
        assert "cannot be read as e-mail" in problem["detail"]
    assert_problem(await _post(client, writer_headers, b"   "), 422)
    as_json = await client.post(
        "/v1/intake/mail", content=corpus("plain.eml"), headers={**writer_headers, "content-type": "application/json"}
    )
    assert_problem(as_json, 415)
    for model in (Contact, Ticket, ContactAttachment):
        assert await factories.count(session, model) == 0


def _send(port: int, raw: bytes, recipient: str = "3600@genk.example") -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail("relay@genk.example", [recipient], raw)


async def test_real_smtp_session_into_the_database(
    scratch_app: tuple[FastAPI, Database], settings: Settings, clock: FixedClock
) -> None:
    _app, database = scratch_app
    limit = 200_000
    async with factories.smtp_intake(database, settings, clock, limit) as port:
        for name in (
            "plain.eml",
            "multipart_attachment.eml",
            "latin1_encoded_word.eml",
            "html_only.eml",
            "reply_in_reply_to.eml",
            "out_of_office.eml",
            "plain.eml",
        ):
            await asyncio.to_thread(_send, port, corpus(name))
        async with database.sessions() as session:
            plain_ticket = await session.scalar(
                select(Ticket.reference)
                .join(Contact, Contact.ticket_id == Ticket.id)
                .where(Contact.external_id == "20261123091200.4711@mail.example.org")
            )
        assert plain_ticket is not None
        await asyncio.to_thread(_send, port, reply_to_reference(plain_ticket))

        with pytest.raises(smtplib.SMTPDataError) as unreadable:
            await asyncio.to_thread(_send, port, corpus("malformed_no_from.eml"))
        assert unreadable.value.smtp_code == 554
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            await asyncio.to_thread(_send, port, corpus("plain.eml"), "someone.else@genk.example")
        with pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused, smtplib.SMTPServerDisconnected)):
            await asyncio.to_thread(_send, port, corpus("plain.eml") + b"x" * (limit + 1))

    async with database.sessions() as session:
        contacts = (await session.scalars(select(Contact).order_by(Contact.id))).all()
        # 8 messages reached intake; the repeated plain.eml was recorded once; the refused ones not at all.
        assert len(contacts) == 7
        assert sum(1 for c in contacts if c.ticket_id is None) == 1  # the out-of-office reply
        assert await factories.count(session, Ticket) == 4  # plain, photo, latin-1, html; replies threaded


def _bounce_quoting(code: str, reference: str) -> bytes:
    quoted = f"Volg uw vraag online: https://genk3600.test/v1/public/tickets/{reference}?code={code}\r\n"
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\nTo: noreply@genk.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce-code@mx.example.org>\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        f"Your message could not be delivered.\r\n> Uw toegangscode is {code}.\r\n> {quoted}"
        "--B\r\nContent-Type: message/rfc822\r\n\r\n"
        f"From: Stad Genk <noreply@genk.example>\r\nSubject: Wij ontvingen uw vraag [{reference}]\r\n\r\n"
        f"Uw toegangscode is {code}.\r\n{quoted}"
        "--B--\r\n"
    ).encode()


async def test_bounces_and_replies_quoting_an_access_code_do_not_keep_it(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    created = await client.post("/v1/contacts", json=factories.web_contact(), headers=writer_headers)
    code, reference = created.json()["access_code"], created.json()["ticket"]["reference"]
    assert code

    bounce = await _post(client, writer_headers, _bounce_quoting(code, reference))
    assert bounce.status_code == 201, bounce.text
    assert bounce.json()["ticket"] is None
    reply = reply_to_reference(reference).replace(b"En nu?", f"Mijn code is {code.lower()}, en nu?".encode())
    threaded = await _post(client, writer_headers, reply)
    assert threaded.json()["outcome"] == "threaded"

    listed = await client.get("/v1/contacts", headers=writer_headers)
    assert listed.status_code == 200
    for response in (bounce, threaded, listed):
        assert code not in response.text
        assert code.lower() not in response.text
    assert "[access code removed]" in bounce.json()["contact"]["body"]
    contact = await client.get(f"/v1/contacts/{bounce.json()['contact']['id']}", headers=writer_headers)
    assert code not in contact.text
    bodies = (await session.scalars(select(Contact.body))).all()
    assert not [body for body in bodies if code in body or code.lower() in body]
    attachments = (await session.scalars(select(ContactAttachment.content))).all()
    assert attachments
    for content in attachments:
        assert content is not None
        assert code.encode() not in content
        assert b"[access code removed]" in content
