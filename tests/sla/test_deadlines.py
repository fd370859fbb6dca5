from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.kit.reference import format_reference
from genk3600.models import ClosingDay, SlaPolicy, Ticket, Unit
from genk3600.models import OpeningHours as OpeningHoursRow
from genk3600.sla import deadlines
from genk3600.sla.deadlines import ClockState, due_now, next_check
from genk3600.sla.sla import GENK_DEFAULT_HOURS, BusinessCalendar, OpeningHours, default_calendar
from tests.factories import World

BRUSSELS = ZoneInfo("Europe/Brussels")
_numbers = itertools.count(700000)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BRUSSELS)


async def make_policy(
    session: AsyncSession,
    code: str,
    first_response: int,
    resolution: int,
    warning_fraction: float = 0.8,
    breach_unit: Unit | None = None,
) -> SlaPolicy:
    policy = SlaPolicy(
        code=code,
        name=code,
        first_response_minutes=first_response,
        resolution_minutes=resolution,
        warning_fraction=warning_fraction,
        breach_unit_id=breach_unit.id if breach_unit else None,
    )
    session.add(policy)
    await session.flush()
    return policy


async def make_ticket(session: AsyncSession, unit: Unit, **fields: object) -> Ticket:
    ticket = Ticket(reference=format_reference(2026, next(_numbers)), subject="Vraag", owning_unit=unit, **fields)
    session.add(ticket)
    await session.flush()
    return ticket


async def weekday_hours(session: AsyncSession, unit: Unit | None, opens: time, closes: time) -> None:
    session.add_all(
        OpeningHoursRow(unit_id=unit.id if unit else None, weekday=weekday, opens=opens, closes=closes)
        for weekday in range(5)
    )
    await session.flush()


async def test_start_clock_counts_on_the_units_own_hours(
    session: AsyncSession, settings: Settings, world: World
) -> None:
    await weekday_hours(session, None, time(8, 0), time(12, 0))  # the city's; the unit's own win
    await weekday_hours(session, world.burgerzaken, time(8, 30), time(17, 0))
    policy = await make_policy(session, "standard", first_response=120, resolution=960)
    ticket = await make_ticket(session, world.burgerzaken)

    created = local(2026, 11, 27, 16, 0)  # a Friday
    await deadlines.start_clock(session, settings, ticket, policy, created.astimezone(UTC))

    assert ticket.sla_policy_id == policy.id
    # 60 minutes on Friday, 60 on Monday from 08:30.
    assert ticket.first_response_due_at == local(2026, 11, 30, 9, 30)
    assert ticket.first_response_due_at is not None
    assert ticket.first_response_due_at.tzinfo is UTC
    # 60 Friday + 510 Monday + 390 Tuesday.
    assert ticket.resolution_due_at == local(2026, 12, 1, 15, 0)
    assert ticket.next_sla_check_at == ticket.first_response_due_at
    await session.flush()
    await session.refresh(ticket)
    assert ticket.first_response_due_at == datetime(2026, 11, 30, 8, 30, tzinfo=UTC)


async def test_calendar_for_unit_falls_back_to_the_city_then_the_defaults(
    session: AsyncSession, settings: Settings, world: World
) -> None:
    default = await deadlines.load_unit_calendar(session, world.omgeving.id, settings.timezone)
    assert (default.hours_source, default.calendar.hours) == ("default", GENK_DEFAULT_HOURS)

    await weekday_hours(session, None, time(8, 0), time(12, 0))
    await weekday_hours(session, world.burgerzaken, time(9, 0), time(17, 0))
    city = await deadlines.load_unit_calendar(session, world.omgeving.id, settings.timezone)
    own = await deadlines.load_unit_calendar(session, world.burgerzaken.id, settings.timezone)
    assert city.hours_source == "city"
    assert {(h.opens, h.closes) for h in city.calendar.hours} == {(time(8, 0), time(12, 0))}
    assert own.hours_source == "unit"
    assert {(h.opens, h.closes) for h in own.calendar.hours} == {(time(9, 0), time(17, 0))}
    assert own.calendar.timezone == "Europe/Brussels"


async def test_city_wide_closing_day_is_skipped(session: AsyncSession, settings: Settings, world: World) -> None:
    policy = await make_policy(session, "standard", first_response=120, resolution=960)
    created = local(2028, 7, 10, 16, 0).astimezone(UTC)  # Monday; 11 July is a Tuesday
    before = await make_ticket(session, world.omgeving)
    await deadlines.start_clock(session, settings, before, policy, created)
    # Genk's default hours: 30 minutes on Monday, then from 08:30 on Tuesday.
    assert before.first_response_due_at == local(2028, 7, 11, 10, 0)

    # Another unit's closing day does not count for omgeving.
    session.add(ClosingDay(unit_id=world.burgerzaken.id, day=date(2028, 7, 11), reason="Teamdag"))
    session.add(ClosingDay(unit_id=None, day=date(2028, 7, 11), reason="Feestdag van de Vlaamse Gemeenschap"))
    await session.flush()
    after = await make_ticket(session, world.omgeving)
    await deadlines.start_clock(session, settings, after, policy, created)
    assert after.first_response_due_at == local(2028, 7, 12, 10, 0)

    calendar = await deadlines.calendar_for_unit(session, world.omgeving.id, settings.timezone)
    assert calendar.closing_days == frozenset({date(2028, 7, 11)})
    own = await deadlines.calendar_for_unit(session, world.burgerzaken.id, settings.timezone)
    assert own.closing_days == frozenset({date(2028, 7, 11)})


async def test_unit_closing_day_counts_for_that_unit(session: AsyncSession, settings: Settings, world: World) -> None:
    policy = await make_policy(session, "standard", first_response=120, resolution=960)
    session.add(ClosingDay(unit_id=world.omgeving.id, day=date(2028, 7, 11), reason="Verhuis"))
    await session.flush()
    ticket = await make_ticket(session, world.omgeving)
    await deadlines.start_clock(session, settings, ticket, policy, local(2028, 7, 10, 16, 0).astimezone(UTC))
    assert ticket.first_response_due_at == local(2028, 7, 12, 10, 0)


async def test_pause_then_resume_moves_deadlines_by_the_paused_business_time(
    session: AsyncSession, settings: Settings, world: World
) -> None:
    await weekday_hours(session, world.omgeving, time(9, 0), time(17, 0))
    policy = await make_policy(session, "standard", first_response=120, resolution=960)
    ticket = await make_ticket(session, world.omgeving)
    await deadlines.start_clock(session, settings, ticket, policy, local(2026, 11, 23, 9, 0).astimezone(UTC))
    assert (ticket.first_response_due_at, ticket.resolution_due_at) == (
        local(2026, 11, 23, 11, 0),
        local(2026, 11, 24, 17, 0),
    )
    old_first, old_resolution = ticket.first_response_due_at, ticket.resolution_due_at

    paused = local(2026, 11, 23, 10, 0).astimezone(UTC)
    await deadlines.pause_clock(session, ticket, paused)
    assert ticket.paused_at == paused
    assert ticket.next_sla_check_at is None
    await deadlines.pause_clock(session, ticket, paused + timedelta(hours=1))  # pausing again keeps the start
    assert ticket.paused_at == paused

    resumed = local(2026, 11, 25, 10, 0).astimezone(UTC)  # two business days later
    await deadlines.resume_clock(session, settings, ticket, resumed)
    assert ticket.paused_at is None
    assert ticket.first_response_due_at == local(2026, 11, 25, 11, 0)
    assert ticket.resolution_due_at == local(2026, 11, 26, 17, 0)
    assert ticket.next_sla_check_at == ticket.first_response_due_at

    calendar = await deadlines.calendar_for_unit(session, world.omgeving.id, settings.timezone)
    pause = calendar.business_time_between(paused, resumed)
    assert pause == timedelta(hours=16)  # two business days of 8 hours
    assert calendar.business_time_between(old_first, ticket.first_response_due_at) == pause
    assert calendar.business_time_between(old_resolution, ticket.resolution_due_at) == pause
    await session.flush()


async def test_resume_keeps_deadlines_that_passed_before_the_pause(
    session: AsyncSession, settings: Settings, world: World
) -> None:
    policy = await make_policy(session, "standard", first_response=60, resolution=960)
    ticket = await make_ticket(session, world.omgeving)
    start = local(2026, 11, 23, 9, 0).astimezone(UTC)
    await deadlines.start_clock(session, settings, ticket, policy, start)
    first_due = ticket.first_response_due_at
    assert first_due == local(2026, 11, 23, 10, 0)

    await deadlines.pause_clock(session, ticket, local(2026, 11, 23, 14, 0).astimezone(UTC))
    await deadlines.resume_clock(session, settings, ticket, local(2026, 11, 24, 14, 0).astimezone(UTC))
    assert ticket.first_response_due_at == first_due
    assert ticket.next_sla_check_at == first_due  # overdue, not yet recorded: the sweeper acts at once


async def test_resume_with_microseconds_does_not_round(session: AsyncSession, settings: Settings, world: World) -> None:
    policy = await make_policy(session, "standard", first_response=120, resolution=960)
    ticket = await make_ticket(session, world.omgeving)
    start = datetime(2026, 11, 23, 9, 12, 34, 567890, tzinfo=UTC)
    await deadlines.start_clock(session, settings, ticket, policy, start)
    due = ticket.resolution_due_at
    assert due is not None
    paused, resumed = start + timedelta(minutes=17, seconds=3), start + timedelta(days=1, seconds=59)
    await deadlines.pause_clock(session, ticket, paused)
    await deadlines.resume_clock(session, settings, ticket, resumed)
    calendar = default_calendar()
    assert ticket.resolution_due_at is not None
    assert calendar.business_time_between(start, ticket.resolution_due_at) - calendar.business_time_between(
        paused, resumed
    ) == timedelta(minutes=960)


async def test_no_policy_means_no_deadlines(session: AsyncSession, settings: Settings, world: World) -> None:
    policy = await make_policy(session, "standard", first_response=120, resolution=960)
    ticket = await make_ticket(session, world.omgeving)
    now = local(2026, 11, 23, 9, 0).astimezone(UTC)
    await deadlines.start_clock(session, settings, ticket, policy, now)
    await deadlines.start_clock(session, settings, ticket, None, now)
    assert ticket.sla_policy_id is None
    assert ticket.first_response_due_at is None
    assert ticket.resolution_due_at is None
    assert ticket.next_sla_check_at is None
    await deadlines.watch_again(session, ticket, now)
    assert ticket.next_sla_check_at is None
    await session.flush()


async def test_start_clock_before_the_ticket_is_flushed(
    session: AsyncSession, settings: Settings, world: World
) -> None:
    await weekday_hours(session, world.burgerzaken, time(8, 30), time(17, 0))
    policy = await make_policy(session, "standard", first_response=120, resolution=960)
    ticket = Ticket(reference=format_reference(2026, next(_numbers)), subject="Vraag", owning_unit=world.burgerzaken)
    session.add(ticket)
    await deadlines.start_clock(session, settings, ticket, policy, local(2026, 11, 27, 16, 0).astimezone(UTC))
    assert ticket.first_response_due_at == local(2026, 11, 30, 9, 30)


async def test_first_response_stop_and_watch_again(session: AsyncSession, settings: Settings, world: World) -> None:
    policy = await make_policy(session, "standard", first_response=120, resolution=960)
    ticket = await make_ticket(session, world.omgeving)
    start = local(2026, 11, 23, 9, 0).astimezone(UTC)
    await deadlines.start_clock(session, settings, ticket, policy, start)
    first_check = ticket.next_sla_check_at

    answered = start + timedelta(minutes=30)
    await deadlines.record_first_response(session, ticket, answered)
    await deadlines.record_first_response(session, ticket, answered + timedelta(hours=1))
    assert ticket.first_responded_at == answered
    # Still early enough: nothing becomes due sooner by answering.
    assert ticket.next_sla_check_at == first_check
    exact = await deadlines.exact_next_check(session, settings, ticket)
    assert exact is not None
    assert first_check is not None
    assert exact > first_check

    await deadlines.stop_clock(session, ticket)
    assert ticket.next_sla_check_at is None
    reopened = start + timedelta(days=1)
    await deadlines.watch_again(session, ticket, reopened)
    assert ticket.next_sla_check_at == reopened
    await session.flush()


# Pure helpers.

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
FR = T0 + timedelta(hours=2)
WARN = T0 + timedelta(hours=10)
RES = T0 + timedelta(hours=12)


def state(**changes: object) -> ClockState:
    fields: dict[str, object] = {
        "first_response_due_at": FR,
        "resolution_due_at": RES,
        "first_responded_at": None,
        "paused_at": None,
        "sla_warned_at": None,
        "sla_breached_at": None,
        **changes,
    }
    return ClockState(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, FR),
        ({"first_responded_at": FR - timedelta(minutes=1)}, WARN),
        ({"first_responded_at": FR + timedelta(minutes=1)}, FR),  # answered late, breach not yet recorded
        ({"first_responded_at": FR, "sla_warned_at": WARN}, RES),
        ({"sla_breached_at": FR + timedelta(minutes=1)}, WARN),  # first-response breach recorded
        ({"sla_breached_at": FR + timedelta(minutes=1), "sla_warned_at": WARN}, RES),
        ({"sla_breached_at": RES}, None),  # resolution breach recorded
        ({"paused_at": T0}, None),
        ({"stopped": True}, None),
        ({"first_response_due_at": None, "resolution_due_at": None}, None),
    ],
)
def test_next_check(changes: dict[str, object], expected: datetime | None) -> None:
    assert next_check(state(**changes), WARN) == expected


def test_due_now() -> None:
    assert not due_now(state(), WARN, FR - timedelta(seconds=1)).anything
    at_first = due_now(state(), WARN, FR)
    assert (at_first.first_response_breach, at_first.resolution_breach, at_first.warning) == (True, False, False)
    answered = state(first_responded_at=T0)
    assert due_now(answered, WARN, WARN).warning
    assert not due_now(answered, WARN, WARN).breach
    late = due_now(answered, WARN, RES)
    assert (late.resolution_breach, late.warning) == (True, False)
    both = due_now(state(), WARN, RES)
    assert (both.first_response_breach, both.resolution_breach) == (True, True)
    assert not due_now(state(paused_at=T0), WARN, RES).anything
    recorded = state(first_responded_at=T0, sla_warned_at=WARN, sla_breached_at=RES)
    assert not due_now(recorded, WARN, RES + timedelta(days=9)).anything


def test_warning_moment_matches_counting_forward() -> None:
    policy = SlaPolicy(code="p", name="p", first_response_minutes=60, resolution_minutes=960, warning_fraction=0.8)
    assert deadlines.warning_minutes(policy) == 768
    calendar = default_calendar()
    rng = random.Random(3600)  # noqa: S311 - reproducible test data, not secrets
    for _ in range(200):
        start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 366 * 24 * 60))
        resolution = rng.randrange(2, 6000)
        policy.resolution_minutes = resolution
        policy.warning_fraction = rng.choice((0.5, 0.7, 0.8, 0.9, 0.29))
        due = calendar.add_business_minutes(start, resolution)
        expected = calendar.add_business_minutes(start, deadlines.warning_minutes(policy))
        if deadlines.warning_minutes(policy) > 0:
            assert deadlines.warning_moment(calendar, due, policy) == expected, (start, resolution)
    assert deadlines.warning_minutes(SlaPolicy(resolution_minutes=100, warning_fraction=0.7)) == 70


def test_subtract_business_time_is_the_earliest_instant() -> None:
    calendar = BusinessCalendar(hours=tuple(OpeningHours(d, time(9, 0), time(17, 0)) for d in range(5)))
    friday_close = local(2026, 11, 27, 17, 0)
    # Exactly a day's opening time before Monday 17:00 is Friday's closing time, not Monday's opening.
    assert calendar.subtract_business_time(local(2026, 11, 30, 17, 0), timedelta(hours=8)) == friday_close
    assert calendar.subtract_business_time(local(2026, 11, 30, 10, 0), timedelta(0)) == local(2026, 11, 30, 10, 0)
    assert calendar.subtract_business_time(local(2026, 11, 29, 12, 0), timedelta(0)) == friday_close
    assert calendar.subtract_business_time(local(2026, 11, 30, 10, 0), timedelta(hours=2)) == local(2026, 11, 27, 16, 0)
    with pytest.raises(ValueError, match="negative"):
        calendar.subtract_business_time(friday_close, timedelta(minutes=-1))
    with pytest.raises(ValueError, match="not found"):
        BusinessCalendar(hours=(OpeningHours(0, time(9), time(10)),), closing_days=frozenset()).subtract_business_time(
            local(2026, 11, 30, 10, 0), timedelta(days=400)
        )
