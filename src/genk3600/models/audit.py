"""The audit trail: who did or saw what, when and why. Append-only, enforced by a database trigger."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genk3600.models.base import Base, IdMixin


class AuditEntry(IdMixin, Base):
    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_target", "target_type", "target_id"),
        Index("ix_audit_entry_actor", "actor_kind", "actor_id"),
        Index("ix_audit_entry_occurred_at", "occurred_at"),
    )

    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # A snapshot of the actor: names and positions change, the record of what they did must not.
    actor_kind: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_name: Mapped[str] = mapped_column(Text)
    actor_positions: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)  # insert | update | delete | read
    target_type: Mapped[str] = mapped_column(Text)  # the table, e.g. "ticket"
    target_id: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(Text)
    client_address: Mapped[str | None] = mapped_column(Text)
