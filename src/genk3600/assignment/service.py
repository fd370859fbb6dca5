"""Automatic assignment: presence, skills and policies, offers one staff member at a time, and the job that
makes offers and ends those nobody answered.

The order of events for a ticket in a unit that assigns: the job finds it waiting (new, nobody's, offered to
nobody), asks `policy.choose` whom to offer it to, and writes the offer with its explanation on the timeline.
The staff member's console shows it (console/stream.py). Accepting assigns the ticket with the same
explanation; declining, or letting the offer time out, frees it for the next run, which skips whoever
refused it for the unit's cool-down. The database holds the invariants: one open offer per ticket and per
staff member (partial unique indexes), tickets locked with SKIP LOCKED, so replicas may run side by side.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from genk3600.assignment import repository
from genk3600.assignment.errors import NeedsStaff, OfferClosed, OfferNotFound
from genk3600.assignment.policy import Candidate, Policy, TicketNeeds, choose
from genk3600.assignment.presence import effective_presence, expires_at
from genk3600.assignment.repository import OfferRow, StaffRow
from genk3600.assignment.schemas import (
    OfferList,
    OfferOut,
    PendingOffer,
    PolicyIn,
    PolicyOut,
    PresenceOut,
    SkillsIn,
    SkillsOut,
    StaffLoad,
    SupervisorView,
    WaitingOut,
)
from genk3600.audit import trail
from genk3600.audit.trail import audit_reads
from genk3600.auth.principal import Principal, system_principal
from genk3600.config import Settings
from genk3600.i18n.names import load_names
from genk3600.i18n.texts import Message, Names, render
from genk3600.kit.clock import Clock
from genk3600.kit.jobs import run_every
from genk3600.models import AssignmentPolicy, StaffPresence, StaffSkills
from genk3600.models.enums import AssignmentMode, Language, OfferState, PresenceStatus, TicketEventType, TicketStatus
from genk3600.privacy.visibility import visible_tickets
from genk3600.queues.service import deadline_colour
from genk3600.staff.errors import StaffNotFound
from genk3600.tickets import repository as ticket_repository
from genk3600.tickets import timeline
from genk3600.tickets.schemas import TicketOut, ticket_fields
from genk3600.tickets.timeline import TimelineEntry
from genk3600.units.errors import UnitNotFound

log = logging.getLogger(__name__)

ASSIGNER = system_principal("automatic assignment")
BATCH = 100
MAX_SCANNED = 1000  # waiting tickets one dispatch run looks at per unit
SUPERVISOR_WAITING_SHOWN = 50


def _ttl(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.presence_ttl_seconds)


def _staff_id(principal: Principal) -> int:
    if principal.staff_id is None:
        raise NeedsStaff()
    return principal.staff_id


# --- presence ------------------------------------------------------------------------------------------


async def _presence_out(
    session: AsyncSession, settings: Settings, staff_id: int, row: StaffPresence | None, now: datetime
) -> PresenceOut:
    calling = staff_id in await repository.in_call(session, [staff_id])
    visiting = staff_id in await repository.in_appointment(session, [staff_id], now)
    status = row.status if row is not None else None
    heartbeat = row.heartbeat_at if row is not None else None
    return PresenceOut(
        staff_id=staff_id,
        status=effective_presence(status, heartbeat, calling or visiting, now, _ttl(settings)),
        set_status=PresenceStatus(status or PresenceStatus.offline.value),
        in_call=calling,
        in_appointment=visiting,
        status_since=row.status_since if row is not None else None,
        heartbeat_at=heartbeat,
        expires_at=expires_at(heartbeat, _ttl(settings)),
    )


async def presence(session: AsyncSession, settings: Settings, staff_id: int, now: datetime) -> PresenceOut:
    """A staff member's presence as automatic assignment sees it now."""
    if await repository.staff_by_id(session, staff_id) is None:
        raise StaffNotFound(staff_id)
    return await _presence_out(session, settings, staff_id, await repository.presence_of(session, staff_id), now)


async def my_presence(session: AsyncSession, settings: Settings, principal: Principal, now: datetime) -> PresenceOut:
    """The caller's own presence."""
    return await presence(session, settings, _staff_id(principal), now)


async def set_presence(
    session: AsyncSession, settings: Settings, staff_id: int, status: PresenceStatus, now: datetime
) -> PresenceOut:
    """Set a staff member's presence; it counts as a heartbeat too."""
    if await repository.staff_by_id(session, staff_id) is None:
        raise StaffNotFound(staff_id)
    values = {"staff_id": staff_id, "status": status.value, "status_since": now, "heartbeat_at": now}
    # Two first settings at once (two tabs) must not collide on the key: insert if absent, else update.
    if await repository.insert_presence(session, values):
        await trail.record_writes(session, [trail.inserted("staff_presence", staff_id, values)])
    row = await repository.presence_of(session, staff_id, lock=True)
    if row is None:  # inserted above or already there, and a staff member's row is only deleted with them
        raise StaffNotFound(staff_id)
    if row.status != status.value:
        row.status = status.value
        row.status_since = now
    row.heartbeat_at = now
    await session.flush()
    return await _presence_out(session, settings, staff_id, row, now)


async def set_my_presence(
    session: AsyncSession, settings: Settings, principal: Principal, status: PresenceStatus, now: datetime
) -> PresenceOut:
    """Set the caller's own presence."""
    return await set_presence(session, settings, _staff_id(principal), status, now)


async def heartbeat(session: AsyncSession, settings: Settings, principal: Principal, now: datetime) -> PresenceOut:
    """The console is still open: keep the caller's presence from expiring (set it first, else it stays offline)."""
    staff_id = _staff_id(principal)
    if not await repository.touch_heartbeat(session, staff_id, now):
        return await set_presence(session, settings, staff_id, PresenceStatus.offline, now)
    return await _presence_out(session, settings, staff_id, await repository.presence_of(session, staff_id), now)


# --- skills and policies -----------------------------------------------------------------------------


def _skills_out(staff_id: int, own_languages: Sequence[str], row: StaffSkills | None) -> SkillsOut:
    languages = list(row.languages) if row is not None else []
    return SkillsOut(
        staff_id=staff_id,
        capacity=dict(row.capacity) if row is not None else {},
        default_capacity=row.default_capacity if row is not None else repository.DEFAULT_CAPACITY,
        languages=languages,
        effective_languages=languages or list(own_languages),
        categories=list(row.categories) if row is not None else [],
        desks=list(row.desks) if row is not None else [],
    )


async def skills(session: AsyncSession, staff_id: int) -> SkillsOut:
    """A staff member's capacity and skills (defaults while none are set)."""
    staff = await repository.staff_by_id(session, staff_id)
    if staff is None:
        raise StaffNotFound(staff_id)
    return _skills_out(staff_id, staff.languages, await repository.skills_of(session, staff_id))


async def set_skills(session: AsyncSession, staff_id: int, data: SkillsIn) -> SkillsOut:
    """Replace a staff member's capacity and skills."""
    staff = await repository.staff_by_id(session, staff_id)
    if staff is None:
        raise StaffNotFound(staff_id)
    row = await repository.skills_of(session, staff_id)
    if row is None:
        row = StaffSkills(staff_id=staff_id)
        session.add(row)
    row.capacity = {channel.value: count for channel, count in data.capacity.items()}
    row.default_capacity = data.default_capacity
    row.languages = [language.value for language in data.languages]
    row.categories = list(data.categories)
    row.desks = list(data.desks)
    await session.flush()
    return _skills_out(staff_id, staff.languages, row)


def _policy_out(code: str, row: AssignmentPolicy | None) -> PolicyOut:
    if row is None:
        return PolicyOut(
            unit=code,
            mode=AssignmentMode.off,
            continuity=True,
            offer_timeout_seconds=60,
            decline_cooldown_seconds=900,
            version=0,
        )
    return PolicyOut(
        unit=code,
        mode=AssignmentMode(row.mode),
        continuity=row.continuity,
        offer_timeout_seconds=row.offer_timeout_seconds,
        decline_cooldown_seconds=row.decline_cooldown_seconds,
        version=row.version,
    )


async def policy(session: AsyncSession, unit_code: str) -> PolicyOut:
    """A unit's assignment policy (`off` while it has none)."""
    unit = await repository.unit_by_code(session, unit_code)
    if unit is None:
        raise UnitNotFound(unit_code)
    return _policy_out(unit.code, await repository.policy_of(session, unit.id))


async def set_policy(session: AsyncSession, unit_code: str, data: PolicyIn) -> PolicyOut:
    """Switch a unit between claiming and automatic assignment, by data."""
    unit = await repository.unit_by_code(session, unit_code)
    if unit is None:
        raise UnitNotFound(unit_code)
    row = await repository.policy_of(session, unit.id)
    if row is None:
        row = AssignmentPolicy(unit_id=unit.id)
        session.add(row)
    row.mode = data.mode.value
    row.continuity = data.continuity
    row.offer_timeout_seconds = data.offer_timeout_seconds
    row.decline_cooldown_seconds = data.decline_cooldown_seconds
    await session.flush()
    return _policy_out(unit.code, row)


# --- offers ----------------------------------------------------------------------------------------------


def offer_out(row: OfferRow, language: Language, names: Names) -> OfferOut:
    return OfferOut(
        id=row.id,
        ticket=row.reference,
        subject=row.subject,
        priority=row.priority,
        category=row.category,
        unit=row.unit,
        state=OfferState(row.state),
        offered_at=row.offered_at,
        expires_at=row.expires_at,
        explanation=render(row.code, row.params, language, names),
        text={"code": row.code, "params": row.params},
    )


async def offers_of(session: AsyncSession, staff_id: int, language: Language) -> OfferList:
    """The open offers to a staff member (at most one: the database allows no more)."""
    rows = await repository.open_offers_of(session, staff_id)
    if not rows:
        return OfferList(items=[])
    names = await load_names(session)
    return OfferList(items=[offer_out(row, language, names) for row in rows])


async def my_offers(session: AsyncSession, principal: Principal, language: Language) -> OfferList:
    """The caller's open offers."""
    return await offers_of(session, _staff_id(principal), language)


async def _open_offer_of(session: AsyncSession, principal: Principal, offer_id: int, now: datetime) -> Any:
    staff_id = _staff_id(principal)
    offer = await repository.lock_offer(session, offer_id)
    if offer is None or offer.staff_id != staff_id:
        raise OfferNotFound(offer_id)
    if offer.state != OfferState.open.value:
        raise OfferClosed(offer_id, offer.state)
    if offer.expires_at <= now:
        raise OfferClosed(offer_id, OfferState.expired.value)
    return offer


async def accept_offer(session: AsyncSession, principal: Principal, offer_id: int, now: datetime) -> TicketOut:
    """Take the offered ticket: it is assigned to the caller, with the offer's explanation on its timeline."""
    offer = await _open_offer_of(session, principal, offer_id, now)
    ticket = await repository.lock_ticket(session, offer.ticket_id)
    if (
        ticket is None
        or ticket.assignee_staff_id is not None
        or ticket.status != TicketStatus.new.value
        or ticket.owning_unit_id != offer.unit_id
    ):
        # Claimed, handed over or closed meanwhile; the job withdraws the offer.
        raise OfferClosed(offer_id, OfferState.withdrawn.value)
    ticket.assignee_staff_id = offer.staff_id
    ticket.status = TicketStatus.assigned.value
    offer.state = OfferState.accepted.value
    offer.answered_at = now
    await session.flush()
    await timeline.record_event(
        session,
        ticket,
        principal,
        TicketEventType.assigned,
        Message("assignment.assigned", offer.params),
        {"assignee_staff_id": offer.staff_id, "via": "offer", "offer_id": offer.id},
    )
    await audit_reads(session, principal, "accept_offer", [(ticket.id, ticket.confidentiality)])
    return TicketOut(**ticket_fields(await ticket_repository.ticket_row_by_id(session, ticket.id)))


async def decline_offer(
    session: AsyncSession, principal: Principal, offer_id: int, now: datetime, language: Language
) -> OfferOut:
    """Pass the offered ticket on; it is not offered to the caller again for the unit's cool-down."""
    offer = await _open_offer_of(session, principal, offer_id, now)
    offer.state = OfferState.declined.value
    offer.answered_at = now
    await session.flush()
    entry = TimelineEntry(
        TicketEventType.offer,
        Message("assignment.declined", {"staff": principal.name}),
        {"offer_id": offer.id, "staff_id": offer.staff_id, "outcome": OfferState.declined.value},
    )
    await timeline.record_many(session, principal, [(offer.ticket_id, entry)])
    row = await repository.offer_row(session, offer.id)
    if row is None:  # the offer was locked above
        raise OfferNotFound(offer_id)
    return offer_out(row, language, await load_names(session))


# --- the job ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DispatchResult:
    offered: int = 0
    expired: int = 0
    withdrawn: int = 0


def _candidate(staff: StaffRow, ticket: repository.WaitingTicket, context: _UnitContext) -> Candidate:
    return Candidate(
        staff_id=staff.id,
        name=staff.name,
        presence=effective_presence(
            staff.status, staff.heartbeat_at, staff.id in context.occupied, context.now, context.ttl
        ),
        languages=frozenset(staff.skill_languages or staff.languages),
        categories=staff.categories,
        desks=frozenset(staff.desks),
        open_on_channel=context.load.get((staff.id, ticket.channel), 0),
        capacity=staff.capacity.get(ticket.channel, staff.default_capacity),
        last_offered_at=context.last_offered.get(staff.id),
        has_open_offer=staff.id in context.offered,
        declined_recently=(ticket.id, staff.id) in context.refused,
        may_hold_social=staff.ocmw_member,
    )


async def _occupied(session: AsyncSession, staff_ids: Sequence[int], now: datetime) -> set[int]:
    """Those of `staff_ids` a call or an appointment holds now: two set-based reads, whatever their number."""
    return await repository.in_call(session, staff_ids) | await repository.in_appointment(session, staff_ids, now)


@dataclass
class _UnitContext:
    now: datetime
    ttl: timedelta
    occupied: set[int]  # in a call or an appointment: busy whatever they set
    load: dict[tuple[int, str], int]
    offered: set[int]
    last_offered: dict[int, datetime]
    refused: set[tuple[int, int]]


async def dispatch_unit(session: AsyncSession, settings: Settings, unit_id: int, now: datetime) -> int:
    """Offer the unit's waiting tickets, most urgent first, each to whom its policy chooses; how many were offered.
    Nothing when the unit does not assign or another dispatcher is at it.

    Tickets are read a page at a time until everyone free has an offer, so a head of tickets nobody can take
    (a language nobody present speaks) does not starve those behind it; at most `MAX_SCANNED` a run."""
    row = await repository.lock_active_policy(session, unit_id)
    if row is None:
        return 0
    staff = await repository.unit_staff(session, unit_id)
    ids = [member.id for member in staff]
    context = _UnitContext(
        now=now,
        ttl=_ttl(settings),
        occupied=await _occupied(session, ids, now),
        load=await repository.open_load(session, ids),
        offered=await repository.staff_with_open_offer(session, ids),
        last_offered=await repository.last_offered(session, unit_id),
        refused=set(),
    )
    free = [
        member
        for member in staff
        if member.id not in context.offered
        and effective_presence(member.status, member.heartbeat_at, member.id in context.occupied, now, context.ttl)
        is PresenceStatus.available
    ]
    if not free:
        return 0  # nobody to offer anything to: lock no tickets
    rule = Policy(AssignmentMode(row.mode), row.continuity)
    timeout = timedelta(seconds=row.offer_timeout_seconds)
    cooldown_since = now - timedelta(seconds=row.decline_cooldown_seconds)
    entries: list[tuple[int, TimelineEntry]] = []
    writes: list[trail.Write] = []
    seen: list[int] = []
    while len(seen) < MAX_SCANNED and not all(member.id in context.offered for member in free):
        waiting = await repository.lock_waiting_tickets(session, unit_id, BATCH, seen)
        seen += [ticket.id for ticket in waiting]
        context.refused |= await repository.recent_refusals(session, [ticket.id for ticket in waiting], cooldown_since)
        for ticket in waiting:
            if all(member.id in context.offered for member in free):
                break
            offered = await _offer(session, unit_id, ticket, staff, context, rule, now + timeout)
            if offered is not None:
                writes.append(offered[0])
                entries.append((ticket.id, offered[1]))
        if len(waiting) < BATCH:
            break
    await trail.record_writes(session, writes)
    await timeline.record_many(session, ASSIGNER, entries)
    return len(entries)


async def _offer(
    session: AsyncSession,
    unit_id: int,
    ticket: repository.WaitingTicket,
    staff: Sequence[StaffRow],
    context: _UnitContext,
    rule: Policy,
    expires: datetime,
) -> tuple[trail.Write, TimelineEntry] | None:
    """Offer one ticket to whom the policy chooses: the offer's audit entry and timeline entry, or None."""
    needs = TicketNeeds(
        ticket_id=ticket.id,
        channel=ticket.channel,
        language=ticket.language,
        category=ticket.category,
        desk=ticket.desk,
        social=ticket.social,
        case_worker_id=ticket.case_worker_id,
    )
    choice = choose(needs, [_candidate(member, ticket, context) for member in staff], rule)
    if choice.staff_id is None:
        return None
    values = {
        "ticket_id": ticket.id,
        "staff_id": choice.staff_id,
        "unit_id": unit_id,
        "state": OfferState.open.value,
        "offered_at": context.now,
        "expires_at": expires,
        "code": choice.text.code,
        "params": dict(choice.text.params),
        "ticket_version": ticket.version,
    }
    offer_id = await repository.insert_offer(session, values)
    context.offered.add(choice.staff_id)
    if offer_id is None:
        return None  # another unit's dispatcher offered them something first
    key = (choice.staff_id, ticket.channel)
    context.load[key] = context.load.get(key, 0) + 1
    context.last_offered[choice.staff_id] = context.now
    data = {"offer_id": offer_id, "staff_id": choice.staff_id, "outcome": "offered", "mode": rule.mode.value}
    return trail.inserted("assignment_offer", offer_id, values), TimelineEntry(TicketEventType.offer, choice.text, data)


async def expire_offers(session: AsyncSession, now: datetime) -> int:
    """End the offers nobody answered in time, each with a line on its ticket's timeline."""
    offers = await repository.lock_expired_offers(session, now, BATCH)
    entries = []
    for offer in offers:
        offer.state = OfferState.expired.value
        offer.answered_at = now
        seconds = round((offer.expires_at - offer.offered_at).total_seconds())
        text = Message("assignment.expired", {"staff": offer.params.get("staff", "?"), "seconds": seconds})
        data = {"offer_id": offer.id, "staff_id": offer.staff_id, "outcome": OfferState.expired.value}
        entries.append((offer.ticket_id, TimelineEntry(TicketEventType.offer, text, data)))
    await session.flush()
    await timeline.record_many(session, ASSIGNER, entries)
    return len(offers)


async def withdraw_stale_offers(session: AsyncSession, now: datetime) -> int:
    """Close open offers whose ticket was claimed, handed over or closed meanwhile (its own entry says so)."""
    offers = await repository.lock_stale_offers(session, BATCH)
    for offer in offers:
        offer.state = OfferState.withdrawn.value
        offer.answered_at = now
    await session.flush()
    return len(offers)


async def dispatch_once(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> DispatchResult:
    """One run: end late and stale offers, then offer every assigning unit's waiting tickets, a transaction each."""
    async with sessions() as session, session.begin():
        expired = await expire_offers(session, now)
        withdrawn = await withdraw_stale_offers(session, now)
    async with sessions() as session:
        units = await repository.assigning_unit_ids(session)
    offered = 0
    for unit_id in units:
        async with sessions() as session, session.begin():
            offered += await dispatch_unit(session, settings, unit_id, now)
    return DispatchResult(offered=offered, expired=expired, withdrawn=withdrawn)


async def run_assignment(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock,
    interval_seconds: float,
    stop: asyncio.Event,
) -> None:
    """Dispatch every `interval_seconds` until `stop` is set; again at once while a run left work behind."""

    async def step() -> bool:
        result = await dispatch_once(sessions, settings, clock.now())
        if result.offered or result.expired or result.withdrawn:
            log.info(
                "assignment: %d offered, %d timed out, %d withdrawn", result.offered, result.expired, result.withdrawn
            )
        return result.expired == BATCH or result.withdrawn == BATCH

    await run_every("automatic assignment", step, interval_seconds, stop, log)


# --- the supervisor's view -------------------------------------------------------------------------------


async def supervisor_view(
    session: AsyncSession, settings: Settings, principal: Principal, unit_code: str, now: datetime
) -> SupervisorView:
    """Live per unit: who is available, their load, the offers pending, and the waiting tickets with deadlines."""
    unit = await repository.unit_by_code(session, unit_code)
    if unit is None:
        raise UnitNotFound(unit_code)
    row = await repository.policy_of(session, unit.id)
    staff = await repository.unit_staff(session, unit.id)
    ids = [member.id for member in staff]
    occupied = await _occupied(session, ids, now)
    load = await repository.open_load(session, ids)
    offers = await repository.open_offers_in_unit(session, unit.id)
    considering = await repository.staff_with_open_offer(session, ids)  # from any unit: load counts them
    waiting = await repository.waiting_in_unit(session, unit.id, visible_tickets(principal), SUPERVISOR_WAITING_SHOWN)
    # A pending offer names a ticket: only those the supervisor may see themselves.
    seen = await repository.visible_tickets_among(
        session, [offer.ticket_id for offer in offers], visible_tickets(principal)
    )
    shown = {reference for reference, _ in seen.values()}
    offer_of = {offer.staff_id: offer.reference for offer in offers if offer.reference in shown}
    loads = []
    for member in staff:
        # Only `busy`: the view says nothing of which call or appointment (a social visit's citizen stays unseen).
        status = effective_presence(member.status, member.heartbeat_at, member.id in occupied, now, _ttl(settings))
        total = sum(count for (staff_id, _channel), count in load.items() if staff_id == member.id)
        open_offer = 1 if member.id in considering else 0  # one at most: a partial unique index
        loads.append(
            StaffLoad(
                staff_id=member.id,
                name=member.name,
                presence=status,
                open_tickets=total - open_offer,
                capacity=member.default_capacity,
                offer=offer_of.get(member.id),
            )
        )
    read = [(item.id, item.confidentiality) for item in waiting] + [(key, value[1]) for key, value in seen.items()]
    await audit_reads(session, principal, "view_unit_assignment", read)
    return SupervisorView(
        unit=unit.code,
        mode=AssignmentMode(row.mode) if row is not None else AssignmentMode.off,
        staff=loads,
        offers=[
            PendingOffer(
                id=offer.id,
                ticket=offer.reference,
                staff_id=offer.staff_id,
                name=offer.staff_name,
                expires_at=offer.expires_at,
            )
            for offer in offers
            if offer.reference in shown
        ],
        waiting=[
            WaitingOut(
                ticket=item.reference,
                priority=item.priority,
                language=item.language,
                waiting_since=item.created_at,
                first_response_due_at=item.first_response_due_at,
                resolution_due_at=item.resolution_due_at,
                deadline_colour=deadline_colour(item.resolution_due_at, now),
            )
            for item in waiting
        ],
        waiting_count=await repository.count_waiting(session, unit.id),
        available=sum(1 for load_row in loads if load_row.presence is PresenceStatus.available),
    )
