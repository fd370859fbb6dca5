from __future__ import annotations

from genk3600.errors import Conflict, NotFound, UnprocessableInput
from genk3600.i18n.catalogue import P_


class NeedsStaff(UnprocessableInput):
    slug = "presence-needs-staff"

    def __init__(self) -> None:
        super().__init__(P_("Presence and offers belong to staff members: an API client has neither."))


class OfferNotFound(NotFound):
    slug = "offer-not-found"

    def __init__(self, offer_id: int) -> None:
        super().__init__(P_("You have no offer with id {offer_id}."), params={"offer_id": offer_id}, offer_id=offer_id)


class OfferClosed(Conflict):
    """The offer was answered, withdrawn or timed out, or its ticket was taken meanwhile."""

    slug = "offer-closed"

    def __init__(self, offer_id: int, state: str) -> None:
        super().__init__(
            P_("Offer {offer_id} is no longer open ({state})."),
            params={"offer_id": offer_id, "state": state},
            offer_id=offer_id,
            state=state,
        )


class UnknownChannel(UnprocessableInput):
    slug = "unknown-channel"

    def __init__(self, channel: str) -> None:
        super().__init__(P_("{channel!r} is not a channel."), params={"channel": channel}, channel=channel)
