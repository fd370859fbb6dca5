from __future__ import annotations

from genk3600.errors import AppError, Conflict, NotFound, UnprocessableInput
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


class ProductChanged(AppError):
    status = 412
    title = P_("Precondition failed")
    slug = "precondition-failed"


class ProductPreconditionRequired(AppError):
    status = 428
    title = P_("Precondition required")
    slug = "precondition-required"


class InvalidCatalogue(ValueError):
    """An IPDC file that cannot be read as a product catalogue (the import command says why)."""


class CodeMismatch(UnprocessableInput):
    slug = "product-code-mismatch"
