from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Response, status
from fastapi.responses import JSONResponse

from genk3600.auth.context import TicketReading
from genk3600.auth.dependencies import AppClock, AppSettings, TicketReader, TicketWriter
from genk3600.categories.schemas import CategoryCode
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.households.service import today
from genk3600.kit.idempotency import IdempotencyGuard
from genk3600.kit.openapi import WITH_ETAG
from genk3600.kit.pagination import Pages
from genk3600.kit.reader import AcceptLanguageHeader, ReaderLanguage, language_of
from genk3600.kit.reference import REFERENCE_EXAMPLE, REFERENCE_PATTERN
from genk3600.links.schemas import LinkCode, ObjectId
from genk3600.models.enums import TicketFlag, TicketStatus
from genk3600.tickets import break_glass, changes, handoff, service
from genk3600.tickets.break_glass import AccessGrantOut, BreakGlassIn
from genk3600.tickets.repository import TicketFilter
from genk3600.tickets.schemas import (
    EscalationIn,
    EscalationOut,
    TicketChange,
    TicketDetailOut,
    TicketEventPage,
    TicketOut,
    TicketPage,
    etag,
)
from genk3600.units.schemas import UnitCode

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])

Reference = Annotated[
    str,
    Path(
        description="Human reference of the ticket.",
        pattern=REFERENCE_PATTERN,
        max_length=24,
        examples=[REFERENCE_EXAMPLE],
    ),
]


ObjectSystem = Annotated[
    LinkCode | None,
    Query(
        description="Only tickets linked (themselves or through a contact) to an object in this system.",
        examples=["ocmw-dossiers"],
    ),
]
ObjectType = Annotated[
    LinkCode | None, Query(description="Only tickets linked to an object of this type.", examples=["dossier"])
]
ObjectIdentifier = Annotated[
    ObjectId | None, Query(description="Only tickets linked to the object with this id.", examples=["SD/2026/04711"])
]


async def object_filter(
    object_system: ObjectSystem = None, object_type: ObjectType = None, object_id: ObjectIdentifier = None
) -> TicketFilter:
    """The filter on links to other systems' objects, shared by the ticket list and the search. `async`, as
    `ticket_filter`: FastAPI runs a plain `def` dependency in its thread pool, a thread hop per request."""
    return TicketFilter(object_system=object_system, object_type=object_type, object_id=object_id)


async def ticket_filter(
    linked: Annotated[TicketFilter, Depends(object_filter)],
    status: Annotated[TicketStatus | None, Query(description="Only tickets in this status.")] = None,
    unit: Annotated[UnitCode | None, Query(description="Only tickets owned by this unit (code).")] = None,
    category: Annotated[CategoryCode | None, Query(description="Only tickets in this category (code).")] = None,
    flag: Annotated[TicketFlag | None, Query(description="Only tickets with this flag.")] = None,
) -> TicketFilter:
    return replace(linked, status=status, unit_code=unit, category_code=category, flag=flag)


@router.get(
    "",
    operation_id="list_tickets",
    summary="List tickets",
    description="Tickets, newest first, optionally filtered by status, owning unit, category, flag (e.g. "
    "`callback_failed`: a call-back could not reach the citizen), and by the object in another system they refer "
    "to (`object_system`, `object_type`, `object_id`, any of them: the ticket's own links and its contacts' links "
    "count).",
    responses=problem_responses(400, *AUTH_PROBLEMS),
)
async def list_tickets(
    session: Session,
    viewer: TicketReader,
    where: Annotated[TicketFilter, Depends(ticket_filter)],
    params: Pages,
) -> TicketPage:
    return await service.list_tickets(session, where, params, viewer)


@router.get(
    "/{reference}",
    operation_id="get_ticket",
    summary="Get a ticket",
    description="One ticket by its reference, with owner, category, citizen and deadlines, who played which role, "
    "its parties and links, and its citizen's household and active representatives (names, relation, consent "
    "scopes and period; never the relatives' tickets). The `ETag` header is what `If-Match` must carry to change it.",
    responses={200: WITH_ETAG, **problem_responses(404, *AUTH_PROBLEMS)},
)
async def get_ticket(
    context: TicketReading,
    reference: Reference,
    response: Response,
    accept_language: AcceptLanguageHeader = None,
) -> TicketDetailOut:
    # A hot read (#16): one dependency for the session, the clock and the caller.
    language = language_of(accept_language)
    ticket = await service.get_ticket(context.session, reference, context.principal, today(context.clock), language)
    response.headers["ETag"] = etag(ticket.version)
    return ticket


@router.patch(
    "/{reference}",
    operation_id="change_ticket",
    summary="Change status, priority or assignee",
    description=(
        "Needs `If-Match` with the ETag of your last read: 428 without it, 412 if someone changed the ticket in "
        "between (nothing is overwritten). Status changes follow the transition table (new → assigned → "
        "in_progress → waiting_on_citizen → resolved → closed, plus reopen resolved → in_progress); others "
        "answer 409 listing the allowed ones. Waiting on the citizen pauses the SLA clock."
    ),
    responses={200: WITH_ETAG, **problem_responses(404, 409, 412, 428, *AUTH_PROBLEMS)},
)
async def change_ticket(
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    actor: TicketWriter,
    reference: Reference,
    change: TicketChange,
    response: Response,
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description="The `ETag` from `GET /v1/tickets/{reference}`. Required: without it the answer is 428.",
        ),
    ] = None,
) -> TicketOut:
    ticket = await changes.change_ticket(session, settings, clock, actor, reference, if_match, change)
    response.headers["ETag"] = etag(ticket.version)
    return ticket


@router.post(
    "/{reference}/escalations",
    operation_id="escalate_ticket",
    summary="Hand a ticket over (escalate or return)",
    description=(
        "Moves ownership to a unit and/or staff member with a reason (`needs_decision`, `needs_expertise`, "
        "`sla_breach`, `citizen_request`, `complaint`) and the role asked of them (`advising` or `deciding`); "
        "the tier goes up. `returned` hands it back to the front office (tier 1). The hand-off is on the "
        "timeline. Honours `Idempotency-Key`."
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=EscalationOut,
    responses={201: WITH_ETAG, **problem_responses(404, 409, *AUTH_PROBLEMS)},
)
async def escalate_ticket(
    session: Session,
    actor: TicketWriter,
    idempotency: IdempotencyGuard,
    reference: Reference,
    data: Annotated[
        EscalationIn,
        Body(
            examples=[
                {
                    "to_unit": "burgerzaken",
                    "reason": "needs_decision",
                    "requested_role": "deciding",
                    "note": "Burger vraagt uitstel van betaling.",
                }
            ]
        ),
    ],
    response: Response,
) -> EscalationOut | JSONResponse:
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    handed = await handoff.escalate(session, actor, reference, data)
    response.headers["ETag"] = etag(handed.ticket.version)
    await idempotency.remember(status.HTTP_201_CREATED, handed)
    return handed


@router.get(
    "/{reference}/events",
    operation_id="list_ticket_events",
    summary="Ticket timeline",
    description="The ticket's append-only timeline, oldest first: created, routed, assigned, escalated, ... "
    "Each entry's `summary` is rendered in the reader's language (`Accept-Language`) from its `code` and "
    "`params`; `data` holds the facts as codes.",
    responses=problem_responses(400, 404, *AUTH_PROBLEMS),
)
async def list_ticket_events(
    session: Session,
    viewer: TicketReader,
    reference: Reference,
    params: Pages,
    settings: AppSettings,
    language: ReaderLanguage,
) -> TicketEventPage:
    return await service.list_events(session, reference, params, viewer, language, settings.zone)


@router.post(
    "/{reference}/break-glass",
    operation_id="break_glass",
    summary="Break the glass on a social case",
    description=(
        "A supervisor opens a ticket they cannot otherwise see (typically a social OCMW case) with a written "
        "reason. Access lasts `break_glass_minutes` (60 by default); the grant (with the reason) and every read "
        "during it are on the audit trail; a note on the ticket's timeline (also sent as an event) says that "
        "the glass was broken, never why. Only staff with the "
        "`supervisor` position may do this (403 otherwise); unknown references answer 404. Honours "
        "`Idempotency-Key`."
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=AccessGrantOut,
    responses=problem_responses(404, 409, *AUTH_PROBLEMS),
)
async def break_glass_on_ticket(
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    actor: TicketReader,
    idempotency: IdempotencyGuard,
    reference: Reference,
    data: BreakGlassIn,
) -> AccessGrantOut | JSONResponse:
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    grant = await break_glass.break_glass(session, settings, clock, actor, reference, data.reason)
    await idempotency.remember(status.HTTP_201_CREATED, grant)
    return grant
