"""Call-back requests (`/v1/callbacks`, a unit's list under `/v1/queues`) and contact outcomes."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Response, status
from fastapi.responses import JSONResponse

from genk3600.auth.dependencies import (
    AppClock,
    AppSettings,
    ContactWriter,
    CurrentPrincipal,
    TicketReader,
    TicketWriter,
)
from genk3600.callbacks import service
from genk3600.callbacks.repository import CallbackFilter
from genk3600.callbacks.schemas import (
    ATTEMPT_EXAMPLES,
    CALLBACK_EXAMPLES,
    AttemptIn,
    CallbackIn,
    CallbackOut,
    CallbackPage,
    CancelIn,
    ContactOutcomeIn,
    ContactOutcomeOut,
    LetterSentIn,
)
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses, with_descriptions
from genk3600.kit.idempotency import IdempotencyGuard
from genk3600.kit.pagination import Pages
from genk3600.kit.reader import ReaderLanguage
from genk3600.kit.reference import REFERENCE_EXAMPLE, REFERENCE_PATTERN
from genk3600.kit.schemas import MAX_ID
from genk3600.models.enums import CallbackStatus
from genk3600.models.organisation import CODE_PATTERN
from genk3600.queues.errors import AssigneeMeNeedsStaff
from genk3600.units.schemas import UnitCode

router = APIRouter(tags=["callbacks"])

CallbackId = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the call-back request.", examples=[12])]
UnitCodePath = Annotated[
    str,
    Path(description="Code of the unit whose call-backs these are.", max_length=64, pattern=CODE_PATTERN,
         examples=["burgerzaken"]),
]  # fmt: skip
ContactId = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the contact.", examples=[17])]

NEED_TO_KNOW = (
    "A call-back request is as visible as its ticket: whoever cannot `GET` the ticket gets 404 for the request "
    "and never sees it in a list."
)


def _location(callback: CallbackOut) -> str:
    return f"/v1/callbacks/{callback.id}"


@router.post(
    "/v1/callbacks",
    operation_id="create_callback",
    summary="Ask for a call-back (terugbelverzoek)",
    description=(
        "Asks a unit or a person to call the citizen back about a ticket (named by `ticket`, or by `contact_id`: "
        "the contact in which the citizen asked it). Without `unit` and `staff_id` the ticket's owning unit calls "
        "back; with `staff_id` alone, the person's first unit. The number is checked (`phonenumbers`, Belgian "
        "notation by default) and kept in E.164. The request is due `callback_due_minutes` business minutes "
        "(setting, default 420: one working day) after now, or after `window_start`, on the calendar of the unit "
        "that calls back (its opening hours, Belgian public holidays and its closing days), and never after "
        "`window_end`. It appears in that unit's call-back list (`GET /v1/queues/{unit_code}/callbacks`) and, for "
        "a person, as theirs (`assignee=me`). Whoever calls back must be able to read the ticket (422 "
        "`target-cannot-see-ticket` otherwise; a social case only OCMW staff who see it by right). The request is on "
        "the ticket's timeline and in the event feed (`ticket.callback_created`). Honours `Idempotency-Key`. "
        + NEED_TO_KNOW
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=CallbackOut,
    responses=with_descriptions(
        problem_responses(409, *AUTH_PROBLEMS),
        s409="`contact-not-on-ticket`: the contact is not on a ticket yet; or the `Idempotency-Key` was reused.",
        s422="The body fails validation (a number that is no phone number, both or neither of `ticket` and "
        "`contact_id`, a window that ends before it starts or has ended), or names what does not fit: "
        "`unknown-callback-subject` (no such ticket or contact in sight), `unknown-callback-target`, "
        "`target-cannot-see-ticket`, `social-stays-in-ocmw`.",
    ),
)
async def create_callback(
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    actor: TicketWriter,
    idempotency: IdempotencyGuard,
    data: Annotated[CallbackIn, Body(openapi_examples=CALLBACK_EXAMPLES)],
    response: Response,
    language: ReaderLanguage,
) -> CallbackOut | JSONResponse:
    return await idempotency.create(
        response, lambda: service.create_callback(session, settings, clock, actor, data, language), _location
    )


def callback_filter(
    ticket: Annotated[
        str | None,
        Query(
            pattern=REFERENCE_PATTERN,
            max_length=24,
            description="Only this ticket's requests.",
            examples=[REFERENCE_EXAMPLE],
        ),
    ] = None,
    unit: Annotated[UnitCode | None, Query(description="Only requests for this unit (code).")] = None,
    state: Annotated[CallbackStatus | None, Query(alias="status", description="Only requests in this state.")] = None,
    letter_pending: Annotated[
        bool, Query(description="Only failed requests whose letter to the citizen has not been sent yet.")
    ] = False,
) -> CallbackFilter:
    return CallbackFilter(ticket_reference=ticket, unit_code=unit, status=state, letter_pending=letter_pending)


@router.get(
    "/v1/callbacks",
    operation_id="list_callbacks",
    summary="List call-back requests",
    description=(
        "Call-back requests, newest first, with their attempts; filter by ticket, unit, status, the caller's own "
        "(`assignee=me`, staff only) or the letters still to send (`letter_pending=true`). " + NEED_TO_KNOW
    ),
    responses=problem_responses(400, *AUTH_PROBLEMS),
)
async def list_callbacks(
    session: Session,
    clock: AppClock,
    viewer: TicketReader,
    where: Annotated[CallbackFilter, Depends(callback_filter)],
    params: Pages,
    language: ReaderLanguage,
    assignee: Annotated[Literal["me"] | None, Query(description="`me`: only the caller's own requests.")] = None,
) -> CallbackPage:
    if assignee == "me":
        if viewer.staff_id is None:
            raise AssigneeMeNeedsStaff()
        where = replace(where, assignee_staff_id=viewer.staff_id)
    return await service.list_callbacks(session, clock, viewer, where, params, language)


@router.get(
    "/v1/callbacks/{callback_id}",
    operation_id="get_callback",
    summary="Get a call-back request",
    description="One call-back request with its attempts (outcome, time, caller) and, once failed, how the "
    "citizen is told. " + NEED_TO_KNOW,
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_callback(
    session: Session, clock: AppClock, viewer: TicketReader, callback_id: CallbackId, language: ReaderLanguage
) -> CallbackOut:
    return await service.get_callback(session, clock, viewer, callback_id, language)


@router.post(
    "/v1/callbacks/{callback_id}/attempts",
    operation_id="record_callback_attempt",
    summary="Record a call-back attempt",
    description=(
        "Records one try to call the citizen back with its outcome: `reached` completes the request; "
        "`wrong_number` fails it at once; `no_answer` and `voicemail_left` fail it once `max_attempts` tries "
        "(setting `callback_max_attempts`, default 3) have not reached the citizen. A failed request flags the "
        "ticket `callback_failed` (cleared when a later call-back reaches the citizen) and tells the citizen: a "
        "mail in the request's language when they have an e-mail address, else a letter task on the ticket when "
        "the request has a postal address (`citizen_notice`). A staff member who records an attempt on a request "
        "nobody has taken takes it. Each step is on the ticket's timeline and in the event feed "
        "(`ticket.callback_attempt_recorded`, `ticket.callback_completed`, `ticket.callback_failed`). Answers "
        "the request as it now is. Honours `Idempotency-Key`. " + NEED_TO_KNOW
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=CallbackOut,
    responses=with_descriptions(
        problem_responses(404, 409, *AUTH_PROBLEMS),
        s409="`callback-closed`: the request is completed, failed or cancelled already; or the `Idempotency-Key` "
        "was reused.",
        s422="The body fails validation (an unknown outcome, a moment in the future), or `attempt-before-request`.",
    ),
)
async def record_callback_attempt(
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    actor: TicketWriter,
    idempotency: IdempotencyGuard,
    callback_id: CallbackId,
    data: Annotated[AttemptIn, Body(openapi_examples=ATTEMPT_EXAMPLES)],
    response: Response,
    language: ReaderLanguage,
) -> CallbackOut | JSONResponse:
    return await idempotency.create(
        response, lambda: service.record_attempt(session, settings, clock, actor, callback_id, data, language)
    )


@router.post(
    "/v1/callbacks/{callback_id}/cancel",
    operation_id="cancel_callback",
    summary="Cancel a call-back request",
    description="Closes an open request without calling (say why: the reason is on the ticket's timeline, the "
    "event `ticket.callback_cancelled` carries no text). " + NEED_TO_KNOW,
    responses=with_descriptions(
        problem_responses(404, 409, *AUTH_PROBLEMS),
        s409="`callback-closed`: the request is completed, failed or cancelled already.",
    ),
)
async def cancel_callback(
    session: Session,
    clock: AppClock,
    actor: TicketWriter,
    callback_id: CallbackId,
    data: CancelIn,
    language: ReaderLanguage,
) -> CallbackOut:
    return await service.cancel_callback(session, clock, actor, callback_id, data, language)


@router.post(
    "/v1/callbacks/{callback_id}/letter-sent",
    operation_id="record_callback_letter",
    summary="Record the letter of a failed call-back as sent",
    description="A failed request for a citizen without an e-mail address but with a postal address leaves a "
    "letter task (`citizen_notice` `letter`); this records that the letter went out (timeline, event "
    "`ticket.callback_letter_sent`). " + NEED_TO_KNOW,
    responses=with_descriptions(
        problem_responses(404, 409, *AUTH_PROBLEMS),
        s409="`no-letter-to-send`: the request has no letter task, or its letter was recorded as sent already.",
    ),
)
async def record_callback_letter(
    session: Session,
    clock: AppClock,
    actor: TicketWriter,
    callback_id: CallbackId,
    data: LetterSentIn,
    language: ReaderLanguage,
) -> CallbackOut:
    return await service.record_letter(session, clock, actor, callback_id, data, language)


@router.get(
    "/v1/queues/{unit_code}/callbacks",
    operation_id="list_unit_callbacks",
    summary="A unit's call-back list",
    description=(
        "The unit's open call-back requests, earliest due first, each with a `deadline_colour` (`red` overdue, "
        "`orange` due within the hour). `unassigned=true` shows only those nobody has taken; `assignee=me` only the "
        "caller's own (staff only). Only requests on tickets the caller may read are listed."
    ),
    responses=problem_responses(400, 404, *AUTH_PROBLEMS),
)
async def list_unit_callbacks(
    session: Session,
    clock: AppClock,
    viewer: TicketReader,
    unit_code: UnitCodePath,
    params: Pages,
    language: ReaderLanguage,
    unassigned: Annotated[bool, Query(description="Only requests nobody has taken.")] = False,
    assignee: Annotated[Literal["me"] | None, Query(description="`me`: only the caller's own requests.")] = None,
) -> CallbackPage:
    return await service.unit_callbacks(
        session,
        clock,
        viewer,
        unit_code,
        params,
        language,
        unassigned=unassigned,
        assigned_to_me=assignee == "me",
    )


@router.post(
    "/v1/queues/{unit_code}/callbacks/claim",
    operation_id="claim_callback",
    summary="Take the next call-back",
    description=(
        "Gives the calling staff member the unit's earliest-due open request that nobody has taken and that they "
        "may hold (a social case only OCMW staff who see it by right). Only staff of the unit or of a unit above it "
        "may take its requests (403 for others and for API keys); concurrent callers never get the same one. 404 "
        "when none is left. The step is on the ticket's timeline (`ticket.callback_assigned`)."
    ),
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def claim_callback(
    session: Session, clock: AppClock, actor: CurrentPrincipal, unit_code: UnitCodePath, language: ReaderLanguage
) -> CallbackOut:
    return await service.claim_callback(session, clock, actor, unit_code, language)


@router.patch(
    "/v1/contacts/{contact_id}/outcome",
    operation_id="set_contact_outcome",
    summary="Record a contact's outcome",
    description=(
        "Whether the contact reached the citizen and whether it answered their question at the first contact "
        "(the same fields can be given at intake). A field left out stays as it is; `null` means not recorded. "
        "First-contact resolution in the reports counts a ticket by the outcome of its first incoming contact "
        "where one is recorded. The change is on the ticket's timeline. Contacts are otherwise immutable. A "
        "contact is as visible as its ticket (404 otherwise)."
    ),
    tags=["contacts"],
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def set_contact_outcome(
    session: Session,
    actor: ContactWriter,
    contact_id: ContactId,
    data: ContactOutcomeIn,
) -> ContactOutcomeOut:
    return await service.set_contact_outcome(session, actor, contact_id, data)
