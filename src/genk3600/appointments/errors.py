from __future__ import annotations

from typing import Any

from genk3600.errors import Conflict, NotFound, UnprocessableInput
from genk3600.i18n.catalogue import P_


class AppointmentNotFound(NotFound):
    slug = "appointment-not-found"

    def __init__(self, appointment_id: int) -> None:
        super().__init__(
            P_("There is no appointment with id {appointment_id}."),
            params={"appointment_id": appointment_id},
            appointment_id=appointment_id,
        )


class UnknownAppointmentKind(UnprocessableInput):
    """The kind named in the body does not exist, is inactive, or does not fit the ticket."""

    slug = "unknown-appointment-kind"


class AppointmentSubjectNotFound(UnprocessableInput):
    slug = "unknown-appointment-subject"

    def __init__(self, reference: str) -> None:
        super().__init__(
            P_("There is no ticket with reference {reference!r} to book an appointment for."),
            params={"reference": reference},
        )


class UnknownBookable(UnprocessableInput):
    """The staff member or desk named cannot be booked for this kind (not available for its unit)."""

    slug = "unknown-bookable"


class NotASlot(UnprocessableInput):
    title = P_("Not a slot")
    slug = "not-a-slot"


class AvailabilityInvalid(UnprocessableInput):
    slug = "availability-invalid"


class SlotTaken(Conflict):
    """Someone else booked (part of) this time first; `alternatives` are the next free slots."""

    title = P_("Slot taken")
    slug = "slot-taken"

    def __init__(self, alternatives: list[dict[str, Any]]) -> None:
        super().__init__(
            P_(
                "This time was just booked by someone else. Choose one of the next free slots in `alternatives` "
                "({count} found)."
            ),
            params={"count": len(alternatives)},
            alternatives=alternatives,
        )


class AppointmentClosed(Conflict):
    title = P_("Appointment closed")
    slug = "appointment-closed"

    def __init__(self, appointment_id: int, status: str) -> None:
        super().__init__(
            P_("Appointment {appointment_id} is {status}: it can no longer be moved, cancelled or recorded."),
            params={"appointment_id": appointment_id, "status": status},
            appointment_id=appointment_id,
            appointment_status=status,
        )


class OutcomeTooEarly(Conflict):
    title = P_("Appointment still ahead")
    slug = "appointment-still-ahead"

    def __init__(self, appointment_id: int) -> None:
        super().__init__(
            P_("Appointment {appointment_id} has not started yet; record how it went once it has."),
            params={"appointment_id": appointment_id},
            appointment_id=appointment_id,
        )


class CalendarFeedNotFound(NotFound):
    """A wrong or withdrawn feed token answers like an unknown staff member: nothing to learn from it."""

    slug = "calendar-feed-not-found"

    def __init__(self) -> None:
        super().__init__(P_("There is no calendar feed at this address."))
