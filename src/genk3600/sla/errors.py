from __future__ import annotations

from datetime import date

from genk3600.errors import Conflict, NotFound, UnprocessableInput


class SlaPolicyNotFound(NotFound):
    slug = "sla-policy-not-found"

    def __init__(self, code: str) -> None:
        super().__init__(f"There is no SLA policy with code {code!r}.", code=code)


class SlaPolicyExists(Conflict):
    slug = "sla-policy-exists"

    def __init__(self, code: str) -> None:
        super().__init__(f"An SLA policy with code {code!r} already exists.", code=code)


class OpeningHoursNotFound(NotFound):
    slug = "opening-hours-not-found"

    def __init__(self, hours_id: int) -> None:
        super().__init__(f"There are no opening hours with id {hours_id}.", id=hours_id)


class ClosingDayNotFound(NotFound):
    slug = "closing-day-not-found"

    def __init__(self, day_id: int) -> None:
        super().__init__(f"There is no closing day with id {day_id}.", id=day_id)


class ClosingDayExists(Conflict):
    slug = "closing-day-exists"

    def __init__(self, unit: str | None, day: date) -> None:
        whose = f"unit {unit!r}" if unit is not None else "the whole city"
        super().__init__(f"{day.isoformat()} is already a closing day for {whose}.", unit=unit, day=day.isoformat())


class DeadlineOutOfReach(UnprocessableInput):
    """The calendar has (almost) no opening time, so the deadline lies beyond the search horizon."""

    slug = "deadline-out-of-reach"
