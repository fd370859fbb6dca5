"""The citizen's status page: no account, only the reference and the access code from the acknowledgement."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Response

from genk3600.auth.dependencies import AppClock, AppSettings
from genk3600.config import Settings
from genk3600.db import Session
from genk3600.errors import PROBLEM_BASE, PROBLEM_MEDIA_TYPE
from genk3600.i18n import requested_language
from genk3600.kit.reference import MAX_TYPED_REFERENCE, REFERENCE_EXAMPLE
from genk3600.models.enums import Language
from genk3600.public import service
from genk3600.public.ratelimit import limit_public_lookups
from genk3600.public.schemas import (
    CODE_EXAMPLE,
    EXAMPLE_NL,
    EXAMPLE_SOCIAL_FR,
    PublicTicketStatus,
)
from genk3600.public.service import CACHING_HEADERS

# The documented figures are the defaults; GENK3600_PUBLIC_LOOKUPS_PER_ADDRESS/_PER_REFERENCE change them.
ADDRESS_LIMIT = Settings.model_fields["public_lookups_per_address"].default
REFERENCE_LIMIT = Settings.model_fields["public_lookups_per_reference"].default

router = APIRouter(prefix="/v1/public", tags=["public"])


CACHING_DOCS: dict[str, Any] = {
    "Cache-Control": {
        "description": "`no-store`: the answer is about a person's question; no browser or proxy may keep it.",
        "schema": {"type": "string", "examples": ["no-store"]},
    },
    "Vary": {
        "description": "`Accept-Language`: the texts depend on the requested language.",
        "schema": {"type": "string", "examples": ["Accept-Language"]},
    },
}


def _problem(description: str, example: dict[str, Any], headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {
            PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}, "example": example}
        },
    }
    if headers:
        response["headers"] = headers
    return response


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The status in plain words. A social-welfare ticket answers only with one fixed sentence "
        "(in `status_text`; the other texts are null).",
        "headers": CACHING_DOCS,
        "content": {
            "application/json": {
                "examples": {
                    "decision": {"summary": "A department decides (Dutch)", "value": EXAMPLE_NL},
                    "social": {"summary": "A social-welfare ticket (French)", "value": EXAMPLE_SOCIAL_FR},
                }
            }
        },
    },
    404: _problem(
        "No ticket matches this reference and code. An unknown reference and a wrong code give the same answer.",
        {
            "type": PROBLEM_BASE + "public-ticket-not-found",
            "title": "Not found",
            "status": 404,
            "detail": "No ticket matches this reference and access code.",
            "message": "Wij vinden geen vraag met dit nummer en deze code. Kijk beide na en probeer het opnieuw.",
            "instance": f"/v1/public/tickets/{REFERENCE_EXAMPLE}",
            "request_id": "4f3c2a1b9d8e4f60a1b2c3d4e5f60718",
        },
        CACHING_DOCS,
    ),
    422: _problem(
        "The code is missing or too long, or `lang` is not one of nl, fr, en, de.",
        {
            "type": PROBLEM_BASE + "validation-failed",
            "title": "Validation failed",
            "status": 422,
            "detail": "The request has 1 invalid field(s): query.code.",
        },
    ),
    429: _problem(
        f"Too many lookups: more than {ADDRESS_LIMIT} a minute from one address, or {REFERENCE_LIMIT} a minute "
        "for one reference. Retry after the number of seconds in `Retry-After`.",
        {
            "type": PROBLEM_BASE + "too-many-requests",
            "title": "Too many requests",
            "status": 429,
            "detail": "Too many status lookups; try again in 37 seconds.",
            "retry_after": 37,
            "message": "U hebt het te vaak geprobeerd. Probeer het over een minuut opnieuw.",
        },
        {"Retry-After": {"description": "Seconds until the next minute window.", "schema": {"type": "integer"}}},
    ),
    503: _problem(
        "The database is unreachable; retry after the number of seconds in `Retry-After`.",
        {"type": PROBLEM_BASE + "service-unavailable", "title": "Service unavailable", "status": 503, "detail": "…"},
    ),
}

DESCRIPTION = f"""\
What a citizen can learn about their ticket without an account, in plain language (B1) in their language:
what we registered, which service has it now, in which role that service acts (it decides, advises,
registers and informs, or handles), what the citizen may still need to do, and by when to expect an
answer (in Europe/Brussels time, in words).

**Access**: the reference and the access code from the acknowledgement, e.g.
`GET /v1/public/tickets/{REFERENCE_EXAMPLE}?code={CODE_EXAMPLE}&lang=nl`. The code may be typed in any case,
with or without dashes and spaces. An unknown reference and a wrong code answer the same 404.

**Language**: `lang` first, then the best of `Accept-Language` (`fr-BE,fr;q=0.9` → French), else the
citizen's own language.

**Privacy**: no internal notes, no timeline, no staff names (unless the city enables them), and no words
staff wrote: the subject is quoted only when the citizen wrote it (a mail or web form); a question registered
by phone, at the counter or on a visit is named by its category. A social-welfare ticket tells nothing beyond
one sentence in `status_text`: "Your case worker is handling your question." (or, for a citizen without a case
worker, "The social service of the OCMW is handling your question.").

**Caching**: answers carry `Cache-Control: no-store` and `Vary: Accept-Language`.

**Rate limits**: {ADDRESS_LIMIT} lookups a minute per client address and {REFERENCE_LIMIT} per reference (the
defaults), shared by all servers; beyond that 429 with `Retry-After`.
"""


@router.get(
    "/tickets/{reference}",
    operation_id="get_public_ticket_status",
    summary="Ticket status for the citizen",
    description=DESCRIPTION,
    dependencies=[Depends(limit_public_lookups)],
    responses=RESPONSES,
)
async def get_public_ticket_status(
    response: Response,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    reference: Annotated[
        str,
        Path(
            min_length=1,
            max_length=MAX_TYPED_REFERENCE,
            description="The ticket's reference.",
            examples=[REFERENCE_EXAMPLE],
        ),
    ],
    code: Annotated[
        str,
        Query(
            min_length=1,
            max_length=40,
            description="The access code from the acknowledgement.",
            examples=[CODE_EXAMPLE],
        ),
    ],
    lang: Annotated[Language | None, Query(description="Language of the texts; wins over Accept-Language.")] = None,
    accept_language: Annotated[
        str | None,
        Header(
            alias="Accept-Language", max_length=500, description="Used when `lang` is absent, e.g. `fr-BE,fr;q=0.9`."
        ),
    ] = None,
) -> PublicTicketStatus:
    language = requested_language(accept_language, lang.value if lang else None)
    status = await service.public_status(session, settings, clock, reference, code, language)
    response.headers.update(CACHING_HEADERS)
    return status
