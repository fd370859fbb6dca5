from __future__ import annotations

from genk3600.errors import AppError, Conflict, NotFound, UnprocessableInput


class ProductNotFound(NotFound):
    slug = "product-not-found"

    def __init__(self, code: str) -> None:
        super().__init__(f"There is no product with code {code!r}.", code=code)


class ProductExists(Conflict):
    slug = "product-exists"

    def __init__(self, code: str) -> None:
        super().__init__(f"A product with code {code!r} already exists; change it with PUT instead.", code=code)


class UnsearchableProductQuery(UnprocessableInput):
    slug = "unsearchable-product-query"


class ProductChanged(AppError):
    status = 412
    title = "Precondition failed"
    slug = "precondition-failed"


class ProductPreconditionRequired(AppError):
    status = 428
    title = "Precondition required"
    slug = "precondition-required"


class InvalidCatalogue(ValueError):
    """An IPDC file that cannot be read as a product catalogue (the import command says why)."""


class CodeMismatch(UnprocessableInput):
    slug = "product-code-mismatch"
