"""All queries of appointments, kinds and availability. An appointment is as visible as its ticket
(`visible_tickets`), everywhere: lists, GETs, writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from genk3600.auth.principal import Principal
from genk3600.kit.pagination import PageParams, keyset
from genk3600.models import (
    Appointment,
    AppointmentKind,
    Availability,
    AvailabilityException,
    Staff,
    StaffCalendarFeed,
    StaffMembership,
    Ticket,
    Unit,
)
from genk3600.models.enums import AppointmentStatus
from genk3600.privacy.visibility import visible_tickets

_DETAILS = (
    # The ticket's citizen (whom to mail, in which language) and category (which kinds fit it) come along.
    selectinload(Appointment.ticket).selectinload(Ticket.citizen),
    selectinload(Appointment.ticket).selectinload(Ticket.category),
    selectinload(Appointment.kind),
    selectinload(Appointment.unit),
    selectinload(Appointment.staff),
    selectinload(Appointment.desk),
)
BLOCKING = Appointment.status != AppointmentStatus.cancelled.value


@dataclass(frozen=True)
class Bookable:
    """Who can be booked: a staff member or a desk (exactly one of the ids)."""

    staff_id: int | None
    desk_unit_id: int | None

    @property
    def key(self) -> tuple[str, int]:
        return ("staff", self.staff_id) if self.staff_id is not None else ("desk", self.desk_unit_id or 0)


@dataclass(frozen=True)
class AppointmentFilter:
    ticket_reference: str | None = None
    staff_id: int | None = None
    status: AppointmentStatus | None = None
    since: datetime | None = None
    until: datetime | None = None


def _visible(viewer: Principal) -> ColumnElement[bool]:
    """The appointment's ticket passes the very check a GET of the ticket makes."""
    return exists(select(Ticket.id).where(Ticket.id == Appointment.ticket_id, visible_tickets(viewer)))


# --- kinds ------------------------------------------------------------------------------------------------


async def kind_by_code(session: AsyncSession, code: str) -> AppointmentKind | None:
    return await session.scalar(
        select(AppointmentKind).options(selectinload(AppointmentKind.unit)).where(AppointmentKind.code == code)
    )


async def list_kinds(session: AsyncSession, unit_id: int | None = None) -> Sequence[AppointmentKind]:
    statement = select(AppointmentKind).options(selectinload(AppointmentKind.unit)).order_by(AppointmentKind.code)
    if unit_id is not None:
        statement = statement.where(AppointmentKind.unit_id == unit_id)
    return (await session.scalars(statement)).all()


async def citizen_kinds(session: AsyncSession) -> Sequence[AppointmentKind]:
    """The active kinds citizens may book themselves."""
    statement = (
        select(AppointmentKind)
        .options(selectinload(AppointmentKind.unit))
        .where(AppointmentKind.active, AppointmentKind.citizen_bookable)
        .order_by(AppointmentKind.code)
    )
    return (await session.scalars(statement)).all()


# --- availability -----------------------------------------------------------------------------------------


def _of(model: type[Availability] | type[AvailabilityException], who: Bookable) -> ColumnElement[bool]:
    if who.staff_id is not None:
        return model.staff_id == who.staff_id
    return model.desk_unit_id == who.desk_unit_id


async def windows_of(session: AsyncSession, who: Bookable) -> Sequence[Availability]:
    statement = select(Availability).where(_of(Availability, who))
    return (await session.scalars(statement.order_by(Availability.weekday, Availability.opens))).all()


async def exceptions_of(session: AsyncSession, who: Bookable) -> Sequence[AvailabilityException]:
    statement = select(AvailabilityException).where(_of(AvailabilityException, who))
    return (await session.scalars(statement.order_by(AvailabilityException.since))).all()


async def remove_availability(session: AsyncSession, who: Bookable) -> None:
    """Every window and exception of the staff member or desk (their replacement follows in the same flush)."""
    for row in [*await windows_of(session, who), *await exceptions_of(session, who)]:
        await session.delete(row)
    await session.flush()


async def windows_for_unit(session: AsyncSession, unit_id: int) -> Sequence[Availability]:
    """The windows of everyone bookable for the unit's appointments: active staff and its desks."""
    statement = (
        select(Availability)
        .outerjoin(Staff, Staff.id == Availability.staff_id)
        .where(Availability.unit_id == unit_id, or_(Availability.staff_id.is_(None), Staff.active))
        .order_by(Availability.staff_id, Availability.desk_unit_id, Availability.weekday, Availability.opens)
    )
    return (await session.scalars(statement)).all()


async def taken(
    session: AsyncSession,
    staff_ids: Sequence[int],
    desk_ids: Sequence[int],
    since: datetime,
    until: datetime,
    *,
    moving: int | None = None,
) -> dict[tuple[str, int], list[tuple[datetime, datetime]]]:
    """Time already taken per staff member and desk between `since` and `until`: blocked appointment time
    (travel included) and exceptions (leave, training), leaving out the appointment being `moving`. Whatever
    the caller may see: it is only time."""
    out: dict[tuple[str, int], list[tuple[datetime, datetime]]] = {}
    resource = or_(Appointment.staff_id.in_(staff_ids), Appointment.desk_unit_id.in_(desk_ids))
    statement = select(Appointment.staff_id, Appointment.desk_unit_id, Appointment.blocked).where(
        resource, BLOCKING, Appointment.starts_at < until, Appointment.ends_at > since
    )
    if moving is not None:
        statement = statement.where(Appointment.id != moving)
    rows = await session.execute(statement)
    for staff_id, desk_id, blocked in rows:
        if blocked.lower is not None and blocked.upper is not None:  # always bounded: the service writes both
            out.setdefault(Bookable(staff_id, desk_id).key, []).append((blocked.lower, blocked.upper))
    leave = await session.execute(
        select(AvailabilityException.staff_id, AvailabilityException.desk_unit_id, AvailabilityException.since,
               AvailabilityException.until).where(
            or_(AvailabilityException.staff_id.in_(staff_ids), AvailabilityException.desk_unit_id.in_(desk_ids)),
            AvailabilityException.since < until,
            AvailabilityException.until > since,
        )
    )  # fmt: skip
    for staff_id, desk_id, begin, end in leave:
        out.setdefault(Bookable(staff_id, desk_id).key, []).append((begin, end))
    return out


async def names_of_staff(session: AsyncSession, staff_ids: Sequence[int]) -> dict[int, str]:
    if not staff_ids:
        return {}
    return dict((await session.execute(select(Staff.id, Staff.full_name).where(Staff.id.in_(staff_ids)))).all())


async def units_by_id(session: AsyncSession, unit_ids: Sequence[int]) -> dict[int, Unit]:
    if not unit_ids:
        return {}
    return {unit.id: unit for unit in (await session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))).all()}


# --- appointments -----------------------------------------------------------------------------------------


async def appointment_by_id(
    session: AsyncSession, appointment_id: int, viewer: Principal, *, lock: bool = False
) -> Appointment | None:
    """The appointment with its ticket, kind, unit and staff or desk, if `viewer` may see its ticket; `lock`
    holds the row until the transaction ends and reads it afresh."""
    statement = select(Appointment).options(*_DETAILS).where(Appointment.id == appointment_id, _visible(viewer))
    if lock:
        statement = statement.with_for_update(of=Appointment).execution_options(populate_existing=True)
    return await session.scalar(statement)


async def appointment_unchecked(session: AsyncSession, appointment_id: int) -> Appointment | None:
    """For the citizen's own booking (their access code was checked) and the reminder job."""
    statement = select(Appointment).options(*_DETAILS).where(Appointment.id == appointment_id)
    return await session.scalar(statement.execution_options(populate_existing=True))


async def list_appointments(
    session: AsyncSession, where: AppointmentFilter, params: PageParams, viewer: Principal
) -> Sequence[Appointment]:
    """Appointments matching the filter that `viewer` may see, newest first."""
    statement = select(Appointment).options(*_DETAILS).where(_visible(viewer))
    if where.ticket_reference is not None:
        statement = statement.where(
            Appointment.ticket_id.in_(select(Ticket.id).where(Ticket.reference == where.ticket_reference))
        )
    if where.staff_id is not None:
        statement = statement.where(Appointment.staff_id == where.staff_id)
    if where.status is not None:
        statement = statement.where(Appointment.status == where.status.value)
    if where.since is not None:
        statement = statement.where(Appointment.ends_at > where.since)
    if where.until is not None:
        statement = statement.where(Appointment.starts_at < where.until)
    return (await session.scalars(keyset(statement, Appointment.id, params, newest_first=True))).all()


async def booked_for_ticket(session: AsyncSession, ticket_id: int) -> Sequence[Appointment]:
    """The ticket's appointments still ahead or open (the citizen's status page shows them)."""
    statement = (
        select(Appointment)
        .options(*_DETAILS)
        .where(Appointment.ticket_id == ticket_id, Appointment.status == AppointmentStatus.booked.value)
        .order_by(Appointment.starts_at)
    )
    return (await session.scalars(statement)).all()


async def feed_of(session: AsyncSession, staff_id: int, since: datetime) -> Sequence[Appointment]:
    """A staff member's own appointments from `since` on, cancelled ones included (so calendars drop them)."""
    statement = (
        select(Appointment)
        .options(selectinload(Appointment.ticket), selectinload(Appointment.kind))
        .where(Appointment.staff_id == staff_id, Appointment.ends_at >= since)
        .order_by(Appointment.starts_at, Appointment.id)
    )
    return (await session.scalars(statement)).all()


async def lock_due_reminders(session: AsyncSession, now: datetime, batch: int) -> Sequence[Appointment]:
    """Booked appointments whose reminder is due and not sent, locked; concurrent jobs pass each other."""
    statement = (
        select(Appointment)
        .options(*_DETAILS)
        .where(
            Appointment.status == AppointmentStatus.booked.value,
            Appointment.reminder_sent_at.is_(None),
            Appointment.reminder_due_at.is_not(None),
            Appointment.reminder_due_at <= now,
            Appointment.starts_at > now,
        )
        .order_by(Appointment.reminder_due_at, Appointment.id)
        .limit(batch)
        .with_for_update(of=Appointment, skip_locked=True)
    )
    return (await session.scalars(statement)).all()


async def appointments_of_tickets(session: AsyncSession, ticket_ids: Sequence[int]) -> Sequence[Appointment]:
    """Every appointment on these tickets, whoever asks (subject access and erasure)."""
    statement = select(Appointment).where(Appointment.ticket_id.in_(ticket_ids)).order_by(Appointment.id)
    return (await session.scalars(statement)).all()


def erase_appointment(appointment: Appointment) -> None:
    """The free text and personal data of an appointment become "[erased]" (or null); its time stays, for the
    calendars and statistics. An ORM change, so each row is on the audit trail."""
    erased = "[erased]"
    for field in ("address", "representative_name", "representative_relationship", "representative_contact",
                  "note", "cancel_reason"):  # fmt: skip
        if getattr(appointment, field) is not None:
            setattr(appointment, field, erased)
    appointment.representative_citizen_id = None


# --- calendar feeds ---------------------------------------------------------------------------------------


async def feed_by_token_hash(session: AsyncSession, staff_id: int, token_hash: str) -> StaffCalendarFeed | None:
    return await session.scalar(
        select(StaffCalendarFeed).where(
            StaffCalendarFeed.staff_id == staff_id, StaffCalendarFeed.token_hash == token_hash
        )
    )


async def drop_feed(session: AsyncSession, staff_id: int) -> None:
    found = await session.get(StaffCalendarFeed, staff_id)
    if found is not None:
        await session.delete(found)
        await session.flush()


async def works_in_front_office(session: AsyncSession, staff_id: int) -> bool:
    """Whether the staff member belongs to a front-office unit (contact centre, reception, quick or thematic desk)."""
    found = await session.scalar(
        select(StaffMembership.id)
        .join(Unit, Unit.id == StaffMembership.unit_id)
        .where(StaffMembership.staff_id == staff_id, Unit.front_office)
        .limit(1)
    )
    return found is not None
