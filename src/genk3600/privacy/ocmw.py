"""Social tickets never leave the OCMW: their owner is an OCMW unit, their assignee OCMW staff who see them
by right (their unit or as the citizen's case worker), never someone who sees them only through a
break-the-glass grant — so a grant's expiry always ends the access it gave.

An OCMW unit is a unit of kind `ocmw_service` (in Genk: OCMW Genk and the services below it). Routing
rules, escalations (people and the SLA sweeper), assignment, claims and imports all ask here.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.errors import UnprocessableInput
from genk3600.i18n.catalogue import P_
from genk3600.models import Staff, Ticket, Unit
from genk3600.models.enums import OCMW_UNIT_KIND, Confidentiality
from genk3600.tickets import repository as ticket_repository


class SocialStaysInOcmw(UnprocessableInput):
    title = P_("Social tickets stay in the OCMW")
    slug = "social-stays-in-ocmw"


def is_social(ticket: Ticket) -> bool:
    return ticket.confidentiality == Confidentiality.social.value


def is_ocmw_unit(unit: Unit) -> bool:
    return unit.kind == OCMW_UNIT_KIND


def check_owner(ticket: Ticket, unit: Unit) -> None:
    """A social ticket may only move to an OCMW unit."""
    if is_social(ticket) and not is_ocmw_unit(unit):
        raise SocialStaysInOcmw(
            P_(
                "Ticket {reference} is a social (OCMW) case; {unit} is not an OCMW unit (kind {kind!r}), so it "
                "cannot own it. Hand it to an OCMW service."
            ),
            params={"reference": ticket.reference, "unit": unit.name, "kind": OCMW_UNIT_KIND},
            unit=unit.code,
        )


async def check_assignee(session: AsyncSession, ticket: Ticket, staff: Staff) -> None:
    """A social ticket may only be assigned to OCMW staff who see it by right, not through a grant."""
    if is_social(ticket) and not await ticket_repository.may_hold_social(session, ticket.id, staff.id):
        raise SocialStaysInOcmw(
            P_(
                "Ticket {reference} is a social (OCMW) case; {staff} may not hold it: only staff of an OCMW unit "
                "that owns it (or above it) and the citizen's own case worker can. Access through break-the-glass "
                "ends when the grant does and cannot be extended by assignment."
            ),
            params={"reference": ticket.reference, "staff": staff.full_name},
            staff_id=staff.id,
        )
