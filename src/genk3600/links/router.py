from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Response, status
from fastapi.responses import JSONResponse

from genk3600.auth.dependencies import ContactWriter, TicketReader, TicketWriter
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.kit.idempotency import IdempotencyGuard
from genk3600.kit.reference import REFERENCE_EXAMPLE, REFERENCE_PATTERN
from genk3600.kit.schemas import MAX_ID
from genk3600.links import service
from genk3600.links.schemas import LINK_EXAMPLES, LinkIn, LinkList, LinkOut

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
ContactId = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the contact.", examples=[17])]
LinkId = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the link.", examples=[8])]

_EVENTS = (
    "Adding or removing a link is a timeline entry (`link_added`, `link_removed`) whose event carries the system, "
    "type, id and URL to the feed and the webhooks of those who may see the ticket."
)
_LINK_IN = Body(openapi_examples=LINK_EXAMPLES)


@router.post(
    "/v1/tickets/{reference}/links",
    operation_id="add_ticket_link",
    summary="Link a ticket to an object in another system",
    description=(
        "Records that the ticket is about an object elsewhere (an onderwerpobject): a case in the OCMW's case "
        "system, a permit file, a street light, by `system`, `object_type` and `object_id`, with an optional "
        f"http(s) `url`. The same object twice on one ticket answers 409. {_EVENTS} Find tickets by object "
        "with `GET /v1/tickets?object_system=…&object_type=…&object_id=…`. 404 for a ticket out of sight. "
        "Honours `Idempotency-Key`."
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=LinkOut,
    tags=["tickets"],
    responses=problem_responses(404, 409, *AUTH_PROBLEMS),
)
async def add_ticket_link(
    session: Session,
    actor: TicketWriter,
    idempotency: IdempotencyGuard,
    reference: Reference,
    data: Annotated[LinkIn, _LINK_IN],
    response: Response,
) -> LinkOut | JSONResponse:
    return await idempotency.create(response, lambda: service.add_ticket_link(session, actor, reference, data))


@router.get(
    "/v1/tickets/{reference}/links",
    operation_id="list_ticket_links",
    summary="List a ticket's links to other systems",
    description="The links of the ticket itself (`contact_id` null) and of its contacts, oldest first. 404 for a "
    "ticket out of sight.",
    tags=["tickets"],
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def list_ticket_links(session: Session, viewer: TicketReader, reference: Reference) -> LinkList:
    return await service.list_ticket_links(session, viewer, reference)


@router.delete(
    "/v1/tickets/{reference}/links/{link_id}",
    operation_id="remove_ticket_link",
    summary="Remove a link from a ticket",
    description=f"Removes a link of the ticket or of one of its contacts. {_EVENTS} 404 for a ticket out of sight "
    "or a link elsewhere.",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["tickets"],
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def remove_ticket_link(session: Session, actor: TicketWriter, reference: Reference, link_id: LinkId) -> None:
    await service.remove_ticket_link(session, actor, reference, link_id)


@router.post(
    "/v1/contacts/{contact_id}/links",
    operation_id="add_contact_link",
    summary="Link a contact to an object in another system",
    description=(
        "As `POST /v1/tickets/{reference}/links`, for one contact: what this contact referred to (the permit "
        f"file the caller quoted). Also at intake, with `links` on `POST /v1/contacts`. {_EVENTS} 404 for a "
        "contact out of sight; 409 for the same object twice. Honours `Idempotency-Key`."
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=LinkOut,
    tags=["contacts"],
    responses=problem_responses(404, 409, *AUTH_PROBLEMS),
)
async def add_contact_link(
    session: Session,
    actor: ContactWriter,
    idempotency: IdempotencyGuard,
    contact_id: ContactId,
    data: Annotated[LinkIn, _LINK_IN],
    response: Response,
) -> LinkOut | JSONResponse:
    return await idempotency.create(response, lambda: service.add_contact_link(session, actor, contact_id, data))


@router.get(
    "/v1/contacts/{contact_id}/links",
    operation_id="list_contact_links",
    summary="List a contact's links to other systems",
    description="The links of one contact, oldest first. 404 for a contact out of sight.",
    tags=["contacts"],
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def list_contact_links(session: Session, viewer: TicketReader, contact_id: ContactId) -> LinkList:
    return await service.list_contact_links(session, viewer, contact_id)


@router.delete(
    "/v1/contacts/{contact_id}/links/{link_id}",
    operation_id="remove_contact_link",
    summary="Remove a link from a contact",
    description=f"Removes a link of the contact. {_EVENTS} 404 for a contact out of sight or a link elsewhere.",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["contacts"],
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def remove_contact_link(session: Session, actor: ContactWriter, contact_id: ContactId, link_id: LinkId) -> None:
    await service.remove_contact_link(session, actor, contact_id, link_id)
