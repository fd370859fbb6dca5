"""Machine doors: the PBX's call events and the mail gateway's raw messages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from genk3600.auth.dependencies import AppClock, AppSettings, ContactWriter
from genk3600.contacts.errors import MalformedMessage
from genk3600.contacts.mail_intake import record_mail
from genk3600.contacts.phone import CallEventIn, CallOut, handle_call_event
from genk3600.contacts.schemas import (
    DUPLICATE_RESPONSE,
    ContactRecorded,
    contact_location,
    created_status,
    in_language,
)
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, AppError, problem_responses
from genk3600.i18n.catalogue import P_
from genk3600.kit.idempotency import IdempotencyGuard
from genk3600.kit.reader import ReaderLanguage
from genk3600.kit.reference import REFERENCE_EXAMPLE, REFERENCE_FORMAT

router = APIRouter(prefix="/v1/intake", tags=["intake"])

MAIL_MEDIA_TYPE = "message/rfc822"
MAIL_EXAMPLE = (
    "From: Jan Janssens <jan.janssens@example.org>\r\n"
    "To: 3600@genk.example\r\n"
    f"Subject: Re: [{REFERENCE_EXAMPLE}] Grofvuil\r\n"
    "Message-ID: <reply-1@example.org>\r\n"
    "Date: Mon, 23 Nov 2026 10:15:00 +0100\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Het grofvuil is nog altijd niet opgehaald.\r\n"
)
CALL_EXAMPLES: dict[str, Any] = {
    "ringing": {
        "summary": "A call rings at an agent's phone",
        "value": {
            "event": "ringing",
            "call_id": "pbx-7f3a91",
            "caller_number": "089 65 36 00",
            "called_number": "3600",
        },
    },
    "answered": {
        "summary": "The agent answers",
        "value": {"event": "answered", "call_id": "pbx-7f3a91", "agent": "agent@genk.example"},
    },
    "ended": {"summary": "The call ends", "value": {"event": "ended", "call_id": "pbx-7f3a91"}},
    "withheld": {
        "summary": "A withheld number",
        "value": {"event": "ringing", "call_id": "pbx-7f3a92", "caller_number": "anonymous"},
    },
}


class UnsupportedMediaType(AppError):
    status = 415
    title = P_("Unsupported media type")
    slug = "unsupported-media-type"


class MessageTooLarge(AppError):
    status = 413
    title = P_("Message too large")
    slug = "message-too-large"


@router.post(
    "/phone/events",
    operation_id="record_call_event",
    summary="Call event from the PBX",
    description=(
        "`ringing`, `answered` or `ended` for one call id, in any order and any number of times (late or "
        "repeated events never move a call back). Caller numbers are normalised to E.164; withheld numbers "
        "(empty, `anonymous`) are kept as `withheld`. On ringing/answered the answer carries a screen pop: "
        "the citizens matching the caller number with their open tickets. On `ended` the call becomes a "
        "contact flagged `awaiting_summary` (or `missed_call`); the agent completes it with "
        "`POST /v1/contacts` and the same `call_id`."
    ),
    openapi_extra={
        "requestBody": {"content": {"application/json": {"examples": CALL_EXAMPLES}}},
    },
    response_model=CallOut,
    responses=problem_responses(409, *AUTH_PROBLEMS),
)
async def record_call_event(
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    actor: ContactWriter,
    idempotency: IdempotencyGuard,
    event: CallEventIn,
    response: Response,
) -> CallOut | JSONResponse:
    return await idempotency.create(
        response, lambda: handle_call_event(session, settings, clock, actor, event), status_code=status.HTTP_200_OK
    )


@router.post(
    "/mail",
    operation_id="record_mail",
    summary="Raw e-mail from a mail gateway",
    description=(
        "Accepts one message exactly as received (`Content-Type: message/rfc822`). Sender, subject, "
        "plain-text body (HTML-only mail is converted), any charset and attachments are read with Python's "
        f"`email` package. A reply carrying `[{REFERENCE_FORMAT}]` in the subject or answering a known "
        "Message-ID joins that ticket (reopening it if it was resolved recently), but only a ticket the caller "
        "may see: a reply to one out of sight (a social case, for a key that is not the OCMW's) is a new "
        "contact, routed as usual, and reopens nothing. The citizen is the `Reply-To` address if any, else "
        "the sender. Auto-replies, bounces and list mail are stored but never open tickets; a bounce of one of "
        "our own mails joins that mail's ticket (`attached`, flagged `mail_bounced`, a `mail_bounced` timeline "
        "entry) and marks it bounced. `contact.channel_details.classification` says why a mail was treated as "
        "it was. The same Message-ID twice is recorded once (`duplicate`; only `contact_id` when the first "
        "recording is on a ticket out of the caller's sight). Honours `Idempotency-Key`."
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=ContactRecorded,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {MAIL_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}, "example": MAIL_EXAMPLE}},
        }
    },
    responses={**DUPLICATE_RESPONSE, **problem_responses(409, 413, 415, *AUTH_PROBLEMS)},
)
async def record_mail_message(
    request: Request,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    actor: ContactWriter,
    idempotency: IdempotencyGuard,
    response: Response,
    language: ReaderLanguage,
) -> ContactRecorded | JSONResponse:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != MAIL_MEDIA_TYPE:
        raise UnsupportedMediaType(
            P_("Send the message as `{expected}`, not {given!r}."),
            params={"expected": MAIL_MEDIA_TYPE, "given": media_type or "nothing"},
        )
    raw = await request.body()
    if len(raw) > settings.max_message_bytes:
        raise MessageTooLarge(
            P_("The message is larger than the {limit} bytes accepted."), params={"limit": settings.max_message_bytes}
        )
    if not raw.strip():
        raise MalformedMessage(P_("The request body is empty; send the whole message."))
    return await idempotency.create(
        response,
        lambda: in_language(record_mail(session, settings, clock, actor, raw), language),
        contact_location,
        created_status,
    )
