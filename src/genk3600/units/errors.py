from __future__ import annotations

from genk3600.errors import AndList, Conflict, NotFound, UnprocessableInput
from genk3600.i18n.catalogue import P_


class UnitNotFound(NotFound):
    slug = "unit-not-found"

    def __init__(self, code: str) -> None:
        super().__init__(P_("There is no unit with code {code!r}."), params={"code": code}, code=code)


class UnknownUnit(UnprocessableInput):
    """A request names units that do not exist (422: the request itself was found); `active` where only units
    that still take work count. Carries `codes`, and `code` too when there is one."""

    slug = "unknown-unit"

    def __init__(self, code: str, *more: str, active: bool = False) -> None:
        codes = [code, *more]
        names = AndList([repr(unit_code) for unit_code in codes])
        detail = (
            P_("There is no active unit with code {names}.") if active else P_("There is no unit with code {names}.")
        )
        single = {"code": code} if not more else {}
        super().__init__(detail, params={"names": names}, codes=codes, **single)


class UnitExists(Conflict):
    slug = "unit-exists"

    def __init__(self, code: str) -> None:
        super().__init__(P_("A unit with code {code!r} already exists."), params={"code": code}, code=code)
