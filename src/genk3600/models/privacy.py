"""Break-the-glass grants: a supervisor's time-limited, reasoned access to a social ticket out of their sight."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from genk3600.models.base import Base, IdMixin


class AccessGrant(IdMixin, Base):
    __tablename__ = "access_grant"
    __table_args__ = (
        CheckConstraint("expires_at > granted_at", name="expires_after_granted"),
        CheckConstraint("char_length(reason) BETWEEN 10 AND 500", name="reason_length"),
        Index("ix_access_grant_staff_id_ticket_id", "staff_id", "ticket_id"),
        Index("ix_access_grant_ticket_id", "ticket_id"),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="RESTRICT"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
