"""Queued messages are written at the commit, with the audit entry a flush of the row would have written."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.kit.clock import FixedClock
from genk3600.models import AuditEntry, OutboundMail
from genk3600.notifications.repository import queue_mail
from tests.factories import World, web_contact

REDACTED = {"to_address", "subject", "body"}


def _as_a_flush_records(mail: OutboundMail) -> dict[str, Any]:
    """Every column; personal data redacted; timestamps as Python spells them (audit/trail._plain)."""
    values: dict[str, Any] = {}
    for attribute in inspect(OutboundMail).column_attrs:
        value = getattr(mail, attribute.key)
        values[attribute.key] = (
            "<redacted>" if attribute.key in REDACTED else value.isoformat() if isinstance(value, datetime) else value
        )
    return values


async def _entry_of(session: AsyncSession, mail: OutboundMail) -> AuditEntry:
    statement = select(AuditEntry).where(
        AuditEntry.target_type == "outbound_mail", AuditEntry.target_id == str(mail.id)
    )
    [entry] = (await session.scalars(statement)).all()
    return entry


async def test_an_acknowledgement_is_audited_as_its_insert(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    answer = await client.post("/v1/contacts", json=web_contact(), headers=writer_headers)
    assert answer.status_code == 201, answer.text

    [mail] = (await session.scalars(select(OutboundMail))).all()
    entry = await _entry_of(session, mail)
    assert (entry.action, entry.actor_kind, entry.request_id) == (
        "insert",
        "api_client",
        answer.headers["x-request-id"],
    )
    assert entry.changes == _as_a_flush_records(mail)


async def test_a_session_that_does_not_collect_writes_the_message_at_once(
    session: AsyncSession, clock: FixedClock
) -> None:
    await queue_mail(
        session,
        ticket_id=None,
        purpose="acknowledgement",
        to_address="jan@example.org",
        language="nl",
        subject="Onderwerp",
        body="Tekst",
        message_id="queued-1@genk.example",
        next_attempt_at=clock.now(),
    )

    [mail] = (await session.scalars(select(OutboundMail))).all()
    assert (mail.status, mail.attempts, mail.next_attempt_at) == ("pending", 0, clock.now())
    assert (await _entry_of(session, mail)).changes == _as_a_flush_records(mail)
