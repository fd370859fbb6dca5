from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Response, status
from fastapi.responses import JSONResponse

from genk3600.auth.dependencies import Admin, ContactWriter, TicketReader
from genk3600.categories.schemas import CategoryCodePath
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.kit.idempotency import IdempotencyGuard
from genk3600.kit.reader import ReaderLanguage
from genk3600.participation import service
from genk3600.participation.schemas import (
    MAX_ID,
    DecidersIn,
    DecidersOut,
    ParticipationIn,
    ParticipationList,
    ParticipationOut,
)

router = APIRouter()

ContactId = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the contact.", examples=[17])]
PARTICIPATION_EXAMPLES: dict[str, Any] = {
    "own_role": {
        "summary": "Staff member records their own role",
        "value": {"role": "registering", "note": "Feiten genoteerd; foto van het grofvuil volgt per mail."},
    },
    "decision": {
        "summary": "Back office records a decision (needs decision authority for the category)",
        "value": {"role": "deciding", "note": "Uitstel van betaling toegestaan tot 31 januari."},
    },
    "for_staff_member": {
        "summary": "API client (or a supervisor) names the staff member",
        "value": {"role": "informing", "staff_id": 42},
    },
}

DECIDERS_EXAMPLES: dict[str, Any] = {
    "one_unit": {"summary": "One unit decides", "value": {"units": ["burgerzaken"]}},
    "several": {"summary": "Several units decide", "value": {"units": ["burgerzaken", "sociale_dienst"]}},
    "nobody": {"summary": "Nobody may decide (yet)", "value": {"units": []}},
}


def _with_authority_403(responses: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    responses[403] = {
        **responses[403],
        "description": "The credentials lack the scope, or the staff member may not play this role: "
        "`authority-missing` (deciding outside the units in `allowed_units`; `decision-needs-category` when "
        "the ticket has no category), `role-not-for-position` (front-office positions inform and register), "
        "`not-their-supervisor` (recording for someone you do not supervise).",
    }
    return responses


@router.post(
    "/v1/contacts/{contact_id}/participations",
    operation_id="record_participation",
    summary="Record the role a staff member played in a contact",
    description=(
        "Records the role a staff member played in this contact: `informing`, `registering` (collecting "
        "facts), `advising` (input for a later decision) or `deciding`, with an optional note; it appears on "
        "the ticket's timeline. Staff record their own role; a supervisor may name (`staff_id`) a member of "
        "a unit they supervise; API clients must name the staff member. Front-office positions (agent, supervisor) and "
        "administrators may inform and register; back-office staff and case workers may also advise; deciding "
        "needs a membership in a unit holding decision authority for the ticket's category (see "
        "`GET /v1/categories/{category_code}/deciders`; sub-units do not inherit it). The same staff member and role "
        "twice on one contact answers 409. Honours `Idempotency-Key`."
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=ParticipationOut,
    tags=["contacts"],
    responses=_with_authority_403(problem_responses(404, 409, *AUTH_PROBLEMS)),
)
async def record_participation(
    session: Session,
    actor: ContactWriter,
    idempotency: IdempotencyGuard,
    contact_id: ContactId,
    data: Annotated[ParticipationIn, Body(openapi_examples=PARTICIPATION_EXAMPLES)],
    response: Response,
    language: ReaderLanguage,
) -> ParticipationOut | JSONResponse:
    return await idempotency.create(
        response, lambda: service.record_for_contact(session, actor, contact_id, data, language)
    )


@router.get(
    "/v1/contacts/{contact_id}/participations",
    operation_id="list_participations",
    summary="List the roles played in a contact",
    description="Every participation recorded on the contact (who, in which role, with which note), oldest "
    "first, each with a one-sentence explanation of the role.",
    tags=["contacts"],
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def list_participations(
    session: Session, viewer: TicketReader, contact_id: ContactId, language: ReaderLanguage
) -> ParticipationList:
    return await service.list_participations(session, contact_id, viewer, language)


@router.get(
    "/v1/categories/{category_code}/deciders",
    operation_id="get_category_deciders",
    summary="Units that may decide on a category",
    description="The units whose staff (back office or case workers) may record `deciding` on contacts of "
    "tickets in this category. Authority is not inherited by sub-units.",
    tags=["administration"],
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_category_deciders(session: Session, _: Admin, category_code: CategoryCodePath) -> DecidersOut:
    return await service.get_deciders(session, category_code)


@router.put(
    "/v1/categories/{category_code}/deciders",
    operation_id="set_category_deciders",
    summary="Set the units that may decide on a category",
    description="Replaces the whole set of units holding decision authority for the category (an empty list: "
    "nobody may decide). Every unit must exist and be active (422 names the unknown ones). Sub-units do not "
    "inherit authority: list each unit that may decide. Changes nothing else; already recorded decisions stay.",
    tags=["administration"],
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def set_category_deciders(
    session: Session,
    _: Admin,
    category_code: CategoryCodePath,
    data: Annotated[DecidersIn, Body(openapi_examples=DECIDERS_EXAMPLES)],
) -> DecidersOut:
    return await service.set_deciders(session, category_code, data)
