"""Changing a ticket: status (through the transition table), priority, assignee — guarded by its ETag."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.principal import Principal
from genk3600.config import Settings
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import Message
from genk3600.kit.clock import Clock
from genk3600.kit.preconditions import check_if_match
from genk3600.models import Ticket
from genk3600.models.enums import TicketEventType, TicketStatus
from genk3600.participation.errors import ContactsWithoutRole
from genk3600.participation.service import unattributed_contacts
from genk3600.privacy import ocmw
from genk3600.sla import deadlines
from genk3600.staff.repository import staff_by_id
from genk3600.tickets import repository
from genk3600.tickets.errors import TicketNotFound, UnknownTarget
from genk3600.tickets.schemas import TicketChange, TicketOut
from genk3600.tickets.service import ticket_out
from genk3600.tickets.timeline import record_event
from genk3600.tickets.transitions import check_transition


def check_etag(ticket: Ticket, if_match: str | None) -> None:
    """428 without If-Match, 412 when it names another version than the current one."""
    check_if_match(
        ticket.version,
        if_match,
        P_("Send If-Match with the ETag from your last read of this ticket, so a concurrent change is not lost."),
        P_("The ticket changed since you read it (now version {version}); read it again and retry."),
    )


async def locked_ticket(session: AsyncSession, reference: str, viewer: Principal) -> Ticket:
    found = await repository.ticket_by_reference(session, reference, viewer)
    if found is None:
        raise TicketNotFound(reference)
    ticket = await repository.lock_ticket(session, found.id)
    if ticket is None:
        raise TicketNotFound(reference)
    return ticket


async def change_ticket(
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    actor: Principal,
    reference: str,
    if_match: str | None,
    change: TicketChange,
) -> TicketOut:
    """Apply a change if the caller saw the current version; every change lands on the timeline."""
    ticket = await locked_ticket(session, reference, actor)
    check_etag(ticket, if_match)
    fields = change.model_fields_set
    if "assignee_staff_id" in fields and change.assignee_staff_id != ticket.assignee_staff_id:
        await _assign(session, actor, ticket, change.assignee_staff_id, change.note)
    if change.priority is not None and change.priority.value != ticket.priority:
        before, ticket.priority = ticket.priority, change.priority.value
        await record_event(
            session,
            ticket,
            actor,
            TicketEventType.note,
            Message("ticket.priority_changed", _noted({"old": before, "new": ticket.priority}, change.note)),
            {"field": "priority", "from": before, "to": ticket.priority},
        )
    if change.status is not None and change.status.value != ticket.status:
        await _move(session, settings, actor, ticket, change.status, change.note, clock.now())
    await session.flush()
    return await ticket_out(session, ticket.id)


async def _assign(
    session: AsyncSession, actor: Principal, ticket: Ticket, staff_id: int | None, note: str | None
) -> None:
    name = None
    if staff_id is not None:
        staff = await staff_by_id(session, staff_id)
        if staff is None or not staff.active:
            raise UnknownTarget(
                P_("There is no active staff member with id {staff_id}."), params={"staff_id": staff_id}
            )
        await ocmw.check_assignee(session, ticket, staff)
        name = staff.full_name
    before = ticket.assignee_staff_id
    ticket.assignee_staff_id = staff_id
    if staff_id is not None and ticket.status == TicketStatus.new.value:
        ticket.status = TicketStatus.assigned.value
    await record_event(
        session,
        ticket,
        actor,
        TicketEventType.assigned,
        Message("ticket.assigned", _noted({"assignee": name}, note))
        if name is not None
        else Message("ticket.unassigned", _noted({}, note)),
        {"from": before, "assignee_staff_id": staff_id, "via": "change"},
    )


async def _move(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    ticket: Ticket,
    target: TicketStatus,
    note: str | None,
    moment: datetime,
) -> None:
    current = TicketStatus(ticket.status)
    check_transition(current, target)
    if target is TicketStatus.resolved:
        # Every contact must say who informed, registered, advised or decided before the ticket is done.
        missing = await unattributed_contacts(session, ticket.id)
        if missing:
            raise ContactsWithoutRole(missing)
    if current is TicketStatus.new:
        await deadlines.record_first_response(session, ticket, moment)
    if current is TicketStatus.waiting_on_citizen and ticket.paused_at is not None:
        await deadlines.resume_clock(session, settings, ticket, moment)
    ticket.status = target.value
    if target is TicketStatus.waiting_on_citizen:
        await deadlines.pause_clock(session, ticket, moment)
    elif target in (TicketStatus.resolved, TicketStatus.closed):
        ticket.resolved_at = ticket.resolved_at or moment
        await deadlines.stop_clock(session, ticket)
    elif current is TicketStatus.resolved:  # reopened: the old deadlines apply again
        ticket.resolved_at = None
        await deadlines.watch_again(session, ticket, moment)
    await record_event(
        session,
        ticket,
        actor,
        TicketEventType.status_changed,
        Message("ticket.status_changed", _noted({"old": current.value, "new": target.value}, note)),
        {"from": current.value, "to": target.value},
    )


def _noted(params: dict[str, Any], note: str | None) -> dict[str, Any]:
    """The note is said in the timeline's text (its parameters), not in the data that goes out as the event."""
    return {**params, "note": note} if note else params
