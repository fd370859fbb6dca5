from __future__ import annotations

from genk3600.errors import Conflict, NotFound, UnprocessableInput


class PartyNotFound(NotFound):
    slug = "party-not-found"

    def __init__(self, contact_id: int, party_id: int) -> None:
        super().__init__(
            f"Contact {contact_id} has no party with id {party_id}.", contact_id=contact_id, party_id=party_id
        )


class UnknownCitizen(UnprocessableInput):
    slug = "unknown-citizen"

    def __init__(self, citizen_id: int) -> None:
        super().__init__(f"There is no citizen with id {citizen_id} to name as a party.", field="citizen_id")


class CorrespondentExists(Conflict):
    title = "Correspondent already chosen"
    slug = "correspondent-exists"

    def __init__(self, contact_id: int) -> None:
        super().__init__(
            f"Contact {contact_id} already has a party that replies go to; remove that party first, or add this "
            "one with `correspondent: false`.",
            contact_id=contact_id,
        )
