from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.audit import trail
from genk3600.kit.prepared import Prepared
from genk3600.models import OutboundMail
from genk3600.models.enums import OutboundMailStatus
from genk3600.public.access import CODE_PATTERN, LINK_CODE_PATTERN, REDACTED_CODE

# Once a message is sent or given up, its body no longer needs the citizen's access code: the row keeps a
# placeholder instead, so the code exists in clear only while the message waits to be sent.
REDACTED_BODY = func.regexp_replace(
    func.regexp_replace(OutboundMail.body, LINK_CODE_PATTERN, rf"\1{REDACTED_CODE}", "g"),
    CODE_PATTERN,
    REDACTED_CODE,
    "g",
)


_TABLE = cast(Table, OutboundMail.__table__)
_RETURNED = tuple(attribute.key for attribute in inspect(OutboundMail).column_attrs)
# What a new message says; the rest (status, attempts, creation time, threading) are the columns' defaults.
_GIVEN = ("ticket_id", "purpose", "to_address", "language", "subject", "body", "message_id", "next_attempt_at")
# Built once (kit/prepared.py): every web or mail intake that opens a ticket queues its acknowledgement.
_QUEUE = Prepared.of(
    insert(_TABLE)
    .values({name: bindparam(name, type_=_TABLE.c[name].type) for name in _GIVEN})
    .returning(*_TABLE.c[_RETURNED])
)


async def queue_mail(
    session: AsyncSession,
    *,
    ticket_id: int | None,
    purpose: str,
    to_address: str,
    language: str,
    subject: str,
    body: str,
    message_id: str,
    next_attempt_at: datetime,
) -> dict[str, Any]:
    """Queue one message for the sender job, pending: one INSERT compiled at import instead of the ORM's unit of
    work (the intake's CPU budget, #16). Its audit entry is the one a flush would record (every column, from the
    INSERT's RETURNING); answers the written row's columns."""
    row = (
        (
            await _QUEUE.fetch(
                session,
                ticket_id=ticket_id,
                purpose=purpose,
                to_address=to_address,
                language=language,
                subject=subject,
                body=body,
                message_id=message_id,
                next_attempt_at=next_attempt_at,
            )
        )
        .one()
        ._mapping
    )
    written = {name: row[name] for name in _RETURNED}
    await trail.record_writes(session, [trail.inserted(OutboundMail.__tablename__, written["id"], written)])
    return written


async def lease_due(session: AsyncSession, now: datetime, lease_until: datetime, batch: int) -> Sequence[OutboundMail]:
    """Claim due messages for this sender until `lease_until`; other senders skip them meanwhile."""
    rows = (
        await session.scalars(
            select(OutboundMail)
            .where(OutboundMail.status == OutboundMailStatus.pending.value, OutboundMail.next_attempt_at <= now)
            .order_by(OutboundMail.next_attempt_at, OutboundMail.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for row in rows:
        row.next_attempt_at = lease_until
        row.attempts += 1
    await session.flush()
    return rows


async def mark_sent(session: AsyncSession, mail_id: int, now: datetime) -> None:
    values = {
        "status": OutboundMailStatus.sent.value,
        "sent_at": now,
        "last_error": None,
        "body": REDACTED_BODY,
    }
    await session.execute(update(OutboundMail).where(OutboundMail.id == mail_id).values(**values))
    await trail.record_writes(session, [trail.updated("outbound_mail", mail_id, {}, values)])


async def mark_failed(session: AsyncSession, mail_id: int, error: str, retry_at: datetime | None) -> None:
    values: dict[str, object] = {"last_error": error[:1000]}
    if retry_at is None:
        values["status"] = OutboundMailStatus.dead.value
        values["body"] = REDACTED_BODY
    else:
        values["next_attempt_at"] = retry_at
    await session.execute(update(OutboundMail).where(OutboundMail.id == mail_id).values(**values))
    await trail.record_writes(session, [trail.updated("outbound_mail", mail_id, {}, values)])


async def mark_bounced(session: AsyncSession, mail_id: int, reason: str) -> None:
    """The citizen's mail server returned the message: it failed after all, whatever was recorded before."""
    values = {"status": OutboundMailStatus.bounced.value, "last_error": reason[:1000], "body": REDACTED_BODY}
    await session.execute(update(OutboundMail).where(OutboundMail.id == mail_id).values(**values))
    await trail.record_writes(session, [trail.updated("outbound_mail", mail_id, {}, values)])


async def mail_by_message_ids(session: AsyncSession, message_ids: Sequence[str]) -> OutboundMail | None:
    """The newest of our own messages about a ticket among `message_ids` (what a bounce returns)."""
    return await session.scalar(
        select(OutboundMail)
        .where(OutboundMail.message_id.in_(message_ids), OutboundMail.ticket_id.is_not(None))
        .order_by(OutboundMail.id.desc())
        .limit(1)
    )


async def ticket_id_by_message_ids(session: AsyncSession, message_ids: Sequence[str]) -> int | None:
    """The ticket one of our own outgoing messages was about (a citizen replying to an acknowledgement)."""
    return await session.scalar(
        select(OutboundMail.ticket_id)
        .where(OutboundMail.message_id.in_(message_ids), OutboundMail.ticket_id.is_not(None))
        .order_by(OutboundMail.id.desc())
        .limit(1)
    )
