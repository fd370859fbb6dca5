"""Queries for business calendars: opening hours and closing days, per unit or city-wide (unit NULL)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from genk3600.audit import trail
from genk3600.kit.pagination import PageParams, keyset
from genk3600.models import ClosingDay, OpeningHours, Unit
from genk3600.reference.cache import CACHE


async def opening_hours_of(session: AsyncSession, unit_id: int) -> Sequence[OpeningHours]:
    """The unit's own opening hours and the city's, in one query; the caller picks which apply."""
    statement = select(OpeningHours).where(or_(OpeningHours.unit_id == unit_id, OpeningHours.unit_id.is_(None)))
    return (await session.scalars(statement.order_by(OpeningHours.weekday, OpeningHours.opens))).all()


async def closing_days_of(session: AsyncSession, unit_id: int) -> set[date]:
    """City-wide closing days plus the unit's own."""
    statement = select(ClosingDay.day).where(or_(ClosingDay.unit_id == unit_id, ClosingDay.unit_id.is_(None)))
    return set((await session.scalars(statement)).all())


# --- the calendars in process (reference/cache.py: moved on by every change of opening_hours or closing_day) ----
@dataclass(frozen=True)
class Calendars:
    """Every opening interval and closing day, by unit (None: city-wide), as of one reference version.

    `derived` keeps what callers compute from them per unit (deadlines.load_unit_calendar), so that work is
    done once per version too; it is dropped with the version."""

    hours: dict[int | None, tuple[tuple[int, time, time], ...]]
    closing_days: dict[int | None, frozenset[date]]
    derived: dict[Any, Any] = field(default_factory=dict, compare=False)

    def hours_of(self, unit_id: int | None) -> tuple[tuple[int, time, time], ...]:
        """(weekday, opens, closes) of the unit's own opening hours (None: the city's), sorted."""
        return self.hours.get(unit_id, ())

    def closing_days_of(self, unit_id: int) -> frozenset[date]:
        """City-wide closing days plus the unit's own."""
        return self.closing_days.get(None, frozenset()) | self.closing_days.get(unit_id, frozenset())


def _calendars(session: Session) -> Calendars:
    hours: dict[int | None, list[tuple[int, time, time]]] = {}
    for unit_id, weekday, opens, closes in session.execute(
        select(OpeningHours.unit_id, OpeningHours.weekday, OpeningHours.opens, OpeningHours.closes)
    ):
        hours.setdefault(unit_id, []).append((weekday, opens, closes))
    days: dict[int | None, set[date]] = {}
    for unit_id, day in session.execute(select(ClosingDay.unit_id, ClosingDay.day)):
        days.setdefault(unit_id, set()).add(day)
    return Calendars(
        {unit_id: tuple(sorted(rows)) for unit_id, rows in hours.items()},
        {unit_id: frozenset(rows) for unit_id, rows in days.items()},
    )


async def cached_calendars(session: AsyncSession) -> Calendars:
    """Opening hours and closing days from the in-process reference cache (no query while the version holds)."""
    return await CACHE.get(session, "sla_calendars", _calendars)


async def unit_codes(session: AsyncSession, unit_ids: Collection[int | None]) -> dict[int, str]:
    """Codes of the given units, to show calendar entries and policies by unit code."""
    wanted = {unit_id for unit_id in unit_ids if unit_id is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(wanted)))
    return dict(rows.all())


async def list_opening_hours(session: AsyncSession, params: PageParams) -> Sequence[OpeningHours]:
    return (await session.scalars(keyset(select(OpeningHours), OpeningHours.id, params))).all()


async def opening_hours_by_id(session: AsyncSession, hours_id: int) -> OpeningHours | None:
    return await session.get(OpeningHours, hours_id)


async def delete_opening_hours(session: AsyncSession, hours_id: int) -> bool:
    result = await session.execute(delete(OpeningHours).where(OpeningHours.id == hours_id).returning(OpeningHours.id))
    if result.scalar_one_or_none() is None:
        return False
    await trail.record_writes(session, [trail.deleted("opening_hours", hours_id)])
    return True


async def list_closing_days(session: AsyncSession, params: PageParams) -> Sequence[ClosingDay]:
    return (await session.scalars(keyset(select(ClosingDay), ClosingDay.id, params))).all()


async def closing_day_by_id(session: AsyncSession, day_id: int) -> ClosingDay | None:
    return await session.get(ClosingDay, day_id)


async def closing_day_exists(session: AsyncSession, unit_id: int | None, day: date) -> bool:
    unit = ClosingDay.unit_id.is_(None) if unit_id is None else ClosingDay.unit_id == unit_id
    return await session.scalar(select(ClosingDay.id).where(unit, ClosingDay.day == day)) is not None


async def delete_closing_day(session: AsyncSession, day_id: int) -> bool:
    result = await session.execute(delete(ClosingDay).where(ClosingDay.id == day_id).returning(ClosingDay.id))
    if result.scalar_one_or_none() is None:
        return False
    await trail.record_writes(session, [trail.deleted("closing_day", day_id)])
    return True
