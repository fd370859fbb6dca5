"""Free-slot computation (appointments/slots.py), table-tested: local wall-clock time across the DST switch,
closing days and public holidays skipped, travel time around home visits, taken time left out."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from genk3600.appointments.slots import Slot, Window, free_slots, is_slot
from genk3600.sla.sla import BusinessCalendar, OpeningHours

WEEKDAYS = tuple(OpeningHours(day, time(8, 0), time(17, 0)) for day in range(5))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def starts(slots: list[Slot]) -> list[str]:
    return [slot.starts_at.strftime("%Y-%m-%d %H:%M") for slot in slots]


HOUR = timedelta(hours=1)
MORNING = (time(9, 0), time(12, 0))
CASES = [
    pytest.param(
        # Sunday 28 March 2027 clocks go forward at 02:00: 09:00 local is 08:00 UTC before, 07:00 UTC after.
        # That Sunday and Monday are Easter and Easter Monday (Belgian public holidays): no slots at all.
        [Window(5, *MORNING), Window(6, *MORNING), Window(0, *MORNING), Window(1, *MORNING)],
        frozenset(),
        (),
        HOUR,
        (utc(2027, 3, 27), utc(2027, 3, 31)),
        (timedelta(0), timedelta(0)),
        [
            "2027-03-27 08:00", "2027-03-27 09:00", "2027-03-27 10:00",  # Saturday, CET (+01:00)
            "2027-03-30 07:00", "2027-03-30 08:00", "2027-03-30 09:00",  # Tuesday
        ],
        id="spring-forward-keeps-local-hours",
    ),
    pytest.param(
        # Monday 29 March 2027 is Easter Monday (a Belgian public holiday): no slots.
        [Window(0, *MORNING)],
        frozenset(),
        (),
        HOUR,
        (utc(2027, 3, 22), utc(2027, 4, 6)),
        (timedelta(0), timedelta(0)),
        ["2027-03-22 08:00", "2027-03-22 09:00", "2027-03-22 10:00",
         "2027-04-05 07:00", "2027-04-05 08:00", "2027-04-05 09:00"],
        id="public-holiday-skipped",
    ),
    pytest.param(
        # Autumn: Sunday 25 October 2026 clocks go back at 03:00; from then on 09:00 local is 08:00 UTC again.
        [Window(4, *MORNING), Window(6, *MORNING), Window(0, *MORNING)],
        frozenset({date(2026, 10, 30)}),  # a local closing day (Friday)
        (),
        HOUR,
        (utc(2026, 10, 22), utc(2026, 10, 31)),
        (timedelta(0), timedelta(0)),
        ["2026-10-23 07:00", "2026-10-23 08:00", "2026-10-23 09:00",
         "2026-10-25 08:00", "2026-10-25 09:00", "2026-10-25 10:00",
         "2026-10-26 08:00", "2026-10-26 09:00", "2026-10-26 10:00"],
        id="fall-back-and-closing-day",
    ),
    pytest.param(
        # Taken time (a booked appointment, leave) leaves its slots out; travel must fit in the window too.
        [Window(1, time(9, 0), time(13, 0))],
        frozenset(),
        ((utc(2027, 4, 6, 9, 0), utc(2027, 4, 6, 9, 30)),),
        HOUR,
        (utc(2027, 4, 6), utc(2027, 4, 7)),
        (timedelta(minutes=30), timedelta(minutes=30)),
        # Slots at 09:30, 10:30 and 11:30 local (07:30, 08:30, 09:30 UTC), blocked an hour around each with
        # travel; the later two clash with the taken 11:00-11:30 local.
        ["2027-04-06 07:30"],
        id="travel-time-and-taken",
    ),
    pytest.param(
        [Window(2, *MORNING, first_day=date(2027, 4, 14), last_day=date(2027, 4, 14))],
        frozenset(),
        (),
        timedelta(minutes=90),
        (utc(2027, 4, 7), utc(2027, 4, 22)),
        (timedelta(0), timedelta(0)),
        ["2027-04-14 07:00", "2027-04-14 08:30"],
        id="window-within-its-period-only",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("windows", "closing", "taken", "duration", "between", "travel", "expected"), CASES)
def test_free_slots(
    windows: list[Window],
    closing: frozenset[date],
    taken: tuple[tuple[datetime, datetime], ...],
    duration: timedelta,
    between: tuple[datetime, datetime],
    travel: tuple[timedelta, timedelta],
    expected: list[str],
) -> None:
    calendar = BusinessCalendar(WEEKDAYS, closing)
    found = free_slots(windows, calendar, taken, duration, *between, travel_before=travel[0], travel_after=travel[1])
    assert starts(found) == expected
    assert all(slot.ends_at - slot.starts_at == duration for slot in found)


def test_a_slot_starts_on_the_grid_of_its_window_only() -> None:
    calendar = BusinessCalendar(WEEKDAYS)
    windows = [Window(1, *MORNING)]
    assert is_slot(windows, calendar, HOUR, utc(2027, 3, 30, 8, 0))
    assert not is_slot(windows, calendar, HOUR, utc(2027, 3, 30, 8, 30))
    assert not is_slot(windows, calendar, HOUR, utc(2027, 3, 30, 10, 0))  # 12:00 local: the window has closed


def test_limit_and_start_inside_the_range() -> None:
    calendar = BusinessCalendar(WEEKDAYS)
    found = free_slots([Window(1, *MORNING)], calendar, (), HOUR, utc(2027, 3, 30, 7, 30), utc(2027, 5, 1), limit=2)
    assert starts(found) == ["2027-03-30 08:00", "2027-03-30 09:00"]
