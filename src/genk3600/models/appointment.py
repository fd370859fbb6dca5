"""Appointments and home visits (issue 20, Maatzorg): genk3600/appointments/.

- `appointment_kind`: what can be booked (data): the unit that offers it, the ticket categories it fits (a code
  prefix), its length, whether it is a home visit (with travel time around it) and whether citizens may book it
  themselves on the status page.
- `availability`: weekly bookable time of a staff member (for one of their units) or of a desk, in local time.
- `availability_exception`: time a staff member or desk is not bookable (leave, training).
- `appointment`: a booked slot for a ticket with a staff member or at a desk. The database keeps one person's
  (or one desk's) booked time from overlapping, travel time included: an exclusion constraint on the blocked
  range, so two agents booking the same slot at once cannot both win.
- `staff_calendar_feed`: the hashed secret token of a staff member's iCalendar feed.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    Text,
    Time,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSTZRANGE, ExcludeConstraint, Range
from sqlalchemy.orm import Mapped, mapped_column, relationship

from genk3600.models.base import Base, IdMixin, TimestampMixin, one_of
from genk3600.models.enums import AppointmentStatus, AvailabilityExceptionReason, BookedVia, Language
from genk3600.models.organisation import NAMES_SHAPE, Staff, Unit
from genk3600.models.ticket import ONE_ACTOR_AT_MOST, ActorMixin, Ticket

ONE_RESOURCE = "num_nonnulls(staff_id, desk_unit_id) = 1"
# Cancelled appointments free their time; held and missed ones stay on the calendar as they were.
BLOCKING_SQL = f"status <> '{AppointmentStatus.cancelled.value}'"


class AppointmentKind(IdMixin, TimestampMixin, Base):
    """A kind of appointment a unit offers: its length, the categories it fits, who may book it."""

    __tablename__ = "appointment_kind"
    __table_args__ = (
        CheckConstraint("code ~ '^[a-z][a-z0-9_.-]*$'", name="code_format"),
        CheckConstraint("duration_minutes BETWEEN 5 AND 480", name="duration_range"),
        CheckConstraint("travel_minutes BETWEEN 0 AND 240", name="travel_range"),
        CheckConstraint("home_visit OR travel_minutes = 0", name="travel_only_for_visits"),
        CheckConstraint(NAMES_SHAPE, name="names_shape"),
        Index("ix_appointment_kind_unit_id", "unit_id"),
    )

    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    names: Mapped[dict[str, str]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    # The unit that offers it: its calendar (holidays, closing days) applies, and its staff or desk are booked.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    # Tickets whose category code starts with this fit the kind (NULL: every category).
    category_prefix: Mapped[str | None] = mapped_column(Text)
    duration_minutes: Mapped[int] = mapped_column(SmallInteger)
    home_visit: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # Travel time before and after a home visit, which blocks the staff member's calendar too.
    travel_minutes: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    citizen_bookable: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))

    unit: Mapped[Unit] = relationship(lazy="raise")


class Availability(IdMixin, Base):
    """A weekly interval (local time) in which a staff member, for one of their units, or a desk can be booked."""

    __tablename__ = "availability"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("closes > opens", name="closes_after_opens"),
        CheckConstraint(ONE_RESOURCE, name="one_resource"),
        CheckConstraint("last_day IS NULL OR first_day IS NULL OR last_day >= first_day", name="period"),
        Index("ix_availability_staff_id", "staff_id"),
        Index("ix_availability_desk_unit_id", "desk_unit_id"),
        Index("ix_availability_unit_id", "unit_id"),
    )

    # Whose appointments this time is for (a desk's is the desk itself).
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    desk_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday, like opening hours
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)
    first_day: Mapped[date | None] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)


class AvailabilityException(IdMixin, Base):
    """A period in which a staff member or desk is not bookable (leave, training)."""

    __tablename__ = "availability_exception"
    __table_args__ = (
        one_of("reason", AvailabilityExceptionReason),
        CheckConstraint("until > since", name="until_after_since"),
        CheckConstraint(ONE_RESOURCE, name="one_resource"),
        Index("ix_availability_exception_staff_id", "staff_id"),
        Index("ix_availability_exception_desk_unit_id", "desk_unit_id"),
    )

    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    desk_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)


class Appointment(IdMixin, ActorMixin, TimestampMixin, Base):
    """A booked slot for a ticket with a staff member or at a desk; a home visit carries an address and travel.

    `blocked` is the time taken from the calendar (the slot plus travel before and after); the exclusion
    constraints keep one staff member's or desk's blocked time from overlapping while not cancelled.
    """

    __tablename__ = "appointment"
    __table_args__ = (
        one_of("status", AppointmentStatus),
        one_of("language", Language),
        one_of("booked_via", BookedVia),
        CheckConstraint(ONE_ACTOR_AT_MOST, name="one_actor"),
        CheckConstraint(ONE_RESOURCE, name="one_resource"),
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        CheckConstraint("travel_before_minutes >= 0 AND travel_after_minutes >= 0", name="travel_range"),
        CheckConstraint("NOT home_visit OR (address IS NOT NULL AND staff_id IS NOT NULL)", name="visit_address"),
        ExcludeConstraint(
            ("staff_id", "="),
            ("blocked", "&&"),
            name="ex_appointment_staff_overlap",
            using="gist",
            where=text(BLOCKING_SQL),
        ),
        ExcludeConstraint(
            ("desk_unit_id", "="),
            ("blocked", "&&"),
            name="ex_appointment_desk_overlap",
            using="gist",
            where=text(BLOCKING_SQL),
        ),
        Index("ix_appointment_ticket_id", "ticket_id"),
        Index("ix_appointment_kind_id", "kind_id"),
        # The reminder job's work list: booked appointments whose reminder is due and not sent.
        Index(
            "ix_appointment_reminder_due",
            "reminder_due_at",
            postgresql_where=text("status = 'booked' AND reminder_sent_at IS NULL AND reminder_due_at IS NOT NULL"),
        ),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="RESTRICT"))
    kind_id: Mapped[int] = mapped_column(ForeignKey("appointment_kind.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    desk_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    blocked: Mapped[Range[datetime]] = mapped_column(TSTZRANGE)
    status: Mapped[str] = mapped_column(Text, server_default=text("'booked'"))
    home_visit: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    address: Mapped[str | None] = mapped_column(Text)
    travel_before_minutes: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    travel_after_minutes: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    language: Mapped[str] = mapped_column(Text)
    booked_via: Mapped[str] = mapped_column(Text, server_default=text("'staff'"))
    # Who comes with or for the citizen (a family member, a mantelzorger): free text, or a citizen record.
    representative_name: Mapped[str | None] = mapped_column(Text)
    representative_relationship: Mapped[str | None] = mapped_column(Text)
    representative_contact: Mapped[str | None] = mapped_column(Text)
    representative_citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    # iCalendar identity: the UID stays, SEQUENCE grows with every move or cancellation (RFC 5545).
    uid: Mapped[str] = mapped_column(Text, unique=True)
    sequence: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    reminder_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminder_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Held: the contact it was recorded as; held or no-show: when that was recorded.
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="RESTRICT"))
    outcome_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship(lazy="raise")
    kind: Mapped[AppointmentKind] = relationship(lazy="raise")
    unit: Mapped[Unit] = relationship(lazy="raise", foreign_keys=[unit_id])
    staff: Mapped[Staff | None] = relationship(lazy="raise", foreign_keys=[staff_id])
    desk: Mapped[Unit | None] = relationship(lazy="raise", foreign_keys=[desk_unit_id])


class StaffCalendarFeed(Base):
    """The secret of a staff member's iCalendar feed, kept only as a SHA-256 hash."""

    __tablename__ = "staff_calendar_feed"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(Text, unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
