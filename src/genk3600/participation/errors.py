from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from genk3600.errors import AndList, Conflict, Forbidden, UnprocessableInput
from genk3600.i18n.catalogue import P_


class ContactsWithoutRole(Conflict):
    """A ticket cannot be resolved (or a contact marked handled) while a contact has no participation."""

    title = P_("Contact without a recorded role")
    slug = "contacts-without-role"

    def __init__(self, contact_ids: Sequence[int]) -> None:
        ids = list(contact_ids)
        detail = (
            P_(
                "Contact {names} has no recorded role yet: record who informed, registered, advised or decided "
                "before resolving."
            )
            if len(ids) == 1
            else P_(
                "Contacts {names} have no recorded role yet: record who informed, registered, advised or decided "
                "before resolving."
            )
        )
        super().__init__(detail, params={"names": AndList([str(contact_id) for contact_id in ids])}, contacts=ids)


class ParticipationExists(Conflict):
    title = P_("Role already recorded")
    slug = "participation-exists"

    def __init__(self, contact_id: int, staff_id: int, role: str) -> None:
        super().__init__(
            P_("Staff member {staff_id} already has the role {role!r} on contact {contact_id}."),
            params={"staff_id": staff_id, "role": role, "contact_id": contact_id},
            contact_id=contact_id,
            staff_id=staff_id,
            role=role,
        )


class AuthorityMissing(Forbidden):
    """`deciding` by staff outside the units that hold decision authority for the ticket's category."""

    title = P_("Decision authority missing")
    slug = "authority-missing"

    def __init__(
        self, detail: str, allowed_units: Sequence[str], category: str | None, params: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(detail, params=params, allowed_units=list(allowed_units), category=category)


class DecisionNeedsCategory(AuthorityMissing):
    """Authority belongs to a category, so a ticket without one has nobody who may decide."""

    title = P_("Decision needs a category")
    slug = "decision-needs-category"

    def __init__(self) -> None:
        super().__init__(
            P_("Nobody may decide on a ticket without a category: give the ticket a category first."),
            allowed_units=[],
            category=None,
        )


class RoleNotForPosition(Forbidden):
    """The staff member's positions do not include the role (front-office positions inform and register)."""

    title = P_("Role not open to this position")
    slug = "role-not-for-position"

    def __init__(
        self,
        detail: str,
        params: Mapping[str, Any],
        role: str,
        positions: Sequence[str],
        allowed_roles: Sequence[str],
    ) -> None:
        super().__init__(detail, params=params, role=role, positions=list(positions), allowed_roles=list(allowed_roles))


class NotTheirSupervisor(Forbidden):
    title = P_("Not their supervisor")
    slug = "not-their-supervisor"

    def __init__(self, staff_id: int) -> None:
        super().__init__(
            P_(
                "Only a supervisor in a unit that staff member {staff_id} belongs to may record a role for them; "
                "leave out staff_id to record your own role."
            ),
            params={"staff_id": staff_id},
            staff_id=staff_id,
        )


class StaffRequired(UnprocessableInput):
    slug = "staff-required"

    def __init__(self) -> None:
        super().__init__(
            P_("A system recording a role must name the staff member who played it in `staff_id`."),
        )


class UnknownStaff(UnprocessableInput):
    slug = "unknown-staff"

    def __init__(self, staff_id: int) -> None:
        super().__init__(
            P_("There is no active staff member with id {staff_id}."), params={"staff_id": staff_id}, staff_id=staff_id
        )
