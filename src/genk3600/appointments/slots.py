"""Free slots, as a pure function of weekly availability, the unit's calendar and what is already taken.

Availability is local wall-clock time (Europe/Brussels): a 09:00-12:00 window stays 09:00-12:00 local on both
sides of a daylight-saving switch, because each day's window is placed on that day's own UTC offset. Days the
unit's calendar closes (Belgian public holidays, its closing days) have no slots. A slot's blocked time is the
slot plus the travel before and after it (home visits); all of it must lie within the window and clear of
what is taken (booked appointments, leave, training).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from genk3600.sla.sla import BusinessCalendar

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Window:
    """A weekly interval of local time (weekday 0 = Monday), optionally only within a period of days."""

    weekday: int
    opens: time
    closes: time
    first_day: date | None = None
    last_day: date | None = None

    def applies_on(self, day: date) -> bool:
        return (
            day.weekday() == self.weekday
            and (self.first_day is None or day >= self.first_day)
            and (self.last_day is None or day <= self.last_day)
        )


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # UTC
    ends_at: datetime

    def blocked(self, travel_before: timedelta, travel_after: timedelta) -> Interval:
        return self.starts_at - travel_before, self.ends_at + travel_after


def _overlaps(begin: datetime, end: datetime, taken: Sequence[Interval]) -> bool:
    return any(begin < other_end and other_begin < end for other_begin, other_end in taken)


def _local(day: date, moment: time, zone: ZoneInfo) -> datetime:
    # A wall time in the spring-forward gap resolves with the offset before the switch (zoneinfo, fold=0).
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def free_slots(
    windows: Iterable[Window],
    calendar: BusinessCalendar,
    taken: Sequence[Interval],
    duration: timedelta,
    since: datetime,
    until: datetime,
    *,
    travel_before: timedelta = timedelta(0),
    travel_after: timedelta = timedelta(0),
    limit: int | None = None,
) -> list[Slot]:
    """Slots of `duration` starting in [since, until), earliest first: laid out from each window's opening (after
    the travel before), one after the other, skipping closed days and anything overlapping `taken`."""
    if duration <= timedelta(0):
        raise ValueError(f"duration must be positive, got {duration}")
    zone = ZoneInfo(calendar.timezone)
    windows = list(windows)
    slots: list[Slot] = []
    day = since.astimezone(zone).date()
    last = until.astimezone(zone).date()
    while day <= last:
        if not calendar.closed_on(day):
            for window in sorted((w for w in windows if w.applies_on(day)), key=lambda w: w.opens):
                opens, closes = _local(day, window.opens, zone), _local(day, window.closes, zone)
                start = opens + travel_before
                while start + duration + travel_after <= closes:
                    slot = Slot(start, start + duration)
                    if since <= start < until and not _overlaps(*slot.blocked(travel_before, travel_after), taken):
                        slots.append(slot)
                    start += duration
        if limit is not None and len(slots) >= limit:
            break
        day += timedelta(days=1)
    slots.sort(key=lambda slot: slot.starts_at)
    return slots[:limit] if limit is not None else slots


def is_slot(
    windows: Iterable[Window],
    calendar: BusinessCalendar,
    duration: timedelta,
    starts_at: datetime,
    *,
    travel_before: timedelta = timedelta(0),
    travel_after: timedelta = timedelta(0),
) -> bool:
    """Whether `starts_at` begins a slot of the availability (taken or not)."""
    day_slots = free_slots(
        windows,
        calendar,
        (),
        duration,
        starts_at,
        starts_at + timedelta(seconds=1),
        travel_before=travel_before,
        travel_after=travel_after,
    )
    return any(slot.starts_at == starts_at for slot in day_slots)
