"""Appointments and home visits (`/v1/appointments`), their kinds, availability, free slots and the staff
member's calendar feed; the citizen's own booking lives with the status page (`/v1/public/...`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime

from genk3600.appointments import service
from genk3600.appointments.repository import AppointmentFilter
from genk3600.appointments.schemas import (
    AVAILABILITY_EXAMPLE,
    BOOK_EXAMPLES,
    KIND_CODE_PATTERN,
    KIND_EXAMPLE,
    AppointmentCancelIn,
    AppointmentIn,
    AppointmentKindIn,
    AppointmentKindList,
    AppointmentKindOut,
    AppointmentOut,
    AppointmentPage,
    AvailabilityIn,
    AvailabilityOut,
    CalendarFeedOut,
    FreeSlots,
    MoveIn,
    OutcomeIn,
    PublicAppointment,
    PublicBookingIn,
    PublicSlots,
)
from genk3600.auth.dependencies import Admin, AppClock, AppSettings, TicketReader, TicketWriter
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, PROBLEM_BASE, PROBLEM_MEDIA_TYPE, problem_responses, with_descriptions
from genk3600.i18n import requested_language
from genk3600.kit.idempotency import IdempotencyGuard
from genk3600.kit.pagination import Pages
from genk3600.kit.reader import ReaderLanguage
from genk3600.kit.reference import MAX_TYPED_REFERENCE, REFERENCE_EXAMPLE, REFERENCE_PATTERN
from genk3600.kit.schemas import MAX_ID
from genk3600.models.enums import AppointmentStatus, Language
from genk3600.models.organisation import CODE_PATTERN
from genk3600.public.ratelimit import limit_public_lookups
from genk3600.public.router import CACHING_DOCS
from genk3600.public.schemas import CODE_EXAMPLE
from genk3600.public.service import CACHING_HEADERS
from genk3600.units.schemas import UnitCode

router = APIRouter(tags=["appointments"])
public_router = APIRouter(prefix="/v1/public", tags=["public"])

AppointmentId = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the appointment.", examples=[7])]
StaffId = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the staff member.", examples=[42])]
KindCodePath = Annotated[
    str,
    Path(description="Code of the appointment kind.", min_length=2, max_length=64, pattern=KIND_CODE_PATTERN,
         examples=["social.home_visit"]),
]  # fmt: skip
DeskCode = Annotated[
    str,
    Path(description="Code of the desk unit.", min_length=2, max_length=64, pattern=CODE_PATTERN,
         examples=["themabalie"]),
]  # fmt: skip
ReferencePath = Annotated[
    str,
    Path(pattern=REFERENCE_PATTERN, max_length=24, description="The ticket's reference.", examples=[REFERENCE_EXAMPLE]),
]
Limit = Annotated[int, Query(ge=1, le=100, description="At most this many slots.")]

NEED_TO_KNOW = (
    "An appointment is as visible as its ticket: whoever cannot `GET` the ticket gets 404 for the appointment and "
    "never sees it in a list; for a social ticket only OCMW staff who see it by right are offered. One exception, "
    "the front door: front-office staff who give the citizen's `access_code` see the free slots of a social case "
    "and book one (the case worker's home visit) without reading the case."
)
SLOT_TAKEN_409 = (
    "`slot-taken`: someone booked (part of) this time first, or the person is on leave then; `alternatives` names "
    "the next free slots (the same staff member's or desk's first). Also a reused `Idempotency-Key`."
)
SLOT_TAKEN_EXAMPLE: dict[str, Any] = {
    "type": PROBLEM_BASE + "slot-taken",
    "title": "Slot taken",
    "status": 409,
    "detail": "This time was just booked by someone else. Choose one of the next free slots in `alternatives` "
    "(1 found).",
    "alternatives": [
        {
            "kind": "social.home_visit",
            "starts_at": "2027-03-30T08:20:00Z",
            "ends_at": "2027-03-30T09:20:00Z",
            "staff": {"id": 42, "full_name": "Sofie Vermeulen"},
            "desk": None,
            "case_worker": True,
        }
    ],
}


def _taken(statuses: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    statuses[409] = {
        "description": SLOT_TAKEN_409,
        "content": {
            PROBLEM_MEDIA_TYPE: {
                "schema": {"$ref": "#/components/schemas/ProblemDetails"},
                "example": SLOT_TAKEN_EXAMPLE,
            }
        },
    }
    return statuses


def _location(appointment: AppointmentOut) -> str:
    return f"/v1/appointments/{appointment.id}"


# --- kinds ------------------------------------------------------------------------------------------------


@router.put(
    "/v1/appointment-kinds/{kind_code}",
    operation_id="put_appointment_kind",
    summary="Create or replace an appointment kind",
    description=(
        "What a unit offers to book (data, not code): its length (`duration_minutes`, the slot length), the "
        "tickets it fits (`category_prefix`, e.g. `social.`), whether it is a home visit (with `travel_minutes` "
        "before and after, blocked in the staff member's calendar) and whether citizens may book it themselves on "
        "their status page (`citizen_bookable`). The unit's calendar applies: no slots on Belgian public holidays "
        "or its closing days. Admin only."
    ),
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def put_appointment_kind(
    session: Session,
    _admin: Admin,
    kind_code: KindCodePath,
    data: Annotated[
        AppointmentKindIn, Body(openapi_examples={"visit": {"summary": "A home visit", "value": KIND_EXAMPLE}})
    ],
    language: ReaderLanguage,
) -> AppointmentKindOut:
    return await service.put_kind(session, kind_code, data, language)


@router.get(
    "/v1/appointment-kinds",
    operation_id="list_appointment_kinds",
    summary="List appointment kinds",
    description="Every appointment kind, by code; `unit` keeps those one unit offers.",
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def list_appointment_kinds(
    session: Session,
    _viewer: TicketReader,
    language: ReaderLanguage,
    unit: Annotated[UnitCode | None, Query(description="Only the kinds this unit offers.")] = None,
) -> AppointmentKindList:
    return await service.list_kinds(session, unit, language)


# --- availability -----------------------------------------------------------------------------------------

AVAILABILITY_DOC = (
    "Weekly windows in local time (Europe/Brussels: 09:00-12:00 stays 09:00-12:00 across the daylight-saving "
    "switch), optionally within a period (`first_day`, `last_day`), and exceptions in which nobody can book "
    "(`leave`, `training`, `other`). Slots are laid out from each window's opening, one kind's length after the "
    "other (after the travel time for home visits)."
)


@router.get(
    "/v1/staff/{staff_id}/availability",
    operation_id="get_staff_availability",
    summary="A staff member's availability",
    description="When the staff member can be booked, per unit they work for. " + AVAILABILITY_DOC,
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_staff_availability(session: Session, _viewer: TicketReader, staff_id: StaffId) -> AvailabilityOut:
    return await service.get_staff_availability(session, staff_id)


@router.put(
    "/v1/staff/{staff_id}/availability",
    operation_id="put_staff_availability",
    summary="Replace a staff member's availability",
    description="Replaces all windows and exceptions of the staff member; each window is for one of their units "
    "(`unit`, default their first). Booked appointments stay. Admin only. " + AVAILABILITY_DOC,
    responses=with_descriptions(
        problem_responses(404, *AUTH_PROBLEMS),
        s422="The body fails validation (a window that closes before it opens) or `availability-invalid` (a unit "
        "the staff member does not work in).",
    ),
)
async def put_staff_availability(
    session: Session,
    _admin: Admin,
    staff_id: StaffId,
    data: Annotated[
        AvailabilityIn, Body(openapi_examples={"week": {"summary": "Two mornings", "value": AVAILABILITY_EXAMPLE}})
    ],
) -> AvailabilityOut:
    return await service.put_staff_availability(session, staff_id, data)


@router.get(
    "/v1/units/{unit_code}/availability",
    operation_id="get_desk_availability",
    summary="A desk's availability",
    description="When a desk (reception, quick desk, thematic desk) can be booked. " + AVAILABILITY_DOC,
    responses=with_descriptions(
        problem_responses(404, *AUTH_PROBLEMS), s422="`availability-invalid`: the unit is not a desk."
    ),
)
async def get_desk_availability(session: Session, _viewer: TicketReader, unit_code: DeskCode) -> AvailabilityOut:
    return await service.get_desk_availability(session, unit_code)


@router.put(
    "/v1/units/{unit_code}/availability",
    operation_id="put_desk_availability",
    summary="Replace a desk's availability",
    description="Replaces all windows and exceptions of a desk (leave `unit` out of the windows). Admin only. "
    + AVAILABILITY_DOC,
    responses=with_descriptions(
        problem_responses(404, *AUTH_PROBLEMS), s422="The body fails validation, or `availability-invalid`."
    ),
)
async def put_desk_availability(
    session: Session,
    _admin: Admin,
    unit_code: DeskCode,
    data: Annotated[
        AvailabilityIn,
        Body(openapi_examples={"desk": {"summary": "Tuesday mornings",
                                        "value": {"windows": [{"weekday": 1, "opens": "09:00", "closes": "12:00"}]}}}),
    ],
) -> AvailabilityOut:  # fmt: skip
    return await service.put_desk_availability(session, unit_code, data)


# --- free slots -------------------------------------------------------------------------------------------


@router.get(
    "/v1/tickets/{reference}/appointment-slots",
    operation_id="list_appointment_slots",
    summary="Free slots for a ticket",
    description=(
        "Free slots of one appointment kind for the ticket, from `since` (default now) until `until` (default four "
        "weeks later): of every staff member and desk available for the kind's unit who may see the ticket, "
        "skipping public holidays, closing days, leave, training and booked time (travel included). For a social "
        "ticket the citizen's own case worker's slots come first (`case_worker: true`). " + NEED_TO_KNOW
    ),
    responses=with_descriptions(
        problem_responses(404, *AUTH_PROBLEMS),
        s422="The query fails validation, or `unknown-appointment-kind` (unknown, inactive, or not for this ticket's "
        "category).",
    ),
)
async def list_appointment_slots(
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    viewer: TicketReader,
    reference: ReferencePath,
    kind: Annotated[str, Query(min_length=2, max_length=64, pattern=KIND_CODE_PATTERN, description="Code of the kind.",
                               examples=["social.home_visit"])],
    since: Annotated[AwareDatetime | None, Query(description="From this moment (included, with its offset); "
                                                             "default now.")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Until this moment (excluded); at most 92 days after "
                                                             "`since`, default four weeks.")] = None,
    limit: Limit = 20,
    access_code: Annotated[str | None, Query(min_length=1, max_length=40, description="The citizen's access code: "
                                             "with it, front-office staff see the free slots of a social case they "
                                             "may not read (and book one with it), never the case itself.")] = None,
) -> FreeSlots:  # fmt: skip
    return await service.free_slots_for_ticket(
        session, settings, clock, viewer, reference, kind, since, until, limit, access_code
    )


# --- appointments -----------------------------------------------------------------------------------------


@router.post(
    "/v1/appointments",
    operation_id="book_appointment",
    summary="Book an appointment or home visit",
    description=(
        "Books a free slot (`GET /v1/tickets/{reference}/appointment-slots`) for a ticket, with a staff member "
        "(`staff_id`) or at a desk (`desk`), optionally with the citizen's representative. A home visit needs "
        "`address`; its travel time before and after blocks the staff member's calendar too. **Race-free**: the "
        "database keeps one person's or desk's booked time from overlapping, so of two agents booking the same "
        "slot one wins and the other gets 409 `slot-taken` with the next free slots in `alternatives`. Booking "
        "counts as the ticket's first response (the SLA's first-response clock stops). The citizen gets a "
        "confirmation by mail in their language with an iCalendar invitation, and a reminder the day before. On "
        "the ticket's timeline and in the event feed (`ticket.appointment_booked`). Honours `Idempotency-Key`. "
        + NEED_TO_KNOW
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=AppointmentOut,
    responses=_taken(
        with_descriptions(
            problem_responses(409, *AUTH_PROBLEMS),
            s422="The body fails validation (both or neither of `staff_id` and `desk`), or names what does not fit: "
            "`unknown-appointment-subject`, `unknown-appointment-kind`, `unknown-bookable` (not available for the "
            "kind's unit, or may not see the ticket), `not-a-slot` (not the start of a slot, in the past, a home "
            "visit without address).",
        )
    ),
)
async def book_appointment(
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    actor: TicketWriter,
    idempotency: IdempotencyGuard,
    data: Annotated[AppointmentIn, Body(openapi_examples=BOOK_EXAMPLES)],
    response: Response,
    language: ReaderLanguage,
) -> AppointmentOut | JSONResponse:
    return await idempotency.create(
        response, lambda: service.book_for_staff(session, settings, clock, actor, data, language), _location
    )


@router.get(
    "/v1/appointments",
    operation_id="list_appointments",
    summary="List appointments",
    description="Appointments, newest first; filter by ticket, staff member, status and period. " + NEED_TO_KNOW,
    responses=problem_responses(400, *AUTH_PROBLEMS),
)
async def list_appointments(
    session: Session,
    viewer: TicketReader,
    params: Pages,
    language: ReaderLanguage,
    ticket: Annotated[str | None, Query(pattern=REFERENCE_PATTERN, max_length=24, description="Only this ticket's.",
                                        examples=[REFERENCE_EXAMPLE])] = None,
    staff_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this staff member's.")] = None,
    state: Annotated[AppointmentStatus | None, Query(alias="status", description="Only in this state.")] = None,
    since: Annotated[AwareDatetime | None, Query(description="Ending after this moment (with its offset).")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Starting before this moment.")] = None,
) -> AppointmentPage:  # fmt: skip
    where = AppointmentFilter(ticket, staff_id, state, since, until)
    return await service.list_appointments(session, viewer, where, params, language)


@router.get(
    "/v1/appointments/{appointment_id}",
    operation_id="get_appointment",
    summary="Get an appointment",
    description="One appointment: when, with whom or where, its status and outcome. " + NEED_TO_KNOW,
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_appointment(
    session: Session, viewer: TicketReader, appointment_id: AppointmentId, language: ReaderLanguage
) -> AppointmentOut:
    return await service.get_appointment(session, viewer, appointment_id, language)


@router.post(
    "/v1/appointments/{appointment_id}/move",
    operation_id="move_appointment",
    summary="Move an appointment",
    description=(
        "Moves a booked appointment to another free slot of its kind (optionally with another staff member). "
        "Race-free like booking. The citizen gets the new time by mail with the updated invitation (same UID, "
        "higher SEQUENCE); the reminder is planned again. Timeline and event feed: `ticket.appointment_moved`. "
        + NEED_TO_KNOW
    ),
    responses=_taken(
        with_descriptions(
            problem_responses(404, 409, *AUTH_PROBLEMS),
            s422="The body fails validation, or `unknown-bookable`, `not-a-slot`.",
        )
    ),
)
async def move_appointment(
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    actor: TicketWriter,
    appointment_id: AppointmentId,
    data: MoveIn,
    language: ReaderLanguage,
) -> AppointmentOut:
    return await service.move(session, settings, clock, actor, appointment_id, data, language)


@router.post(
    "/v1/appointments/{appointment_id}/cancel",
    operation_id="cancel_appointment",
    summary="Cancel an appointment",
    description="Cancels a booked appointment; its time is free again and the citizen gets the cancellation by "
    "mail (METHOD:CANCEL). Timeline and event feed: `ticket.appointment_cancelled`. " + NEED_TO_KNOW,
    responses=with_descriptions(
        problem_responses(404, 409, *AUTH_PROBLEMS),
        s409="`appointment-closed`: it was cancelled, held or missed already.",
    ),
)
async def cancel_appointment(
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    actor: TicketWriter,
    appointment_id: AppointmentId,
    data: AppointmentCancelIn,
    language: ReaderLanguage,
) -> AppointmentOut:
    return await service.cancel(session, settings, clock, actor, appointment_id, data, language)


@router.post(
    "/v1/appointments/{appointment_id}/outcome",
    operation_id="record_appointment_outcome",
    summary="Record how an appointment went",
    description=(
        "`held`: the appointment is recorded as a contact on the ticket (channel `home_visit` or `appointment`) "
        "with the role the staff member played (`role`, default `informing`; staff record their own, API clients "
        "the appointment's staff member's). `no_show`: the citizen did not come; an outcome on the appointment "
        "and the timeline, no contact. Only once the appointment has begun. Timeline and event feed: "
        "`ticket.appointment_held` (with `ticket.contact_added` and `ticket.participation_recorded`), "
        "`ticket.appointment_no_show`. " + NEED_TO_KNOW
    ),
    responses=with_descriptions(
        problem_responses(404, 409, *AUTH_PROBLEMS),
        s403="The role does not fit the staff member's position or unit (participation rules), or the scope is "
        "missing.",
        s409="`appointment-closed` (cancelled, or its outcome recorded already) or `appointment-still-ahead`.",
    ),
)
async def record_appointment_outcome(
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    actor: TicketWriter,
    appointment_id: AppointmentId,
    data: OutcomeIn,
    language: ReaderLanguage,
) -> AppointmentOut:
    return await service.record_outcome(session, settings, clock, actor, appointment_id, data, language)


# --- the calendar feed ------------------------------------------------------------------------------------

FEED_EXAMPLE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Stad Genk//Genk3600//NL\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n"
    "X-WR-CALNAME:Genk3600 · Sofie Vermeulen\r\nBEGIN:VEVENT\r\nUID:0b7e…@genk3600.genk.example\r\nSEQUENCE:0\r\n"
    "DTSTAMP:20270322T100000Z\r\nDTSTART:20270330T070000Z\r\nDTEND:20270330T084000Z\r\n"
    f"SUMMARY:{REFERENCE_EXAMPLE} · social.home_visit\r\nDESCRIPTION:{REFERENCE_EXAMPLE} · social.home_visit\r\n"
    "STATUS:CONFIRMED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@router.post(
    "/v1/staff/{staff_id}/calendar-feed",
    operation_id="issue_calendar_feed",
    summary="Issue a staff member's calendar feed address",
    description=(
        "A new secret address of the staff member's own appointments as an iCalendar feed, to subscribe to in a "
        "calendar program; the previous address stops working. The token is shown once and stored only as a "
        "hash. Staff for themselves; admins for anyone (others get 404)."
    ),
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def issue_calendar_feed(
    session: Session, settings: AppSettings, clock: AppClock, actor: TicketReader, staff_id: StaffId
) -> CalendarFeedOut:
    return await service.issue_feed(session, settings, clock, actor, staff_id)


@public_router.get(
    "/staff/{staff_id}/calendar-feed",
    operation_id="get_calendar_feed",
    summary="A staff member's calendar feed (iCalendar)",
    description=(
        "At `/v1/public/…`: the staff member's own appointments (from 30 days back) as `text/calendar`, blocked "
        "time (travel included) as each event's span, cancelled ones as `STATUS:CANCELLED`. **No API key**: the "
        "`token` from `POST …/calendar-feed` is the key; a wrong or withdrawn token answers 404. Events say only "
        "the ticket's reference and the kind's code: nothing of the citizen or a social case."
    ),
    response_class=Response,
    responses={
        200: {
            "description": "The feed.",
            "content": {"text/calendar": {"schema": {"type": "string"}, "example": FEED_EXAMPLE}},
            "headers": {"Cache-Control": CACHING_DOCS["Cache-Control"]},
        },
        **with_descriptions(
            problem_responses(404, 422, 503), s404="No feed at this address (wrong or withdrawn token)."
        ),
    },
)
async def get_calendar_feed(
    session: Session,
    clock: AppClock,
    staff_id: StaffId,
    token: Annotated[str, Query(min_length=1, max_length=100, description="The feed's secret token.",
                                examples=["k3Jx9v0bqQ2h7dYw1Zr8uT5mNc4pLs6a"])],
) -> Response:  # fmt: skip
    body = await service.feed(session, clock, staff_id, token)
    return Response(body, media_type="text/calendar", headers={"Cache-Control": "no-store"})


# --- the citizen's own booking ----------------------------------------------------------------------------

PublicReference = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MAX_TYPED_REFERENCE,
        description="The ticket's reference.",
        examples=[REFERENCE_EXAMPLE],
    ),
]
AccessCode = Annotated[
    str,
    Query(
        min_length=1, max_length=40, description="The access code from the acknowledgement.", examples=[CODE_EXAMPLE]
    ),
]
Lang = Annotated[Language | None, Query(description="Language of the texts; wins over Accept-Language.")]
AcceptLanguage = Annotated[
    str | None, Header(alias="Accept-Language", max_length=500, description="Used when `lang` is absent.")
]
PUBLIC_NOT_FOUND = "No ticket matches this reference and code (an unknown reference and a wrong code answer alike)."


def _public(statuses: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    for code in statuses:
        statuses[code] = {**statuses[code], "headers": CACHING_DOCS}
    return statuses


@public_router.get(
    "/tickets/{reference}/appointment-slots",
    operation_id="list_public_appointment_slots",
    summary="Free times the citizen can book",
    description=(
        "For the citizen on their status page, with the reference and access code: free times of the appointment "
        "kinds the unit opens to citizens that fit the question (`kind` keeps one), in the next four weeks. Times "
        "only: never who. Answers carry `Cache-Control: no-store`; rate-limited like the status page."
    ),
    dependencies=[Depends(limit_public_lookups)],
    responses=_public(with_descriptions(problem_responses(404, 422, 429, 503), s404=PUBLIC_NOT_FOUND)),
)
async def list_public_appointment_slots(
    response: Response,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    reference: PublicReference,
    code: AccessCode,
    kind: Annotated[str | None, Query(min_length=2, max_length=64, pattern=KIND_CODE_PATTERN,
                                      description="Only this kind.")] = None,
    lang: Lang = None,
    accept_language: AcceptLanguage = None,
    limit: Limit = 20,
) -> PublicSlots:  # fmt: skip
    language = requested_language(accept_language, lang.value if lang else None) or Language.nl
    slots = await service.public_slots(session, settings, clock, reference, code, kind, language, limit)
    response.headers.update(CACHING_HEADERS)
    return slots


@public_router.post(
    "/tickets/{reference}/appointments",
    operation_id="book_public_appointment",
    summary="The citizen books an appointment",
    description=(
        "The citizen books one of the free times (`GET …/appointment-slots`) with their reference and access code, "
        "for a kind the unit opens to citizens; whoever is free then receives them (their own case worker first). "
        "A home visit needs `address`. Race-free like staff booking: a time taken meanwhile answers 409 "
        "`slot-taken` with the next free times. The citizen gets a confirmation mail with an iCalendar invitation "
        "(if we know their e-mail address) and a reminder the day before. Counts as the first response."
    ),
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(limit_public_lookups)],
    responses=_public(
        _taken(
            with_descriptions(
                problem_responses(404, 409, 422, 429, 503),
                s404=PUBLIC_NOT_FOUND,
                s422="The body fails validation, or `unknown-appointment-kind` (not open to citizens or not for this "
                "question), `not-a-slot`.",
            )
        )
    ),
)
async def book_public_appointment(
    response: Response,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    reference: PublicReference,
    code: AccessCode,
    data: PublicBookingIn,
    lang: Lang = None,
    accept_language: AcceptLanguage = None,
) -> PublicAppointment:
    language = requested_language(accept_language, lang.value if lang else None) or Language.nl
    booked = await service.public_book(session, settings, clock, reference, code, data, language)
    response.headers.update(CACHING_HEADERS)
    return booked
