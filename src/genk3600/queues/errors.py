from __future__ import annotations

from genk3600.errors import Forbidden, NotFound, UnprocessableInput
from genk3600.i18n.catalogue import P_


class ClaimNeedsStaff(Forbidden):
    slug = "claim-needs-staff"

    def __init__(self) -> None:
        super().__init__(P_("Claiming needs a staff member: API clients cannot take tickets from a queue."))


class NotInUnit(Forbidden):
    slug = "not-in-unit"

    def __init__(self, code: str, name: str) -> None:
        super().__init__(
            P_("You are not a member of {name} ({code}) or of a unit above it, so you cannot claim from its queue."),
            params={"name": name, "code": code},
            unit=code,
        )


class QueueEmpty(NotFound):
    slug = "queue-empty"

    def __init__(self, code: str, name: str, by_language: bool) -> None:
        detail = (
            P_("The queue of {name} has no unassigned ticket in your languages.")
            if by_language
            else P_("The queue of {name} has no unassigned ticket.")
        )
        super().__init__(detail, params={"name": name}, unit=code)


class AssigneeMeNeedsStaff(UnprocessableInput):
    slug = "assignee-me-needs-staff"

    def __init__(self) -> None:
        super().__init__(P_("`assignee=me` needs a staff member's token: API clients have no tickets of their own."))
