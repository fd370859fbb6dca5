from __future__ import annotations

from genk3600.errors import Conflict, NotFound, UnprocessableInput
from genk3600.i18n.catalogue import P_


class CategoryNotFound(NotFound):
    slug = "category-not-found"

    def __init__(self, code: str) -> None:
        super().__init__(P_("There is no category with code {code!r}."), params={"code": code}, code=code)


class UnknownCategory(UnprocessableInput):
    slug = "unknown-category"

    def __init__(self, code: str) -> None:
        super().__init__(
            P_("There is no active category with code {code!r}; GET /v1/categories lists them."),
            params={"code": code},
            code=code,
        )


class CategoryExists(Conflict):
    slug = "category-exists"

    def __init__(self, code: str) -> None:
        super().__init__(P_("A category with code {code!r} already exists."), params={"code": code}, code=code)
