from __future__ import annotations

from datetime import date

from genk3600.errors import Conflict, NotFound, UnprocessableInput
from genk3600.i18n.catalogue import P_


class SlaPolicyNotFound(NotFound):
    slug = "sla-policy-not-found"

    def __init__(self, code: str) -> None:
        super().__init__(P_("There is no SLA policy with code {code!r}."), params={"code": code}, code=code)


class SlaPolicyExists(Conflict):
    slug = "sla-policy-exists"

    def __init__(self, code: str) -> None:
        super().__init__(P_("An SLA policy with code {code!r} already exists."), params={"code": code}, code=code)


class OpeningHoursNotFound(NotFound):
    slug = "opening-hours-not-found"

    def __init__(self, hours_id: int) -> None:
        super().__init__(
            P_("There are no opening hours with id {hours_id}."), params={"hours_id": hours_id}, id=hours_id
        )


class ClosingDayNotFound(NotFound):
    slug = "closing-day-not-found"

    def __init__(self, day_id: int) -> None:
        super().__init__(P_("There is no closing day with id {day_id}."), params={"day_id": day_id}, id=day_id)


class ClosingDayExists(Conflict):
    slug = "closing-day-exists"

    def __init__(self, unit: str | None, day: date) -> None:
        detail = (
            P_("{day} is already a closing day for unit {unit!r}.")
            if unit is not None
            else P_("{day} is already a closing day for the whole city.")
        )
        super().__init__(detail, params={"day": day.isoformat(), "unit": unit}, unit=unit, day=day.isoformat())


class DeadlineOutOfReach(UnprocessableInput):
    """The calendar has (almost) no opening time, so the deadline lies beyond the search horizon."""

    slug = "deadline-out-of-reach"
