"""The outbound mail job against a real SMTP sink (aiosmtpd on 127.0.0.1) and a real database."""

from __future__ import annotations

import asyncio
import email
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from fastapi import FastAPI
from sqlalchemy import select

from genk3600.config import Settings
from genk3600.db import Database
from genk3600.kit.clock import FixedClock
from genk3600.models import OutboundMail
from genk3600.notifications.sender import send_once
from genk3600.public.access import REDACTED_CODE, new_access_code
from tests import factories
from tests.factories import free_port


class Sink(Message):
    def __init__(self) -> None:
        super().__init__(message_class=EmailMessage)
        self.received: list[EmailMessage] = []

    def handle_message(self, message: email.message.Message) -> None:
        assert isinstance(message, EmailMessage)
        self.received.append(message)


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    handler = Sink()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="sink.test")
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


async def test_due_mail_is_sent_once_with_its_message_id(
    scratch_app: tuple[FastAPI, Database], settings: Settings, sink: tuple[Sink, int], clock: FixedClock
) -> None:
    _app, database = scratch_app
    handler, port = sink
    relay = settings.model_copy(update={"smtp_relay_host": "127.0.0.1", "smtp_relay_port": port})
    async with database.sessions.begin() as session:
        session.add_all([factories.outbound_mail(n, clock.now()) for n in range(6)])

    results = await asyncio.gather(
        send_once(database.sessions, relay, clock), send_once(database.sessions, relay, clock)
    )

    assert sum(result.sent for result in results) == 6
    assert len(handler.received) == 6
    first = handler.received[0]
    assert first["Auto-Submitted"] == "auto-generated"
    assert first["Content-Language"] == "nl"
    assert "U krijgt een antwoord" in first.get_payload(decode=True).decode()
    async with database.sessions() as session:
        rows = (await session.scalars(select(OutboundMail))).all()
    assert {row.status for row in rows} == {"sent"}
    assert {f"<{row.message_id}>" for row in rows} == {message["Message-ID"] for message in handler.received}
    assert (await send_once(database.sessions, relay, clock)).sent == 0


async def test_relay_down_retries_later_then_gives_up(
    scratch_app: tuple[FastAPI, Database], settings: Settings, clock: FixedClock
) -> None:
    _app, database = scratch_app
    down = settings.model_copy(
        update={"smtp_relay_host": "127.0.0.1", "smtp_relay_port": free_port(), "mail_max_attempts": 2}
    )
    async with database.sessions.begin() as session:
        session.add(factories.outbound_mail(1, clock.now()))

    first = await send_once(database.sessions, down, clock)
    async with database.sessions() as session:
        row = await session.scalar(select(OutboundMail))
    assert first.failed == 1
    assert row is not None
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at > clock.now()
    assert "ConnectionRefusedError" in (row.last_error or "")

    second = await send_once(database.sessions, down, FixedClock(row.next_attempt_at))
    async with database.sessions() as session:
        row = await session.scalar(select(OutboundMail))
    assert second.dead == 1
    assert row is not None
    assert (row.status, row.attempts) == ("dead", 2)


def _acknowledgement(code: str, due: datetime) -> OutboundMail:
    mail = factories.outbound_mail(7, due)
    mail.body = (
        f"Volg uw vraag online: https://genk3600.test/status?reference=G3600-2026-000007&code={code}\n"
        f"Uw toegangscode is {code}."
    )
    return mail


async def test_access_codes_are_removed_from_the_stored_body_once_sent_or_given_up(
    scratch_app: tuple[FastAPI, Database], settings: Settings, sink: tuple[Sink, int], clock: FixedClock
) -> None:
    _app, database = scratch_app
    handler, port = sink
    relay = settings.model_copy(update={"smtp_relay_host": "127.0.0.1", "smtp_relay_port": port})
    down = settings.model_copy(
        update={"smtp_relay_host": "127.0.0.1", "smtp_relay_port": free_port(), "mail_max_attempts": 1}
    )
    sent_code, _ = new_access_code(settings.secret)
    dead_code, _ = new_access_code(settings.secret)
    async with database.sessions.begin() as session:
        session.add(_acknowledgement(sent_code, clock.now()))
    async with database.sessions() as session:
        assert sent_code in (await session.scalar(select(OutboundMail.body)) or "")  # needed until it is sent

    assert (await send_once(database.sessions, relay, clock)).sent == 1
    delivered = handler.received[0].get_payload(decode=True).decode()
    assert f"&code={sent_code}" in delivered
    assert f"is {sent_code}." in delivered

    async with database.sessions.begin() as session:
        session.add(_acknowledgement(dead_code, clock.now()))
    assert (await send_once(database.sessions, down, clock)).dead == 1

    async with database.sessions() as session:
        bodies = (await session.scalars(select(OutboundMail.body).order_by(OutboundMail.id))).all()
    assert len(bodies) == 2
    for body, code in zip(bodies, (sent_code, dead_code), strict=True):
        assert code not in body
        assert f"&code={REDACTED_CODE}\n" in body
        assert body.endswith(f"is {REDACTED_CODE}.")
