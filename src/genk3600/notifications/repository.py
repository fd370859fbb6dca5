from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, Text, bindparam, column, func, insert, inspect, literal, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from genk3600.audit import trail
from genk3600.kit import at_commit
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
MAIL = "outbound_mail"
# Queued messages are written at the commit (kit/at_commit.py), in the transaction's one combined write: any number
# in one INSERT … SELECT FROM unnest(one array per column), and their audit entries from its RETURNING (the id and
# the defaults exist only there), by the transaction's actor. Built once.
_UNNESTED = (
    func.unnest(*(bindparam(f"mail_{name}", type_=ARRAY(_TABLE.c[name].type)) for name in _GIVEN))
    .table_valued(*(column(name, _TABLE.c[name].type) for name in _GIVEN), with_ordinality="n")
    .render_derived("mail")
)
_NEW_MAILS = (
    insert(_TABLE)
    .from_select(list(_GIVEN), select(*(_UNNESTED.c[name] for name in _GIVEN)).order_by(_UNNESTED.c.n))
    .returning(*_TABLE.c[_RETURNED])
    .cte("new_mails")
)
_QUEUE = trail.insert_from(
    select(
        func.row_number().over(order_by=_NEW_MAILS.c.id).label("n"),
        literal("insert", Text).label("action"),
        literal(MAIL, Text).label("target_type"),
        sql_cast(_NEW_MAILS.c.id, Text).label("target_id"),
        trail.inserted_changes(_NEW_MAILS, _RETURNED).label("changes"),
    ).subquery("new_mail_entries")
)
_AUDIT_BY = "audit_by"


def _parameters(mails: list[dict[str, Any]]) -> dict[str, Any]:
    # One transaction, one actor (the request's or the job's): the first message's stands for all.
    return {**{f"mail_{name}": [mail[name] for mail in mails] for name in _GIVEN}, **mails[0][_AUDIT_BY]}


def _write_collected(session: Session, mails: list[dict[str, Any]]) -> None:
    session.connection().execute(_QUEUE, _parameters(mails))


at_commit.register(MAIL, _write_collected, at_commit.Part(_QUEUE, _parameters))


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
) -> None:
    """Queue one message for the sender job, pending. Written at the commit with the transaction's other
    bookkeeping (no round trip of its own, no ORM unit of work: the intake's CPU budget, #16), with the audit entry
    a flush would record; at once where the session does not collect (kit/at_commit.py). Nothing in the
    transaction reads it back: the sender leases it after the commit."""
    mail = {
        "ticket_id": ticket_id,
        "purpose": purpose,
        "to_address": to_address,
        "language": language,
        "subject": subject,
        "body": body,
        "message_id": message_id,
        "next_attempt_at": next_attempt_at,
        _AUDIT_BY: trail.statement_parameters(),
    }
    if not at_commit.add(session, MAIL, [mail]):
        await session.execute(_QUEUE, _parameters([mail]))


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
