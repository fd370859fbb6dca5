from __future__ import annotations

from genk3600.errors import Forbidden, NotFound, UnprocessableInput
from genk3600.i18n.catalogue import P_


class ReportNotFound(NotFound):
    slug = "report-not-found"

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(
            P_("There is no report '{name}'. Reports: {known}."),
            params={"name": name, "known": ", ".join(known)},
            known=known,
        )


class InvalidPeriod(UnprocessableInput):
    slug = "invalid-period"


class UnitOutOfReach(Forbidden):
    slug = "unit-out-of-reach"

    def __init__(self, code: str) -> None:
        super().__init__(
            P_("Unit '{code}' is outside the units your reports cover (the units you supervise and those below them)."),
            params={"code": code},
        )
