"""SLA policies and the business calendar they count on."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    Text,
    Time,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from genk3600.models.base import Base, IdMixin, TimestampMixin


class SlaPolicy(IdMixin, TimestampMixin, Base):
    """Targets in business minutes; a warning at a fraction of the resolution target."""

    __tablename__ = "sla_policy"
    __table_args__ = (
        CheckConstraint("first_response_minutes > 0 AND resolution_minutes > 0", name="targets_positive"),
        CheckConstraint("warning_fraction > 0 AND warning_fraction < 1", name="warning_fraction_range"),
    )

    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    warning_fraction: Mapped[float] = mapped_column(Float, server_default="0.8")
    # On breach the sweeper hands the ticket to this unit (None: only mark the breach).
    breach_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))


class OpeningHours(IdMixin, Base):
    """A weekly opening interval of a unit; units without their own use the city's (unit_id NULL)."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("closes > opens", name="closes_after_opens"),
        Index("ix_opening_hours_unit_id", "unit_id"),
    )

    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(SmallInteger)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)


class ClosingDay(IdMixin, Base):
    """A local closing day on top of Belgian public holidays (e.g. 11 July); unit_id NULL = city-wide."""

    __tablename__ = "closing_day"
    __table_args__ = (
        Index("uq_closing_day_unit_day", "unit_id", "day", unique=True, postgresql_nulls_not_distinct=True),
    )

    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
