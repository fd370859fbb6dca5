from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse

from genk3600.auth.context import ContactWriting
from genk3600.auth.dependencies import TicketReader
from genk3600.contacts import service
from genk3600.contacts.schemas import (
    DUPLICATE_RESPONSE,
    ContactIn,
    ContactOut,
    ContactPage,
    ContactRecorded,
    contact_location,
    created_status,
    in_language,
)
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.kit.idempotency import IdempotencyKeyHeader, idempotency_of
from genk3600.kit.pagination import Pages
from genk3600.kit.reader import AcceptLanguageHeader, ReaderLanguage, language_of
from genk3600.kit.reference import REFERENCE_EXAMPLE
from genk3600.kit.schemas import MAX_ID
from genk3600.models.enums import ContactFlag

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])

CONTACT_EXAMPLES: dict[str, Any] = {
    "web": {
        "summary": "Web form",
        "value": {
            "channel": "web",
            "category": "waste.pickup",
            "subject": "Grofvuil niet opgehaald",
            "body": "Mijn grofvuil staat er nog sinds maandag.",
            "form_id": "melding-afval",
            "fields": {"straat": "Stadsplein", "huisnummer": "1"},
            "citizen": {"email": "jan.janssens@example.org", "given_name": "Jan", "family_name": "Janssens"},
        },
    },
    "phone": {
        "summary": "Phone call (completes the call the PBX reported with this call_id)",
        "value": {
            "channel": "phone",
            "category": "civil.id_card",
            "summary": "Vraagt wanneer de nieuwe identiteitskaart klaar is.",
            "call_id": "pbx-7f3a91",
            "caller_number": "089 65 36 00",
            "called_number": "3600",
            "started_at": "2026-11-23T09:12:00Z",
            "ended_at": "2026-11-23T09:16:30Z",
            "citizen": {"national_number": "85.07.30-033.28"},
        },
    },
    "counter": {
        "summary": "Counter visit",
        "value": {
            "channel": "counter",
            "desk": "quick_desk",
            "unit": "snelbalie",
            "category": "civil.id_card",
            "summary": "Nieuwe identiteitskaart aangevraagd; pincode volgt per post.",
            "citizen": {"national_number": "85.07.30-033.28"},
        },
    },
    "on_behalf": {
        "summary": "The daughter calls for her mother (parties), about a permit file (link)",
        "value": {
            "channel": "phone",
            "category": "civil.id_card",
            "summary": "Dochter belt voor haar moeder: is de nieuwe identiteitskaart klaar?",
            "caller_number": "0470 12 34 56",
            "citizen": {"email": "maria.peeters@example.org", "given_name": "Maria", "family_name": "Peeters"},
            "parties": [
                {
                    "role": "representative",
                    "relationship": "family_member",
                    "name": "Lotte Janssens",
                    "phone": "0470 12 34 56",
                    "email": "lotte.janssens@example.org",
                    "correspondent": True,
                }
            ],
            "links": [
                {"system": "omgevingsloket", "object_type": "omgevingsvergunning", "object_id": "OMV_2026047113"}
            ],
        },
    },
    "follow_up": {
        "summary": "Follow-up on an existing ticket",
        "value": {
            "channel": "phone",
            "ticket": REFERENCE_EXAMPLE,
            "summary": "Belt terug: grofvuil is intussen opgehaald.",
        },
    },
}


@router.post(
    "",
    operation_id="record_contact",
    summary="Record a contact",
    description=(
        "Records one contact (body discriminated by `channel`: `web`, `phone` or `counter`), identifies the "
        "citizen (national number, e-mail, phone; several matches leave it unlinked and flagged "
        "`ambiguous_citizen`), and places it: on the ticket named in `ticket`, on the citizen's open ticket for "
        "the same category (within the follow-up window), or on a new ticket owned by the category's unit "
        "(the contact centre without a category). A phone contact whose `call_id` the PBX already reported "
        "completes that call. Everything is written in one transaction. Honours `Idempotency-Key`.\n\n"
        "**Need-to-know**: a contact joins only a ticket the caller may see (the check of "
        "`GET /v1/tickets/{reference}`). `ticket` naming one out of sight answers 422 like an unknown "
        "reference; an open ticket of the same citizen and category out of sight (a social case) is left "
        "alone, and the contact opens a new ticket routed as usual (a social category still reaches the OCMW "
        "and the citizen's case worker). The answer carries `ticket` only when the caller may see it; a "
        "`duplicate` of a contact on a ticket out of sight carries only `contact_id`."
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=ContactRecorded,
    responses={**DUPLICATE_RESPONSE, **problem_responses(409, *AUTH_PROBLEMS)},
)
async def record_contact(
    context: ContactWriting,
    data: Annotated[ContactIn, Body(openapi_examples=CONTACT_EXAMPLES)],
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
    accept_language: AcceptLanguageHeader = None,
) -> ContactRecorded | JSONResponse:
    # The hot route (#16): one dependency for the context, the headers taken here (same OpenAPI, same checks).
    session, settings, clock, actor = context.session, context.settings, context.clock, context.principal
    language = language_of(accept_language)
    idempotency = await idempotency_of(request, session, settings, clock, actor, idempotency_key)
    return await idempotency.create(
        response,
        lambda: in_language(service.record_contact(session, settings, clock, actor, data, language), language),
        contact_location,
        created_status,
    )


@router.get(
    "",
    operation_id="list_contacts",
    summary="List contacts needing attention",
    description="Contacts, newest first; filter on a flag (e.g. `ambiguous_citizen`, `awaiting_summary`) "
    "or on contacts without a ticket.",
    responses=problem_responses(400, *AUTH_PROBLEMS),
)
async def list_contacts(
    session: Session,
    viewer: TicketReader,
    params: Pages,
    language: ReaderLanguage,
    flag: Annotated[ContactFlag | None, Query(description="Only contacts with this flag.")] = None,
    without_ticket: Annotated[bool, Query(description="Only contacts not on any ticket.")] = False,
) -> ContactPage:
    return await service.list_contacts(session, flag, without_ticket, params, viewer, language)


@router.get(
    "/{contact_id}",
    operation_id="get_contact",
    summary="Get a contact",
    description="One recorded contact with its channel facts, attachments and the ticket it belongs to.",
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_contact(
    session: Session,
    viewer: TicketReader,
    contact_id: Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the contact.", examples=[17])],
    language: ReaderLanguage,
) -> ContactOut:
    return await service.get_contact(session, contact_id, viewer, language)
