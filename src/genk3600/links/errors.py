from __future__ import annotations

from genk3600.errors import Conflict, NotFound, Phrase
from genk3600.i18n.catalogue import P_


# Who holds a link, as words in the reader's language: "Ticket G3600-…" reads "Vraag G3600-…" in Dutch.
def ticket_holder(reference: str) -> Phrase:
    return Phrase(P_("Ticket {reference}"), reference=reference)


def contact_holder(contact_id: int) -> Phrase:
    return Phrase(P_("Contact {contact_id}"), contact_id=contact_id)


class LinkNotFound(NotFound):
    slug = "link-not-found"

    def __init__(self, holder: Phrase, link_id: int) -> None:
        super().__init__(
            P_("{holder} has no link with id {link_id}."),
            params={"holder": holder, "link_id": link_id},
            link_id=link_id,
        )


class LinkExists(Conflict):
    title = P_("Link exists")
    slug = "link-exists"

    def __init__(self, holder: Phrase, system: str, object_type: str, object_id: str) -> None:
        super().__init__(
            P_("{holder} already refers to {object_type} {object_id!r} in {system}."),
            params={"holder": holder, "object_type": object_type, "object_id": object_id, "system": system},
            system=system,
            object_type=object_type,
            object_id=object_id,
        )
