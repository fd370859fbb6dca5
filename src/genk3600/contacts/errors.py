from __future__ import annotations

from genk3600.errors import NotFound, UnprocessableInput
from genk3600.i18n.catalogue import P_


class ContactNotFound(NotFound):
    slug = "contact-not-found"

    def __init__(self, contact_id: int) -> None:
        super().__init__(
            P_("There is no contact with id {contact_id}."), params={"contact_id": contact_id}, contact_id=contact_id
        )


class UnknownTicket(UnprocessableInput):
    slug = "unknown-ticket"

    def __init__(self, reference: str) -> None:
        super().__init__(
            P_("There is no ticket with reference {reference!r} to add this contact to."),
            params={"reference": reference},
        )


class UnknownDesk(UnprocessableInput):
    slug = "unknown-desk"


class MalformedMessage(UnprocessableInput):
    title = P_("Malformed message")
    slug = "malformed-message"
