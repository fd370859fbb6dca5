"""Business-time arithmetic for SLA deadlines: opening hours, public holidays, local closing days, pauses.

Pure functions of their arguments (no wall clock, no database). Opening hours are local wall-clock times,
turned into UTC instants one calendar day at a time, so DST switches need no special handling: a business
minute is a real minute inside an opening interval. Results are aware datetimes in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

# The registry imports every country on the first lookup (0.1-0.5 s): at import instead, so neither the first
# ticket's deadlines nor the first SLA sweep of a process wait for it.
import holidays.countries

# Deadlines further out than this mean a misconfigured calendar (e.g. every opening day closed), not a
# real SLA; searching stops there instead of walking the calendar forever.
SEARCH_LIMIT = timedelta(days=3 * 366)

_ZERO = timedelta(0)
_MINUTE = timedelta(minutes=1)
_Interval = tuple[datetime, datetime]
_Period = tuple[datetime, datetime | None]


@dataclass(frozen=True)
class OpeningHours:
    """One opening interval on one weekday, in local wall-clock time (0 = Monday … 6 = Sunday)."""

    weekday: int
    opens: time
    closes: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}")
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("opening hours are local wall-clock times; the calendar carries the timezone")
        if self.closes <= self.opens:
            raise ValueError(f"closing time {self.closes} must be after opening time {self.opens}")


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly opening hours minus public holidays of `country` minus the unit's own closing days."""

    hours: tuple[OpeningHours, ...]
    closing_days: frozenset[date] = frozenset()
    timezone: str = "Europe/Brussels"
    country: str = "BE"
    # Each local day's opening intervals in UTC, worked out once per calendar: a sweep asks for the same few
    # days for every ticket of a unit (calendars live as long as the reference data: sla/deadlines.py).
    _days: dict[date, tuple[_Interval, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        # Fail on an unknown zone when the calendar is built, not in the middle of a sweep.
        ZoneInfo(self.timezone)

    @property
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo caches instances per key, so this is a dict lookup

    def is_open(self, moment: datetime) -> bool:
        moment = _utc(moment, "moment")
        local_day = moment.astimezone(self._zone).date()
        return any(begin <= moment < end for begin, end in self._day_intervals(local_day))

    def add_business_minutes(self, start: datetime, minutes: int) -> datetime:
        if minutes < 0:
            raise ValueError(f"minutes must not be negative, got {minutes}")
        return self._advance(_utc(start, "start"), timedelta(minutes=minutes))

    def business_minutes_between(self, start: datetime, end: datetime) -> int:
        return self._open_time(_utc(start, "start"), _utc(end, "end")) // _MINUTE

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime:
        """Like add_business_minutes, to the microsecond (moving a deadline must not round it)."""
        if amount < _ZERO:
            raise ValueError(f"amount must not be negative, got {amount}")
        return self._advance(_utc(start, "start"), amount)

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Opening time between two instants, to the microsecond; zero when `end` is not after `start`."""
        return self._open_time(_utc(start, "start"), _utc(end, "end"))

    def subtract_business_time(self, end: datetime, amount: timedelta) -> datetime:
        """The earliest instant from which `amount` of opening time remains until `end`.

        The inverse of add_business_time: for a positive `amount` smaller than `target`,
        subtract_business_time(add_business_time(s, target), target - amount) == add_business_time(s, amount).
        """
        if amount < _ZERO:
            raise ValueError(f"amount must not be negative, got {amount}")
        if not self.hours:
            raise ValueError("the business calendar has no opening hours")
        end = _utc(end, "end")
        remaining = amount
        for begin, close in self._intervals_before(end):
            if begin >= end:
                continue
            close = min(close, end)
            # Strict `<`: when `remaining` is exactly an interval's length, keep walking back to the closing
            # time before it, which is the earliest instant with that much opening time left (as _advance
            # answers the earliest instant, ending at a closing time rather than the next opening).
            if remaining < close - begin:
                return close - remaining
            remaining -= close - begin
        raise ValueError(f"{amount} of opening time is not found within {SEARCH_LIMIT.days} days before {end}")

    def _advance(self, start: datetime, amount: timedelta) -> datetime:
        """The instant at which `amount` of opening time has passed since `start` (UTC in, UTC out)."""
        if not self.hours:
            raise ValueError("the business calendar has no opening hours")
        remaining = amount
        for begin, end in self._intervals_from(start):
            if end <= start:
                continue
            begin = max(begin, start)
            # `<=` so that a deadline ending exactly at closing time is that closing time, not the next
            # opening; with amount 0 this yields `start` itself when open, else the next opening.
            if remaining <= end - begin:
                return begin + remaining
            remaining -= end - begin
        raise ValueError(f"{amount} of opening time is not reached within {SEARCH_LIMIT.days} days")

    def _open_time(self, start: datetime, end: datetime) -> timedelta:
        total = _ZERO
        if end <= start:
            return total
        for begin, close in self._intervals_from(start, until=end):
            overlap = min(close, end) - max(begin, start)
            if overlap > _ZERO:
                total += overlap
        return total

    def _intervals_from(self, start: datetime, until: datetime | None = None) -> Iterator[_Interval]:
        """Opening intervals in UTC, day by day from the local day of `start`, up to `until` or the limit."""
        day = start.astimezone(self._zone).date()
        last = (until if until is not None else start + SEARCH_LIMIT).astimezone(self._zone).date()
        while day <= last:
            yield from self._day_intervals(day)
            day += timedelta(days=1)

    def _intervals_before(self, end: datetime) -> Iterator[_Interval]:
        """Opening intervals in UTC, latest first, day by day back from the local day of `end`."""
        day = end.astimezone(self._zone).date()
        first = (end - SEARCH_LIMIT).astimezone(self._zone).date()
        while day >= first:
            yield from reversed(self._day_intervals(day))
            day -= timedelta(days=1)

    def closed_on(self, day: date) -> bool:
        """Whether the local day is a public holiday or one of the unit's closing days (appointments skip it)."""
        return day in self.closing_days or day in _public_holidays(self.country, day.year)

    def _day_intervals(self, day: date) -> tuple[_Interval, ...]:
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = tuple(self._work_out_day(day))
        return known

    def _work_out_day(self, day: date) -> list[_Interval]:
        if self.closed_on(day):
            return []
        intervals: list[_Interval] = []
        for opens, closes in _weekly_schedule(self.hours)[day.weekday()]:
            # A wall time that does not exist (spring-forward gap) resolves with the offset before the
            # switch, as zoneinfo does for fold=0; an interval swallowed by the gap is simply empty.
            begin = datetime.combine(day, opens, tzinfo=self._zone).astimezone(UTC)
            end = datetime.combine(day, closes, tzinfo=self._zone).astimezone(UTC)
            if end > begin:
                intervals.append((begin, end))
        return intervals


GENK_DEFAULT_HOURS: tuple[OpeningHours, ...] = (
    *(
        OpeningHours(weekday, opens, closes)
        for weekday in range(5)
        for opens, closes in ((time(8, 30), time(12, 0)), (time(13, 0), time(16, 30)))
    ),
    # Thursday evening opening for citizens who work during the day.
    OpeningHours(3, time(16, 30), time(19, 0)),
)


def default_calendar(closing_days: Iterable[date] = ()) -> BusinessCalendar:
    """Genk's contact-centre hours, Belgian public holidays and the given local closing days."""
    return BusinessCalendar(hours=GENK_DEFAULT_HOURS, closing_days=frozenset(closing_days))


@dataclass(frozen=True)
class Pause:
    """A period in which the SLA clock does not run (the ticket waits on the citizen); end None = ongoing."""

    start: datetime
    end: datetime | None

    def __post_init__(self) -> None:
        _utc(self.start, "pause start")
        if self.end is not None and _utc(self.end, "pause end") < self.start:
            raise ValueError("a pause cannot end before it starts")


def deadline(
    calendar: BusinessCalendar, started: datetime, target_minutes: int, pauses: Sequence[Pause] = ()
) -> datetime | None:
    """When `target_minutes` of business time, not counting pauses, have passed since `started`.

    None while an open pause holds the clock, unless the target was already reached before that pause
    began: a deadline that has passed stays passed.
    """
    if target_minutes < 0:
        raise ValueError(f"target_minutes must not be negative, got {target_minutes}")
    remaining = timedelta(minutes=target_minutes)
    for begin, end in _running_periods(_utc(started, "started"), pauses):
        if end is None:
            return calendar._advance(begin, remaining)
        available = calendar._open_time(begin, end)
        # Strictly positive so that a zero target does not land in a closed stretch just before a pause.
        if remaining <= available and available > _ZERO:
            return calendar._advance(begin, remaining)
        remaining -= available
    return None


def elapsed_fraction(
    calendar: BusinessCalendar,
    started: datetime,
    target_minutes: int,
    now: datetime,
    pauses: Sequence[Pause] = (),
) -> float:
    """Share of the target used up by `now` (above 1.0 once breached); a zero target counts as used up."""
    if target_minutes < 0:
        raise ValueError(f"target_minutes must not be negative, got {target_minutes}")
    now = _utc(now, "now")
    if target_minutes == 0:
        return 1.0
    used = _ZERO
    for begin, end in _running_periods(_utc(started, "started"), pauses):
        if begin >= now:
            break
        used += calendar._open_time(begin, now if end is None else min(end, now))
    return used / timedelta(minutes=target_minutes)


def _running_periods(started: datetime, pauses: Sequence[Pause]) -> Iterator[_Period]:
    """The stretches from `started` in which the clock runs; the last one is open-ended unless paused."""
    cursor = started
    for pause in sorted(pauses, key=lambda p: p.start):
        if pause.start > cursor:
            yield cursor, pause.start.astimezone(UTC)
        if pause.end is None:
            return
        # Overlapping pauses and pauses before the start count once, or not at all.
        cursor = max(cursor, pause.end.astimezone(UTC))
    yield cursor, None


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    # A frozen snapshot rather than the HolidayBase itself: that object silently grows (expand=True) on
    # lookups of other years, which is shared mutable state we do not want in a cache.
    return frozenset(holidays.country_holidays(country, years=year).keys())


@lru_cache(maxsize=16)
def _weekly_schedule(hours: tuple[OpeningHours, ...]) -> tuple[tuple[tuple[time, time], ...], ...]:
    """Per weekday, the opening intervals sorted and merged, so overlapping entries never count twice."""
    week: list[list[tuple[time, time]]] = [[] for _ in range(7)]
    for entry in sorted(hours, key=lambda h: (h.weekday, h.opens)):
        day = week[entry.weekday]
        if day and entry.opens <= day[-1][1]:
            day[-1] = (day[-1][0], max(day[-1][1], entry.closes))
        else:
            day.append((entry.opens, entry.closes))
    return tuple(tuple(day) for day in week)
