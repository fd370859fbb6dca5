from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.audit import trail
from genk3600.models import OutboundMail
from genk3600.models.enums import OutboundMailStatus


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
    values = {"status": OutboundMailStatus.sent.value, "sent_at": now, "last_error": None}
    await session.execute(update(OutboundMail).where(OutboundMail.id == mail_id).values(**values))
    await trail.record_writes(session, [trail.updated("outbound_mail", mail_id, {}, values)])


async def mark_failed(session: AsyncSession, mail_id: int, error: str, retry_at: datetime | None) -> None:
    values: dict[str, object] = {"last_error": error[:1000]}
    if retry_at is None:
        values["status"] = OutboundMailStatus.dead.value
    else:
        values["next_attempt_at"] = retry_at
    await session.execute(update(OutboundMail).where(OutboundMail.id == mail_id).values(**values))
    await trail.record_writes(session, [trail.updated("outbound_mail", mail_id, {}, values)])


async def ticket_id_by_message_ids(session: AsyncSession, message_ids: Sequence[str]) -> int | None:
    """The ticket one of our own outgoing messages was about (a citizen replying to an acknowledgement)."""
    return await session.scalar(
        select(OutboundMail.ticket_id)
        .where(OutboundMail.message_id.in_(message_ids), OutboundMail.ticket_id.is_not(None))
        .order_by(OutboundMail.id.desc())
        .limit(1)
    )
