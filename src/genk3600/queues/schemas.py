from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from genk3600.kit.pagination import Page
from genk3600.tickets.schemas import TicketOut


class DeadlineColour(StrEnum):
    red = "red"
    orange = "orange"
    green = "green"
    none = "none"


class QueueTicketOut(TicketOut):
    deadline_colour: DeadlineColour = Field(
        description=(
            "How close the resolution deadline is: `red` overdue, `orange` due within the hour, "
            "`green` later, `none` without a deadline."
        ),
        examples=[DeadlineColour.orange],
    )


class QueuePage(Page[QueueTicketOut]):
    """A page of a unit's work queue, in queue order."""
