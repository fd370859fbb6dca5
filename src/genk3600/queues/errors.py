from __future__ import annotations

from genk3600.errors import Forbidden, NotFound, UnprocessableInput


class ClaimNeedsStaff(Forbidden):
    slug = "claim-needs-staff"

    def __init__(self) -> None:
        super().__init__("Claiming needs a staff member: API clients cannot take tickets from a queue.")


class NotInUnit(Forbidden):
    slug = "not-in-unit"

    def __init__(self, code: str, name: str) -> None:
        super().__init__(
            f"You are not a member of {name} ({code}) or of a unit above it, so you cannot claim from its queue.",
            unit=code,
        )


class QueueEmpty(NotFound):
    slug = "queue-empty"

    def __init__(self, code: str, name: str, by_language: bool) -> None:
        languages = " in your languages" if by_language else ""
        super().__init__(f"The queue of {name} has no unassigned ticket{languages}.", unit=code)


class AssigneeMeNeedsStaff(UnprocessableInput):
    slug = "assignee-me-needs-staff"

    def __init__(self) -> None:
        super().__init__("`assignee=me` needs a staff member's token: API clients have no tickets of their own.")
