"""SLA policies and business calendars from the in-process reference cache (reference/cache.py), for the hot
path that opens tickets: routing names a policy, `start_clock` needs the owner's calendar, and neither should
cost a query per request. The same tables are reference data (their trigger moves the cache's version), so a
change is seen as soon as any other reference change would be.

Kept apart from reference/cache.py (one `CACHE.get` kind of its own) so that other cached views of the same
tables can live beside it. Cached policies are ORM rows of the cache's own session: read them, never attach
them to a request's rows (a ticket takes the policy by id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from genk3600.models import ClosingDay, OpeningHours, SlaPolicy
from genk3600.reference.cache import CACHE
from genk3600.sla.sla import GENK_DEFAULT_HOURS, BusinessCalendar
from genk3600.sla.sla import OpeningHours as Interval

KIND = "sla.intake"


@dataclass(frozen=True)
class HoursRow:
    unit_id: int | None
    weekday: int
    opens: time
    closes: time


@dataclass
class SlaReference:
    by_id: dict[int, SlaPolicy]
    by_code: dict[str, SlaPolicy]
    hours: Sequence[HoursRow]
    closing_days: Sequence[tuple[int | None, date]]
    _calendars: dict[tuple[int, str], tuple[BusinessCalendar, str]] = field(default_factory=dict)

    def unit_calendar(self, unit_id: int, timezone: str) -> tuple[BusinessCalendar, str]:
        """The unit's calendar and whose opening hours apply ("unit", "city", "default"), as
        sla.deadlines.load_unit_calendar reads them from the database."""
        key = (unit_id, timezone)
        known = self._calendars.get(key)
        if known is None:
            days = {day for owner, day in self.closing_days if owner is None or owner == unit_id}
            known = self._calendars[key] = calendar_of(
                [row for row in self.hours if row.unit_id == unit_id or row.unit_id is None], days, unit_id, timezone
            )
        return known


def calendar_of(
    rows: Sequence[HoursRow | OpeningHours], closing_days: set[date], unit_id: int, timezone: str
) -> tuple[BusinessCalendar, str]:
    """A unit's business calendar from its own and the city's opening hours (rows of either) and closing days."""
    own = [row for row in rows if row.unit_id == unit_id]
    city = [row for row in rows if row.unit_id is None]
    source = "unit" if own else "city" if city else "default"
    # Sorted, so equal calendars are equal tuples and share the cached weekly schedule.
    entries = sorted((row.weekday, row.opens, row.closes) for row in own or city)
    hours = tuple(Interval(*entry) for entry in entries) or GENK_DEFAULT_HOURS
    return BusinessCalendar(hours, frozenset(closing_days), timezone=timezone), source


def _load(session: Session) -> SlaReference:
    policies = list(session.scalars(select(SlaPolicy)).all())
    hours = [
        HoursRow(row.unit_id, row.weekday, row.opens, row.closes)
        for row in session.execute(
            select(OpeningHours.unit_id, OpeningHours.weekday, OpeningHours.opens, OpeningHours.closes)
        )
    ]
    days = [(row.unit_id, row.day) for row in session.execute(select(ClosingDay.unit_id, ClosingDay.day))]
    return SlaReference({p.id: p for p in policies}, {p.code: p for p in policies}, hours, days)


async def sla_reference(session: AsyncSession) -> SlaReference:
    """Every SLA policy and the calendars' rows as of this transaction's reference version."""
    return await CACHE.get(session, KIND, _load)
