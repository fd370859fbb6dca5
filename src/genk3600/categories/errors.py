from __future__ import annotations

from genk3600.errors import Conflict, NotFound, UnprocessableInput


class CategoryNotFound(NotFound):
    slug = "category-not-found"

    def __init__(self, code: str) -> None:
        super().__init__(f"There is no category with code {code!r}.", code=code)


class UnknownCategory(UnprocessableInput):
    slug = "unknown-category"

    def __init__(self, code: str) -> None:
        super().__init__(f"There is no active category with code {code!r}; GET /v1/categories lists them.", code=code)


class CategoryExists(Conflict):
    slug = "category-exists"

    def __init__(self, code: str) -> None:
        super().__init__(f"A category with code {code!r} already exists.", code=code)
