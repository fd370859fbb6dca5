"""The mail sender told to stop: the message being sent is finished and recorded, the rest handed back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from sqlalchemy import select

from genk3600.config import Settings
from genk3600.db import Database
from genk3600.kit.clock import FixedClock
from genk3600.models import OutboundMail
from genk3600.notifications.sender import new_message_id, send_once
from tests.factories import free_port


class StopOnFirstMessage:
    """An SMTP relay that accepts every message and, on the first, tells the sender to stop (like SIGTERM)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
        self.loop, self.stop = loop, stop
        self.accepted = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.accepted += 1
        self.loop.call_soon_threadsafe(self.stop.set)
        return "250 OK"


@pytest.fixture
async def relay_port() -> AsyncIterator[tuple[int, asyncio.Event, StopOnFirstMessage]]:
    stop = asyncio.Event()
    handler = StopOnFirstMessage(asyncio.get_running_loop(), stop)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="relay.test")
    controller.start()
    try:
        yield port, stop, handler
    finally:
        controller.stop()


async def test_a_stopping_sender_hands_back_what_it_did_not_send(
    scratch_app: tuple[FastAPI, Database],
    settings: Settings,
    relay_port: tuple[int, asyncio.Event, StopOnFirstMessage],
    clock: FixedClock,
) -> None:
    _app, database = scratch_app
    port, stop, relay = relay_port
    async with database.sessions.begin() as session:
        session.add_all(
            OutboundMail(
                purpose="acknowledgement",
                to_address=f"burger{number}@example.org",
                language="nl",
                subject="Wij hebben uw vraag genoteerd",
                body="Wij hebben uw vraag genoteerd.",
                message_id=new_message_id("genk3600.test"),
                next_attempt_at=clock.now(),
            )
            for number in range(4)
        )
    configured = settings.model_copy(update={"smtp_relay_host": "127.0.0.1", "smtp_relay_port": port})
    result = await send_once(database.sessions, configured, clock, stop=stop)
    after = clock.now()

    assert (result.sent, result.released, relay.accepted) == (1, 3, 1)
    async with database.sessions() as session:
        mails = (await session.scalars(select(OutboundMail).order_by(OutboundMail.id))).all()
    assert [mail.status for mail in mails] == ["sent", "pending", "pending", "pending"]
    # Handed back as if never claimed: no attempt counted, due at once rather than after the lease.
    assert [mail.attempts for mail in mails[1:]] == [0, 0, 0]
    assert all(mail.next_attempt_at <= after for mail in mails[1:])
    stop.clear()
    assert (await send_once(database.sessions, configured, clock)).sent == 3
