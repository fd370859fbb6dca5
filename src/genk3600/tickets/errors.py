from __future__ import annotations

from genk3600.errors import NotFound


class TicketNotFound(NotFound):
    slug = "ticket-not-found"

    def __init__(self, reference: str) -> None:
        super().__init__(f"There is no ticket with reference {reference!r}.", reference=reference)
