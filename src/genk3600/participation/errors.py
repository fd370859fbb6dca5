from __future__ import annotations

from collections.abc import Sequence

from genk3600.errors import Conflict, Forbidden, UnprocessableInput, and_list


class ContactsWithoutRole(Conflict):
    """A ticket cannot be resolved (or a contact marked handled) while a contact has no participation."""

    title = "Contact without a recorded role"
    slug = "contacts-without-role"

    def __init__(self, contact_ids: Sequence[int]) -> None:
        ids = list(contact_ids)
        names = and_list([str(contact_id) for contact_id in ids])
        subject = f"Contact {names} has" if len(ids) == 1 else f"Contacts {names} have"
        super().__init__(
            f"{subject} no recorded role yet: record who informed, registered, advised or decided before resolving.",
            contacts=ids,
        )


class ParticipationExists(Conflict):
    title = "Role already recorded"
    slug = "participation-exists"

    def __init__(self, contact_id: int, staff_id: int, role: str) -> None:
        super().__init__(
            f"Staff member {staff_id} already has the role {role!r} on contact {contact_id}.",
            contact_id=contact_id,
            staff_id=staff_id,
            role=role,
        )


class AuthorityMissing(Forbidden):
    """`deciding` by staff outside the units that hold decision authority for the ticket's category."""

    title = "Decision authority missing"
    slug = "authority-missing"

    def __init__(self, detail: str, allowed_units: Sequence[str], category: str | None) -> None:
        super().__init__(detail, allowed_units=list(allowed_units), category=category)


class DecisionNeedsCategory(AuthorityMissing):
    """Authority belongs to a category, so a ticket without one has nobody who may decide."""

    title = "Decision needs a category"
    slug = "decision-needs-category"

    def __init__(self) -> None:
        super().__init__(
            "Nobody may decide on a ticket without a category: give the ticket a category first.",
            allowed_units=[],
            category=None,
        )


class RoleNotForPosition(Forbidden):
    """The staff member's positions do not include the role (front-office positions inform and register)."""

    title = "Role not open to this position"
    slug = "role-not-for-position"

    def __init__(self, detail: str, role: str, positions: Sequence[str], allowed_roles: Sequence[str]) -> None:
        super().__init__(detail, role=role, positions=list(positions), allowed_roles=list(allowed_roles))


class NotTheirSupervisor(Forbidden):
    title = "Not their supervisor"
    slug = "not-their-supervisor"

    def __init__(self, staff_id: int) -> None:
        super().__init__(
            f"Only a supervisor in a unit that staff member {staff_id} belongs to may record a role for them; "
            "leave out staff_id to record your own role.",
            staff_id=staff_id,
        )


class StaffRequired(UnprocessableInput):
    slug = "staff-required"

    def __init__(self) -> None:
        super().__init__(
            "A system recording a role must name the staff member who played it in `staff_id`.",
        )


class UnknownStaff(UnprocessableInput):
    slug = "unknown-staff"

    def __init__(self, staff_id: int) -> None:
        super().__init__(f"There is no active staff member with id {staff_id}.", staff_id=staff_id)
