"""The SLA clock of a ticket: deadlines on its unit's business calendar, pauses, and when to look next.

Other services call these while they change a ticket; the functions set attributes on the ticket and leave
flushing to the caller (services flush, never commit).

What the sweeper has recorded is kept in two columns (no extra state):
- `sla_warned_at`: the warning (at `warning_fraction` of the resolution target) was given.
- `sla_breached_at`: when the latest breach was recorded. A first-response breach is recorded once any
  breach is; the resolution breach once `sla_breached_at >= resolution_due_at` (a breach recorded before
  the resolution deadline can only have been the first-response one). Deadlines that have passed never
  move (a pause only moves what is still ahead), so this stays true across pauses.

`next_sla_check_at` is never later than the next moment something falls due; where an exact value would
need the calendar and the caller cannot provide it, it stays earlier and the sweeper recomputes it then.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Row, inspect
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.models import SlaPolicy, Ticket, Unit
from genk3600.models.enums import FINISHED_STATUSES
from genk3600.sla import calendar_repository, repository
from genk3600.sla.sla import GENK_DEFAULT_HOURS, BusinessCalendar, OpeningHours

HoursSource = Literal["unit", "city", "default"]


@dataclass(frozen=True)
class UnitCalendar:
    calendar: BusinessCalendar
    hours_source: HoursSource  # whose opening hours apply


async def load_unit_calendar(session: AsyncSession, unit_id: int, timezone: str) -> UnitCalendar:
    """The unit's calendar and where its opening hours come from: from the in-process reference cache
    (calendar_repository.cached_calendars), built once per unit and version."""
    calendars = await calendar_repository.cached_calendars(session)
    key = (unit_id, timezone)
    known: UnitCalendar | None = calendars.derived.get(key)
    if known is not None:
        return known
    own, city = calendars.hours_of(unit_id), calendars.hours_of(None)
    source: HoursSource = "unit" if own else "city" if city else "default"
    # Sorted (cached_calendars sorts), so equal calendars are equal tuples and share the cached weekly schedule.
    hours = tuple(OpeningHours(*entry) for entry in own or city) or GENK_DEFAULT_HOURS
    calendar = UnitCalendar(BusinessCalendar(hours, calendars.closing_days_of(unit_id), timezone=timezone), source)
    calendars.derived[key] = calendar
    return calendar


async def calendar_for_unit(session: AsyncSession, unit_id: int, timezone: str) -> BusinessCalendar:
    """The unit's opening hours (else the city's, else Genk's defaults) minus city-wide and own closing days."""
    return (await load_unit_calendar(session, unit_id, timezone)).calendar


def warning_minutes(policy: SlaPolicy) -> int:
    """Business minutes after which a ticket is warned (rounding guards 0.7 * 100 = 69.99...)."""
    return math.floor(round(policy.resolution_minutes * policy.warning_fraction, 6))


def warning_moment(calendar: BusinessCalendar, resolution_due_at: datetime, policy: SlaPolicy) -> datetime:
    """When the warning is due: as much business time before the resolution deadline as the policy leaves.

    Derived from the deadline rather than stored, so it moves with the deadline when a pause ends.
    """
    left = timedelta(minutes=policy.resolution_minutes - warning_minutes(policy))
    return calendar.subtract_business_time(resolution_due_at, left)


@dataclass(frozen=True)
class ClockState:
    """The SLA fields of a ticket, as the pure helpers below read them."""

    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_responded_at: datetime | None
    paused_at: datetime | None
    sla_warned_at: datetime | None
    sla_breached_at: datetime | None
    stopped: bool = False

    @classmethod
    def of(cls, ticket: Ticket | Row[Any]) -> ClockState:
        """From a ticket, or a plain row with the same columns (the sweeper's)."""
        return cls(
            first_response_due_at=ticket.first_response_due_at,
            resolution_due_at=ticket.resolution_due_at,
            first_responded_at=ticket.first_responded_at,
            paused_at=ticket.paused_at,
            sla_warned_at=ticket.sla_warned_at,
            sla_breached_at=ticket.sla_breached_at,
            stopped=ticket.status in FINISHED_STATUSES,
        )

    @property
    def first_response_watched(self) -> bool:
        """The first-response deadline can still be breached, or was (late answer) without a record yet."""
        due = self.first_response_due_at
        if due is None or self.sla_breached_at is not None:
            return False
        return self.first_responded_at is None or self.first_responded_at > due

    @property
    def resolution_breach_recorded(self) -> bool:
        due = self.resolution_due_at
        return due is not None and self.sla_breached_at is not None and self.sla_breached_at >= due

    @property
    def resolution_watched(self) -> bool:
        return self.resolution_due_at is not None and not self.resolution_breach_recorded

    @property
    def warning_watched(self) -> bool:
        return self.resolution_watched and self.sla_warned_at is None


def next_check(state: ClockState, warning_at: datetime | None) -> datetime | None:
    """The earliest moment something is due for this ticket; None when nothing is left to watch.

    Moments in the past are returned as they are: the sweeper then acts on its next run.
    """
    if state.paused_at is not None or state.stopped:
        return None
    moments: list[datetime] = []
    if state.first_response_watched and state.first_response_due_at is not None:
        moments.append(state.first_response_due_at)
    if state.warning_watched and warning_at is not None:
        moments.append(warning_at)
    if state.resolution_watched and state.resolution_due_at is not None:
        moments.append(state.resolution_due_at)
    return min(moments, default=None)


@dataclass(frozen=True)
class DueNow:
    """What the sweeper must record for a ticket at `now`."""

    first_response_breach: bool
    resolution_breach: bool
    warning: bool

    @property
    def breach(self) -> bool:
        return self.first_response_breach or self.resolution_breach

    @property
    def anything(self) -> bool:
        return self.breach or self.warning


def due_now(state: ClockState, warning_at: datetime | None, now: datetime) -> DueNow:
    """Which breaches and warnings have fallen due by `now` and are not yet recorded."""
    if state.paused_at is not None or state.stopped:
        return DueNow(False, False, False)
    fr_due, res_due = state.first_response_due_at, state.resolution_due_at
    first_response = state.first_response_watched and fr_due is not None and fr_due <= now
    resolution = state.resolution_watched and res_due is not None and res_due <= now
    # A breached resolution needs no warning any more.
    warning = not resolution and state.warning_watched and warning_at is not None and warning_at <= now
    return DueNow(first_response, resolution, warning)


def _unit_id(ticket: Ticket) -> int:
    # The owning unit may just have been set through the relationship, before a flush copies its id.
    unit = inspect(ticket).dict.get("owning_unit")
    if isinstance(unit, Unit) and unit.id is not None:
        return unit.id
    return ticket.owning_unit_id


async def _policy(session: AsyncSession, ticket: Ticket) -> SlaPolicy | None:
    return None if ticket.sla_policy_id is None else await repository.cached_policy(session, ticket.sla_policy_id)


async def exact_next_check(
    session: AsyncSession, settings: Settings, ticket: Ticket, calendar: BusinessCalendar | None = None
) -> datetime | None:
    """next_check for a ticket, loading its policy and (unless given) its unit's calendar."""
    state = ClockState.of(ticket)
    if state.paused_at is not None or state.stopped:
        return None
    warning_at = None
    policy = await _policy(session, ticket)
    if policy is not None and state.warning_watched and ticket.resolution_due_at is not None:
        if calendar is None:
            calendar = await calendar_for_unit(session, _unit_id(ticket), settings.timezone)
        warning_at = warning_moment(calendar, ticket.resolution_due_at, policy)
    return next_check(state, warning_at)


async def start_clock(
    session: AsyncSession, settings: Settings, ticket: Ticket, policy: SlaPolicy | None, now: datetime
) -> None:
    """Set the policy and both deadlines, counted in business time from `now`; no policy, no deadlines."""
    ticket.sla_policy_id = policy.id if policy is not None else None
    ticket.sla_warned_at = None
    ticket.sla_breached_at = None
    if policy is None:
        ticket.first_response_due_at = ticket.resolution_due_at = ticket.next_sla_check_at = None
        return
    # Reference data from the in-process cache (load_unit_calendar): opening a ticket reads no calendar rows.
    calendar = await calendar_for_unit(session, _unit_id(ticket), settings.timezone)
    ticket.first_response_due_at = calendar.add_business_minutes(now, policy.first_response_minutes)
    ticket.resolution_due_at = calendar.add_business_minutes(now, policy.resolution_minutes)
    warning_at = warning_moment(calendar, ticket.resolution_due_at, policy)
    ticket.next_sla_check_at = next_check(ClockState.of(ticket), warning_at)


async def pause_clock(session: AsyncSession, ticket: Ticket, now: datetime) -> None:
    """Stop the clock while the ticket waits on the citizen; a paused ticket is not swept."""
    if ticket.paused_at is None:
        ticket.paused_at = now
    ticket.next_sla_check_at = None


async def resume_clock(session: AsyncSession, settings: Settings, ticket: Ticket, now: datetime) -> None:
    """Restart the clock: deadlines still ahead at the pause move by the business time the pause took."""
    paused = ticket.paused_at
    if paused is None:
        return
    calendar = await calendar_for_unit(session, _unit_id(ticket), settings.timezone)

    def moved(due: datetime | None) -> datetime | None:
        if due is None or due <= paused:
            return due  # a deadline that had passed stays passed
        return calendar.add_business_time(now, calendar.business_time_between(paused, due))

    if ticket.first_responded_at is None:
        ticket.first_response_due_at = moved(ticket.first_response_due_at)
    ticket.resolution_due_at = moved(ticket.resolution_due_at)
    ticket.paused_at = None
    ticket.next_sla_check_at = await exact_next_check(session, settings, ticket, calendar)


async def stop_clock(session: AsyncSession, ticket: Ticket) -> None:
    """Resolved or closed: nothing left to watch."""
    ticket.next_sla_check_at = None


async def record_first_response(session: AsyncSession, ticket: Ticket, now: datetime) -> None:
    """Note the first response (only the first one counts)."""
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
    # Answering only removes something to watch, so the stored next check is still early enough; if it
    # was the first-response deadline, the sweeper finds nothing due then and computes the next one.


async def watch_again(session: AsyncSession, ticket: Ticket, now: datetime) -> None:
    """A reopened ticket: its deadlines apply again; the sweeper works out what is due on its next run."""
    if ticket.paused_at is None and (ticket.first_response_due_at or ticket.resolution_due_at) is not None:
        ticket.next_sla_check_at = now
