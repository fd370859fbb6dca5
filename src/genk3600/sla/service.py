"""Administration of SLA policies and business calendars, and checking a calendar by computing a deadline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.i18n.catalogue import P_
from genk3600.kit.pagination import PageParams, page_of
from genk3600.models import ClosingDay, OpeningHours, SlaPolicy, Unit
from genk3600.sla import calendar_repository, repository
from genk3600.sla.deadlines import load_unit_calendar
from genk3600.sla.errors import (
    ClosingDayExists,
    ClosingDayNotFound,
    DeadlineOutOfReach,
    OpeningHoursNotFound,
    SlaPolicyExists,
    SlaPolicyNotFound,
)
from genk3600.sla.schemas import (
    ClosingDayIn,
    ClosingDayOut,
    ClosingDayPage,
    DeadlineOut,
    OpeningHoursIn,
    OpeningHoursOut,
    OpeningHoursPage,
    SlaPolicyIn,
    SlaPolicyOut,
    SlaPolicyPage,
)
from genk3600.units.errors import UnitNotFound, UnknownUnit
from genk3600.units.repository import unit_by_code


def _code(codes: dict[int, str], unit_id: int | None) -> str | None:
    return codes.get(unit_id) if unit_id is not None else None


async def _unit(session: AsyncSession, code: str | None) -> Unit | None:
    """The unit a request names (422 if unknown); None stands for the city-wide calendar."""
    if code is None:
        return None
    unit = await unit_by_code(session, code)
    if unit is None:
        raise UnknownUnit(code)
    return unit


async def create_policy(session: AsyncSession, data: SlaPolicyIn) -> SlaPolicyOut:
    """Add an SLA policy; its breach unit, if any, must exist."""
    if await repository.policy_by_code(session, data.code) is not None:
        raise SlaPolicyExists(data.code)
    breach_unit = await _unit(session, data.breach_unit)
    policy = SlaPolicy(
        code=data.code,
        name=data.name,
        first_response_minutes=data.first_response_minutes,
        resolution_minutes=data.resolution_minutes,
        warning_fraction=data.warning_fraction,
        breach_unit_id=breach_unit.id if breach_unit else None,
    )
    session.add(policy)
    await session.flush()
    return SlaPolicyOut.of(policy, breach_unit.code if breach_unit else None)


async def get_policy(session: AsyncSession, code: str) -> SlaPolicyOut:
    """One SLA policy by code."""
    policy = await repository.policy_by_code(session, code)
    if policy is None:
        raise SlaPolicyNotFound(code)
    codes = await calendar_repository.unit_codes(session, [policy.breach_unit_id])
    return SlaPolicyOut.of(policy, _code(codes, policy.breach_unit_id))


async def list_policies(session: AsyncSession, params: PageParams) -> SlaPolicyPage:
    """All SLA policies, oldest first."""
    rows = await repository.list_policies(session, params)
    codes = await calendar_repository.unit_codes(session, [row.breach_unit_id for row in rows])
    return page_of(
        SlaPolicyPage,
        rows,
        params,
        lambda row: row.id,
        lambda row: SlaPolicyOut.of(row, _code(codes, row.breach_unit_id)),
    )


async def create_opening_hours(session: AsyncSession, data: OpeningHoursIn) -> OpeningHoursOut:
    """Add an opening interval to a unit's week (or the city's); overlapping intervals merge, never count twice."""
    unit = await _unit(session, data.unit)
    hours = OpeningHours(unit_id=unit.id if unit else None, weekday=data.weekday, opens=data.opens, closes=data.closes)
    session.add(hours)
    await session.flush()
    return OpeningHoursOut.of(hours, unit.code if unit else None)


async def get_opening_hours(session: AsyncSession, hours_id: int) -> OpeningHoursOut:
    """One opening interval by id."""
    hours = await calendar_repository.opening_hours_by_id(session, hours_id)
    if hours is None:
        raise OpeningHoursNotFound(hours_id)
    codes = await calendar_repository.unit_codes(session, [hours.unit_id])
    return OpeningHoursOut.of(hours, _code(codes, hours.unit_id))


async def list_opening_hours(session: AsyncSession, params: PageParams) -> OpeningHoursPage:
    """All opening intervals, oldest first."""
    rows = await calendar_repository.list_opening_hours(session, params)
    codes = await calendar_repository.unit_codes(session, [row.unit_id for row in rows])
    return page_of(
        OpeningHoursPage,
        rows,
        params,
        lambda row: row.id,
        lambda row: OpeningHoursOut.of(row, _code(codes, row.unit_id)),
    )


async def delete_opening_hours(session: AsyncSession, hours_id: int) -> None:
    """Remove an opening interval; deadlines already set keep their value."""
    if not await calendar_repository.delete_opening_hours(session, hours_id):
        raise OpeningHoursNotFound(hours_id)


async def create_closing_day(session: AsyncSession, data: ClosingDayIn) -> ClosingDayOut:
    """Close a unit (or the whole city) for a day, on top of the Belgian public holidays."""
    unit = await _unit(session, data.unit)
    if await calendar_repository.closing_day_exists(session, unit.id if unit else None, data.day):
        raise ClosingDayExists(data.unit, data.day)
    day = ClosingDay(unit_id=unit.id if unit else None, day=data.day, reason=data.reason)
    session.add(day)
    await session.flush()
    return ClosingDayOut.of(day, unit.code if unit else None)


async def get_closing_day(session: AsyncSession, day_id: int) -> ClosingDayOut:
    """One closing day by id."""
    day = await calendar_repository.closing_day_by_id(session, day_id)
    if day is None:
        raise ClosingDayNotFound(day_id)
    codes = await calendar_repository.unit_codes(session, [day.unit_id])
    return ClosingDayOut.of(day, _code(codes, day.unit_id))


async def list_closing_days(session: AsyncSession, params: PageParams) -> ClosingDayPage:
    """All closing days, oldest entry first."""
    rows = await calendar_repository.list_closing_days(session, params)
    codes = await calendar_repository.unit_codes(session, [row.unit_id for row in rows])
    return page_of(
        ClosingDayPage, rows, params, lambda row: row.id, lambda row: ClosingDayOut.of(row, _code(codes, row.unit_id))
    )


async def delete_closing_day(session: AsyncSession, day_id: int) -> None:
    """Open again on a day that was closed; deadlines already set keep their value."""
    if not await calendar_repository.delete_closing_day(session, day_id):
        raise ClosingDayNotFound(day_id)


async def unit_deadline(
    session: AsyncSession, settings: Settings, code: str, minutes: int, start: datetime
) -> DeadlineOut:
    """When `minutes` business minutes from `start` have passed on the unit's calendar."""
    unit = await unit_by_code(session, code)
    if unit is None:
        raise UnitNotFound(code)
    loaded = await load_unit_calendar(session, unit.id, settings.timezone)
    try:
        deadline = loaded.calendar.add_business_minutes(start, minutes)
    except ValueError as exc:
        raise DeadlineOutOfReach(
            P_(
                "The calendar of {unit!r} does not have {minutes} business minutes within three years; check its "
                "opening hours and closing days."
            ),
            params={"unit": unit.code, "minutes": minutes},
        ) from exc
    return DeadlineOut(
        unit=unit.code,
        since=start.astimezone(deadline.tzinfo),
        start=start.astimezone(deadline.tzinfo),
        minutes=minutes,
        deadline=deadline,
        local_deadline=deadline.astimezone(settings.zone),
        timezone=settings.timezone,
        hours_source=loaded.hours_source,
    )
