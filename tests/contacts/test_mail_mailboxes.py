"""Issue 17: mail as real mailboxes send it, through both doors (HTTP and a real SMTP session), down to the rows.

The corpus (mail_corpus/mailboxes/, written for these tests) has one or more mails per numbered case of the
issue; file names start with the case's number. Each door gets the whole corpus in order, and the same
expectations hold for both: citizen, subject, body, attachment names, threading and classification.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import smtplib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from genk3600.config import Settings
from genk3600.contacts.mail import parse_mail
from genk3600.db import Database
from genk3600.kit.clock import FixedClock
from genk3600.models import Citizen, Contact, OutboundMail, Ticket, TicketEvent
from tests import factories
from tests.factories import World

MAILBOXES = Path(__file__).parent / "mail_corpus" / "mailboxes"
INTAKE = "3600@genk.example"
LONG_SUBJECT = "Aanvraag " + " ".join(f"punt-{n}-één" for n in range(150))


def wire(name: str, **fill: str) -> bytes:
    """The corpus mail as it travels (CRLF), with the run's own values (a reference, a Message-ID) filled in."""
    raw = (MAILBOXES / name).read_bytes()
    for key, value in fill.items():
        raw = raw.replace(b"{" + key.encode() + b"}", value.encode())
    return re.sub(rb"\r?\n", b"\r\n", raw)


@dataclass(frozen=True)
class Expected:
    file: str
    kind: str = "person"
    citizen: str | None = None  # the citizen's e-mail; None: no citizen (machines' mail)
    subject: str | None = None
    body: tuple[str, ...] = ()
    attachments: tuple[str, ...] | None = None
    ticket_of: str | None = None  # the contact joins the ticket of this earlier mail
    threaded_by: str | None = None
    flags: frozenset[str] = field(default_factory=frozenset)


CORPUS = [
    Expected(
        "01_reply_to_web_form.eml", citizen="marie.peeters@example.be", subject="Webformulier: melding sluikstort"
    ),
    Expected(
        "02_bounce_of_acknowledgement.eml",
        kind="bounce",
        ticket_of="01_reply_to_web_form.eml",
        threaded_by="returned Message-ID",
        flags=frozenset({"automated", "mail_bounced"}),
    ),
    Expected("03a_sender_without_from.eml", citizen="luc.janssens@example.be", subject="Vraag over mijn parkeerkaart"),
    Expected("03b_return_path_without_from.eml", citizen="an.claes@example.be", subject="Afspraak identiteitskaart"),
    Expected(
        "03c_broken_folded_from.eml",
        citizen="jan.peeters@example.be",
        subject="Straatverlichting kapot",
        body=("De straatlamp voor nummer 12 brandt niet meer.",),
        flags=frozenset({"malformed_headers"}),
    ),
    Expected(
        "04a_two_from_headers.eml",
        citizen="els.wouters@example.be",
        subject="Container voor verhuis",
        flags=frozenset({"malformed_headers"}),
    ),
    Expected(
        "04b_trailing_dot_domain.eml",
        citizen="tom.maes@example.be",
        subject="Zwerfvuil in het park",
        flags=frozenset({"malformed_headers"}),
    ),
    Expected(
        "04c_junk_first_line.eml",
        citizen="sofie.claes@example.be",
        subject="Subsidie zonnepanelen",
        body=("Bestaat er een subsidie voor zonnepanelen?",),
        flags=frozenset({"malformed_headers"}),
    ),
    Expected(
        "05a_gb2312_with_gbk_characters.eml",
        citizen="zhu.wei@example.be",
        subject="关于垃圾收集的问题 朱镕基",
        body=("朱镕基 敬上", "我家门前的垃圾已经三天没有收了"),
    ),
    Expected(
        "05b_undeclared_shift_jis.eml",
        citizen="sato.yuki@example.be",
        body=("家の前のゴミが三日間回収されていません。", "よろしくお願いします。"),
    ),
    Expected(
        "05c_raw_8bit_attachment_name.eml",
        citizen="renee.dubois@example.be",
        attachments=("schade voortuin \N{EN DASH} één.jpg", "factuur été 2026.pdf", "写真の説明.jpg"),
    ),
    Expected("05d_utf7.eml", subject="Vraag over de électriciteitspremie", body=("één vraag",)),
    Expected("05e_iso_2022_jp.eml", subject="住民票について", body=("住民票の写しを請求したいです。",)),
    Expected("06_no_message_id.eml", citizen="printer-2e@example.be", subject="Gescand document"),
    Expected("07a_x_auto_response_suppress.eml", kind="auto-reply", flags=frozenset({"automated"})),
    Expected("07b_x_loop.eml", kind="auto-reply", flags=frozenset({"automated"})),
    Expected("07c_precedence_bulk.eml", kind="list", flags=frozenset({"automated"})),
    Expected("07d_list_unsubscribe.eml", kind="list", flags=frozenset({"automated"})),
    Expected(
        "08_mixed_plain_and_unnamed_html.eml",
        body=("Hierbij het verslag.", "De bewoners vragen een zebrapad aan de school."),
    ),
    Expected("09a_thread_root.eml", citizen="lotte.vermeulen@example.be"),
    Expected(
        "09b_reply_with_long_references.eml",
        citizen="lotte.vermeulen@example.be",
        ticket_of="09a_thread_root.eml",
        threaded_by="References",
    ),
    Expected("10a_long_encoded_subject.eml", subject=LONG_SUBJECT),
    Expected("10b_from_without_brackets.eml", citizen="jan@x.be", flags=frozenset({"malformed_headers"})),
    Expected(
        "10c_forwarded_mail_and_inline_image.eml",
        attachments=("Geluidsoverlast Stalenstraat.eml", "image-2.png"),
    ),
    Expected("11_line_over_1000_bytes.eml", body=("Dit is een lange regel zonder regeleinde.",)),
]


def test_the_corpus_covers_every_numbered_case() -> None:
    files = sorted(path.name for path in MAILBOXES.glob("*.eml"))
    assert [expected.file for expected in CORPUS] == files
    assert {int(name[:2]) for name in files} == set(range(1, 12))


Deliver = Callable[[bytes], Awaitable[None]]


async def _contact(session: AsyncSession, raw: bytes) -> Contact:
    message_id = parse_mail(raw, 10**6).message_id
    contact = await session.scalar(
        select(Contact)
        .where(Contact.external_id == message_id)
        .options(selectinload(Contact.attachments), selectinload(Contact.ticket))
        .execution_options(populate_existing=True)
    )
    assert contact is not None, message_id
    return contact


async def _run_corpus(
    deliver: Deliver, session_for: Callable[[], contextlib.AbstractAsyncContextManager[AsyncSession]]
) -> None:
    """Every corpus mail through one door, in order, then what was recorded checked against CORPUS."""
    tickets: dict[str, int | None] = {}
    fill: dict[str, str] = {}
    for expected in CORPUS:
        raw = wire(expected.file, **fill)
        await deliver(raw)
        async with session_for() as session:
            contact = await _contact(session, raw)
            tickets[expected.file] = contact.ticket_id
            details: dict[str, Any] = contact.channel_details
            classification = details["classification"]
            assert classification["kind"] == expected.kind, (expected.file, classification)
            assert expected.flags <= set(contact.flags), (expected.file, contact.flags)
            if expected.kind == "person":
                assert classification["why"] == []
                assert contact.ticket_id is not None, expected.file
            else:
                assert classification["why"], expected.file  # says why
            if expected.citizen is not None:
                citizen = await session.get(Citizen, contact.citizen_id) if contact.citizen_id else None
                assert citizen is not None, expected.file
                assert citizen.email == expected.citizen
            if expected.subject is not None:
                assert contact.subject == expected.subject
            for snippet in expected.body:
                assert snippet in contact.body, (expected.file, contact.body)
            if expected.attachments is not None:
                assert tuple(a.filename for a in contact.attachments) == expected.attachments
            if expected.ticket_of is not None:
                assert contact.ticket_id == tickets[expected.ticket_of], expected.file
                assert details.get("threaded_by") == expected.threaded_by
            if expected.file.startswith("01_"):
                # 1: the acknowledgement (with the access code) goes to Reply-To, not to noreply@.
                [ack] = (
                    await session.scalars(select(OutboundMail).where(OutboundMail.ticket_id == contact.ticket_id))
                ).all()
                assert ack.to_address == "marie.peeters@example.be"
                assert classification["citizen_from"] == "Reply-To"
                assert contact.ticket is not None
                fill = {"ack_message_id": ack.message_id, "reference": contact.ticket.reference}

    async with session_for() as session:
        # 2: the bounce marks our acknowledgement bounced and tells the ticket's timeline why.
        ack = await session.scalar(
            select(OutboundMail)
            .where(OutboundMail.message_id == fill["ack_message_id"])
            .execution_options(populate_existing=True)
        )
        assert ack is not None
        assert (ack.status, ack.last_error) == (
            "bounced",
            "5.1.1; smtp; 550 5.1.1 <marie.peeters@example.be>: Recipient address rejected: "
            "User unknown in virtual mailbox table",
        )
        events = (
            await session.scalars(
                select(TicketEvent).where(TicketEvent.ticket_id == ack.ticket_id).order_by(TicketEvent.id)
            )
        ).all()
        bounced = [event for event in events if event.type == "mail_bounced"]
        assert len(bounced) == 1
        assert bounced[0].code == "ticket.mail_bounced"
        assert bounced[0].params["reason"].startswith("5.1.1")
        assert bounced[0].data["outbound_mail_id"] == ack.id
        # 7: machines' mail opens no ticket and is never answered.
        automated = [tickets[e.file] for e in CORPUS if e.file.startswith("07")]
        assert automated == [None] * 4
        answered = (await session.scalars(select(OutboundMail.to_address))).all()
        assert "support@leverancier.example" not in answered
        assert "noreply@forms.genk.example" not in answered
        ticket_count = await factories.count(session, Ticket)

    # 6: the same mail without a Message-ID, relayed once more (another Received line, other line ends).
    relayed = b"Received: from relay2.example.org by mx.genk.be;\r\n Mon, 7 Dec 2026 11:00:00 +0100\r\n" + wire(
        "06_no_message_id.eml"
    )
    await deliver(relayed)
    await deliver(relayed.replace(b"\r\n", b"\n"))
    async with session_for() as session:
        assert await factories.count(session, Ticket) == ticket_count
        assert (await _contact(session, relayed)).ticket_id == tickets["06_no_message_id.eml"]


async def test_the_corpus_over_http(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    async def deliver(raw: bytes) -> None:
        response = await client.post(
            "/v1/intake/mail", content=raw, headers={**writer_headers, "content-type": "message/rfc822"}
        )
        assert response.status_code in (200, 201), response.text

    @contextlib.asynccontextmanager
    async def same_session() -> Any:
        yield session

    await _run_corpus(deliver, same_session)


async def test_the_corpus_over_smtp(
    scratch_app: tuple[FastAPI, Database], settings: Settings, clock: FixedClock
) -> None:
    _app, database = scratch_app
    async with factories.smtp_intake(database, settings, clock) as port:

        def send(raw: bytes) -> None:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
                smtp.sendmail("relay@genk.example", [INTAKE], raw)  # 11: a line over 1,000 bytes is no 500

        async def deliver(raw: bytes) -> None:
            await asyncio.to_thread(send, raw)

        await _run_corpus(deliver, database.sessions)
