from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Response, status
from fastapi.responses import JSONResponse

from genk3600.answering import service
from genk3600.answering.placeholders import PLACEHOLDERS
from genk3600.answering.schemas import (
    ANSWER_NL,
    TEMPLATE_TEXTS,
    ReplyIn,
    ReplyOut,
    ReplyPreview,
    ReplyTemplateHistory,
    ReplyTemplateIn,
    ReplyTemplateList,
    ReplyTemplateOut,
)
from genk3600.auth.dependencies import Admin, AppClock, AppSettings, TicketReader, TicketWriter
from genk3600.categories.schemas import CategoryCode
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.kit.idempotency import IdempotencyGuard
from genk3600.kit.openapi import WITH_ETAG
from genk3600.kit.reference import REFERENCE_EXAMPLE, REFERENCE_PATTERN
from genk3600.kit.schemas import MAX_ID
from genk3600.tickets.schemas import etag

router = APIRouter()

Reference = Annotated[
    str,
    Path(
        description="Human reference of the ticket.",
        pattern=REFERENCE_PATTERN,
        max_length=24,
        examples=[REFERENCE_EXAMPLE],
    ),
]
TemplateId = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the reply template.", examples=[3])]

REPLY_EXAMPLES: dict[str, Any] = {
    "decision_by_mail": {
        "summary": "A decision by mail, from a canned answer",
        "value": {"medium": "mail", "role": "deciding", "template_id": 3, "note": "Kaart besteld op 2 december."},
    },
    "information_by_mail": {
        "summary": "Information by mail, in the agent's own words",
        "value": {
            "medium": "mail",
            "role": "informing",
            "text": "Het grofvuil in uw straat wordt opgehaald op dinsdag 15 december. Zet het buiten vóór 7 uur.",
        },
    },
    "letter": {
        "summary": "A letter sent on paper (the citizen has no e-mail address)",
        "value": {"medium": "letter", "role": "deciding", "text": ANSWER_NL},
    },
    "phone": {
        "summary": "An answer given on the phone",
        "value": {
            "medium": "phone",
            "role": "informing",
            "text": "Uitgelegd dat de nieuwe kaart vanaf 14 december klaarligt aan het loket.",
        },
    },
}
TEMPLATE_EXAMPLES: dict[str, Any] = {
    "per_category": {
        "summary": "A canned answer for one category",
        "value": {"name": "Identiteitskaart klaar", "category": "civil.id_card", "texts": TEMPLATE_TEXTS},
    },
    "general": {
        "summary": "A canned answer for every category",
        "value": {
            "name": "Vraag ontvangen, meer tijd nodig",
            "category": None,
            "texts": {
                "nl": "We hebben meer tijd nodig voor uw vraag {reference}. De dienst {unit_name} neemt contact op.",
                "fr": "Il nous faut plus de temps pour votre demande {reference}. Le service {unit_name} vous "
                "contactera.",
                "en": "We need more time for your question {reference}. The {unit_name} department will contact you.",
                "de": "Wir brauchen mehr Zeit für Ihre Frage {reference}. Der Dienst {unit_name} meldet sich bei "
                "Ihnen.",
            },
        },
    },
}

_REPLY_403 = (
    "The credentials lack the scope, or the staff member may not answer in this role: `authority-missing` "
    "(deciding outside the units that hold decision authority for the ticket's category), "
    "`decision-needs-category`, `role-not-for-position` (front-office positions inform and register), "
    "`not-their-supervisor`."
)
_REPLY_422 = (
    "Validation failed (neither `text` nor `template_id`, `to` on a letter or call …), or: `staff-required` "
    "(an API client must name `staff_id`), `unknown-staff`, `no-mail-address` (nobody on the ticket has one: "
    "answer by letter or phone), `recipient-not-on-ticket` (`to` is not an address the ticket carries), "
    "`unknown-reply-template` (unknown, inactive, or for another category), `bad-placeholders`, "
    "`nothing-to-quote` (the canned answer quotes the product catalogue, but the ticket's category has no "
    "entry, or the entry lacks the quoted text)."
)


def _reply_responses() -> dict[int | str, dict[str, Any]]:
    responses = problem_responses(404, *AUTH_PROBLEMS)
    responses[403] = {**responses[403], "description": _REPLY_403}
    responses[422] = {**responses[422], "description": _REPLY_422}
    return responses


@router.post(
    "/v1/tickets/{reference}/replies",
    operation_id="send_reply",
    summary="Answer the citizen",
    description=(
        "Answers the citizen from the ticket: by `mail` (queued at once and sent by the mail sender; threaded "
        "with the citizen's own mail: our Message-ID, their In-Reply-To and References, the reference in the "
        "subject, so their answer comes back onto this ticket), or records a `letter` or a `phone` answer. The "
        "answer is written in the citizen's language, from `text` or a canned answer (`template_id`), and always "
        'says its role in words ("Dit is een beslissing van de dienst Burgerzaken." / "Dit is informatie, '
        "geen beslissing.\"). It becomes an outbound contact on the ticket with the staff member's role "
        "(participation), a `replied` timeline entry and event, the ticket's first response if it had none, and "
        "the latest answer on the citizen's status page (normal tickets only). `deciding` needs decision "
        "authority for the ticket's category, exactly as recording a deciding role: without it 403 and nothing "
        "is written. It goes to the recipient `reply_recipient` chooses (the ticket's citizen); `to` may only "
        "name an address the ticket already carries. Honours `Idempotency-Key`."
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=ReplyOut,
    tags=["tickets"],
    responses=_reply_responses(),
)
async def send_reply(
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    actor: TicketWriter,
    idempotency: IdempotencyGuard,
    reference: Reference,
    data: Annotated[ReplyIn, Body(openapi_examples=REPLY_EXAMPLES)],
    response: Response,
) -> ReplyOut | JSONResponse:
    return await idempotency.create(
        response, lambda: service.send_reply(session, settings, clock, actor, reference, data)
    )


@router.post(
    "/v1/tickets/{reference}/replies/preview",
    operation_id="preview_reply",
    summary="Preview an answer to the citizen",
    description=(
        "The answer exactly as `POST /v1/tickets/{reference}/replies` with the same body would send it — "
        "recipient, language, subject, the filled-in canned answer, the role in words and the whole message — "
        "after the same checks (a deciding answer without authority answers 403 here too). Writes nothing."
    ),
    response_model=ReplyPreview,
    tags=["tickets"],
    responses=_reply_responses(),
)
async def preview_reply(
    session: Session,
    settings: AppSettings,
    actor: TicketReader,
    reference: Reference,
    data: Annotated[ReplyIn, Body(openapi_examples=REPLY_EXAMPLES)],
) -> ReplyPreview:
    return await service.preview_reply(session, settings, actor, reference, data)


@router.get(
    "/v1/reply-templates",
    operation_id="list_reply_templates",
    summary="List canned answers",
    description="Canned answers by name. With `category`, those offered on its tickets: its own and those for "
    "every category. Staff pick them by name when they answer.",
    tags=["tickets"],
    responses=problem_responses(*AUTH_PROBLEMS),
)
async def list_reply_templates(
    session: Session,
    _: TicketReader,
    category: Annotated[
        CategoryCode | None, Query(description="Only those offered on this category's tickets.")
    ] = None,
    active: Annotated[bool, Query(description="Only active templates (false: every template).")] = True,
) -> ReplyTemplateList:
    return await service.list_templates(session, category, active)


@router.post(
    "/v1/reply-templates",
    operation_id="create_reply_template",
    summary="Create a canned answer",
    description=(
        "A canned answer for one category (or every one), in nl, fr, en and de (each required: an answer is "
        "always written in the citizen's language). Placeholders: "
        + ", ".join(f"`{{{name}}}`" for name in PLACEHOLDERS)
        + " (the last six quote the product catalogue entry of the ticket's category: its main entry, in the "
        "answer's language with the catalogue's fallback to Dutch; no entry answers 422 `nothing-to-quote` when "
        "previewed or sent); anything else between braces (attributes, formats, unknown names) is refused with 422 "
        "`bad-placeholders`. Version 1; every change adds a version, and the history is kept. A name already in "
        "use answers 409. Honours `Idempotency-Key`."
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=ReplyTemplateOut,
    tags=["administration"],
    responses=problem_responses(409, *AUTH_PROBLEMS),
)
async def create_reply_template(
    session: Session,
    actor: Admin,
    idempotency: IdempotencyGuard,
    data: Annotated[ReplyTemplateIn, Body(openapi_examples=TEMPLATE_EXAMPLES)],
    response: Response,
) -> ReplyTemplateOut | JSONResponse:
    return await idempotency.create(
        response,
        lambda: service.create_template(session, actor, data),
        location=lambda created: f"/v1/reply-templates/{created.id}",
    )


@router.get(
    "/v1/reply-templates/{template_id}",
    operation_id="get_reply_template",
    summary="Get a canned answer",
    description="One canned answer with its texts and version; the `ETag` header is what `If-Match` must carry "
    "to change it.",
    tags=["tickets"],
    responses={200: WITH_ETAG, **problem_responses(404, *AUTH_PROBLEMS)},
)
async def get_reply_template(
    session: Session, _: TicketReader, template_id: TemplateId, response: Response
) -> ReplyTemplateOut:
    template = await service.get_template(session, template_id)
    response.headers["ETag"] = etag(template.version)
    return template


@router.put(
    "/v1/reply-templates/{template_id}",
    operation_id="change_reply_template",
    summary="Change a canned answer",
    description=(
        "Replaces the name, category, texts and state of a canned answer: a new version (the answers already "
        "sent keep the version they were written from; every version stays in the history, with who saved it). "
        "Needs `If-Match` with the ETag of your last read: 428 without it, 412 if it changed since. Placeholders "
        "are checked as on creation."
    ),
    tags=["administration"],
    responses={200: WITH_ETAG, **problem_responses(404, 409, 412, 428, *AUTH_PROBLEMS)},
)
async def change_reply_template(
    session: Session,
    actor: Admin,
    template_id: TemplateId,
    data: Annotated[ReplyTemplateIn, Body(openapi_examples=TEMPLATE_EXAMPLES)],
    response: Response,
    if_match: Annotated[
        str | None, Header(alias="If-Match", description="The ETag from GET /v1/reply-templates/{template_id}.")
    ] = None,
) -> ReplyTemplateOut:
    template = await service.change_template(session, actor, template_id, if_match, data)
    response.headers["ETag"] = etag(template.version)
    return template


@router.get(
    "/v1/reply-templates/{template_id}/versions",
    operation_id="list_reply_template_versions",
    summary="History of a canned answer",
    description="Every saved version of a canned answer, oldest first: its name, category, texts and state as "
    "they were, who saved it and when. Answers record the version they were written from.",
    tags=["administration"],
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def list_reply_template_versions(session: Session, _: Admin, template_id: TemplateId) -> ReplyTemplateHistory:
    return await service.template_history(session, template_id)
