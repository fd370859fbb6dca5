from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Response, status
from fastapi.responses import JSONResponse

from genk3600.auth.dependencies import ContactWriter, TicketReader
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.kit.idempotency import IdempotencyGuard
from genk3600.kit.schemas import MAX_ID
from genk3600.parties import service
from genk3600.parties.schemas import PARTY_EXAMPLES, PartyIn, PartyList, PartyOut

router = APIRouter(prefix="/v1/contacts/{contact_id}/parties", tags=["contacts"])

ContactId = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the contact.", examples=[17])]
PartyId = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the party.", examples=[5])]


def _location(party: PartyOut) -> str:
    return f"/v1/contacts/{party.contact_id}/parties"


@router.post(
    "",
    operation_id="add_contact_party",
    summary="Name a party to a contact",
    description=(
        "Records who else a contact involves: the citizen it is about (`subject`) or whoever made it on their "
        "behalf (`representative`: a family member, partner, informal carer, legal administrator, guardian, "
        "social worker of another organisation, lawyer). A person is a known citizen (`citizen_id`) or just a "
        "name, e-mail and phone; an organisation has a name and optionally its enterprise number (KBO/BCE, "
        "checked with its check digits: an invalid one answers 422 naming `enterprise_number`, and nothing is "
        "written). `correspondent: true` sends replies on the ticket to this party (one per contact: a second "
        "answers 409). The timeline of the contact's ticket says a party was added, by role, never by name.\n\n"
        "**Need-to-know**: only a contact the caller may see (its ticket's check, as `GET /v1/contacts/{id}`); "
        "others answer 404. A party that is a known citizen opens none of that citizen's own tickets to "
        "anyone. Honours `Idempotency-Key`."
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=PartyOut,
    responses=problem_responses(404, 409, *AUTH_PROBLEMS),
)
async def add_contact_party(
    session: Session,
    actor: ContactWriter,
    idempotency: IdempotencyGuard,
    contact_id: ContactId,
    data: Annotated[PartyIn, Body(openapi_examples=PARTY_EXAMPLES)],
    response: Response,
) -> PartyOut | JSONResponse:
    return await idempotency.create(response, lambda: service.add_party(session, actor, contact_id, data), _location)


@router.get(
    "",
    operation_id="list_contact_parties",
    summary="List the parties to a contact",
    description=(
        "The parties of one contact, oldest first, as recorded (a known citizen appears by `citizen_id` and what "
        "was given, never with what the register holds). Only for a contact the caller may see (else 404); "
        "reading the parties of a social case is on the audit trail."
    ),
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def list_contact_parties(session: Session, viewer: TicketReader, contact_id: ContactId) -> PartyList:
    return await service.list_parties(session, viewer, contact_id)


@router.delete(
    "/{party_id}",
    operation_id="remove_contact_party",
    summary="Remove a party from a contact",
    description=(
        "Removes a party named by mistake, with its personal data. The ticket's timeline keeps that a party in "
        "that role was removed. 404 for a contact out of sight or a party of another contact."
    ),
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def remove_contact_party(
    session: Session, actor: ContactWriter, contact_id: ContactId, party_id: PartyId
) -> None:
    await service.remove_party(session, actor, contact_id, party_id)
