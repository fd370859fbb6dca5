from __future__ import annotations

from genk3600.errors import Conflict, NotFound, UnprocessableInput, and_list


class UnitNotFound(NotFound):
    slug = "unit-not-found"

    def __init__(self, code: str) -> None:
        super().__init__(f"There is no unit with code {code!r}.", code=code)


class UnknownUnit(UnprocessableInput):
    """A request names units that do not exist (422: the request itself was found); `active` where only units
    that still take work count. Carries `codes`, and `code` too when there is one."""

    slug = "unknown-unit"

    def __init__(self, code: str, *more: str, active: bool = False) -> None:
        codes = [code, *more]
        names = and_list([repr(unit_code) for unit_code in codes])
        kind = "active unit" if active else "unit"
        single = {"code": code} if not more else {}
        super().__init__(f"There is no {kind} with code {names}.", codes=codes, **single)


class UnitExists(Conflict):
    slug = "unit-exists"

    def __init__(self, code: str) -> None:
        super().__init__(f"A unit with code {code!r} already exists.", code=code)
