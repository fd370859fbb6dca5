"""Hand-offs: escalation to a higher tier or another unit/person, and the return to the front office."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from genk3600.auth.principal import Principal
from genk3600.models import Escalation, Staff, Unit
from genk3600.models.enums import FINISHED_STATUSES, EscalationReason, TicketEventType, TicketStatus, UnitKind
from genk3600.privacy import ocmw
from genk3600.staff.repository import staff_by_id
from genk3600.tickets.changes import locked_ticket
from genk3600.tickets.errors import UnknownTarget
from genk3600.tickets.schemas import EscalationIn, EscalationOut
from genk3600.tickets.service import record_event, ticket_out
from genk3600.tickets.transitions import IllegalTransition
from genk3600.units.repository import first_unit_of_kind, unit_by_code, unit_by_id

FRONT_OFFICE_TIER = 1
TOP_TIER = 3


async def escalate(session: AsyncSession, actor: Principal, reference: str, data: EscalationIn) -> EscalationOut:
    """Move ownership (and the tier) to the target, with the hand-off on the timeline."""
    ticket = await locked_ticket(session, reference, actor)
    if ticket.status in FINISHED_STATUSES:
        raise IllegalTransition(f"Ticket {reference} is {ticket.status}; reopen it before handing it over.")
    returning = data.reason is EscalationReason.returned
    target_unit, target_staff = await _target(session, data, returning)
    ocmw.check_owner(ticket, target_unit)
    if ocmw.is_social(ticket) and actor.staff_id is not None:
        # Handing a case to oneself or one's own unit while seeing it only through a grant would outlast it.
        own_units = {membership.unit_id for membership in actor.memberships}
        if (target_staff is not None and target_staff.id == actor.staff_id) or target_unit.id in own_units:
            me = await staff_by_id(session, actor.staff_id)
            if me is not None:
                await ocmw.check_assignee(session, ticket, me)
    source = ticket.owning_unit
    from_tier = ticket.tier
    to_tier = FRONT_OFFICE_TIER if returning else min(from_tier + 1, TOP_TIER)
    ticket.owning_unit_id, ticket.owning_unit = target_unit.id, target_unit
    ticket.tier = to_tier
    ticket.assignee_staff_id = target_staff.id if target_staff else None
    ticket.status = TicketStatus.assigned.value if target_staff else TicketStatus.new.value
    # A hand-off is a change of the ticket even when owner, tier and status stay the same (a second escalation
    # at the top tier): the UPDATE must still run, so the version (the ETag) moves and stale If-Match fails.
    flag_modified(ticket, "tier")
    escalation = Escalation(
        ticket_id=ticket.id,
        from_unit_id=source.id,
        to_unit_id=target_unit.id,
        to_staff_id=target_staff.id if target_staff else None,
        from_tier=from_tier,
        to_tier=to_tier,
        reason=data.reason.value,
        requested_role=data.requested_role,
        note=data.note,
        actor_staff_id=actor.staff_id,
        actor_api_client_id=actor.api_client_id,
        actor_name=actor.display_name,
    )
    session.add(escalation)
    await session.flush()
    to = target_unit.name + (f" ({target_staff.full_name})" if target_staff else "")
    verb = "Returned" if returning else "Escalated"
    role = "advice" if data.requested_role == "advising" else "a decision"
    summary = f"{verb} by {actor.display_name} from {source.name} to {to}, tier {from_tier} → {to_tier}"
    summary += "." if returning else f", asking for {role} ({data.reason.value.replace('_', ' ')})."
    if data.note:
        summary += f" Note: {data.note}"
    await record_event(
        session,
        ticket,
        actor,
        TicketEventType.escalated,
        summary,
        {
            "escalation_id": escalation.id,
            "from_unit": source.code,
            "to_unit": target_unit.code,
            "to_staff_id": escalation.to_staff_id,
            "from_tier": from_tier,
            "to_tier": to_tier,
            "reason": data.reason.value,
            "requested_role": data.requested_role,
        },
    )
    return EscalationOut(
        id=escalation.id,
        from_unit=source.code,
        to_unit=target_unit.code,
        to_staff_id=escalation.to_staff_id,
        from_tier=from_tier,
        to_tier=to_tier,
        reason=data.reason,
        requested_role=data.requested_role,
        note=data.note,
        created_at=escalation.created_at,
        ticket=await ticket_out(session, ticket.id),
    )


async def _target(session: AsyncSession, data: EscalationIn, returning: bool) -> tuple[Unit, Staff | None]:
    staff = None
    if data.to_staff_id is not None:
        staff = await staff_by_id(session, data.to_staff_id)
        if staff is None or not staff.active:
            raise UnknownTarget(f"There is no active staff member with id {data.to_staff_id}.")
    unit: Unit | None
    if data.to_unit is not None:
        unit = await unit_by_code(session, data.to_unit)
        if unit is None:
            raise UnknownTarget(f"There is no unit with code {data.to_unit!r}.")
        if staff is not None and all(m.unit_id != unit.id for m in staff.memberships):
            raise UnknownTarget(f"{staff.full_name} does not work in {unit.name}.")
    elif staff is not None and staff.memberships:
        unit = await unit_by_id(session, staff.memberships[0].unit_id)
    elif returning:
        unit = await first_unit_of_kind(session, UnitKind.contact_centre)
    else:
        raise UnknownTarget("Say where the ticket goes: a unit (to_unit), a staff member (to_staff_id) or both.")
    if unit is None:
        raise UnknownTarget("No front-office unit (kind contact_centre) is configured to return the ticket to.")
    return unit, staff
