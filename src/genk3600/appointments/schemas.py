"""Appointments, kinds, availability and free slots: what the API takes and answers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field, model_validator

from genk3600.errors import Invalid
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import localised_name
from genk3600.kit.actors import ActorOut
from genk3600.kit.pagination import Page
from genk3600.kit.reference import REFERENCE_EXAMPLE, REFERENCE_PATTERN
from genk3600.kit.schemas import MAX_ID, InputModel, LocalTime, OutputModel
from genk3600.models import Appointment, AppointmentKind, Availability, AvailabilityException
from genk3600.models.enums import (
    AppointmentOutcome,
    AppointmentStatus,
    AvailabilityExceptionReason,
    BookedVia,
    Language,
    Role,
)
from genk3600.tickets.schemas import AssigneeOut
from genk3600.units.schemas import UnitCode

KIND_CODE_PATTERN = r"^[a-z][a-z0-9_.-]*$"
KindCode = Annotated[str, Field(min_length=2, max_length=64, pattern=KIND_CODE_PATTERN, examples=["social.home_visit"])]


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


Moment = Annotated[AwareDatetime, AfterValidator(_utc)]
Text2000 = Annotated[str, Field(min_length=1, max_length=2_000)]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]

# --- kinds ------------------------------------------------------------------------------------------------

KIND_EXAMPLE: dict[str, Any] = {
    "name": "Huisbezoek maatschappelijk werker",
    "names": {"fr": "Visite à domicile de l'assistant social", "en": "Home visit by the social worker"},
    "unit": "sociale_dienst",
    "category_prefix": "social.",
    "duration_minutes": 60,
    "home_visit": True,
    "travel_minutes": 20,
    "citizen_bookable": True,
    "active": True,
}


class AppointmentKindIn(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [KIND_EXAMPLE]})

    name: Text200 = Field(description="Canonical name (Dutch).")
    names: dict[Language, Text200] = Field(default_factory=dict, description="The name per language.")
    unit: UnitCode = Field(description="The unit that offers it; its calendar (holidays, closing days) applies.")
    category_prefix: str | None = Field(
        default=None,
        max_length=200,
        description="Tickets whose category code starts with this fit the kind (e.g. `social.`); null: every ticket.",
    )
    duration_minutes: int = Field(ge=5, le=480, description="The slot length.")
    home_visit: bool = Field(default=False, description="A visit at the citizen's home (needs an address).")
    travel_minutes: int = Field(
        default=0, ge=0, le=240, description="Travel time before and after a home visit, blocked in the calendar."
    )
    citizen_bookable: bool = Field(
        default=False, description="Citizens may book it themselves on their status page with their access code."
    )
    active: bool = True

    @model_validator(mode="after")
    def _travel_for_visits(self) -> AppointmentKindIn:
        if self.travel_minutes and not self.home_visit:
            raise Invalid(P_("travel_minutes is only for home visits"))
        return self


class AppointmentKindOut(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "social.home_visit", **KIND_EXAMPLE}]})

    code: str
    name: str = Field(description="The name in the reader's language.")
    names: dict[str, str]
    unit: str
    category_prefix: str | None
    duration_minutes: int
    home_visit: bool
    travel_minutes: int
    citizen_bookable: bool
    active: bool

    @classmethod
    def of(cls, kind: AppointmentKind, language: Language) -> AppointmentKindOut:
        return cls(
            code=kind.code,
            name=localised_name(kind.name, kind.names, language),
            names=kind.names,
            unit=kind.unit.code,
            category_prefix=kind.category_prefix,
            duration_minutes=kind.duration_minutes,
            home_visit=kind.home_visit,
            travel_minutes=kind.travel_minutes,
            citizen_bookable=kind.citizen_bookable,
            active=kind.active,
        )


class AppointmentKindList(OutputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [{"code": "social.home_visit", **KIND_EXAMPLE}]}]}
    )

    items: list[AppointmentKindOut]


# --- availability -----------------------------------------------------------------------------------------


class WindowIn(InputModel):
    unit: UnitCode | None = Field(
        default=None,
        description="For a staff member: the unit whose appointments this time is for (one of theirs; default "
        "their first). For a desk: leave out (the desk itself).",
    )
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday.")
    opens: LocalTime = Field(description="Local time (Europe/Brussels), e.g. `09:00`.")
    closes: LocalTime = Field(description="Local time, after `opens`.")
    first_day: date | None = Field(default=None, description="From this day on (null: always).")
    last_day: date | None = Field(default=None, description="Up to and including this day (null: always).")

    @model_validator(mode="after")
    def _order(self) -> WindowIn:
        if self.closes <= self.opens:
            raise Invalid(P_("closes must be after opens"))
        if self.first_day and self.last_day and self.last_day < self.first_day:
            raise Invalid(P_("last_day must not be before first_day"))
        return self


class ExceptionIn(InputModel):
    reason: AvailabilityExceptionReason
    starts_at: Moment
    ends_at: Moment
    note: str | None = Field(default=None, max_length=2_000)

    @model_validator(mode="after")
    def _order(self) -> ExceptionIn:
        if self.ends_at <= self.starts_at:
            raise Invalid(P_("ends_at must be after starts_at"))
        return self


AVAILABILITY_EXAMPLE: dict[str, Any] = {
    "windows": [
        {"unit": "sociale_dienst", "weekday": 1, "opens": "09:00", "closes": "12:00"},
        {"unit": "sociale_dienst", "weekday": 3, "opens": "13:00", "closes": "16:30"},
    ],
    "exceptions": [{"reason": "leave", "starts_at": "2027-07-19T00:00:00Z", "ends_at": "2027-08-02T00:00:00Z"}],
}


class AvailabilityIn(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [AVAILABILITY_EXAMPLE]})

    windows: list[WindowIn] = Field(max_length=100, description="Weekly bookable time, in local time.")
    exceptions: list[ExceptionIn] = Field(
        default_factory=list, max_length=200, description="When not bookable (leave, training)."
    )


class WindowOut(OutputModel):
    unit: str
    weekday: int
    opens: LocalTime
    closes: LocalTime
    first_day: date | None = None
    last_day: date | None = None


class ExceptionOut(OutputModel):
    reason: AvailabilityExceptionReason
    starts_at: datetime
    ends_at: datetime
    note: str | None = None


class AvailabilityOut(OutputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"staff_id": 42, "desk": None, **AVAILABILITY_EXAMPLE,
                                         "exceptions": [{**AVAILABILITY_EXAMPLE["exceptions"][0], "note": None}]}]}
    )  # fmt: skip

    staff_id: int | None = None
    desk: str | None = Field(default=None, description="Code of the desk unit, for a desk's availability.")
    windows: list[WindowOut]
    exceptions: list[ExceptionOut]

    @classmethod
    def of(
        cls,
        staff_id: int | None,
        desk: str | None,
        windows: list[Availability],
        exceptions: list[AvailabilityException],
        unit_codes: dict[int, str],
    ) -> AvailabilityOut:
        return cls(
            staff_id=staff_id,
            desk=desk,
            windows=[
                WindowOut(
                    unit=unit_codes[w.unit_id],
                    weekday=w.weekday,
                    opens=w.opens,
                    closes=w.closes,
                    first_day=w.first_day,
                    last_day=w.last_day,
                )
                for w in windows
            ],
            exceptions=[
                ExceptionOut(
                    reason=AvailabilityExceptionReason(e.reason), starts_at=e.since, ends_at=e.until, note=e.note
                )
                for e in exceptions
            ],
        )


# --- free slots -------------------------------------------------------------------------------------------


class FreeSlot(OutputModel):
    kind: str = Field(description="Code of the appointment kind.")
    starts_at: datetime
    ends_at: datetime
    staff: AssigneeOut | None = Field(default=None, description="Who would receive the citizen (null for a desk).")
    desk: str | None = Field(default=None, description="Code of the desk unit (null for a staff member).")
    case_worker: bool = Field(description="The citizen's own case worker (offered first for social tickets).")


SLOT_EXAMPLE: dict[str, Any] = {
    "kind": "social.home_visit",
    "starts_at": "2027-03-30T07:20:00Z",
    "ends_at": "2027-03-30T08:20:00Z",
    "staff": {"id": 42, "full_name": "Sofie Vermeulen"},
    "desk": None,
    "case_worker": True,
}


class FreeSlots(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [SLOT_EXAMPLE]}]})

    items: list[FreeSlot] = Field(description="The citizen's case worker's slots first, then everyone's by time.")


# --- appointments -----------------------------------------------------------------------------------------


class AppointmentRepresentativeIn(InputModel):
    """Who comes with or for the citizen. Consent to represent is checked elsewhere (households)."""

    name: Text200 | None = None
    relationship: Text200 | None = Field(default=None, description="e.g. `daughter`, `mantelzorger`.")
    contact: Text200 | None = Field(default=None, description="Phone or e-mail of the representative.")
    citizen_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="The representative's citizen record.")

    @model_validator(mode="after")
    def _someone(self) -> AppointmentRepresentativeIn:
        if self.name is None and self.citizen_id is None:
            raise Invalid(P_("a representative needs a name or a citizen_id"))
        return self


class AppointmentRepresentativeOut(OutputModel):
    name: str | None = None
    relationship: str | None = None
    contact: str | None = None
    citizen_id: int | None = None


BOOK_EXAMPLES: dict[str, Any] = {
    "home_visit": {
        "summary": "A home visit by the citizen's case worker, with their daughter",
        "value": {
            "ticket": REFERENCE_EXAMPLE,
            "kind": "social.home_visit",
            "starts_at": "2027-03-30T07:20:00Z",
            "staff_id": 42,
            "address": "Stadsplein 1, 3600 Genk",
            "representative": {"name": "Els Peeters", "relationship": "daughter", "contact": "+32 470 12 34 56"},
        },
    },
    "desk": {
        "summary": "At the thematic desk",
        "value": {"ticket": REFERENCE_EXAMPLE, "kind": "id_card.desk", "starts_at": "2027-03-30T08:00:00Z",
                  "desk": "themabalie"},
    },
}  # fmt: skip


class AppointmentIn(InputModel):
    ticket: str = Field(pattern=REFERENCE_PATTERN, max_length=24, examples=[REFERENCE_EXAMPLE])
    kind: KindCode
    starts_at: Moment = Field(description="The start of a free slot (`GET …/appointment-slots`).")
    staff_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="Who receives the citizen.")
    desk: UnitCode | None = Field(default=None, description="Or the desk unit where the citizen comes.")
    address: str | None = Field(default=None, min_length=1, max_length=500, description="For a home visit.")
    representative: AppointmentRepresentativeIn | None = None
    note: str | None = Field(default=None, max_length=2_000, description="For staff only; never mailed.")
    access_code: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="The citizen's access code (from the intake answer or their receipt). With it, front-office "
        "staff book on a social case they may not read: the front door books the case worker's home visit without "
        "opening the case.",
        examples=[None],
    )

    @model_validator(mode="after")
    def _one_bookable(self) -> AppointmentIn:
        if (self.staff_id is None) == (self.desk is None):
            raise Invalid(P_("name exactly one of staff_id and desk"))
        return self


class MoveIn(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"starts_at": "2027-03-30T09:20:00Z"}]})

    starts_at: Moment = Field(description="The start of a free slot.")
    staff_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="Another staff member (optional).")


class AppointmentCancelIn(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "De burger is ziek."}]})

    reason: Text2000


class OutcomeIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"outcome": "held", "role": "advising", "note": "Situatie thuis bekeken; advies voor leefloon."},
                {"outcome": "no_show"},
            ]
        }
    )

    outcome: AppointmentOutcome
    role: Role | None = Field(
        default=None,
        description="For `held`: the role the staff member played (default `informing`); it must fit their "
        "position and, for `deciding`, their unit's authority.",
    )
    note: str | None = Field(default=None, max_length=2_000, description="What happened (the contact's text).")


APPOINTMENT_OUT_EXAMPLE: dict[str, Any] = {
    "id": 7,
    "ticket": REFERENCE_EXAMPLE,
    "kind": "social.home_visit",
    "kind_name": "Huisbezoek maatschappelijk werker",
    "unit": "sociale_dienst",
    "staff": {"id": 42, "full_name": "Sofie Vermeulen"},
    "desk": None,
    "starts_at": "2027-03-30T07:20:00Z",
    "ends_at": "2027-03-30T08:20:00Z",
    "blocked_starts_at": "2027-03-30T07:00:00Z",
    "blocked_ends_at": "2027-03-30T08:40:00Z",
    "status": "booked",
    "home_visit": True,
    "address": "Stadsplein 1, 3600 Genk",
    "travel_before_minutes": 20,
    "travel_after_minutes": 20,
    "language": "nl",
    "booked_via": "staff",
    "representative": {"name": "Els Peeters", "relationship": "daughter", "contact": "+32 470 12 34 56",
                       "citizen_id": None},
    "note": None,
    "contact_id": None,
    "outcome_at": None,
    "cancel_reason": None,
    "reminder_due_at": "2027-03-29T08:00:00Z",
    "reminder_sent_at": None,
    "booked_by": {"kind": "staff", "id": 42, "name": "Sofie Vermeulen"},
    "created_at": "2027-03-22T10:00:00Z",
}  # fmt: skip


class AppointmentOut(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [APPOINTMENT_OUT_EXAMPLE]})

    id: int
    ticket: str
    kind: str
    kind_name: str = Field(description="The kind's name in the reader's language.")
    unit: str = Field(description="The unit that offers the kind.")
    staff: AssigneeOut | None = None
    desk: str | None = None
    starts_at: datetime
    ends_at: datetime
    blocked_starts_at: datetime = Field(description="Start of the blocked calendar time (travel before included).")
    blocked_ends_at: datetime = Field(description="End of the blocked calendar time (travel after included).")
    status: AppointmentStatus
    home_visit: bool
    address: str | None = None
    travel_before_minutes: int
    travel_after_minutes: int
    language: Language = Field(description="The language of the citizen's mails.")
    booked_via: BookedVia
    representative: AppointmentRepresentativeOut | None = None
    note: str | None = None
    contact_id: int | None = Field(default=None, description="Once held: the contact it was recorded as.")
    outcome_at: datetime | None = None
    cancel_reason: str | None = None
    reminder_due_at: datetime | None = Field(default=None, description="When the reminder mail goes out (null: none).")
    reminder_sent_at: datetime | None = None
    booked_by: ActorOut
    created_at: datetime

    @classmethod
    def of(cls, appointment: Appointment, language: Language) -> AppointmentOut:
        staff = appointment.staff
        representative = None
        if appointment.representative_name is not None or appointment.representative_citizen_id is not None:
            representative = AppointmentRepresentativeOut(
                name=appointment.representative_name,
                relationship=appointment.representative_relationship,
                contact=appointment.representative_contact,
                citizen_id=appointment.representative_citizen_id,
            )
        return cls(
            id=appointment.id,
            ticket=appointment.ticket.reference,
            kind=appointment.kind.code,
            kind_name=localised_name(appointment.kind.name, appointment.kind.names, language),
            unit=appointment.unit.code,
            staff=AssigneeOut(id=staff.id, full_name=staff.full_name) if staff is not None else None,
            desk=appointment.desk.code if appointment.desk is not None else None,
            starts_at=appointment.starts_at,
            ends_at=appointment.ends_at,
            blocked_starts_at=appointment.blocked.lower or appointment.starts_at,
            blocked_ends_at=appointment.blocked.upper or appointment.ends_at,
            status=AppointmentStatus(appointment.status),
            home_visit=appointment.home_visit,
            address=appointment.address,
            travel_before_minutes=appointment.travel_before_minutes,
            travel_after_minutes=appointment.travel_after_minutes,
            language=Language(appointment.language),
            booked_via=BookedVia(appointment.booked_via),
            representative=representative,
            note=appointment.note,
            contact_id=appointment.contact_id,
            outcome_at=appointment.outcome_at,
            cancel_reason=appointment.cancel_reason,
            reminder_due_at=appointment.reminder_due_at,
            reminder_sent_at=appointment.reminder_sent_at,
            booked_by=ActorOut.of(appointment),
            created_at=appointment.created_at,
        )


class AppointmentPage(Page[AppointmentOut]):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [APPOINTMENT_OUT_EXAMPLE], "next_cursor": "eyJhZnRlciI6IDd9"}]}
    )


# --- calendar feed ----------------------------------------------------------------------------------------


class CalendarFeedOut(OutputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "staff_id": 42,
                    "token": "k3Jx9v0bqQ2h7dYw1Zr8uT5mNc4pLs6a",
                    "feed_url": "https://genk3600.genk.be/v1/public/staff/42/calendar-feed?token=k3Jx9v0bqQ2h7dYw1Zr8uT5mNc4pLs6a",
                    "issued_at": "2027-03-22T10:00:00Z",
                }
            ]
        }
    )

    staff_id: int
    token: str = Field(description="The feed's secret: shown once, stored only as a hash.")
    feed_url: str = Field(description="Subscribe to this address in a calendar program (no API key needed).")
    issued_at: datetime


# --- the citizen's own booking ----------------------------------------------------------------------------


class PublicSlot(OutputModel):
    kind: str
    kind_name: str
    home_visit: bool
    starts_at: datetime
    ends_at: datetime


class PublicSlots(OutputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "kind": "social.home_visit",
                            "kind_name": "Huisbezoek maatschappelijk werker",
                            "home_visit": True,
                            "starts_at": "2027-03-30T07:20:00Z",
                            "ends_at": "2027-03-30T08:20:00Z",
                        }
                    ]
                }
            ]
        }
    )

    items: list[PublicSlot] = Field(description="Free slots of the kinds open to citizens that fit the question.")


class PublicBookingIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"kind": "social.home_visit", "starts_at": "2027-03-30T07:20:00Z", "address": "Stadsplein 1, 3600 Genk"}
            ]
        }
    )

    kind: KindCode
    starts_at: Moment
    address: str | None = Field(default=None, min_length=1, max_length=500, description="For a home visit.")
    representative: AppointmentRepresentativeIn | None = None


class PublicAppointment(OutputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reference": REFERENCE_EXAMPLE,
                    "kind_name": "Huisbezoek maatschappelijk werker",
                    "home_visit": True,
                    "starts_at": "2027-03-30T07:20:00Z",
                    "ends_at": "2027-03-30T08:20:00Z",
                    "address": "Stadsplein 1, 3600 Genk",
                    "when": "dinsdag 30 maart 2027 om 09:20",
                }
            ]
        }
    )

    reference: str
    kind_name: str
    home_visit: bool
    starts_at: datetime
    ends_at: datetime
    address: str | None = None
    when: str = Field(description="The moment in words, in local time and the citizen's language.")
