from __future__ import annotations

from genk3600.errors import NotFound, UnprocessableInput


class ContactNotFound(NotFound):
    slug = "contact-not-found"

    def __init__(self, contact_id: int) -> None:
        super().__init__(f"There is no contact with id {contact_id}.", contact_id=contact_id)


class NoOwnerForContact(UnprocessableInput):
    slug = "no-owner-for-contact"
