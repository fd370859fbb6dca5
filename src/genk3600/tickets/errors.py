from __future__ import annotations

from genk3600.errors import NotFound, UnprocessableInput
from genk3600.i18n.catalogue import P_


class TicketNotFound(NotFound):
    slug = "ticket-not-found"

    def __init__(self, reference: str) -> None:
        super().__init__(
            P_("There is no ticket with reference {reference!r}."), params={"reference": reference}, reference=reference
        )


class UnknownTarget(UnprocessableInput):
    slug = "unknown-target"
