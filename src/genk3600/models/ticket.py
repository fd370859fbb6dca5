"""Tickets, the contacts about them, who played which role, and the append-only timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Sequence,
    SmallInteger,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from genk3600.models.base import Base, IdMixin, TimestampMixin, one_of
from genk3600.models.category import Category
from genk3600.models.citizen import Citizen
from genk3600.models.enums import (
    Channel,
    Confidentiality,
    Direction,
    Language,
    Priority,
    Role,
    TicketEventType,
    TicketStatus,
)
from genk3600.models.organisation import Staff, Unit

# Numbers for references; unique, not gap-free (the issue allows gaps, a sequence never blocks writers).
ticket_number_seq = Sequence("ticket_number_seq", metadata=Base.metadata)
REFERENCE_PATTERN = r"^G3600-[0-9]{4}-[0-9]{6,}$"
ONE_ACTOR_AT_MOST = "num_nonnulls(actor_staff_id, actor_api_client_id) <= 1"


class ActorMixin:
    """Who did it: a staff member or an API client (neither: the system), with a name snapshot."""

    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    actor_api_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_client.id", ondelete="RESTRICT"))
    actor_name: Mapped[str] = mapped_column(Text)


class Ticket(IdMixin, TimestampMixin, Base):
    __tablename__ = "ticket"
    __table_args__ = (
        one_of("status", TicketStatus),
        one_of("priority", Priority),
        one_of("confidentiality", Confidentiality),
        one_of("language", Language),
        CheckConstraint(f"reference ~ '{REFERENCE_PATTERN}'", name="reference_format"),
        CheckConstraint("tier BETWEEN 1 AND 3", name="tier_range"),
        Index("ix_ticket_owning_unit_id_status", "owning_unit_id", "status"),
        Index("ix_ticket_category_id", "category_id"),
        Index("ix_ticket_citizen_id", "citizen_id"),
        Index("ix_ticket_assignee_staff_id", "assignee_staff_id"),
        Index("ix_ticket_status", "status"),
    )

    reference: Mapped[str] = mapped_column(Text, unique=True)
    status: Mapped[str] = mapped_column(Text, server_default=text("'new'"))
    priority: Mapped[str] = mapped_column(Text, server_default=text("'normal'"))
    subject: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(Text, server_default=text("'nl'"))
    confidentiality: Mapped[str] = mapped_column(Text, server_default=text("'normal'"))
    tier: Mapped[int] = mapped_column(SmallInteger, server_default=text("1"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id", ondelete="RESTRICT"))
    owning_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    assignee_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    first_response_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    category: Mapped[Category | None] = relationship(lazy="raise")
    citizen: Mapped[Citizen | None] = relationship(lazy="raise")
    owning_unit: Mapped[Unit] = relationship(lazy="raise")
    assignee: Mapped[Staff | None] = relationship(lazy="raise")


class Contact(IdMixin, ActorMixin, Base):
    """One interaction on one channel. Immutable once recorded, except for its participations."""

    __tablename__ = "contact"
    __table_args__ = (
        one_of("channel", Channel),
        one_of("direction", Direction),
        CheckConstraint(ONE_ACTOR_AT_MOST, name="one_actor"),
        one_of("language", Language),
        Index("ix_contact_ticket_id", "ticket_id"),
        Index("ix_contact_citizen_id", "citizen_id"),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="RESTRICT"))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id", ondelete="RESTRICT"))
    channel: Mapped[str] = mapped_column(Text)
    direction: Mapped[str] = mapped_column(Text, server_default=text("'inbound'"))
    language: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # Channel facts (call id and numbers, form id, desk ...): shape depends on the channel.
    channel_details: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    ticket: Mapped[Ticket] = relationship(lazy="raise")
    citizen: Mapped[Citizen | None] = relationship(lazy="raise")


class Participation(IdMixin, Base):
    """Which role a staff member played in a contact."""

    __tablename__ = "participation"
    __table_args__ = (
        one_of("role", Role),
        UniqueConstraint("contact_id", "staff_id", "role"),
        Index("ix_participation_staff_id", "staff_id"),
    )

    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="RESTRICT"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    role: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TicketEvent(IdMixin, ActorMixin, Base):
    """Append-only timeline entry of a ticket."""

    __tablename__ = "ticket_event"
    __table_args__ = (
        one_of("type", TicketEventType),
        CheckConstraint(ONE_ACTOR_AT_MOST, name="one_actor"),
        Index("ix_ticket_event_ticket_id_id", "ticket_id", "id"),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="RESTRICT"))
    type: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
