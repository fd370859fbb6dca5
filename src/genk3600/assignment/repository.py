"""Every query of automatic assignment: presence, skills, policies, offers, and what a decision needs to know.

The dispatcher's reads are a handful of set-based statements per unit and run (waiting tickets, candidates,
their load, recent declines), so a run costs the same few round trips whatever the number of tickets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from genk3600.kit.prepared import Prepared
from genk3600.models import (
    Appointment,
    AssignmentOffer,
    AssignmentPolicy,
    Call,
    Category,
    Citizen,
    Contact,
    Staff,
    StaffMembership,
    StaffPresence,
    StaffSkills,
    Ticket,
    Unit,
)
from genk3600.models.enums import (
    OCMW_UNIT_KIND,
    OPEN_STATUSES,
    AppointmentStatus,
    AssignmentMode,
    CallState,
    Channel,
    OfferState,
    Position,
    TicketStatus,
)
from genk3600.models.ticket import QUEUE_PRIORITY_ARRAY_SQL

OPEN = OfferState.open.value
# Who takes tickets from a unit's queue: not its administrators.
TAKING_POSITIONS = (
    Position.agent.value,
    Position.back_office.value,
    Position.case_worker.value,
    Position.supervisor.value,
)
OPEN_CALL_STATES = (CallState.ringing.value, CallState.answered.value)


# --- presence ------------------------------------------------------------------------------------------


async def presence_of(session: AsyncSession, staff_id: int, *, lock: bool = False) -> StaffPresence | None:
    statement = select(StaffPresence).where(StaffPresence.staff_id == staff_id)
    if lock:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def insert_presence(session: AsyncSession, values: dict[str, Any]) -> bool:
    """The staff member's first presence row; False when they have one already."""
    statement = pg_insert(StaffPresence).values(**values).on_conflict_do_nothing().returning(StaffPresence.staff_id)
    return await session.scalar(statement) is not None


async def touch_heartbeat(session: AsyncSession, staff_id: int, now: datetime) -> bool:
    """Move the heartbeat forward; bookkeeping, not an act, so one Core UPDATE without an audit entry."""
    result = await session.execute(
        update(StaffPresence)
        .where(StaffPresence.staff_id == staff_id)
        .values(heartbeat_at=now)
        .returning(StaffPresence.staff_id)
    )
    return result.first() is not None


async def in_call(session: AsyncSession, staff_ids: Sequence[int]) -> set[int]:
    """Those of `staff_ids` with a call ringing or answered at their phone (the PBX's events, contacts/phone.py)."""
    if not staff_ids:
        return set()
    rows = await session.scalars(
        select(Call.agent_staff_id)
        .where(Call.agent_staff_id.in_(staff_ids), Call.state.in_(OPEN_CALL_STATES))
        .distinct()
    )
    return {staff_id for staff_id in rows if staff_id is not None}


async def in_appointment(session: AsyncSession, staff_ids: Sequence[int], now: datetime) -> set[int]:
    """Those of `staff_ids` in an appointment or on a home visit now: one of theirs still booked whose blocked
    time (the slot plus travel either side) holds `now`. Cancelled ones never count; held and no-show ones stop
    counting once their outcome is recorded. No index of its own: `status = 'booked'` implies the exclusion
    constraints' `status <> 'cancelled'`, so their GiST indexes serve `blocked @> now` (those under way now)."""
    if not staff_ids:
        return set()
    rows = await session.scalars(
        select(Appointment.staff_id)
        .where(
            Appointment.staff_id.in_(staff_ids),
            Appointment.blocked.contains(now),
            Appointment.status == AppointmentStatus.booked.value,
        )
        .distinct()
    )
    return {staff_id for staff_id in rows if staff_id is not None}


# --- skills and policies -----------------------------------------------------------------------------


async def skills_of(session: AsyncSession, staff_id: int) -> StaffSkills | None:
    return await session.get(StaffSkills, staff_id)


async def staff_by_id(session: AsyncSession, staff_id: int) -> Staff | None:
    return await session.get(Staff, staff_id)


async def unit_by_code(session: AsyncSession, code: str) -> Unit | None:
    return await session.scalar(select(Unit).where(Unit.code == code))


async def policy_of(session: AsyncSession, unit_id: int) -> AssignmentPolicy | None:
    return await session.get(AssignmentPolicy, unit_id)


async def lock_active_policy(session: AsyncSession, unit_id: int) -> AssignmentPolicy | None:
    """The unit's policy if it assigns, locked; None when another dispatcher holds it (SKIP LOCKED) or it is off."""
    return await session.scalar(
        select(AssignmentPolicy)
        .where(AssignmentPolicy.unit_id == unit_id, AssignmentPolicy.mode != AssignmentMode.off.value)
        .with_for_update(skip_locked=True)
    )


async def assigning_unit_ids(session: AsyncSession) -> list[int]:
    rows = await session.scalars(
        select(AssignmentPolicy.unit_id)
        .where(AssignmentPolicy.mode != AssignmentMode.off.value)
        .order_by(AssignmentPolicy.unit_id)
    )
    return list(rows)


# --- what a decision needs -------------------------------------------------------------------------------


def _first_contact() -> Any:
    """The ticket's first contact: its channel decides the capacity counted, its desk who may take it."""
    return (
        select(Contact.channel, Contact.channel_details)
        .where(Contact.ticket_id == Ticket.id)
        .order_by(Contact.id)
        .limit(1)
        .lateral("first_contact")
    )


def _rank() -> ColumnElement[int]:
    return func.array_position(literal_column(QUEUE_PRIORITY_ARRAY_SQL), Ticket.priority, type_=Integer)


def _open_offer_on(ticket_id: Any) -> ColumnElement[bool]:
    return exists(
        select(AssignmentOffer.id).where(AssignmentOffer.ticket_id == ticket_id, AssignmentOffer.state == OPEN)
    )


def waiting_condition() -> ColumnElement[bool]:
    """A ticket waiting for someone: new, nobody's, and offered to nobody right now."""
    return and_(
        Ticket.status == TicketStatus.new.value,
        Ticket.assignee_staff_id.is_(None),
        not_(_open_offer_on(Ticket.id)),
    )


@dataclass(frozen=True)
class WaitingTicket:
    id: int
    version: int
    language: str
    social: bool
    category: str | None
    case_worker_id: int | None
    channel: str
    desk: str | None


async def lock_waiting_tickets(
    session: AsyncSession, unit_id: int, limit: int, seen: Sequence[int] = ()
) -> list[WaitingTicket]:
    """The unit's waiting tickets in queue order but those `seen` already, locked; a ticket a claimer or request
    holds is skipped."""
    first = _first_contact()
    rows = await session.execute(
        select(
            Ticket.id,
            Ticket.version,
            Ticket.language,
            Ticket.confidentiality,
            Category.code.label("category"),
            Citizen.case_worker_id,
            first.c.channel,
            first.c.channel_details,
        )
        .select_from(Ticket)
        .outerjoin(Category, Category.id == Ticket.category_id)
        .outerjoin(Citizen, Citizen.id == Ticket.citizen_id)
        .outerjoin(first, true())
        .where(Ticket.owning_unit_id == unit_id, waiting_condition(), Ticket.id.not_in(list(seen)))
        .order_by(_rank(), Ticket.resolution_due_at.asc().nulls_last(), Ticket.id)
        .limit(limit)
        .with_for_update(of=Ticket, skip_locked=True)
    )
    waiting = []
    for row in rows:
        details = row.channel_details or {}
        desk = details.get("unit") if row.channel == Channel.counter.value else None
        waiting.append(
            WaitingTicket(
                id=row.id,
                version=row.version,
                language=row.language,
                social=row.confidentiality == "social",
                category=row.category,
                case_worker_id=row.case_worker_id,
                channel=row.channel or Channel.web.value,
                desk=desk if isinstance(desk, str) else None,
            )
        )
    return waiting


@dataclass(frozen=True)
class StaffRow:
    id: int
    name: str
    languages: tuple[str, ...]
    skill_languages: tuple[str, ...]
    categories: tuple[str, ...]
    desks: tuple[str, ...]
    capacity: dict[str, int]
    default_capacity: int
    status: str | None
    heartbeat_at: datetime | None
    ocmw_member: bool


def _ocmw_member() -> ColumnElement[bool]:
    membership, unit = aliased(StaffMembership), aliased(Unit)
    return exists(
        select(membership.id)
        .join(unit, unit.id == membership.unit_id)
        .where(membership.staff_id == Staff.id, unit.kind == OCMW_UNIT_KIND)
    )


def _staff_columns() -> tuple[Any, ...]:
    return (
        Staff.id,
        Staff.full_name,
        Staff.languages,
        StaffSkills.languages.label("skill_languages"),
        StaffSkills.categories,
        StaffSkills.desks,
        StaffSkills.capacity,
        StaffSkills.default_capacity,
        StaffPresence.status,
        StaffPresence.heartbeat_at,
        _ocmw_member().label("ocmw_member"),
    )


def _staff_row(row: Any) -> StaffRow:
    return StaffRow(
        id=row.id,
        name=row.full_name,
        languages=tuple(row.languages or ()),
        skill_languages=tuple(row.skill_languages or ()),
        categories=tuple(row.categories or ()),
        desks=tuple(row.desks or ()),
        capacity=dict(row.capacity or {}),
        default_capacity=row.default_capacity if row.default_capacity is not None else DEFAULT_CAPACITY,
        status=row.status,
        heartbeat_at=row.heartbeat_at,
        ocmw_member=bool(row.ocmw_member),
    )


DEFAULT_CAPACITY = 5


async def unit_staff(session: AsyncSession, unit_id: int) -> list[StaffRow]:
    """The active, present-at-work staff of the unit who take tickets, with skills and presence as stored."""
    rows = await session.execute(
        select(*_staff_columns())
        .select_from(Staff)
        .join(StaffMembership, StaffMembership.staff_id == Staff.id)
        .outerjoin(StaffSkills, StaffSkills.staff_id == Staff.id)
        .outerjoin(StaffPresence, StaffPresence.staff_id == Staff.id)
        .where(
            StaffMembership.unit_id == unit_id,
            StaffMembership.position.in_(TAKING_POSITIONS),
            Staff.active,
            not_(Staff.absent),
        )
        .order_by(Staff.id)
    )
    return [_staff_row(row) for row in rows]


async def open_load(session: AsyncSession, staff_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    """(staff id, channel) → open tickets assigned to them plus tickets offered to them now, on that channel."""
    if not staff_ids:
        return {}
    first = _first_contact()
    assigned = (
        select(Ticket.assignee_staff_id.label("staff_id"), first.c.channel)
        .select_from(Ticket)
        .outerjoin(first, true())
        .where(Ticket.assignee_staff_id.in_(staff_ids), Ticket.status.in_(OPEN_STATUSES))
    )
    offered = (
        select(AssignmentOffer.staff_id, first.c.channel)
        .select_from(AssignmentOffer)
        .join(Ticket, Ticket.id == AssignmentOffer.ticket_id)
        .outerjoin(first, true())
        .where(AssignmentOffer.staff_id.in_(staff_ids), AssignmentOffer.state == OPEN)
    )
    both = assigned.union_all(offered).subquery()
    rows = await session.execute(
        select(both.c.staff_id, both.c.channel, func.count()).group_by(both.c.staff_id, both.c.channel)
    )
    return {(row.staff_id, row.channel or Channel.web.value): row[2] for row in rows}


async def staff_with_open_offer(session: AsyncSession, staff_ids: Sequence[int]) -> set[int]:
    if not staff_ids:
        return set()
    rows = await session.scalars(
        select(AssignmentOffer.staff_id).where(AssignmentOffer.staff_id.in_(staff_ids), AssignmentOffer.state == OPEN)
    )
    return set(rows)


async def last_offered(session: AsyncSession, unit_id: int) -> dict[int, datetime]:
    """When the unit last offered each staff member a ticket: round robin's turn."""
    rows = await session.execute(
        select(AssignmentOffer.staff_id, func.max(AssignmentOffer.offered_at))
        .where(AssignmentOffer.unit_id == unit_id)
        .group_by(AssignmentOffer.staff_id)
    )
    return {row[0]: row[1] for row in rows}


async def recent_refusals(session: AsyncSession, ticket_ids: Sequence[int], since: datetime) -> set[tuple[int, int]]:
    """(ticket id, staff id) of offers declined or left to time out since `since`."""
    if not ticket_ids:
        return set()
    rows = await session.execute(
        select(AssignmentOffer.ticket_id, AssignmentOffer.staff_id).where(
            AssignmentOffer.ticket_id.in_(ticket_ids),
            AssignmentOffer.state.in_([OfferState.declined.value, OfferState.expired.value]),
            AssignmentOffer.answered_at > since,
        )
    )
    return {(row.ticket_id, row.staff_id) for row in rows}


# --- offers ----------------------------------------------------------------------------------------------


async def insert_offer(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """A new open offer, or None when the ticket or the staff member already has one (the partial unique
    indexes: a concurrent dispatcher got there first)."""
    statement = pg_insert(AssignmentOffer).values(**values).on_conflict_do_nothing().returning(AssignmentOffer.id)
    return await session.scalar(statement)


async def lock_offer(session: AsyncSession, offer_id: int) -> AssignmentOffer | None:
    return await session.scalar(select(AssignmentOffer).where(AssignmentOffer.id == offer_id).with_for_update())


async def lock_ticket(session: AsyncSession, ticket_id: int) -> Ticket | None:
    return await session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update())


async def lock_expired_offers(session: AsyncSession, now: datetime, limit: int) -> list[AssignmentOffer]:
    rows = await session.scalars(
        select(AssignmentOffer)
        .where(AssignmentOffer.state == OPEN, AssignmentOffer.expires_at <= now)
        .order_by(AssignmentOffer.expires_at, AssignmentOffer.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


async def lock_stale_offers(session: AsyncSession, limit: int) -> list[AssignmentOffer]:
    """Open offers whose ticket is no longer waiting in the offering unit (claimed, handed over, closed)."""
    rows = await session.scalars(
        select(AssignmentOffer)
        .join(Ticket, Ticket.id == AssignmentOffer.ticket_id)
        .where(
            AssignmentOffer.state == OPEN,
            or_(
                Ticket.status != TicketStatus.new.value,
                Ticket.assignee_staff_id.is_not(None),
                Ticket.owning_unit_id != AssignmentOffer.unit_id,
            ),
        )
        .order_by(AssignmentOffer.id)
        .limit(limit)
        .with_for_update(of=AssignmentOffer, skip_locked=True)
    )
    return list(rows)


@dataclass(frozen=True)
class OfferRow:
    id: int
    ticket_id: int
    reference: str
    subject: str
    priority: str
    confidentiality: str
    category: str | None
    unit: str
    state: str
    offered_at: datetime
    expires_at: datetime
    code: str
    params: dict[str, Any]
    staff_id: int
    staff_name: str


def _offer_select() -> Any:
    unit = aliased(Unit)
    return (
        select(
            AssignmentOffer.id,
            AssignmentOffer.ticket_id,
            Ticket.reference,
            Ticket.subject,
            Ticket.priority,
            Ticket.confidentiality,
            Category.code.label("category"),
            unit.code.label("unit"),
            AssignmentOffer.state,
            AssignmentOffer.offered_at,
            AssignmentOffer.expires_at,
            AssignmentOffer.code,
            AssignmentOffer.params,
            AssignmentOffer.staff_id,
            Staff.full_name.label("staff_name"),
        )
        .select_from(AssignmentOffer)
        .join(Ticket, Ticket.id == AssignmentOffer.ticket_id)
        .join(unit, unit.id == AssignmentOffer.unit_id)
        .join(Staff, Staff.id == AssignmentOffer.staff_id)
        .outerjoin(Category, Category.id == Ticket.category_id)
    )


def _offer_row(row: Any) -> OfferRow:
    return OfferRow(**row._mapping)


async def open_offers_of(session: AsyncSession, staff_id: int) -> list[OfferRow]:
    rows = await session.execute(
        _offer_select()
        .where(AssignmentOffer.staff_id == staff_id, AssignmentOffer.state == OPEN)
        .order_by(AssignmentOffer.id)
    )
    return [_offer_row(row) for row in rows]


async def offer_row(session: AsyncSession, offer_id: int) -> OfferRow | None:
    row = (await session.execute(_offer_select().where(AssignmentOffer.id == offer_id))).first()
    return _offer_row(row) if row is not None else None


async def open_offers_in_unit(session: AsyncSession, unit_id: int) -> list[OfferRow]:
    rows = await session.execute(
        _offer_select()
        .where(AssignmentOffer.unit_id == unit_id, AssignmentOffer.state == OPEN)
        .order_by(AssignmentOffer.expires_at, AssignmentOffer.id)
    )
    return [_offer_row(row) for row in rows]


# Every console's stream asks this four times a second: compiled once, answered from the partial unique index.
_OFFER_SIGNATURE = Prepared.of(
    select(AssignmentOffer.id)
    .where(
        AssignmentOffer.staff_id == bindparam("staff_id", type_=BigInteger),
        AssignmentOffer.state == literal_column(f"'{OPEN}'"),
    )
    .order_by(AssignmentOffer.id)
)


async def open_offer_signature(session: AsyncSession, staff_id: int) -> tuple[int, ...]:
    """The ids of the staff member's open offers: the live stream sends them again when this changes."""
    rows = await _OFFER_SIGNATURE.fetch(session, staff_id=staff_id)
    return tuple(row[0] for row in rows)


# --- the supervisor's view -------------------------------------------------------------------------------


async def waiting_in_unit(session: AsyncSession, unit_id: int, visible: ColumnElement[bool], limit: int) -> list[Any]:
    """The unit's waiting tickets (new, nobody's, not on offer) that the viewer may see, most urgent first."""
    return list(
        await session.execute(
            select(
                Ticket.id,
                Ticket.confidentiality,
                Ticket.reference,
                Ticket.priority,
                Ticket.language,
                Ticket.first_response_due_at,
                Ticket.resolution_due_at,
                Ticket.created_at,
            )
            .where(Ticket.owning_unit_id == unit_id, waiting_condition(), visible)
            .order_by(_rank(), Ticket.resolution_due_at.asc().nulls_last(), Ticket.id)
            .limit(limit)
        )
    )


async def count_waiting(session: AsyncSession, unit_id: int) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Ticket).where(Ticket.owning_unit_id == unit_id, waiting_condition())
    )
    return int(count or 0)


async def visible_tickets_among(
    session: AsyncSession, ticket_ids: Sequence[int], visible: ColumnElement[bool]
) -> dict[int, tuple[str, str]]:
    """Id → (reference, confidentiality) of those of `ticket_ids` the viewer may see."""
    if not ticket_ids:
        return {}
    rows = await session.execute(
        select(Ticket.id, Ticket.reference, Ticket.confidentiality).where(Ticket.id.in_(ticket_ids), visible)
    )
    return {row.id: (row.reference, row.confidentiality) for row in rows}
