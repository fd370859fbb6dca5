from __future__ import annotations

from genk3600.errors import Conflict, NotFound, UnprocessableInput


class UnitNotFound(NotFound):
    slug = "unit-not-found"

    def __init__(self, code: str) -> None:
        super().__init__(f"There is no unit with code {code!r}.", code=code)


class UnknownUnit(UnprocessableInput):
    """A request refers to a unit that does not exist (422: the request itself was found)."""

    slug = "unknown-unit"

    def __init__(self, code: str) -> None:
        super().__init__(f"There is no unit with code {code!r}.", code=code)


class UnitExists(Conflict):
    slug = "unit-exists"

    def __init__(self, code: str) -> None:
        super().__init__(f"A unit with code {code!r} already exists.", code=code)
