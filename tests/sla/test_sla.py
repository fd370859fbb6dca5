from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from genk3600.sla.sla import (
    GENK_DEFAULT_HOURS,
    BusinessCalendar,
    OpeningHours,
    Pause,
    deadline,
    default_calendar,
    elapsed_fraction,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
GENK = default_calendar()


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BRUSSELS)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def assert_utc(actual: datetime | None, expected: datetime) -> None:
    assert actual == expected
    assert actual.tzinfo is UTC


# January 2026: Monday 5 to Friday 9, Saturday 10, Monday 12; CET is UTC+1.
@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        pytest.param(local(2026, 1, 6, 9), 60, utc(2026, 1, 6, 9), id="within-one-day"),
        pytest.param(local(2026, 1, 6, 11, 30), 60, utc(2026, 1, 6, 12, 30), id="spanning-lunch"),
        pytest.param(local(2026, 1, 6, 8, 30), 210, utc(2026, 1, 6, 11), id="ends-exactly-at-closing"),
        pytest.param(local(2026, 1, 6, 12, 15), 15, utc(2026, 1, 6, 12, 15), id="starting-during-lunch"),
        pytest.param(local(2026, 1, 6, 7), 30, utc(2026, 1, 6, 8), id="starting-before-opening"),
        pytest.param(local(2026, 1, 6, 17), 30, utc(2026, 1, 7, 8), id="starting-after-closing"),
        pytest.param(local(2026, 1, 10, 10), 30, utc(2026, 1, 12, 8), id="starting-on-saturday"),
        pytest.param(local(2026, 1, 9, 16), 60, utc(2026, 1, 12, 8), id="friday-across-weekend"),
        pytest.param(local(2026, 1, 8, 16), 60, utc(2026, 1, 8, 16), id="thursday-evening-opening"),
        pytest.param(local(2026, 1, 8, 18, 30), 60, utc(2026, 1, 9, 8), id="thursday-evening-to-friday"),
        pytest.param(local(2026, 1, 5, 8, 30), 3 * 420 + 570, utc(2026, 1, 8, 18), id="mon-to-thu-close"),
        pytest.param(local(2026, 1, 6, 9, 15), 0, utc(2026, 1, 6, 8, 15), id="zero-when-open"),
        pytest.param(local(2026, 1, 6, 12), 0, utc(2026, 1, 6, 12), id="zero-at-lunch-is-reopening"),
        pytest.param(local(2026, 1, 10, 10), 0, utc(2026, 1, 12, 7, 30), id="zero-on-saturday"),
        pytest.param(local(2026, 1, 6, 9, 0, 30), 1, utc(2026, 1, 6, 8, 1, 30), id="keeps-seconds"),
        pytest.param(utc(2026, 1, 6, 8), 60, utc(2026, 1, 6, 9), id="utc-input"),
    ],
)
def test_add_business_minutes(start: datetime, minutes: int, expected: datetime) -> None:
    assert_utc(GENK.add_business_minutes(start, minutes), expected)


@pytest.mark.parametrize(
    ("calendar", "start", "minutes", "expected"),
    [
        # Good Friday (3 April) is only a bank holiday, so open; Easter Monday (6 April) is closed.
        pytest.param(GENK, local(2026, 4, 3, 16), 60, utc(2026, 4, 7, 7), id="easter-monday-2026"),
        pytest.param(GENK, local(2026, 12, 24, 18, 30), 60, utc(2026, 12, 28, 8), id="christmas-2026-fri"),
        pytest.param(GENK, local(2025, 12, 31, 16), 60, utc(2026, 1, 2, 8), id="new-year-next-year"),
        pytest.param(GENK, local(2025, 12, 24, 16), 60, utc(2025, 12, 26, 8), id="26-dec-open-by-default"),
        pytest.param(
            default_calendar([date(2025, 12, 26)]),
            local(2025, 12, 24, 16),
            60,
            utc(2025, 12, 29, 8),
            id="26-dec-closing-day",
        ),
        pytest.param(GENK, local(2025, 7, 10, 18, 30), 60, utc(2025, 7, 11, 7), id="11-july-open-by-default"),
        pytest.param(
            default_calendar([date(2025, 7, 11)]),
            local(2025, 7, 10, 18, 30),
            60,
            utc(2025, 7, 14, 7),
            id="11-july-closing-day",
        ),
    ],
)
def test_holidays_and_closing_days_are_skipped(
    calendar: BusinessCalendar, start: datetime, minutes: int, expected: datetime
) -> None:
    assert_utc(calendar.add_business_minutes(start, minutes), expected)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 1),  # New Year
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),  # Labour Day
        date(2026, 5, 14),  # Ascension
        date(2026, 5, 25),  # Whit Monday
        date(2026, 7, 21),  # National Day
        date(2025, 8, 15),  # Assumption
        date(2024, 11, 1),  # All Saints
        date(2026, 11, 11),  # Armistice
        date(2026, 12, 25),  # Christmas
    ],
)
def test_belgian_public_holidays_are_closed(day: date) -> None:
    assert day.weekday() < 5
    assert not GENK.is_open(datetime.combine(day, time(10), tzinfo=BRUSSELS))


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 4, 3),  # Good Friday: a bank holiday in `holidays`, not a public one
        date(2026, 5, 15),  # Friday after Ascension: bank holiday
        date(2025, 12, 26),  # Boxing Day: bank holiday; closed only as a local closing day
        date(2025, 7, 11),  # Flemish Community holiday: not in `holidays` for BE at all
        date(2026, 11, 2),  # All Souls: not a public holiday
    ],
)
def test_days_that_are_only_local_closing_days_are_open_by_default(day: date) -> None:
    moment = datetime.combine(day, time(10), tzinfo=BRUSSELS)
    assert GENK.is_open(moment)
    assert not default_calendar([day]).is_open(moment)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (local(2026, 1, 6, 8, 29, 59), False),
        (local(2026, 1, 6, 8, 30), True),
        (local(2026, 1, 6, 11, 59, 59), True),
        (local(2026, 1, 6, 12), False),
        (local(2026, 1, 6, 16, 30), False),
        (local(2026, 1, 8, 16, 30), True),  # Thursday evening
        (local(2026, 1, 8, 19), False),
        (local(2026, 1, 10, 10), False),  # Saturday
        (utc(2026, 1, 6, 7, 30), True),  # 08:30 in Brussels
    ],
)
def test_is_open(moment: datetime, is_open: bool) -> None:
    assert GENK.is_open(moment) is is_open


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        # Monday 08:30 is 06:30 UTC after the March switch, 07:30 UTC the week before.
        pytest.param(local(2026, 3, 20, 16), 60, utc(2026, 3, 23, 8), id="week-before-march-switch"),
        pytest.param(local(2026, 3, 27, 16), 60, utc(2026, 3, 30, 7), id="across-march-switch"),
        pytest.param(local(2026, 3, 27, 16, 30), 0, utc(2026, 3, 30, 6, 30), id="march-monday-opening"),
        pytest.param(local(2026, 3, 27, 16), 30, utc(2026, 3, 27, 15, 30), id="friday-before-march-switch"),
        pytest.param(local(2026, 10, 23, 16), 60, utc(2026, 10, 26, 8), id="across-october-switch"),
        pytest.param(local(2026, 10, 23, 16, 30), 0, utc(2026, 10, 26, 7, 30), id="october-monday-opening"),
        pytest.param(local(2026, 10, 23, 16), 30, utc(2026, 10, 23, 14, 30), id="friday-before-oct-switch"),
    ],
)
def test_deadlines_across_dst_switches(start: datetime, minutes: int, expected: datetime) -> None:
    assert_utc(GENK.add_business_minutes(start, minutes), expected)


def test_dst_switch_weekend_does_not_count_the_lost_or_gained_hour() -> None:
    assert GENK.business_minutes_between(local(2026, 3, 27, 16), local(2026, 3, 30, 9)) == 60
    assert GENK.business_minutes_between(local(2026, 10, 23, 16), local(2026, 10, 26, 9)) == 60


# Opening hours that span the switch itself: 01:00-05:00 local is 3 real hours on 29 March 2026 and 5 on
# 25 October 2026; a business minute is a real minute.
NIGHT = BusinessCalendar(hours=(OpeningHours(6, time(1), time(5)),))


@pytest.mark.parametrize(
    ("sunday", "minutes"),
    [(date(2026, 3, 22), 240), (date(2026, 3, 29), 180), (date(2026, 10, 25), 300)],
)
def test_opening_interval_during_the_switch_night_is_real_time(sunday: date, minutes: int) -> None:
    saturday = datetime.combine(sunday - timedelta(days=1), time(12), tzinfo=BRUSSELS)
    monday = datetime.combine(sunday + timedelta(days=1), time(0), tzinfo=BRUSSELS)
    assert NIGHT.business_minutes_between(saturday, monday) == minutes


def test_adding_during_the_switch_night() -> None:
    # 01:00 CET + 90 minutes is 03:30 CEST; 01:00 CEST + 150 minutes is the second 02:30 (CET).
    assert_utc(NIGHT.add_business_minutes(local(2026, 3, 29, 1), 90), utc(2026, 3, 29, 1, 30))
    assert_utc(NIGHT.add_business_minutes(local(2026, 10, 25, 1), 150), utc(2026, 10, 25, 1, 30))


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        pytest.param(local(2026, 1, 6), local(2026, 1, 7), 420, id="tuesday"),
        pytest.param(local(2026, 1, 8), local(2026, 1, 9), 570, id="thursday-with-evening"),
        pytest.param(local(2026, 1, 5), local(2026, 1, 12), 4 * 420 + 570, id="whole-week"),
        pytest.param(local(2026, 1, 10), local(2026, 1, 12), 0, id="weekend"),
        pytest.param(local(2026, 1, 6, 11), local(2026, 1, 6, 14), 120, id="over-lunch"),
        pytest.param(local(2026, 1, 6, 8, 30), local(2026, 1, 6, 8, 30, 59), 0, id="floors-seconds"),
        pytest.param(local(2026, 1, 6, 8, 30), local(2026, 1, 6, 8, 31, 59), 1, id="floors-to-one"),
        pytest.param(local(2026, 1, 6, 10), local(2026, 1, 6, 10), 0, id="empty-range"),
        pytest.param(local(2026, 1, 6, 10), local(2026, 1, 6, 9), 0, id="end-before-start"),
    ],
)
def test_business_minutes_between(start: datetime, end: datetime, minutes: int) -> None:
    assert GENK.business_minutes_between(start, end) == minutes


def test_overlapping_opening_hours_count_once() -> None:
    calendar = BusinessCalendar(
        hours=(OpeningHours(0, time(9), time(12)), OpeningHours(0, time(11), time(13))),
    )
    assert calendar.business_minutes_between(local(2026, 1, 5), local(2026, 1, 6)) == 240


def test_between_is_the_inverse_of_add() -> None:
    calendar = default_calendar([date(2025, 7, 11), date(2025, 12, 26), date(2026, 11, 2)])
    rng = random.Random(3600)  # noqa: S311 - reproducible test data, not secrets
    for _ in range(300):
        start = local(2025, 1, 1) + timedelta(seconds=rng.randrange(2 * 365 * 24 * 3600))
        minutes = rng.randrange(0, 3000)
        end = calendar.add_business_minutes(start, minutes)
        assert calendar.business_minutes_between(start, end) == minutes, (start, minutes)
        # And the other way round: adding the minutes counted up to any moment never overshoots it.
        other = start + timedelta(seconds=rng.randrange(14 * 24 * 3600))
        reached = calendar.add_business_minutes(start, calendar.business_minutes_between(start, other))
        assert reached <= other or not calendar.is_open(start)
        assert calendar.business_minutes_between(reached, other) == 0


# Monday 12 January 2026 09:00 + 480 business minutes is Tuesday 13 January 10:00 (09:00 UTC).
STARTED = local(2026, 1, 12, 9)
TARGET = 480


def test_pause_pushes_the_deadline_by_its_business_minutes() -> None:
    # Monday 10:00 to Wednesday 10:00 holds 330 + 420 + 90 business minutes.
    paused_from, paused_until = local(2026, 1, 12, 10), local(2026, 1, 14, 10)
    unpaused = deadline(GENK, STARTED, TARGET)
    paused = deadline(GENK, STARTED, TARGET, [Pause(paused_from, paused_until)])
    assert_utc(unpaused, utc(2026, 1, 13, 9))
    assert_utc(paused, utc(2026, 1, 15, 9))
    assert GENK.business_minutes_between(paused_from, paused_until) == 840
    assert GENK.business_minutes_between(utc(2026, 1, 13, 9), utc(2026, 1, 15, 9)) == 840


@pytest.mark.parametrize(
    ("pauses", "expected"),
    [
        pytest.param([], utc(2026, 1, 13, 9), id="no-pause"),
        pytest.param(
            [Pause(local(2026, 1, 10, 10), local(2026, 1, 11, 18))],
            utc(2026, 1, 13, 9),
            id="weekend-pause-costs-nothing",
        ),
        pytest.param(
            [Pause(local(2026, 1, 9, 9), local(2026, 1, 12, 8))],
            utc(2026, 1, 13, 9),
            id="pause-before-start-ignored",
        ),
        pytest.param(
            [Pause(local(2026, 1, 12, 8), local(2026, 1, 12, 10))],
            utc(2026, 1, 13, 10),
            id="pause-straddling-start",
        ),
        pytest.param(
            [
                Pause(local(2026, 1, 12, 12, 30), local(2026, 1, 14, 10)),
                Pause(local(2026, 1, 12, 10), local(2026, 1, 13, 10)),
            ],
            utc(2026, 1, 15, 9),
            id="overlapping-pauses-count-once",
        ),
        pytest.param([Pause(local(2026, 1, 12, 10), None)], None, id="open-pause-unknown"),
        pytest.param(
            [Pause(local(2026, 1, 12, 10), local(2026, 1, 14, 10)), Pause(local(2026, 1, 15, 12), None)],
            utc(2026, 1, 15, 9),
            id="reached-before-open-pause",
        ),
        pytest.param(
            [Pause(local(2026, 1, 12, 10), local(2026, 1, 14, 10)), Pause(local(2026, 1, 15, 9), None)],
            None,
            id="open-pause-before-reached",
        ),
    ],
)
def test_deadline_with_pauses(pauses: list[Pause], expected: datetime | None) -> None:
    result = deadline(GENK, STARTED, TARGET, pauses)
    if expected is None:
        assert result is None
    else:
        assert_utc(result, expected)


def test_zero_target_during_a_pause_is_the_first_open_moment_after_it() -> None:
    pause = Pause(local(2026, 1, 10, 12), local(2026, 1, 12, 10))
    assert_utc(deadline(GENK, local(2026, 1, 10, 10), 0, [pause]), utc(2026, 1, 12, 9))


def test_a_passed_deadline_stays_passed_when_a_pause_opens_later() -> None:
    assert_utc(deadline(GENK, STARTED, 60, [Pause(local(2026, 1, 13, 9), None)]), utc(2026, 1, 12, 9))


# Started Monday 12 January 08:30 with a 500-minute target: 400 business minutes is 80 %.
@pytest.mark.parametrize(
    ("now", "pauses", "fraction"),
    [
        pytest.param(local(2026, 1, 12, 16, 10), [], 0.8, id="eighty-percent"),
        pytest.param(
            local(2026, 1, 13, 9, 10),
            [Pause(local(2026, 1, 12, 9), local(2026, 1, 12, 10))],
            0.8,
            id="eighty-percent-after-pause",
        ),
        pytest.param(local(2026, 1, 14, 9), [Pause(local(2026, 1, 12, 12), None)], 0.42, id="open-pause"),
        pytest.param(local(2026, 1, 14, 8, 30), [], 1.68, id="breached"),
        pytest.param(local(2026, 1, 12, 8), [], 0.0, id="before-start"),
    ],
)
def test_elapsed_fraction(now: datetime, pauses: list[Pause], fraction: float) -> None:
    assert elapsed_fraction(GENK, local(2026, 1, 12, 8, 30), 500, now, pauses) == pytest.approx(fraction)


def test_elapsed_fraction_of_a_zero_target_is_used_up() -> None:
    assert elapsed_fraction(GENK, STARTED, 0, STARTED) == 1.0


NAIVE = datetime(2026, 1, 6, 9)  # noqa: DTZ001 - naive on purpose
AWARE = local(2026, 1, 6, 9)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda: GENK.add_business_minutes(NAIVE, 10), "timezone-aware", id="add-naive"),
        pytest.param(lambda: GENK.business_minutes_between(NAIVE, AWARE), "timezone-aware", id="between-naive"),
        pytest.param(lambda: GENK.business_minutes_between(AWARE, NAIVE), "timezone-aware", id="between-naive-end"),
        pytest.param(lambda: GENK.is_open(NAIVE), "timezone-aware", id="is-open-naive"),
        pytest.param(lambda: deadline(GENK, NAIVE, 10), "timezone-aware", id="deadline-naive"),
        pytest.param(lambda: elapsed_fraction(GENK, AWARE, 10, NAIVE), "timezone-aware", id="fraction-naive"),
        pytest.param(lambda: Pause(NAIVE, None), "timezone-aware", id="pause-naive"),
        pytest.param(lambda: GENK.add_business_minutes(AWARE, -1), "negative", id="add-negative"),
        pytest.param(lambda: deadline(GENK, AWARE, -1), "negative", id="deadline-negative"),
        pytest.param(lambda: elapsed_fraction(GENK, AWARE, -1, AWARE), "negative", id="fraction-negative"),
        pytest.param(
            lambda: BusinessCalendar(hours=()).add_business_minutes(AWARE, 10), "no opening hours", id="empty"
        ),
        pytest.param(lambda: deadline(BusinessCalendar(hours=()), AWARE, 0), "no opening hours", id="empty-0"),
        pytest.param(lambda: OpeningHours(0, time(12), time(9)), "after opening", id="closes-before-opens"),
        pytest.param(lambda: OpeningHours(7, time(9), time(12)), "weekday", id="weekday-out-of-range"),
        pytest.param(lambda: Pause(AWARE, AWARE - timedelta(minutes=1)), "before it starts", id="pause-reversed"),
    ],
)
def test_invalid_input_is_refused(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_a_calendar_that_never_opens_gives_up_instead_of_looping() -> None:
    mondays = frozenset(date(2026, 1, 5) + timedelta(weeks=n) for n in range(4 * 53))
    calendar = BusinessCalendar(hours=(OpeningHours(0, time(9), time(17)),), closing_days=mondays)
    with pytest.raises(ValueError, match="not reached within"):
        calendar.add_business_minutes(local(2026, 1, 5), 1)
    assert calendar.business_minutes_between(local(2026, 1, 5), local(2029, 1, 1)) == 0


def test_unknown_timezone_is_refused_when_the_calendar_is_built() -> None:
    with pytest.raises(ZoneInfoNotFoundError):
        BusinessCalendar(hours=GENK_DEFAULT_HOURS, timezone="Europe/Genk")


def test_default_hours() -> None:
    assert len(GENK_DEFAULT_HOURS) == 11
    assert GENK.hours == GENK_DEFAULT_HOURS
    assert GENK.closing_days == frozenset()
    assert (GENK.timezone, GENK.country) == ("Europe/Brussels", "BE")
