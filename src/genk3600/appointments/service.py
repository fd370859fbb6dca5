"""Appointments and home visits: availability, free slots, booking, moving, cancelling, the outcome.

Booking is race-free because the database says so: an exclusion constraint keeps one staff member's (or desk's)
blocked time from overlapping. Two agents booking the same slot both insert; the second insert waits for the
first transaction and then fails with the constraint's violation, which answers 409 with the next free slots.

An appointment is about a ticket and is as visible as it (need-to-know): whoever cannot GET the ticket cannot
see, book, move or cancel its appointments; for a social ticket only OCMW staff who see it by right are offered
(the citizen's own case worker first), never a desk. Booking counts as the ticket's first response (the SLA's
first-response clock stops). Every step is a timeline entry (tickets/timeline.py), so an event in the outbox
and an audit entry in the same transaction; the citizen gets each change by mail with an iCalendar invitation.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.appointments import ics, notice, repository
from genk3600.appointments.errors import (
    AppointmentClosed,
    AppointmentNotFound,
    AppointmentSubjectNotFound,
    AvailabilityInvalid,
    CalendarFeedNotFound,
    NotASlot,
    OutcomeTooEarly,
    SlotTaken,
    UnknownAppointmentKind,
    UnknownBookable,
)
from genk3600.appointments.notice import Notice
from genk3600.appointments.repository import AppointmentFilter, Bookable
from genk3600.appointments.schemas import (
    AppointmentCancelIn,
    AppointmentIn,
    AppointmentKindIn,
    AppointmentKindList,
    AppointmentKindOut,
    AppointmentOut,
    AppointmentPage,
    AppointmentRepresentativeIn,
    AvailabilityIn,
    AvailabilityOut,
    CalendarFeedOut,
    FreeSlot,
    FreeSlots,
    MoveIn,
    OutcomeIn,
    PublicAppointment,
    PublicBookingIn,
    PublicSlot,
    PublicSlots,
)
from genk3600.appointments.slots import Slot, Window, free_slots, is_slot
from genk3600.audit.trail import audit_read, audit_reads
from genk3600.auth.principal import Principal, system_principal
from genk3600.config import Settings
from genk3600.contacts import repository as contacts_repository
from genk3600.contacts.intake import Intake
from genk3600.contacts.service import record_intake
from genk3600.households import service as households
from genk3600.households.errors import OutsideConsent
from genk3600.i18n.catalogue import P_, format_moment
from genk3600.i18n.texts import Message, localised_name
from genk3600.kit.clock import Clock
from genk3600.kit.pagination import PageParams, encode_cursor
from genk3600.kit.reference import normalise_reference
from genk3600.models import (
    Appointment,
    AppointmentKind,
    Availability,
    AvailabilityException,
    Contact,
    StaffCalendarFeed,
    Ticket,
    Unit,
)
from genk3600.models.enums import (
    AppointmentOutcome,
    AppointmentStatus,
    BookedVia,
    Channel,
    ConsentScope,
    Direction,
    Language,
    PartyRelationship,
    PartyRole,
    Role,
    Scope,
    TicketEventType,
    UnitKind,
)
from genk3600.participation.schemas import ParticipationIn
from genk3600.participation.service import record_participation
from genk3600.parties import service as parties
from genk3600.parties.schemas import PartyIn
from genk3600.privacy import ocmw
from genk3600.public.access import code_matches
from genk3600.public.service import PublicTicketNotFound
from genk3600.sla import deadlines
from genk3600.sla.deadlines import calendar_for_unit
from genk3600.sla.sla import BusinessCalendar
from genk3600.staff.errors import StaffNotFound
from genk3600.staff.repository import staff_by_id
from genk3600.tickets import repository as ticket_repository
from genk3600.tickets import timeline
from genk3600.tickets.errors import TicketNotFound
from genk3600.tickets.schemas import AssigneeOut
from genk3600.units.errors import UnitNotFound
from genk3600.units.repository import unit_by_code

# How far ahead free slots are looked for by default, and how many alternatives a 409 names.
DEFAULT_HORIZON = timedelta(days=28)
MAX_HORIZON = timedelta(days=92)
ALTERNATIVES = 5
DESK_UNIT_KINDS = frozenset({UnitKind.reception.value, UnitKind.quick_desk.value, UnitKind.thematic_desk.value})
OVERLAP_CONSTRAINTS = ("ex_appointment_staff_overlap", "ex_appointment_desk_overlap")


# --- kinds ------------------------------------------------------------------------------------------------


async def put_kind(session: AsyncSession, code: str, data: AppointmentKindIn, language: Language) -> AppointmentKindOut:
    """Create or replace an appointment kind (admin)."""
    unit = await unit_by_code(session, data.unit)
    if unit is None:
        raise UnitNotFound(data.unit)
    kind = await repository.kind_by_code(session, code)
    if kind is None:
        kind = AppointmentKind(code=code)
        session.add(kind)
    kind.name, kind.names, kind.unit_id, kind.unit = (
        data.name,
        {k.value: v for k, v in data.names.items()},
        unit.id,
        unit,
    )
    kind.category_prefix = data.category_prefix
    kind.duration_minutes, kind.home_visit, kind.travel_minutes = (
        data.duration_minutes,
        data.home_visit,
        data.travel_minutes,
    )
    kind.citizen_bookable, kind.active = data.citizen_bookable, data.active
    await session.flush()
    return AppointmentKindOut.of(kind, language)


async def list_kinds(session: AsyncSession, unit_code: str | None, language: Language) -> AppointmentKindList:
    unit_id = None
    if unit_code is not None:
        unit = await unit_by_code(session, unit_code)
        if unit is None:
            raise UnitNotFound(unit_code)
        unit_id = unit.id
    return AppointmentKindList(
        items=[AppointmentKindOut.of(k, language) for k in await repository.list_kinds(session, unit_id)]
    )


# --- availability -----------------------------------------------------------------------------------------


async def _desk(session: AsyncSession, code: str) -> Unit:
    unit = await unit_by_code(session, code)
    if unit is None:
        raise UnitNotFound(code)
    if unit.kind not in DESK_UNIT_KINDS:
        raise AvailabilityInvalid(
            P_("{unit!r} is not a desk (reception, quick desk or thematic desk)."), params={"unit": code}, unit=code
        )
    return unit


async def _availability_out(session: AsyncSession, who: Bookable, desk: str | None) -> AvailabilityOut:
    windows = list(await repository.windows_of(session, who))
    exceptions = list(await repository.exceptions_of(session, who))
    units = await repository.units_by_id(session, sorted({w.unit_id for w in windows}))
    return AvailabilityOut.of(who.staff_id, desk, windows, exceptions, {k: u.code for k, u in units.items()})


async def get_staff_availability(session: AsyncSession, staff_id: int) -> AvailabilityOut:
    if await staff_by_id(session, staff_id) is None:
        raise StaffNotFound(staff_id)
    return await _availability_out(session, Bookable(staff_id, None), None)


async def get_desk_availability(session: AsyncSession, unit_code: str) -> AvailabilityOut:
    desk = await _desk(session, unit_code)
    return await _availability_out(session, Bookable(None, desk.id), desk.code)


async def put_staff_availability(session: AsyncSession, staff_id: int, data: AvailabilityIn) -> AvailabilityOut:
    """Replace a staff member's weekly availability and exceptions; each window is for one of their units."""
    staff = await staff_by_id(session, staff_id)
    if staff is None:
        raise StaffNotFound(staff_id)
    own = [m.unit_id for m in staff.memberships]
    windows = []
    for window in data.windows:
        if window.unit is None:
            if not own:
                raise AvailabilityInvalid(P_("{staff} belongs to no unit."), params={"staff": staff.full_name})
            unit_id = own[0]
        else:
            unit = await unit_by_code(session, window.unit)
            if unit is None or unit.id not in own:
                raise AvailabilityInvalid(
                    P_("{staff} does not work in {unit!r}."),
                    params={"staff": staff.full_name, "unit": window.unit},
                    unit=window.unit,
                )
            unit_id = unit.id
        windows.append((unit_id, window))
    who = Bookable(staff.id, None)
    await _replace(session, who, windows, data)
    return await _availability_out(session, who, None)


async def put_desk_availability(session: AsyncSession, unit_code: str, data: AvailabilityIn) -> AvailabilityOut:
    """Replace a desk's weekly availability and exceptions."""
    desk = await _desk(session, unit_code)
    if any(window.unit not in (None, desk.code) for window in data.windows):
        raise AvailabilityInvalid(P_("A desk's windows are for the desk itself; leave `unit` out."))
    who = Bookable(None, desk.id)
    await _replace(session, who, [(desk.id, window) for window in data.windows], data)
    return await _availability_out(session, who, desk.code)


async def _replace(session: AsyncSession, who: Bookable, windows: list[tuple[int, Any]], data: AvailabilityIn) -> None:
    await repository.remove_availability(session, who)
    session.add_all(
        Availability(
            unit_id=unit_id,
            staff_id=who.staff_id,
            desk_unit_id=who.desk_unit_id,
            weekday=w.weekday,
            opens=w.opens,
            closes=w.closes,
            first_day=w.first_day,
            last_day=w.last_day,
        )
        for unit_id, w in windows
    )
    session.add_all(
        AvailabilityException(
            staff_id=who.staff_id, desk_unit_id=who.desk_unit_id, reason=e.reason.value, since=e.starts_at,
            until=e.ends_at, note=e.note,
        )
        for e in data.exceptions
    )  # fmt: skip
    await session.flush()


# --- who can be booked, and when ----------------------------------------------------------------------------


@dataclass
class Candidate:
    who: Bookable
    name: str  # the staff member's name or the desk's code
    windows: list[Window]
    case_worker: bool = False


def _as_principal(staff_id: int, name: str) -> Principal:
    """A staff member as `visible_tickets` sees them (it needs only who they are)."""
    return Principal(kind="staff", id=staff_id, name=name, scopes=frozenset())


def _fits(kind: AppointmentKind, ticket: Ticket) -> bool:
    if kind.category_prefix is None:
        return True
    return ticket.category is not None and ticket.category.code.startswith(kind.category_prefix)


async def _kind_for(session: AsyncSession, code: str, ticket: Ticket, *, citizen: bool = False) -> AppointmentKind:
    kind = await repository.kind_by_code(session, code)
    if kind is None or not kind.active or (citizen and not kind.citizen_bookable):
        raise UnknownAppointmentKind(
            P_("There is no appointment kind {kind!r} that can be booked here."), params={"kind": code}, kind=code
        )
    if not _fits(kind, ticket):
        raise UnknownAppointmentKind(
            P_("Appointment kind {kind!r} is not for questions of this category."), params={"kind": code}, kind=code
        )
    return kind


async def _candidates(session: AsyncSession, kind: AppointmentKind, ticket: Ticket) -> list[Candidate]:
    """Everyone bookable for the kind who may see the ticket; for a social ticket only OCMW staff who see it by
    right (no desk), the citizen's own case worker first."""
    rows = await repository.windows_for_unit(session, kind.unit_id)
    by_key: dict[tuple[str, int], Candidate] = {}
    staff_names = await repository.names_of_staff(session, sorted({r.staff_id for r in rows if r.staff_id}))
    desks = await repository.units_by_id(session, sorted({r.desk_unit_id for r in rows if r.desk_unit_id}))
    for row in rows:
        who = Bookable(row.staff_id, row.desk_unit_id)
        if who.key not in by_key:
            name = staff_names[row.staff_id] if row.staff_id is not None else desks[row.desk_unit_id or 0].code
            by_key[who.key] = Candidate(who, name, [])
        by_key[who.key].windows.append(Window(row.weekday, row.opens, row.closes, row.first_day, row.last_day))
    social = ocmw.is_social(ticket)
    case_worker_id = ticket.citizen.case_worker_id if ticket.citizen is not None else None
    out = []
    for candidate in by_key.values():
        staff_id = candidate.who.staff_id
        if kind.home_visit and staff_id is None:
            continue  # a desk makes no home visits
        if staff_id is None:
            if social:
                continue
        elif social:
            if not await ticket_repository.may_hold_social(session, ticket.id, staff_id):
                continue
        elif not await ticket_repository.is_visible(session, ticket.id, _as_principal(staff_id, candidate.name)):
            continue
        candidate.case_worker = social and staff_id is not None and staff_id == case_worker_id
        out.append(candidate)
    out.sort(key=lambda c: not c.case_worker)
    return out


def _travel(kind: AppointmentKind) -> timedelta:
    return timedelta(minutes=kind.travel_minutes if kind.home_visit else 0)


async def _slots(
    session: AsyncSession,
    calendar: BusinessCalendar,
    kind: AppointmentKind,
    candidates: list[Candidate],
    since: datetime,
    until: datetime,
    limit: int,
) -> list[tuple[Candidate, Slot]]:
    """Free slots of the candidates: the case worker's first, then everyone's by time."""
    staff_ids = [c.who.staff_id for c in candidates if c.who.staff_id is not None]
    desk_ids = [c.who.desk_unit_id for c in candidates if c.who.desk_unit_id is not None]
    travel = _travel(kind)
    taken = await repository.taken(session, staff_ids, desk_ids, since - travel, until + travel + timedelta(days=1))
    duration = timedelta(minutes=kind.duration_minutes)
    preferred: list[tuple[Candidate, Slot]] = []
    others: list[tuple[Candidate, Slot]] = []
    for candidate in candidates:
        found = free_slots(
            candidate.windows, calendar, taken.get(candidate.who.key, []), duration, since, until,
            travel_before=travel, travel_after=travel, limit=limit,
        )  # fmt: skip
        (preferred if candidate.case_worker else others).extend((candidate, slot) for slot in found)
    others.sort(key=lambda pair: (pair[1].starts_at, pair[0].name))
    return (preferred + others)[:limit]


def _free_slot(kind: AppointmentKind, candidate: Candidate, slot: Slot) -> FreeSlot:
    staff_id = candidate.who.staff_id
    return FreeSlot(
        kind=kind.code,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        staff=AssigneeOut(id=staff_id, full_name=candidate.name) if staff_id is not None else None,
        desk=candidate.name if staff_id is None else None,
        case_worker=candidate.case_worker,
    )


async def _ticket_to_book(
    session: AsyncSession, settings: Settings, reference: str, viewer: Principal, access_code: str | None
) -> Ticket | None:
    """The ticket as the viewer sees it; or, for front-office staff who give the citizen's access code, a social
    case they may not read: the one front door books the case worker's home visit without opening the case
    (the answers carry only the booking, never the ticket's contents)."""
    ticket = await ticket_repository.ticket_by_reference(session, reference, viewer)
    if ticket is not None or access_code is None or viewer.staff_id is None:
        return ticket
    if not await repository.works_in_front_office(session, viewer.staff_id):
        return None
    found = await ticket_repository.ticket_by_reference_unchecked(session, normalise_reference(reference))
    # The code is checked even when there is no ticket, so both misses cost one HMAC and look the same.
    matches = code_matches(settings.secret, access_code, found.access_code_hash if found else None)
    return found if matches else None


async def free_slots_for_ticket(
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    viewer: Principal,
    reference: str,
    kind_code: str,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    access_code: str | None = None,
) -> FreeSlots:
    """Free slots of one kind for a ticket, the citizen's case worker's first for a social ticket."""
    ticket = await _ticket_to_book(session, settings, reference, viewer, access_code)
    if ticket is None:
        raise TicketNotFound(reference)
    kind = await _kind_for(session, kind_code, ticket)
    start = max(since or clock.now(), clock.now())
    # Bounded: slots are worked out day by day, so a far `until` must not make one request walk years.
    end = min(until or start + DEFAULT_HORIZON, start + MAX_HORIZON)
    calendar = await calendar_for_unit(session, kind.unit_id, settings.timezone)
    pairs = await _slots(session, calendar, kind, await _candidates(session, kind, ticket), start, end, limit)
    await audit_read(session, viewer, "appointment_slots", str(ticket.id), ticket.confidentiality)
    return FreeSlots(items=[_free_slot(kind, c, s) for c, s in pairs])


# --- booking ----------------------------------------------------------------------------------------------


def reminder_moment(settings: Settings, starts_at: datetime, now: datetime) -> datetime | None:
    """The day before the appointment at the reminder hour (local time); None if that moment has passed."""
    zone = settings.zone
    day = starts_at.astimezone(zone).date() - timedelta(days=1)
    due = datetime(day.year, day.month, day.day, settings.appointment_reminder_hour, tzinfo=zone).astimezone(UTC)
    return due if due > now else None


async def _alternatives(
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    kind: AppointmentKind,
    ticket: Ticket,
    prefer: Bookable | None,
    *,
    public: bool = False,
) -> list[dict[str, Any]]:
    """The next free slots of the kind for the ticket, the same staff member's or desk's first; for the citizen
    (`public`) only times, without who."""
    calendar = await calendar_for_unit(session, kind.unit_id, settings.timezone)
    candidates = await _candidates(session, kind, ticket)
    if prefer is not None:
        candidates.sort(key=lambda c: c.who != prefer)
        for candidate in candidates:
            candidate.case_worker = candidate.case_worker or candidate.who == prefer
    now = clock.now()
    if public:
        times = await _public_times(session, calendar, kind, candidates, now, now + DEFAULT_HORIZON, ALTERNATIVES)
        return [_public_slot(kind, slot, Language(ticket.language)).model_dump(mode="json") for slot in times]
    pairs = await _slots(session, calendar, kind, candidates, now, now + DEFAULT_HORIZON, ALTERNATIVES)
    return [_free_slot(kind, c, s).model_dump(mode="json") for c, s in pairs]


async def _check_slot(
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    kind: AppointmentKind,
    ticket: Ticket,
    who: Bookable,
    starts_at: datetime,
    *,
    moving: int | None = None,
    public: bool = False,
) -> Candidate:
    """The candidate, if `starts_at` begins one of their slots for the kind; 422 otherwise."""
    candidates = await _candidates(session, kind, ticket)
    candidate = next((c for c in candidates if c.who == who), None)
    if candidate is None:
        raise UnknownBookable(
            P_(
                "This staff member or desk cannot be booked for {kind!r} on this ticket (no availability for its "
                "unit, or the ticket is not theirs to see)."
            ),
            params={"kind": kind.code},
        )
    if starts_at < clock.now():
        raise NotASlot(P_("The slot has begun already; choose one still to come."))
    calendar = await calendar_for_unit(session, kind.unit_id, settings.timezone)
    travel = _travel(kind)
    duration = timedelta(minutes=kind.duration_minutes)
    if not is_slot(candidate.windows, calendar, duration, starts_at, travel_before=travel, travel_after=travel):
        raise NotASlot(
            P_("{starts_at} does not begin a slot of {kind!r}; ask for the free slots and choose one."),
            params={"starts_at": starts_at.isoformat(), "kind": kind.code},
        )
    taken = await repository.taken(
        session, [who.staff_id] if who.staff_id else [], [who.desk_unit_id] if who.desk_unit_id else [],
        starts_at - travel, starts_at + duration + travel, moving=moving,
    )  # fmt: skip
    begin, end = starts_at - travel, starts_at + duration + travel
    if any(b < end and begin < e for b, e in taken.get(who.key, [])):
        # Taken by a booking already committed, or the person is on leave: the same answer as a lost race.
        raise SlotTaken(await _alternatives(session, settings, clock, kind, ticket, who, public=public))
    return candidate


async def _insert(
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    appointment: Appointment,
    kind: AppointmentKind,
    *,
    public: bool = False,
) -> None:
    """Write the appointment in a savepoint: losing the race to an overlapping booking is a 409 naming the next
    free slots, and the request's transaction stays usable to work them out."""
    try:
        async with session.begin_nested():
            session.add(appointment)
            await session.flush()
    except IntegrityError as exc:
        if not any(name in str(exc.orig) for name in OVERLAP_CONSTRAINTS):
            raise
        who = Bookable(appointment.staff_id, appointment.desk_unit_id)
        alternatives = await _alternatives(session, settings, clock, kind, appointment.ticket, who, public=public)
        raise SlotTaken(alternatives) from None


def _blocked(starts_at: datetime, kind: AppointmentKind) -> tuple[datetime, Range[datetime]]:
    ends_at = starts_at + timedelta(minutes=kind.duration_minutes)
    travel = _travel(kind)
    return ends_at, Range(starts_at - travel, ends_at + travel, bounds="[)")


def _facts(appointment: Appointment) -> dict[str, Any]:
    """What every appointment entry says (ids and codes only: it goes out as the event's data)."""
    return {
        "appointment_id": appointment.id,
        "kind": appointment.kind.code,
        "staff_id": appointment.staff_id,
        "desk_unit_id": appointment.desk_unit_id,
        "home_visit": appointment.home_visit,
        "starts_at": appointment.starts_at.isoformat(),
        "ends_at": appointment.ends_at.isoformat(),
        "status": appointment.status,
    }


def _with(appointment: Appointment) -> list[Any]:
    return [appointment.desk.code if appointment.desk else appointment.unit.code,
            appointment.staff.full_name if appointment.staff else None]  # fmt: skip


async def _mail(
    session: AsyncSession, settings: Settings, appointment: Appointment, which: Notice, now: datetime
) -> int | None:
    citizen = appointment.ticket.citizen
    if citizen is None or not citizen.email:
        return None
    return (await notice.queue_mail(session, settings, appointment, which, citizen.email, now)).id


def _language(ticket: Ticket) -> Language:
    if ticket.citizen is not None:
        return Language(ticket.citizen.preferred_language)
    return Language(ticket.language)


async def _check_representative(
    session: AsyncSession, ticket: Ticket, representative_citizen_id: int | None, starts_at: datetime
) -> None:
    """A known citizen who comes for the ticket's citizen acts for them (households/): on the appointment's day
    their consent must cover booking it (`appointments`) and the contact the visit becomes (`applications`, or
    `social` on a social case); else 422 `outside-consent` before anything is written."""
    if representative_citizen_id is None or ticket.citizen_id is None or representative_citizen_id == ticket.citizen_id:
        return
    on_day = households.day_of(starts_at)
    for scope in (ConsentScope.appointments, households.scope_for(ticket.confidentiality)):
        if (
            await households.active_representation(
                session,
                citizen_id=ticket.citizen_id,
                representative_citizen_id=representative_citizen_id,
                scope=scope,
                on_day=on_day,
            )
            is None
        ):
            raise OutsideConsent(representative_citizen_id, ticket.citizen_id, scope.value, on_day)


async def book(
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    actor: Principal,
    ticket: Ticket,
    kind: AppointmentKind,
    who: Bookable,
    starts_at: datetime,
    *,
    address: str | None,
    representative: AppointmentRepresentativeIn | None,
    note: str | None,
    via: BookedVia,
) -> Appointment:
    """Book a slot (checked, then guarded by the database); the ticket's first response; the citizen's mail."""
    now = clock.now()
    public = via is BookedVia.citizen
    await _check_representative(session, ticket, representative.citizen_id if representative else None, starts_at)
    await _check_slot(session, settings, clock, kind, ticket, who, starts_at, public=public)
    if kind.home_visit and not address:
        raise NotASlot(P_("A home visit needs the address to visit."))
    ends_at, blocked = _blocked(starts_at, kind)
    travel = kind.travel_minutes if kind.home_visit else 0
    appointment = Appointment(
        ticket=ticket,
        ticket_id=ticket.id,
        kind=kind,
        kind_id=kind.id,
        unit=kind.unit,
        unit_id=kind.unit_id,
        staff_id=who.staff_id,
        staff=await staff_by_id(session, who.staff_id) if who.staff_id else None,
        desk_unit_id=who.desk_unit_id,
        desk=(await repository.units_by_id(session, [who.desk_unit_id]))[who.desk_unit_id]
        if who.desk_unit_id
        else None,
        starts_at=starts_at,
        ends_at=ends_at,
        blocked=blocked,
        status=AppointmentStatus.booked.value,
        home_visit=kind.home_visit,
        address=address if kind.home_visit else None,
        travel_before_minutes=travel,
        travel_after_minutes=travel,
        language=_language(ticket).value,
        booked_via=via.value,
        representative_name=representative.name if representative else None,
        representative_relationship=representative.relationship if representative else None,
        representative_contact=representative.contact if representative else None,
        representative_citizen_id=representative.citizen_id if representative else None,
        note=note,
        uid=f"{uuid.uuid4()}@{settings.mail_domain}",
        sequence=0,
        reminder_due_at=reminder_moment(settings, starts_at, now),
        reminder_sent_at=None,
        contact_id=None,
        outcome_at=None,
        cancel_reason=None,
        actor_staff_id=actor.staff_id,
        actor_api_client_id=actor.api_client_id,
        actor_name=actor.display_name,
        created_at=now,
    )
    await _insert(session, settings, clock, appointment, kind, public=public)
    # Booking a time with the citizen answers them: the first-response clock stops (sla/deadlines.py).
    locked = await ticket_repository.lock_ticket(session, ticket.id) or ticket
    await deadlines.record_first_response(session, locked, now)
    mail_id = await _mail(session, settings, appointment, Notice.booked, now)
    text = Message(
        "appointment.booked",
        {"kind": kind.code, "with": _with(appointment), "when": starts_at.isoformat(), "via": via.value},
    )
    await timeline.record_event(
        session, locked, actor, TicketEventType.appointment_booked, text,
        {**_facts(appointment), "booked_via": via.value, "outbound_mail_id": mail_id},
    )  # fmt: skip
    return appointment


async def _bookable(session: AsyncSession, staff_id: int | None, desk: str | None) -> Bookable:
    if staff_id is not None:
        return Bookable(staff_id, None)
    unit = await unit_by_code(session, desk or "")
    if unit is None:
        raise UnknownBookable(P_("There is no desk with code {desk!r}."), params={"desk": desk})
    return Bookable(None, unit.id)


async def book_for_staff(
    session: AsyncSession, settings: Settings, clock: Clock, actor: Principal, data: AppointmentIn, language: Language
) -> AppointmentOut:
    """Book through the API or the console."""
    ticket = await _ticket_to_book(session, settings, data.ticket, actor, data.access_code)
    if ticket is None:
        raise AppointmentSubjectNotFound(data.ticket)
    kind = await _kind_for(session, data.kind, ticket)
    who = await _bookable(session, data.staff_id, data.desk)
    appointment = await book(
        session, settings, clock, actor, ticket, kind, who, data.starts_at,
        address=data.address, representative=data.representative, note=data.note, via=BookedVia.staff,
    )  # fmt: skip
    return AppointmentOut.of(appointment, language)


# --- the citizen's own booking (the status page, with the access code) --------------------------------------

CITIZEN = system_principal("citizen (status page)")


async def _public_times(
    session: AsyncSession,
    calendar: BusinessCalendar,
    kind: AppointmentKind,
    candidates: list[Candidate],
    since: datetime,
    until: datetime,
    limit: int,
) -> list[Slot]:
    """The times at which someone can receive the citizen, each once, earliest first."""
    pairs = await _slots(session, calendar, kind, candidates, since, until, limit * 4)
    times = sorted({slot.starts_at: slot for _, slot in pairs}.values(), key=lambda slot: slot.starts_at)
    return times[:limit]


def _public_slot(kind: AppointmentKind, slot: Slot, language: Language) -> PublicSlot:
    return PublicSlot(
        kind=kind.code,
        kind_name=localised_name(kind.name, kind.names, language),
        home_visit=kind.home_visit,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
    )


async def _ticket_with_code(
    session: AsyncSession, settings: Settings, reference: str, code: str, language: Language
) -> Ticket:
    """The ticket behind reference and access code (full details), or the status page's 404."""
    ticket = await ticket_repository.ticket_by_reference_unchecked(session, normalise_reference(reference))
    # The code is checked even when there is no ticket, so both misses cost one HMAC and look the same.
    matches = code_matches(settings.secret, code, ticket.access_code_hash if ticket else None)
    if ticket is None or not matches:
        raise PublicTicketNotFound(language)
    return ticket


async def public_slots(
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    reference: str,
    code: str,
    kind_code: str | None,
    language: Language,
    limit: int,
) -> PublicSlots:
    """Free times of the kinds open to citizens that fit the ticket (times only: never who)."""
    ticket = await _ticket_with_code(session, settings, reference, code, language)
    now = clock.now()
    items: list[PublicSlot] = []
    for kind in await repository.citizen_kinds(session):
        if (kind_code is not None and kind.code != kind_code) or not _fits(kind, ticket):
            continue
        calendar = await calendar_for_unit(session, kind.unit_id, settings.timezone)
        candidates = await _candidates(session, kind, ticket)
        times = await _public_times(session, calendar, kind, candidates, now, now + DEFAULT_HORIZON, limit)
        items += [_public_slot(kind, slot, language) for slot in times]
    items.sort(key=lambda item: (item.starts_at, item.kind))
    return PublicSlots(items=items[:limit])


async def public_book(
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    reference: str,
    code: str,
    data: PublicBookingIn,
    language: Language,
) -> PublicAppointment:
    """The citizen books a free time of a kind open to citizens; whoever is free then receives them (their own
    case worker first)."""
    ticket = await _ticket_with_code(session, settings, reference, code, language)
    kind = await _kind_for(session, data.kind, ticket, citizen=True)
    calendar = await calendar_for_unit(session, kind.unit_id, settings.timezone)
    candidates = await _candidates(session, kind, ticket)
    end = data.starts_at + timedelta(minutes=kind.duration_minutes)
    pairs = await _slots(session, calendar, kind, candidates, data.starts_at, end, len(candidates) * 2 + 2)
    free = [candidate for candidate, slot in pairs if slot.starts_at == data.starts_at]
    if not free:
        if not any(is_slot(c.windows, calendar, end - data.starts_at, data.starts_at,
                           travel_before=_travel(kind), travel_after=_travel(kind)) for c in candidates):  # fmt: skip
            raise NotASlot(
                P_("{starts_at} does not begin a slot of {kind!r}; ask for the free slots and choose one."),
                params={"starts_at": data.starts_at.isoformat(), "kind": kind.code},
            )
        raise SlotTaken(await _alternatives(session, settings, clock, kind, ticket, None, public=True))
    appointment = await book(
        session, settings, clock, CITIZEN, ticket, kind, free[0].who, data.starts_at,
        address=data.address, representative=data.representative, note=None, via=BookedVia.citizen,
    )  # fmt: skip
    return PublicAppointment(
        reference=ticket.reference,
        kind_name=localised_name(kind.name, kind.names, language),
        home_visit=kind.home_visit,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        address=appointment.address,
        when=format_moment(appointment.starts_at, language, settings.zone),
    )


# --- reading ----------------------------------------------------------------------------------------------


async def get_appointment(
    session: AsyncSession, viewer: Principal, appointment_id: int, language: Language
) -> AppointmentOut:
    appointment = await repository.appointment_by_id(session, appointment_id, viewer)
    if appointment is None:
        raise AppointmentNotFound(appointment_id)
    await audit_read(session, viewer, "appointment", str(appointment.id), appointment.ticket.confidentiality)
    return AppointmentOut.of(appointment, language)


async def list_appointments(
    session: AsyncSession, viewer: Principal, where: AppointmentFilter, params: PageParams, language: Language
) -> AppointmentPage:
    rows = await repository.list_appointments(session, where, params, viewer)
    shown = rows[: params.limit]
    await audit_reads(
        session, viewer, "list_appointments", [(row.ticket_id, row.ticket.confidentiality) for row in shown]
    )
    more = len(rows) > params.limit
    return AppointmentPage(
        items=[AppointmentOut.of(row, language) for row in shown],
        next_cursor=encode_cursor(shown[-1].id) if more and shown else None,
    )


# --- changing ---------------------------------------------------------------------------------------------


async def _locked(session: AsyncSession, appointment_id: int, actor: Principal) -> Appointment:
    appointment = await repository.appointment_by_id(session, appointment_id, actor, lock=True)
    if appointment is None:
        raise AppointmentNotFound(appointment_id)
    if appointment.status != AppointmentStatus.booked.value:
        raise AppointmentClosed(appointment.id, appointment.status)
    return appointment


async def move(
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    actor: Principal,
    appointment_id: int,
    data: MoveIn,
    language: Language,
) -> AppointmentOut:
    """Move a booked appointment to another free slot (and optionally another staff member)."""
    now = clock.now()
    appointment = await _locked(session, appointment_id, actor)
    kind = appointment.kind
    ticket = await ticket_repository.ticket_by_id(session, appointment.ticket_id) or appointment.ticket
    staff_id = data.staff_id or appointment.staff_id
    who = Bookable(staff_id, None if staff_id else appointment.desk_unit_id)
    await _check_representative(session, ticket, appointment.representative_citizen_id, data.starts_at)
    # The appointment's own time does not stand in its way.
    await _check_slot(session, settings, clock, kind, ticket, who, data.starts_at, moving=appointment.id)
    before = appointment.starts_at
    ends_at, blocked = _blocked(data.starts_at, kind)
    appointment.starts_at, appointment.ends_at, appointment.blocked = data.starts_at, ends_at, blocked
    if who.staff_id != appointment.staff_id:
        appointment.staff_id = who.staff_id
        appointment.staff = await staff_by_id(session, who.staff_id) if who.staff_id else None
    appointment.sequence += 1
    appointment.reminder_due_at = reminder_moment(settings, data.starts_at, now)
    appointment.reminder_sent_at = None
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        if not any(name in str(exc.orig) for name in OVERLAP_CONSTRAINTS):
            raise
        raise SlotTaken(await _alternatives(session, settings, clock, kind, ticket, who)) from None
    mail_id = await _mail(session, settings, appointment, Notice.moved, now)
    await timeline.record_event(
        session, appointment.ticket, actor, TicketEventType.appointment_moved,
        Message("appointment.moved", {"kind": kind.code, "with": _with(appointment),
                                      "when": data.starts_at.isoformat(), "before": before.isoformat()}),
        {**_facts(appointment), "previous_starts_at": before.isoformat(), "outbound_mail_id": mail_id},
    )  # fmt: skip
    return AppointmentOut.of(appointment, language)


async def cancel(
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    actor: Principal,
    appointment_id: int,
    data: AppointmentCancelIn,
    language: Language,
) -> AppointmentOut:
    """Cancel a booked appointment: its time is free again, the citizen gets the cancellation."""
    now = clock.now()
    appointment = await _locked(session, appointment_id, actor)
    appointment.status, appointment.cancel_reason = AppointmentStatus.cancelled.value, data.reason
    appointment.sequence += 1
    await session.flush()
    mail_id = await _mail(session, settings, appointment, Notice.cancelled, now)
    await timeline.record_event(
        session, appointment.ticket, actor, TicketEventType.appointment_cancelled,
        Message("appointment.cancelled", {"kind": appointment.kind.code, "when": appointment.starts_at.isoformat(),
                                          "note": data.reason}),
        {**_facts(appointment), "outbound_mail_id": mail_id},
    )  # fmt: skip
    return AppointmentOut.of(appointment, language)


async def record_outcome(
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    actor: Principal,
    appointment_id: int,
    data: OutcomeIn,
    language: Language,
) -> AppointmentOut:
    """Held: a contact on the ticket (channel `appointment` or `home_visit`) with the handler's role. No-show: an
    outcome on the appointment and the timeline, no contact."""
    now = clock.now()
    appointment = await _locked(session, appointment_id, actor)
    if appointment.starts_at > now:
        raise OutcomeTooEarly(appointment.id)
    appointment.outcome_at = now
    if data.outcome is AppointmentOutcome.no_show:
        appointment.status = AppointmentStatus.no_show.value
        await session.flush()
        await timeline.record_event(
            session, appointment.ticket, actor, TicketEventType.appointment_no_show,
            Message("appointment.no_show", {"kind": appointment.kind.code, "when": appointment.starts_at.isoformat(),
                                            "note": data.note}),
            _facts(appointment),
        )  # fmt: skip
        return AppointmentOut.of(appointment, language)
    channel = Channel.home_visit if appointment.home_visit else Channel.appointment
    ticket = appointment.ticket
    recorded = await record_intake(
        session,
        settings,
        clock,
        actor,
        Intake(
            channel=channel,
            body=data.note or appointment.kind.name,
            direction=Direction.outbound if appointment.home_visit else Direction.inbound,
            language=Language(appointment.language),
            channel_details={"appointment_id": appointment.id, "kind": appointment.kind.code,
                             **({"unit": appointment.desk.code} if appointment.desk else {})},
            occurred_at=appointment.starts_at,
            external_id=appointment.uid,
            ticket_reference=ticket.reference,
            reached_citizen=True,
        ),
        language,
    )  # fmt: skip
    contact = await _contact(session, recorded.contact_id)
    if contact.citizen_id is None:
        contact.citizen_id = ticket.citizen_id
    role = ParticipationIn(
        role=data.role or Role.informing,
        staff_id=None if actor.kind == "staff" else appointment.staff_id,
        note=data.note,
    )
    await record_participation(session, actor, contact, role, language)
    if (representative := _representative_party(appointment)) is not None:
        # Who came with or for the citizen is a party of the contact (its consent was checked at booking).
        await parties.record_at_intake(
            session, actor, contact.id, channel.value, ticket.id, ticket.citizen_id, [representative]
        )
    appointment.status, appointment.contact_id = AppointmentStatus.held.value, contact.id
    await session.flush()
    await timeline.record_event(
        session, ticket, actor, TicketEventType.appointment_held,
        Message("appointment.held", {"kind": appointment.kind.code, "when": appointment.starts_at.isoformat(),
                                     "role": role.role.value}),
        {**_facts(appointment), "contact_id": contact.id, "role": role.role.value},
    )  # fmt: skip
    return AppointmentOut.of(appointment, language)


def _representative_party(appointment: Appointment) -> PartyIn | None:
    """The appointment's representative as a party of the held contact; a free-text relationship that is not
    one of the parties' codes (`daughter`) is left out rather than guessed."""
    if appointment.representative_citizen_id is None and appointment.representative_name is None:
        return None
    relationship = appointment.representative_relationship or ""
    return PartyIn(
        role=PartyRole.representative,
        citizen_id=appointment.representative_citizen_id,
        name=appointment.representative_name,
        relationship=PartyRelationship(relationship) if relationship in PartyRelationship.__members__ else None,
    )


async def _contact(session: AsyncSession, contact_id: int) -> Contact:
    contact = await contacts_repository.contact_by_id(session, contact_id)
    if contact is None:  # written in this very transaction, so only a bug can get here
        raise RuntimeError(f"contact {contact_id} vanished within its own transaction")
    return contact


# --- the staff member's calendar feed ---------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_feed(
    session: AsyncSession, settings: Settings, clock: Clock, actor: Principal, staff_id: int
) -> CalendarFeedOut:
    """A new secret for a staff member's feed (the old address stops working). Staff for themselves; admins
    for anyone."""
    if actor.staff_id != staff_id and not actor.has(Scope.admin):
        raise StaffNotFound(staff_id)
    if await staff_by_id(session, staff_id) is None:
        raise StaffNotFound(staff_id)
    token = secrets.token_urlsafe(32)
    now = clock.now()
    await repository.drop_feed(session, staff_id)
    session.add(StaffCalendarFeed(staff_id=staff_id, token_hash=token_hash(token), issued_at=now))
    await session.flush()
    return CalendarFeedOut(
        staff_id=staff_id,
        token=token,
        feed_url=f"{settings.public_url}/v1/public/staff/{staff_id}/calendar-feed?token={token}",
        issued_at=now,
    )


async def feed(session: AsyncSession, clock: Clock, staff_id: int, token: str) -> str:
    """The staff member's own appointments as iCalendar: reference and kind only (no citizen's details)."""
    if await repository.feed_by_token_hash(session, staff_id, token_hash(token)) is None:
        raise CalendarFeedNotFound()
    now = clock.now()
    rows = await repository.feed_of(session, staff_id, now - timedelta(days=30))
    events = [
        ics.CalendarEvent(
            uid=row.uid,
            sequence=row.sequence,
            starts_at=row.blocked.lower or row.starts_at,
            ends_at=row.blocked.upper or row.ends_at,
            summary=f"{row.ticket.reference} · {row.kind.code}",
            description=f"{row.ticket.reference} · {row.kind.code}",
            cancelled=row.status == AppointmentStatus.cancelled.value,
        )
        for row in rows
    ]
    staff = await staff_by_id(session, staff_id)
    return ics.feed(f"Genk3600 · {staff.full_name if staff else staff_id}", events, now)


# --- the reminder job -------------------------------------------------------------------------------------


async def send_reminders(
    session: AsyncSession, settings: Settings, clock: Clock, actor: Principal, batch: int = 50
) -> int:
    """Queue the reminder of every booked appointment whose reminder is due; at most once each (the sent time
    is written with the mail, in one transaction, on rows locked with SKIP LOCKED)."""
    now = clock.now()
    due = await repository.lock_due_reminders(session, now, batch)
    for appointment in due:
        appointment.reminder_sent_at = now
        mail_id = await _mail(session, settings, appointment, Notice.reminder, now)
        await session.flush()
        await timeline.record_event(
            session, appointment.ticket, actor, TicketEventType.note,
            Message("appointment.reminded", {"kind": appointment.kind.code,
                                              "when": appointment.starts_at.isoformat()}),
            {**_facts(appointment), "reminder": True, "outbound_mail_id": mail_id},
        )  # fmt: skip
    return len(due)
