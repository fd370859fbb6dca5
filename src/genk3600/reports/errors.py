from __future__ import annotations

from genk3600.errors import Forbidden, NotFound, UnprocessableInput


class ReportNotFound(NotFound):
    slug = "report-not-found"

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"There is no report '{name}'. Reports: {', '.join(known)}.", known=known)


class InvalidPeriod(UnprocessableInput):
    slug = "invalid-period"


class UnitOutOfReach(Forbidden):
    slug = "unit-out-of-reach"

    def __init__(self, code: str) -> None:
        super().__init__(
            f"Unit '{code}' is outside the units your reports cover (the units you supervise and those below them)."
        )
