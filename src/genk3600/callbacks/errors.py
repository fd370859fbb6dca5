from __future__ import annotations

from genk3600.errors import Conflict, NotFound, UnprocessableInput
from genk3600.i18n.catalogue import P_


class CallbackNotFound(NotFound):
    slug = "callback-not-found"

    def __init__(self, callback_id: int) -> None:
        super().__init__(
            P_("There is no call-back request with id {callback_id}."),
            params={"callback_id": callback_id},
            callback_id=callback_id,
        )


class CallbackClosed(Conflict):
    title = P_("Call-back closed")
    slug = "callback-closed"

    def __init__(self, callback_id: int, status: str) -> None:
        super().__init__(
            P_(
                "Call-back request {callback_id} is {status}: nothing more can be recorded on it. Ask a new one if "
                "the citizen must still be called."
            ),
            params={"callback_id": callback_id, "status": status},
            callback_id=callback_id,
            callback_status=status,
        )


class NoLetterToSend(Conflict):
    title = P_("No letter to send")
    slug = "no-letter-to-send"


class ContactNotOnTicket(Conflict):
    title = P_("Contact not on a ticket")
    slug = "contact-not-on-ticket"

    def __init__(self, contact_id: int) -> None:
        super().__init__(
            P_(
                "Contact {contact_id} is not on a ticket yet (a call awaiting its summary, an automatic reply). "
                "Record the contact on a ticket first; a call-back is always about a ticket."
            ),
            params={"contact_id": contact_id},
            contact_id=contact_id,
        )


class SubjectNotFound(UnprocessableInput):
    """The ticket or contact named in the body does not exist, or is out of the caller's sight."""

    slug = "unknown-callback-subject"


class TargetCannotSeeTicket(UnprocessableInput):
    """The unit or person asked to call back could not read the ticket (need-to-know)."""

    title = P_("Target cannot see the ticket")
    slug = "target-cannot-see-ticket"


class UnknownCallbackTarget(UnprocessableInput):
    slug = "unknown-callback-target"


class WindowOver(UnprocessableInput):
    title = P_("Window already over")
    slug = "callback-window-over"


class DueOutOfReach(UnprocessableInput):
    title = P_("Due time out of reach")
    slug = "callback-due-out-of-reach"


class AttemptBeforeRequest(UnprocessableInput):
    title = P_("Attempt before the request")
    slug = "attempt-before-request"


class CallbackQueueEmpty(NotFound):
    slug = "callback-queue-empty"

    def __init__(self, code: str, name: str) -> None:
        super().__init__(
            P_("{name} has no open call-back request that nobody has taken yet."), params={"name": name}, unit=code
        )
