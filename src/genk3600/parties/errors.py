from __future__ import annotations

from genk3600.errors import Conflict, NotFound, UnprocessableInput
from genk3600.i18n.catalogue import P_


class PartyNotFound(NotFound):
    slug = "party-not-found"

    def __init__(self, contact_id: int, party_id: int) -> None:
        super().__init__(
            P_("Contact {contact_id} has no party with id {party_id}."),
            params={"contact_id": contact_id, "party_id": party_id},
            contact_id=contact_id,
            party_id=party_id,
        )


class UnknownCitizen(UnprocessableInput):
    slug = "unknown-citizen"

    def __init__(self, citizen_id: int) -> None:
        super().__init__(
            P_("There is no citizen with id {citizen_id} to name as a party."),
            params={"citizen_id": citizen_id},
            field="citizen_id",
        )


class CorrespondentExists(Conflict):
    title = P_("Correspondent already chosen")
    slug = "correspondent-exists"

    def __init__(self, contact_id: int) -> None:
        super().__init__(
            P_(
                "Contact {contact_id} already has a party that replies go to; remove that party first, or add "
                "this one with `correspondent: false`."
            ),
            params={"contact_id": contact_id},
            contact_id=contact_id,
        )
