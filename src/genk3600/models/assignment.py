"""Automatic assignment: staff presence, capacity and skills, each unit's policy, and offers of tickets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genk3600.models.base import Base, IdMixin, TimestampMixin, all_of, one_of
from genk3600.models.enums import AssignmentMode, Language, OfferState, PresenceStatus

OPEN_OFFER_SQL = f"state = '{OfferState.open.value}'"


class StaffPresence(TimestampMixin, Base):
    """What a staff member said about themselves (available, away …) and when their console last spoke.

    Busy from a call is not stored: it is read from the PBX's open calls (contacts/phone.py writes them), so
    a call that ends makes the agent available again without anyone writing here.
    """

    __tablename__ = "staff_presence"
    __table_args__ = (one_of("status", PresenceStatus),)

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(Text, server_default=text("'offline'"))
    # When the status was last set, and when the console last sent a heartbeat: past the TTL, offline.
    status_since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StaffSkills(TimestampMixin, Base):
    """How much a staff member can hold and what they can take: capacity per channel, languages, categories, desks."""

    __tablename__ = "staff_skills"
    __table_args__ = (
        all_of("languages", Language),
        CheckConstraint("default_capacity BETWEEN 0 AND 100", name="default_capacity_range"),
        CheckConstraint("jsonb_typeof(capacity) = 'object'", name="capacity_shape"),
    )

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    # Open tickets per channel ({"phone": 3, "mail": 8}); a channel not named holds `default_capacity`.
    capacity: Mapped[dict[str, int]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    default_capacity: Mapped[int] = mapped_column(Integer, server_default=text("5"))
    # Empty: the staff member's own languages (staff.languages).
    languages: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    # Category codes or prefixes ("waste.*"); empty: any category.
    categories: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    # Codes of the desk units they staff; empty: no counter work needs them to staff a desk.
    desks: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))


class AssignmentPolicy(TimestampMixin, Base):
    """A unit's way of handing out its tickets, as data: off (claim only), round robin or least loaded."""

    __tablename__ = "assignment_policy"
    __table_args__ = (
        one_of("mode", AssignmentMode),
        CheckConstraint("offer_timeout_seconds BETWEEN 5 AND 3600", name="offer_timeout_range"),
        CheckConstraint("decline_cooldown_seconds BETWEEN 0 AND 86400", name="decline_cooldown_range"),
    )

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(Text, server_default=text("'off'"))
    # Social tickets go to the citizen's case worker first when they are available.
    continuity: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    offer_timeout_seconds: Mapped[int] = mapped_column(Integer, server_default=text("60"))
    decline_cooldown_seconds: Mapped[int] = mapped_column(Integer, server_default=text("900"))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}  # noqa: RUF012


class AssignmentOffer(IdMixin, Base):
    """A ticket offered to one staff member; at most one open offer per ticket and per staff member, which the
    database enforces (partial unique indexes), so no ticket is ever offered to two people at once."""

    __tablename__ = "assignment_offer"
    __table_args__ = (
        one_of("state", OfferState),
        CheckConstraint("expires_at > offered_at", name="expires_after_offer"),
        CheckConstraint(f"({OPEN_OFFER_SQL}) = (answered_at IS NULL)", name="answered_unless_open"),
        Index("uq_assignment_offer_open_ticket", "ticket_id", unique=True, postgresql_where=text(OPEN_OFFER_SQL)),
        Index("uq_assignment_offer_open_staff", "staff_id", unique=True, postgresql_where=text(OPEN_OFFER_SQL)),
        Index("ix_assignment_offer_expires_at", "expires_at", postgresql_where=text(OPEN_OFFER_SQL)),
        Index("ix_assignment_offer_ticket_id_staff_id", "ticket_id", "staff_id"),
        Index("ix_assignment_offer_unit_id", "unit_id"),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(Text, server_default=text("'open'"))
    offered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Why this person: the decision's explanation as a message code plus parameters (i18n/texts.py).
    code: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    ticket_version: Mapped[int] = mapped_column(BigInteger)
