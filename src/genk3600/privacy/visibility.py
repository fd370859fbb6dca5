"""Which tickets a caller may see at all, as one SQL condition applied in the repositories.

Normal tickets: staff of a front-office unit (`unit.front_office`: contact centre, reception, quick and
thematic desks) see all of them, of every department (one front door); other staff see those of their units
and the units below them, those assigned to them and those they took part in; API clients see all of them,
or only their unit's when restricted to one.
Social (OCMW) tickets: only the owning unit's staff (and units below), the citizen's case worker, the
assignee, API clients restricted to that unit, and a supervisor holding an unexpired break-the-glass grant
for it. Front-office staff are no exception. Everyone else gets 404: a social case shows itself only
as "exists, hand over to …" in the screen pop.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter

from genk3600.auth.principal import Principal
from genk3600.models import AccessGrant, Citizen, Contact, Participation, StaffMembership, Ticket, Unit
from genk3600.models.enums import OCMW_UNIT_KIND, Confidentiality

# A staff member's id, or a bind parameter standing for it (VISIBLE_TO_VIEWER).
StaffId = int | BindParameter[Any]


def _staff_unit_scope(staff_id: StaffId) -> Select[tuple[int]]:
    """The ids of the staff member's units and of every unit below them."""
    member = select(StaffMembership.unit_id.label("id")).where(StaffMembership.staff_id == staff_id)
    scope = member.cte("unit_scope", recursive=True)
    child = aliased(Unit)
    scope = scope.union(select(child.id).join(scope, child.parent_id == scope.c.id))
    return select(scope.c.id)


def _staff_unit_ids(staff_id: StaffId) -> ColumnElement[bool]:
    """Ticket.owning_unit_id is one of the staff member's units or a unit below them."""
    return Ticket.owning_unit_id.in_(_staff_unit_scope(staff_id))


def _front_office(staff_id: StaffId) -> ColumnElement[bool]:
    """The staff member works in a front-office unit (not correlated: evaluated once per statement)."""
    return exists(
        select(StaffMembership.id)
        .join(Unit, Unit.id == StaffMembership.unit_id)
        .where(StaffMembership.staff_id == staff_id, Unit.front_office)
    )


def _ocmw_member(staff_id: StaffId) -> ColumnElement[bool]:
    return exists(
        select(StaffMembership.id)
        .join(Unit, Unit.id == StaffMembership.unit_id)
        .where(StaffMembership.staff_id == staff_id, Unit.kind == OCMW_UNIT_KIND)
    )


def _took_part(staff_id: StaffId) -> ColumnElement[bool]:
    return exists(
        select(Participation.id)
        .join(Contact, Contact.id == Participation.contact_id)
        .where(Contact.ticket_id == Ticket.id, Participation.staff_id == staff_id)
    )


def _case_worker(staff_id: StaffId) -> ColumnElement[bool]:
    return exists(select(Citizen.id).where(Citizen.id == Ticket.citizen_id, Citizen.case_worker_id == staff_id))


def _granted(staff_id: StaffId) -> ColumnElement[bool]:
    """A break-the-glass grant for this staff member on the ticket that has not expired yet."""
    return exists(
        select(AccessGrant.id).where(
            AccessGrant.ticket_id == Ticket.id,
            AccessGrant.staff_id == staff_id,
            # statement time, not transaction start: a grant expires even within a long transaction
            AccessGrant.expires_at > func.statement_timestamp(),
        )
    )


def visible_tickets(viewer: Principal) -> ColumnElement[bool]:
    """The WHERE condition on Ticket for everything `viewer` may see."""
    social = Ticket.confidentiality == Confidentiality.social.value
    if viewer.kind == "system":
        return true()
    if viewer.kind == "api_client":
        if viewer.unit_id is None:
            return ~social
        return Ticket.owning_unit_id == viewer.unit_id
    staff_id = viewer.staff_id
    if staff_id is None:
        return false()
    own = or_(_staff_unit_ids(staff_id), Ticket.assignee_staff_id == staff_id)
    return or_(
        own,
        and_(~social, or_(_front_office(staff_id), _took_part(staff_id))),
        and_(social, _case_worker(staff_id)),
        _granted(staff_id),
    )


def may_hold_social_ticket(staff_id: StaffId) -> ColumnElement[bool]:
    """Who may own or be assigned a social ticket (the WHERE condition on Ticket): OCMW staff who see it by
    right — through their unit or as the citizen's case worker — not through being its assignee or through
    a break-the-glass grant, so that a grant's expiry always ends the access it gave."""
    return and_(_ocmw_member(staff_id), or_(_staff_unit_ids(staff_id), _case_worker(staff_id)))


def contacts_open_to_roles(viewer: Principal) -> ColumnElement[bool]:
    """Where a staff member may record the role they played: any normal contact (taking part then makes its
    ticket visible to them), but a social one only within sight."""
    normal = exists(
        select(Ticket.id).where(Ticket.id == Contact.ticket_id, Ticket.confidentiality != Confidentiality.social.value)
    )
    return or_(visible_contacts(viewer), normal)


def visible_contacts(viewer: Principal) -> ColumnElement[bool]:
    """A contact is as visible as its ticket; contacts without one (calls awaiting a summary, auto-replies)
    are the front office's work list, open to every reader."""
    on_visible_ticket = exists(select(Ticket.id).where(Ticket.id == Contact.ticket_id, visible_tickets(viewer)))
    return or_(Contact.ticket_id.is_(None), on_visible_ticket)


def units_in_full_sight(viewer: Principal) -> ColumnElement[bool]:
    """The WHERE condition on Unit for units whose every ticket, social ones included, `viewer` sees by the
    unit rules of `visible_tickets` (not by one assignment, a case load or a grant): what a webhook
    subscription may name to receive a unit's social events."""
    if viewer.kind == "system":
        return true()
    if viewer.kind == "api_client":
        return false() if viewer.unit_id is None else Unit.id == viewer.unit_id
    if viewer.staff_id is None:
        return false()
    return Unit.id.in_(_staff_unit_scope(viewer.staff_id))


# `visible_tickets` built once, for statements compiled at import (the hot paths): the principal comes in as bind
# parameters (`viewer_parameters`) instead of shaping the SQL. Each branch is the one `visible_tickets` takes
# for that kind of principal; the others are false or NULL for it (a NULL staff id matches no membership, no
# assignee, no participation, no case load and no grant), so the two always agree.
_SEE_ALL = bindparam("viewer_sees_all", type_=Boolean)
_SEE_NORMAL = bindparam("viewer_sees_normal", type_=Boolean)
_CLIENT_UNIT = bindparam("viewer_client_unit_id", type_=BigInteger)
_STAFF = bindparam("viewer_staff_id", type_=BigInteger)


def _bound_visibility() -> ColumnElement[bool]:
    social = Ticket.confidentiality == Confidentiality.social.value
    own = or_(_staff_unit_ids(_STAFF), Ticket.assignee_staff_id == _STAFF)
    staff = or_(
        own,
        and_(~social, or_(_front_office(_STAFF), _took_part(_STAFF))),
        and_(social, _case_worker(_STAFF)),
        _granted(_STAFF),
    )
    return or_(_SEE_ALL, and_(_SEE_NORMAL, ~social), Ticket.owning_unit_id == _CLIENT_UNIT, staff)


VISIBLE_TO_VIEWER: ColumnElement[bool] = _bound_visibility()


def viewer_parameters(viewer: Principal) -> dict[str, Any]:
    """The bind parameters of VISIBLE_TO_VIEWER for `viewer`."""
    client = viewer.kind == "api_client"
    return {
        "viewer_sees_all": viewer.kind == "system",
        "viewer_sees_normal": client and viewer.unit_id is None,
        "viewer_client_unit_id": viewer.unit_id if client else None,
        "viewer_staff_id": viewer.staff_id,
    }
