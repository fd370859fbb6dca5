"""Hand-offs: escalation to a higher tier or another unit/person, and the return to the front office.

The only writer of escalations (and the one place the tiers are defined), for the API and the SLA sweeper.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from genk3600.audit import trail
from genk3600.auth.principal import Principal
from genk3600.errors import Phrase
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import STATUS_LABELS, Message
from genk3600.models import Escalation, Staff, Unit
from genk3600.models.enums import FINISHED_STATUSES, EscalationReason, TicketEventType, TicketStatus, UnitKind
from genk3600.privacy import ocmw
from genk3600.staff.repository import staff_by_id
from genk3600.tickets import timeline
from genk3600.tickets.changes import locked_ticket
from genk3600.tickets.errors import UnknownTarget
from genk3600.tickets.schemas import EscalationIn, EscalationOut
from genk3600.tickets.service import ticket_out
from genk3600.tickets.timeline import TimelineEntry
from genk3600.tickets.transitions import IllegalTransition
from genk3600.units.repository import first_unit_of_kind, unit_by_code, unit_by_id

FRONT_OFFICE_TIER = 1
TOP_TIER = 3

_TABLE = cast(Table, Escalation.__table__)
_INSERT = insert(_TABLE).returning(_TABLE.c.id, _TABLE.c.created_at, sort_by_parameter_order=True)


def next_tier(tier: int) -> int:
    """The tier an escalation hands a ticket at `tier` to."""
    return min(tier + 1, TOP_TIER)


@dataclass(frozen=True)
class Handover:
    """One hand-off of a ticket, as the escalation row and its timeline entry record it."""

    ticket_id: int
    source: Unit
    target: Unit
    target_staff: Staff | None
    from_tier: int
    to_tier: int
    reason: EscalationReason
    requested_role: str
    note: str | None
    note_on_timeline: bool = True
    # More facts for the timeline entry (and its event), e.g. which deadline the sweeper saw pass.
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Escalated:
    """A written escalation: its id, when, and the timeline entry that tells of it (for the caller to write
    in its place among the ticket's other entries)."""

    id: int
    created_at: datetime
    entry: TimelineEntry


async def write_escalations(session: AsyncSession, actor: Principal, handovers: Sequence[Handover]) -> list[Escalated]:
    """Escalation rows for the hand-offs, by one actor, in one multi-row INSERT, with their audit entries.

    The only writer of escalations: the API's hand-off is this with one item, the SLA sweeper's a batch.
    """
    if not handovers:
        return []
    who = {
        "actor_staff_id": actor.staff_id,
        "actor_api_client_id": actor.api_client_id,
        "actor_name": actor.display_name,
    }
    rows = [
        {
            "ticket_id": handover.ticket_id,
            "from_unit_id": handover.source.id,
            "to_unit_id": handover.target.id,
            "to_staff_id": handover.target_staff.id if handover.target_staff else None,
            "from_tier": handover.from_tier,
            "to_tier": handover.to_tier,
            "reason": handover.reason.value,
            "requested_role": handover.requested_role,
            "note": handover.note,
            **who,
        }
        for handover in handovers
    ]
    written = (await session.execute(_INSERT, rows)).all()
    await trail.record_writes(
        session, [trail.inserted("escalation", id_, row) for (id_, _), row in zip(written, rows, strict=True)]
    )
    return [
        Escalated(id_, created_at, _entry(actor, handover, id_))
        for (id_, created_at), handover in zip(written, handovers, strict=True)
    ]


def _entry(actor: Principal, handover: Handover, escalation_id: int) -> TimelineEntry:
    returning = handover.reason is EscalationReason.returned
    staff = handover.target_staff
    params: dict[str, Any] = {
        "source": handover.source.code,
        "target": [handover.target.code, staff.full_name if staff else None],
        "old_tier": handover.from_tier,
        "new_tier": handover.to_tier,
        "reason": handover.reason.value,
    }
    if handover.note and handover.note_on_timeline:
        params["note"] = handover.note
    if returning:
        code = "ticket.returned"
    elif handover.requested_role == "advising":
        code = "ticket.escalated_for_advice"
    else:
        code = "ticket.escalated_for_decision"
    data = {
        "escalation_id": escalation_id,
        "from_unit": handover.source.code,
        "to_unit": handover.target.code,
        "to_staff_id": staff.id if staff else None,
        "from_tier": handover.from_tier,
        "to_tier": handover.to_tier,
        "reason": handover.reason.value,
        "requested_role": handover.requested_role,
        **handover.details,
    }
    return TimelineEntry(TicketEventType.escalated, Message(code, params), data)


async def escalate(session: AsyncSession, actor: Principal, reference: str, data: EscalationIn) -> EscalationOut:
    """Move ownership (and the tier) to the target, with the hand-off on the timeline."""
    ticket = await locked_ticket(session, reference, actor)
    if ticket.status in FINISHED_STATUSES:
        raise IllegalTransition(
            P_("Ticket {reference} is {status}; reopen it before handing it over."),
            params={"reference": reference, "status": Phrase(STATUS_LABELS[ticket.status])},
        )
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
    to_tier = FRONT_OFFICE_TIER if returning else next_tier(from_tier)
    ticket.owning_unit_id, ticket.owning_unit = target_unit.id, target_unit
    ticket.tier = to_tier
    ticket.assignee_staff_id = target_staff.id if target_staff else None
    ticket.status = TicketStatus.assigned.value if target_staff else TicketStatus.new.value
    # A hand-off is a change of the ticket even when owner, tier and status stay the same (a second escalation
    # at the top tier): the UPDATE must still run, so the version (the ETag) moves and stale If-Match fails.
    flag_modified(ticket, "tier")
    handover = Handover(
        ticket_id=ticket.id,
        source=source,
        target=target_unit,
        target_staff=target_staff,
        from_tier=from_tier,
        to_tier=to_tier,
        reason=data.reason,
        requested_role=data.requested_role,
        note=data.note,
    )
    (escalation,) = await write_escalations(session, actor, [handover])
    await timeline.record_event(
        session, ticket, actor, escalation.entry.type, escalation.entry.text, escalation.entry.data
    )
    return EscalationOut(
        id=escalation.id,
        from_unit=source.code,
        to_unit=target_unit.code,
        to_staff_id=target_staff.id if target_staff else None,
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
            raise UnknownTarget(
                P_("There is no active staff member with id {staff_id}."), params={"staff_id": data.to_staff_id}
            )
    unit: Unit | None
    if data.to_unit is not None:
        unit = await unit_by_code(session, data.to_unit)
        if unit is None:
            raise UnknownTarget(P_("There is no unit with code {code!r}."), params={"code": data.to_unit})
        if staff is not None and all(m.unit_id != unit.id for m in staff.memberships):
            raise UnknownTarget(
                P_("{staff} does not work in {unit}."), params={"staff": staff.full_name, "unit": unit.name}
            )
    elif staff is not None and staff.memberships:
        unit = await unit_by_id(session, staff.memberships[0].unit_id)
    elif returning:
        unit = await first_unit_of_kind(session, UnitKind.contact_centre)
    else:
        raise UnknownTarget(P_("Say where the ticket goes: a unit (to_unit), a staff member (to_staff_id) or both."))
    if unit is None:
        raise UnknownTarget(P_("No front-office unit (kind contact_centre) is configured to return the ticket to."))
    return unit, staff
