"""Households and representatives of a citizen: read with the screen pop's rights, written by staff (or a key
with `tickets:write`); every write is on the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Path, Response, status
from fastapi.responses import JSONResponse

from genk3600.auth.dependencies import AppClock, TicketWriter
from genk3600.citizens.router import CitizenId, LookupCaller
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.households import service
from genk3600.households.schemas import (
    RELATION_EXAMPLES,
    REPRESENTATION_EXAMPLES,
    EndIn,
    HouseholdOut,
    RelationIn,
    RelationOut,
    RepresentationChange,
    RepresentationIn,
    RepresentationOut,
)
from genk3600.kit.idempotency import IdempotencyGuard
from genk3600.kit.openapi import WITH_ETAG
from genk3600.kit.preconditions import etag
from genk3600.kit.schemas import MAX_ID

router = APIRouter(prefix="/v1/citizens/{citizen_id}", tags=["citizens"])

RelationId = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the relation.", examples=[7])]
RepresentationId = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the representation.", examples=[3])]
IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="The representation's ETag, from its GET (or the answer that wrote it)."),
]
WHO_WRITES = "For staff, or an API key with the `tickets:write` scope; on the audit trail."
CONSENT = (
    "Scopes: `information` (be told about the citizen's questions), `applications` (act for the citizen in normal "
    "matters), `appointments` (book, move, cancel appointments and home visits), `social` (act in OCMW matters), "
    "`all`. The period is in days (Europe/Brussels), both ends inclusive."
)


@router.get(
    "/household",
    operation_id="get_household",
    summary="A citizen's household and representatives",
    description=(
        "The citizen's relations (partner, parent, child, other household member; seen from this citizen: a "
        "parent recorded on the other side shows here as a child) and representations: who may act for this "
        "citizen (`representatives`) and for whom this citizen may act (`represents`), with the consent's "
        "scopes, period and source. Ended ones are included, with `active: false` (the history). Only names: a "
        "relation or a representation never shows another person's tickets, and never opens a social case.\n\n"
        "For staff, or an API key with the `citizens:lookup` scope (as the screen pop). On the audit trail. " + CONSENT
    ),
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_household(session: Session, clock: AppClock, viewer: LookupCaller, citizen_id: CitizenId) -> HouseholdOut:
    return await service.get_household(session, clock, viewer, citizen_id)


@router.post(
    "/relations",
    operation_id="add_citizen_relation",
    summary="Record a relation between two citizens",
    description=(
        "How another known citizen is related to this one. Kept once per pair: recording that B is A's child "
        "is the same fact as A being B's parent, and both households show it. 409 if the same relation is "
        "already recorded and not ended; 422 for an unknown or the same citizen. Honours `Idempotency-Key`. "
        + WHO_WRITES
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=RelationOut,
    responses=problem_responses(404, 409, *AUTH_PROBLEMS),
)
async def add_citizen_relation(
    session: Session,
    clock: AppClock,
    actor: TicketWriter,
    idempotency: IdempotencyGuard,
    citizen_id: CitizenId,
    data: Annotated[RelationIn, Body(openapi_examples=RELATION_EXAMPLES)],
    response: Response,
) -> RelationOut | JSONResponse:
    return await idempotency.create(
        response,
        lambda: service.add_relation(session, clock, actor, citizen_id, data),
        location=lambda _created: f"/v1/citizens/{citizen_id}/household",
    )


@router.post(
    "/relations/{relation_id}/end",
    operation_id="end_citizen_relation",
    summary="End a relation",
    description=(
        "Ends the relation on `last_day` (today when left out); it stays in the household's history. 409 if it "
        "had already ended; 422 if `last_day` is before its first day. Either citizen of the pair may be named "
        "in the path. " + WHO_WRITES
    ),
    responses=problem_responses(404, 409, *AUTH_PROBLEMS),
)
async def end_citizen_relation(
    session: Session,
    clock: AppClock,
    actor: TicketWriter,
    citizen_id: CitizenId,
    relation_id: RelationId,
    data: Annotated[EndIn, Body(openapi_examples={"today": {"summary": "Ends today", "value": {}}})],
) -> RelationOut:
    return await service.end_relation(session, clock, actor, citizen_id, relation_id, data)


@router.post(
    "/representations",
    operation_id="add_representation",
    summary="Record a representative and their consent",
    description=(
        "Who may act for the citizen: an informal carer (mantelzorger), a legal administrator (bewindvoerder) "
        "or a guardian (voogd), as a known citizen or by name, with the consent's scopes and period and what it "
        "rests on (a signed consent form, a court order). A representative who is a known citizen may then be "
        "recorded as the citizen's representative on contacts within that consent (otherwise 422 "
        "`outside-consent`). The `ETag` header is what `If-Match` must carry to change it. Honours "
        "`Idempotency-Key` (409 when a key is reused for other data). " + CONSENT + " " + WHO_WRITES
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=RepresentationOut,
    responses={201: WITH_ETAG, **problem_responses(404, 409, *AUTH_PROBLEMS)},
)
async def add_representation(
    session: Session,
    clock: AppClock,
    actor: TicketWriter,
    idempotency: IdempotencyGuard,
    citizen_id: CitizenId,
    data: Annotated[RepresentationIn, Body(openapi_examples=REPRESENTATION_EXAMPLES)],
    response: Response,
) -> RepresentationOut | JSONResponse:
    async def produce() -> RepresentationOut:
        created = await service.add_representation(session, clock, actor, citizen_id, data)
        response.headers["ETag"] = etag(created.version)
        return created

    return await idempotency.create(
        response, produce, location=lambda created: f"/v1/citizens/{citizen_id}/representations/{created.id}"
    )


@router.get(
    "/representations/{representation_id}",
    operation_id="get_representation",
    summary="Get a representation",
    description="One representation of the citizen, with `active` for today; the `ETag` header is what "
    "`If-Match` must carry to change or end it. For staff, or an API key with the `citizens:lookup` scope.",
    responses={200: WITH_ETAG, **problem_responses(404, *AUTH_PROBLEMS)},
)
async def get_representation(
    session: Session,
    clock: AppClock,
    viewer: LookupCaller,
    citizen_id: CitizenId,
    representation_id: RepresentationId,
    response: Response,
) -> RepresentationOut:
    representation = await service.get_representation(session, clock, viewer, citizen_id, representation_id)
    response.headers["ETag"] = etag(representation.version)
    return representation


@router.patch(
    "/representations/{representation_id}",
    operation_id="change_representation",
    summary="Change a representative's consent",
    description=(
        "Changes the scopes, the period or the source of a representation (fields left out stay). Needs "
        "`If-Match` with the ETag of your last read: 428 without it, 412 if it changed since. 422 if the period "
        "would end before it starts. " + CONSENT + " " + WHO_WRITES
    ),
    responses={200: WITH_ETAG, **problem_responses(404, 412, 428, *AUTH_PROBLEMS)},
)
async def change_representation(
    session: Session,
    clock: AppClock,
    actor: TicketWriter,
    citizen_id: CitizenId,
    representation_id: RepresentationId,
    data: Annotated[
        RepresentationChange,
        Body(
            openapi_examples={
                "widen": {"summary": "The citizen now consents to everything", "value": {"scopes": ["all"]}},
                "extend": {"summary": "The consent is renewed for a year", "value": {"last_day": "2028-08-31"}},
            }
        ),
    ],
    response: Response,
    if_match: IfMatch = None,
) -> RepresentationOut:
    changed = await service.change_representation(session, clock, actor, citizen_id, representation_id, if_match, data)
    response.headers["ETag"] = etag(changed.version)
    return changed


@router.post(
    "/representations/{representation_id}/end",
    operation_id="end_representation",
    summary="End a representative's consent",
    description=(
        "Ends the consent on `last_day` (today when left out): from the next day the representative may no "
        "longer act for the citizen and is no longer shown as active (the household keeps it as history). "
        "Needs `If-Match` (428 without, 412 if changed since). 409 if it had already ended; 422 if `last_day` "
        "is before its first day. " + WHO_WRITES
    ),
    responses={200: WITH_ETAG, **problem_responses(404, 409, 412, 428, *AUTH_PROBLEMS)},
)
async def end_representation(
    session: Session,
    clock: AppClock,
    actor: TicketWriter,
    citizen_id: CitizenId,
    representation_id: RepresentationId,
    data: Annotated[EndIn, Body(openapi_examples={"today": {"summary": "Consent withdrawn today", "value": {}}})],
    response: Response,
    if_match: IfMatch = None,
) -> RepresentationOut:
    ended = await service.end_representation(session, clock, actor, citizen_id, representation_id, if_match, data)
    response.headers["ETag"] = etag(ended.version)
    return ended
