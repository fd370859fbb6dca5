from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.kit import at_commit
from genk3600.kit.pagination import PageParams, keyset
from genk3600.models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    actor_kind: str | None = None
    actor_id: int | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def entries(session: AsyncSession, where: AuditFilter, params: PageParams) -> Sequence[AuditEntry]:
    await at_commit.write_pending(session)  # this transaction's own entries, if any, first
    statement = select(AuditEntry)
    for column, value in (
        (AuditEntry.actor_kind, where.actor_kind),
        (AuditEntry.actor_id, where.actor_id),
        (AuditEntry.action, where.action),
        (AuditEntry.target_type, where.target_type),
        (AuditEntry.target_id, where.target_id),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if where.since is not None:
        statement = statement.where(AuditEntry.occurred_at >= where.since)
    if where.until is not None:
        statement = statement.where(AuditEntry.occurred_at < where.until)
    return (await session.scalars(keyset(statement, AuditEntry.id, params, newest_first=True))).all()
