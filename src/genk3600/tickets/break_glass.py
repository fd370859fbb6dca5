"""Break the glass: a supervisor opens a social (OCMW) ticket out of their sight, for a while, with a reason.

The grant widens `visible_tickets` for that supervisor until it expires. Granting is an ORM insert (so the
audit trail has it, with the reason), lands on the ticket's timeline as a note and goes out as an event a
DPO can subscribe to — both without the reason, which may itself describe the case; every read during the
grant is audited like any other read of social content.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.principal import Principal
from genk3600.config import Settings
from genk3600.errors import Forbidden
from genk3600.events.outbox import record_system_event
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import Message
from genk3600.kit.clock import Clock
from genk3600.kit.reference import REFERENCE_EXAMPLE
from genk3600.kit.schemas import InputModel, OutputModel
from genk3600.models import AccessGrant
from genk3600.models.enums import Position, TicketEventType
from genk3600.tickets import repository, timeline
from genk3600.tickets.errors import TicketNotFound


class NotASupervisor(Forbidden):
    title = "Not a supervisor"
    slug = "not-a-supervisor"


class BreakGlassIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Burger in crisis aan de balie, maatschappelijk werker afwezig."}]}
    )

    reason: str = Field(
        min_length=10,
        max_length=500,
        description="Why you need to open this case; it is kept on the audit trail only (the ticket's timeline "
        "and events say that the glass was broken, not why).",
        examples=["Burger belt in crisis, maatschappelijk werker afwezig; dringende doorverwijzing nodig."],
    )


class AccessGrantOut(OutputModel):
    id: int
    ticket: str = Field(description="Reference of the ticket opened.", examples=[REFERENCE_EXAMPLE])
    staff_id: int
    staff_name: str
    reason: str
    granted_at: datetime
    expires_at: datetime


async def break_glass(
    session: AsyncSession, settings: Settings, clock: Clock, actor: Principal, reference: str, reason: str
) -> AccessGrantOut:
    """Grant a supervisor time-limited access to a ticket they cannot otherwise see."""
    if actor.staff_id is None or not any(m.position is Position.supervisor for m in actor.memberships):
        raise NotASupervisor(P_("Only a supervisor may break the glass on a ticket."))
    # Deliberately without the viewer's sight: opening what one cannot see is the point. It must exist.
    ticket = await repository.ticket_by_reference_unchecked(session, reference)
    if ticket is None:
        raise TicketNotFound(reference)
    granted_at = clock.now()
    grant = AccessGrant(
        ticket_id=ticket.id,
        staff_id=actor.staff_id,
        reason=reason,
        granted_at=granted_at,
        expires_at=granted_at + timedelta(minutes=settings.break_glass_minutes),
    )
    session.add(grant)
    await session.flush()
    await timeline.record_event(
        session,
        ticket,
        actor,
        TicketEventType.note,
        # Not the reason: the timeline is read by everyone who sees the case and goes out as an event; the
        # reason stays on the grant and its audit entry, for the DPO.
        Message("ticket.break_glass"),
        {
            "break_glass": True,
            "grant_id": grant.id,
            "staff_id": actor.staff_id,
            "expires_at": grant.expires_at.isoformat(),
        },
    )
    # For the DPO: a system event, so admin feeds and webhook subscriptions hear of every broken glass
    # (the ticket's own events about a social case reach only that unit).
    await record_system_event(
        session,
        "privacy.break_glass",
        {
            "grant_id": grant.id,
            "ticket": ticket.reference,
            "staff_id": actor.staff_id,
            "expires_at": grant.expires_at.isoformat(),
        },
    )
    return AccessGrantOut(
        id=grant.id,
        ticket=ticket.reference,
        staff_id=actor.staff_id,
        staff_name=actor.display_name,
        reason=grant.reason,
        granted_at=grant.granted_at,
        expires_at=grant.expires_at,
    )
