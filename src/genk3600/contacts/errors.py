from __future__ import annotations

from genk3600.errors import NotFound, UnprocessableInput


class ContactNotFound(NotFound):
    slug = "contact-not-found"

    def __init__(self, contact_id: int) -> None:
        super().__init__(f"There is no contact with id {contact_id}.", contact_id=contact_id)


class UnknownTicket(UnprocessableInput):
    slug = "unknown-ticket"

    def __init__(self, reference: str) -> None:
        super().__init__(f"There is no ticket with reference {reference!r} to add this contact to.")


class UnknownDesk(UnprocessableInput):
    slug = "unknown-desk"


class MalformedMessage(UnprocessableInput):
    title = "Malformed message"
    slug = "malformed-message"
