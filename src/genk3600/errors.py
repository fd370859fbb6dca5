"""Application errors rendered as RFC 9457 problem details, in the reader's language.

A problem's `type` (its slug) is the stable code; its `title` and `detail` are catalogue texts (English msgids
marked with `P_`) with named parameters, rendered in the language the request asks for (`Accept-Language`,
English without it: problems.py). The English rendering is what `detail` and `str(error)` hold, for logs.

A parameter is a value as written (a code, a number, a name) or a `Words`: something that becomes words in the
language (`Phrase`, `AndList`), so "units 'a' and 'b'" reads "diensten 'a' en 'b'" in Dutch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field

from genk3600.i18n.catalogue import P_, translator
from genk3600.kit.reference import REFERENCE_EXAMPLE
from genk3600.models.enums import Language

PROBLEM_BASE = "https://genk3600.genk.be/problems/"
ENGLISH = Language.en


class Words(Protocol):
    """A parameter that becomes words only in a language."""

    def __call__(self, language: Language) -> str: ...


def localise(template: str, params: Mapping[str, Any], language: Language | str) -> str:
    """The catalogue's text for `template` in `language`, its parameters put into words."""
    language = Language(language)
    text = translator(language).gettext(template)
    if not params:
        return text
    return text.format(**{name: in_words(value, language) for name, value in params.items()})


def in_words(value: Any, language: Language) -> Any:
    return value(language) if callable(value) else value


class Phrase:
    """A catalogue text with parameters, as a parameter of another text: `Phrase(P_("active unit"))`."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template, self.params = template, params

    def __call__(self, language: Language) -> str:
        return localise(self.template, self.params, language)


class AndList:
    """`a`, `a and b`, `a, b and c` in the language (`or` with `joiner=OR`); items may be `Words` too."""

    AND = P_("{items} and {last}")
    OR = P_("{items} or {last}")

    def __init__(self, items: Sequence[Any], joiner: str = AND) -> None:
        self.items, self.joiner = list(items), joiner

    def __call__(self, language: Language) -> str:
        words = [str(in_words(item, language)) for item in self.items]
        if len(words) <= 1:
            return "".join(words)
        return localise(self.joiner, {"items": ", ".join(words[:-1]), "last": words[-1]}, language)


class InEnglish:
    """A library's own explanation, which exists in English only: in other languages the text `instead` says it
    (so no English reaches a Dutch reader, and English readers keep the detail)."""

    def __init__(self, explanation: object, instead: str) -> None:
        self.explanation, self.instead = explanation, instead

    def __call__(self, language: Language) -> str:
        return str(self.explanation) if language is ENGLISH else localise(self.instead, {}, language)


def and_list(items: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c` in English (texts that are not shown to people in other languages)."""
    return AndList(items)(ENGLISH)


class Invalid(ValueError):
    """A validator's complaint as a catalogue text, so a 422 reads in the reader's language (problems.py).

    `str()` is the English text, which pydantic's own message ("Value error, …") shows as before."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template, self.params = template, params
        super().__init__(localise(template, params, ENGLISH))

    def __call__(self, language: Language) -> str:
        return localise(self.template, self.params, language)


class AppError(Exception):
    """An error a client can act on; subclasses fix status, title and type.

    `detail` is a catalogue text (`P_`) whose `{placeholders}` are filled from `params`; `extensions` are
    the problem's extra members (codes and numbers for programs, never translated)."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = P_("Bad request")
    slug: ClassVar[str] = "bad-request"

    def __init__(self, detail: str, *, params: Mapping[str, Any] | None = None, **extensions: Any) -> None:
        self.template = detail
        self.params = dict(params or {})
        self.detail = self.detail_in(ENGLISH)
        super().__init__(self.detail)
        self.extensions = extensions

    def title_in(self, language: Language | str) -> str:
        return localise(self.title, {}, language)

    def detail_in(self, language: Language | str) -> str:
        return localise(self.template, self.params, language)

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.slug

    def headers(self) -> dict[str, str]:
        return {}


class NotFound(AppError):
    status = 404
    title = P_("Not found")
    slug = "not-found"


class Conflict(AppError):
    status = 409
    title = P_("Conflict")
    slug = "conflict"


class UnprocessableInput(AppError):
    """Well-formed input that refers to something that does not fit (unknown code, inactive record)."""

    status = 422
    title = P_("Unprocessable input")
    slug = "unprocessable-input"


class Unauthenticated(AppError):
    status = 401
    title = P_("Authentication required")
    slug = "unauthenticated"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="genk3600"'}


class Forbidden(AppError):
    status = 403
    title = P_("Forbidden")
    slug = "forbidden"


class ServiceUnavailable(AppError):
    status = 503
    title = P_("Service unavailable")
    slug = "service-unavailable"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "5"}


class ProblemFieldError(BaseModel):
    field: str = Field(description="Where the problem is, e.g. `body.citizen.email`.", examples=["body.channel"])
    message: str = Field(
        description="What is wrong, for a person, in the reader's language (`Accept-Language`; English without it).",
        examples=["Input should be 'web' or 'phone'"],
    )
    type: str = Field(description="Machine-readable error kind.", examples=["literal_error"])


class ProblemDetails(BaseModel):
    """RFC 9457 problem details, served as `application/problem+json`. `title` and `detail` are in the reader's
    language (`Accept-Language`: nl, fr, en, de; English without it); `type` and the extension members are codes."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        description="The problem's stable code, whatever the language.", examples=[PROBLEM_BASE + "not-found"]
    )
    title: str = Field(description="In the reader's language.", examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(
        description="In the reader's language.", examples=[f"There is no ticket with reference '{REFERENCE_EXAMPLE}'."]
    )
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


def with_descriptions(
    statuses: dict[int | str, dict[str, Any]], **descriptions: str
) -> dict[int | str, dict[str, Any]]:
    """Problem responses with this operation's own words for some statuses (`s409="…"`)."""
    for name, text in descriptions.items():
        code = int(name.removeprefix("s"))
        statuses[code] = {**statuses[code], "description": text}
    return statuses


AUTH_PROBLEMS = (401, 403, 422, 429, 503)
