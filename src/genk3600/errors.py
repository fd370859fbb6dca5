"""Application errors rendered as RFC 9457 problem details."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from genk3600.kit.reference import REFERENCE_EXAMPLE

PROBLEM_BASE = "https://genk3600.genk.be/problems/"


def and_list(items: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`: several things named in one detail."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


class AppError(Exception):
    """An error a client can act on; subclasses fix status, title and type."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    slug: ClassVar[str] = "bad-request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.slug

    def headers(self) -> dict[str, str]:
        return {}


class NotFound(AppError):
    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(AppError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class UnprocessableInput(AppError):
    """Well-formed input that refers to something that does not fit (unknown code, inactive record)."""

    status = 422
    title = "Unprocessable input"
    slug = "unprocessable-input"


class Unauthenticated(AppError):
    status = 401
    title = "Authentication required"
    slug = "unauthenticated"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="genk3600"'}


class Forbidden(AppError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class ServiceUnavailable(AppError):
    status = 503
    title = "Service unavailable"
    slug = "service-unavailable"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "5"}


class ProblemFieldError(BaseModel):
    field: str = Field(description="Where the problem is, e.g. `body.citizen.email`.", examples=["body.channel"])
    message: str = Field(examples=["Input should be 'web' or 'phone'"])
    type: str = Field(description="Machine-readable error kind.", examples=["literal_error"])


class ProblemDetails(BaseModel):
    """RFC 9457 problem details, served as `application/problem+json`."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=[PROBLEM_BASE + "not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=[f"There is no ticket with reference '{REFERENCE_EXAMPLE}'."])
    instance: str | None = Field(default=None, examples=[f"/v1/tickets/{REFERENCE_EXAMPLE}"])
    request_id: str | None = Field(default=None, description="Quote this when you contact support.")
    errors: list[ProblemFieldError] | None = Field(
        default=None, description="For validation problems: every failing field."
    )


PROBLEM_MEDIA_TYPE = "application/problem+json"

_STANDARD_PROBLEMS: dict[int, str] = {
    400: "The request is malformed (for example an invalid cursor).",
    401: "No credentials, or credentials that are unknown, revoked or expired.",
    403: "The credentials are valid but lack the scope this operation needs.",
    404: "The resource does not exist, or is outside what the caller may see.",
    409: "The request conflicts with the current state (a duplicate, an illegal status change, a reused key).",
    412: "If-Match names another version than the current one: someone changed it since you read it.",
    413: "The request body is too large.",
    415: "The request body has a media type this operation does not accept.",
    422: "The request is well-formed JSON but fails validation; `errors` lists each failing field.",
    428: "This change needs an If-Match header with the ETag of your last read.",
    429: "Too many requests from this API key this minute; retry after the seconds in `Retry-After`.",
    503: "The database is unreachable; retry after the number of seconds in `Retry-After`.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting the problem+json errors an operation can answer."""
    return {
        status: {
            "description": _STANDARD_PROBLEMS[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
        }
        for status in statuses
    }


AUTH_PROBLEMS = (401, 403, 422, 429, 503)
