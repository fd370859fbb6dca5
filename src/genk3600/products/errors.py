from __future__ import annotations

from genk3600.errors import Conflict, NotFound, UnprocessableInput
from genk3600.i18n.catalogue import P_


class ProductNotFound(NotFound):
    slug = "product-not-found"

    def __init__(self, code: str) -> None:
        super().__init__(P_("There is no product with code {code!r}."), params={"code": code}, code=code)


class ProductExists(Conflict):
    slug = "product-exists"

    def __init__(self, code: str) -> None:
        super().__init__(
            P_("A product with code {code!r} already exists; change it with PUT instead."),
            params={"code": code},
            code=code,
        )


class UnsearchableProductQuery(UnprocessableInput):
    slug = "unsearchable-product-query"


class InvalidCatalogue(ValueError):
    """An IPDC file that cannot be read as a product catalogue (the import command says why)."""


class CodeMismatch(UnprocessableInput):
    slug = "product-code-mismatch"
