from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Response, status

from genk3600.auth.dependencies import AppSettings, ContactWriter, TicketReader
from genk3600.contacts import service
from genk3600.contacts.schemas import ContactIn, ContactOut, ContactRecorded
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])

WEB_EXAMPLE = {
    "channel": "web",
    "category": "waste.pickup",
    "subject": "Grofvuil niet opgehaald",
    "body": "Mijn grofvuil staat er nog sinds maandag.",
    "form_id": "melding-afval",
    "citizen": {"email": "jan.janssens@example.org", "given_name": "Jan", "family_name": "Janssens"},
}
PHONE_EXAMPLE = {
    "channel": "phone",
    "category": "civil.id_card",
    "summary": "Vraagt wanneer de nieuwe identiteitskaart klaar is.",
    "call_id": "pbx-7f3a91",
    "caller_number": "089 65 36 00",
    "called_number": "3600",
    "started_at": "2026-11-23T09:12:00Z",
    "ended_at": "2026-11-23T09:16:30Z",
    "citizen": {"national_number": "85.07.30-033.28"},
}


@router.post(
    "",
    operation_id="record_contact",
    summary="Record a contact",
    description=(
        "Records one contact (body discriminated by `channel`: `web` or `phone`), matches or registers the "
        "citizen, and opens a ticket owned by the category's unit (the contact centre without a category), "
        "with a `created` event on its timeline. Everything is written in one transaction."
    ),
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*AUTH_PROBLEMS),
)
async def record_contact(
    session: Session,
    settings: AppSettings,
    actor: ContactWriter,
    data: Annotated[
        ContactIn,
        Body(
            openapi_examples={
                "web": {"summary": "Web form", "value": WEB_EXAMPLE},
                "phone": {"summary": "Phone call", "value": PHONE_EXAMPLE},
            }
        ),
    ],
    response: Response,
) -> ContactRecorded:
    recorded = await service.record_contact(session, settings, actor, data)
    response.headers["Location"] = f"/v1/contacts/{recorded.contact.id}"
    return recorded


@router.get(
    "/{contact_id}",
    operation_id="get_contact",
    summary="Get a contact",
    description="One recorded contact with its channel facts and the ticket it belongs to.",
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_contact(session: Session, _: TicketReader, contact_id: int) -> ContactOut:
    return await service.get_contact(session, contact_id)
