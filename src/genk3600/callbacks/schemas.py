"""Call-back requests and contact outcomes: what the API takes and answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import phonenumbers
from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field, model_validator

from genk3600.citizens.schemas import PhoneNumber
from genk3600.contacts.schemas import PastMoment
from genk3600.errors import Invalid
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import localised_name
from genk3600.kit.pagination import Page
from genk3600.kit.reference import REFERENCE_EXAMPLE, REFERENCE_PATTERN
from genk3600.kit.schemas import MAX_ID, InputModel, OutputModel
from genk3600.models import CallbackAttempt, CallbackRequest
from genk3600.models.enums import CallbackOutcome, CallbackStatus, CitizenNotice, Language
from genk3600.queues.schemas import DeadlineColour
from genk3600.queues.service import deadline_colour
from genk3600.tickets.schemas import ActorOut, AssigneeOut
from genk3600.units.schemas import UnitCode


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


# Moments are stored and answered in UTC (RFC 3339 with `Z`), whatever offset they came with.
Moment = Annotated[AwareDatetime, AfterValidator(_utc)]
FAILED_OUTCOMES = frozenset(outcome for outcome in CallbackOutcome if outcome is not CallbackOutcome.reached)

CALLBACK_EXAMPLES: dict[str, Any] = {
    "unit": {
        "summary": "For a unit: anyone of Burgerzaken calls back",
        "value": {
            "ticket": REFERENCE_EXAMPLE,
            "unit": "burgerzaken",
            "phone": "089 65 44 11",
            "question": "Wanneer kan ik mijn nieuwe identiteitskaart afhalen? Ik werk tot 16 uur.",
            "window_start": "2026-11-24T15:00:00+01:00",
            "window_end": "2026-11-24T18:00:00+01:00",
        },
    },
    "person": {
        "summary": "For a person, from the call in which the citizen asked it, with a postal address",
        "value": {
            "contact_id": 17,
            "staff_id": 42,
            "phone": "+32 89 30 30 30",
            "language": "fr",
            "question": "Mevrouw vraagt uitleg over haar aanslagbiljet gemeentebelasting.",
            "postal_address": "Stadsplein 1, 3600 Genk",
        },
    },
}
ATTEMPT_EXAMPLES: dict[str, Any] = {
    "no_answer": {"summary": "Nobody answered", "value": {"outcome": "no_answer"}},
    "voicemail": {
        "summary": "Voicemail left",
        "value": {"outcome": "voicemail_left", "note": "Ingesproken: we bellen morgen na 15 uur opnieuw."},
    },
    "reached": {
        "summary": "Reached, recorded afterwards",
        "value": {
            "outcome": "reached",
            "note": "Kaart ligt klaar aan de snelbalie.",
            "attempted_at": "2026-11-24T15:20:00+01:00",
        },
    },
}


CALLBACK_OUT_EXAMPLE: dict[str, Any] = {
    "id": 12,
    "ticket": REFERENCE_EXAMPLE,
    "contact_id": 17,
    "unit": "burgerzaken",
    "unit_name": "Burgerzaken",
    "assignee": {"id": 42, "full_name": "Els De Witte"},
    "phone": "+3289654411",
    "phone_display": "+32 89 65 44 11",
    "language": "nl",
    "question": "Wanneer kan ik mijn nieuwe identiteitskaart afhalen?",
    "window_start": "2026-11-24T14:00:00Z",
    "window_end": "2026-11-24T17:00:00Z",
    "due_at": "2026-11-24T17:00:00Z",
    "deadline_colour": "none",
    "status": "failed",
    "attempts_made": 3,
    "max_attempts": 3,
    "postal_address": "Stadsplein 1, 3600 Genk",
    "citizen_notice": "letter",
    "letter_sent_at": "2026-11-26T10:02:00Z",
    "closed_at": "2026-11-25T15:40:00Z",
    "requested_by": {"kind": "staff", "id": 7, "name": "Sofie Vermeulen"},
    "created_at": "2026-11-23T09:16:30Z",
    "attempts": [
        {
            "id": 31,
            "outcome": "no_answer",
            "note": "Niet opgenomen.",
            "attempted_at": "2026-11-24T14:05:00Z",
            "caller": {"kind": "staff", "id": 42, "name": "Els De Witte"},
        },
        {
            "id": 35,
            "outcome": "voicemail_left",
            "note": "Ingesproken: we bellen morgen na 15 uur opnieuw.",
            "attempted_at": "2026-11-24T15:50:00Z",
            "caller": {"kind": "staff", "id": 42, "name": "Els De Witte"},
        },
        {
            "id": 40,
            "outcome": "no_answer",
            "note": "Opnieuw niet opgenomen.",
            "attempted_at": "2026-11-25T15:40:00Z",
            "caller": {"kind": "staff", "id": 42, "name": "Els De Witte"},
        },
    ],
}


def display_phone(e164: str | None) -> str | None:
    """The number as people read it (`+32 89 65 44 11`)."""
    if e164 is None:
        return None
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class CallbackIn(InputModel):
    """A request to call the citizen back. Name the ticket or the contact it is about (one of them), and who calls
    back: a unit, a person (with the unit, if they belong to several) or, without either, the ticket's owning unit.
    """

    ticket: str | None = Field(
        default=None, pattern=REFERENCE_PATTERN, description="The ticket it is about.", examples=[REFERENCE_EXAMPLE]
    )
    contact_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="The contact in which the citizen asked it (its ticket is the one it is about).",
        examples=[17],
    )
    unit: UnitCode | None = Field(
        default=None, description="The unit that calls back; its calendar sets the due time.", examples=["burgerzaken"]
    )
    staff_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The person who calls back (a staff member).", examples=[42]
    )
    phone: PhoneNumber = Field(description="The number to call, any notation; Belgian by default.")
    language: Language | None = Field(
        default=None,
        description="The language to speak (and of the mail if the citizen cannot be reached); defaults to the "
        "citizen's preferred language, else the ticket's.",
    )
    question: str = Field(
        min_length=1,
        max_length=2_000,
        description="What the citizen wants to hear about, for whoever calls.",
        examples=["Wanneer kan ik mijn nieuwe identiteitskaart afhalen?"],
    )
    window_start: Moment | None = Field(
        default=None, description="Call no earlier than this (the citizen's preference).", examples=[None]
    )
    window_end: Moment | None = Field(
        default=None, description="Call no later than this; the due time is never after it.", examples=[None]
    )
    postal_address: str | None = Field(
        default=None,
        min_length=5,
        max_length=500,
        description="Where to send a letter if the citizen cannot be reached and has no e-mail address.",
        examples=["Stadsplein 1, 3600 Genk"],
    )

    @model_validator(mode="after")
    def _one_subject_and_a_window(self) -> CallbackIn:
        if (self.ticket is None) == (self.contact_id is None):
            raise Invalid(P_("name exactly one of `ticket` and `contact_id`"))
        if self.window_start and self.window_end and self.window_end <= self.window_start:
            raise Invalid(P_("window_end must lie after window_start"))
        return self


class AttemptIn(InputModel):
    outcome: CallbackOutcome = Field(
        description="`reached` closes the request as completed; `wrong_number` closes it as failed at once; "
        "`no_answer` and `voicemail_left` count towards the attempts after which it fails."
    )
    note: str | None = Field(default=None, max_length=2_000, description="What was said or left on the voicemail.")
    attempted_at: PastMoment | None = Field(
        default=None, description="When the call was made; defaults to now.", examples=[None]
    )


class CancelIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Burger belde zelf terug en kreeg zijn antwoord."}]}
    )

    reason: str = Field(min_length=1, max_length=2_000, description="Why the citizen need not be called any more.")


class LetterSentIn(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "Brief met de uitleg verstuurd."}, {}]})

    note: str | None = Field(default=None, max_length=2_000)


class AttemptOut(OutputModel):
    id: int
    outcome: CallbackOutcome
    note: str | None
    attempted_at: datetime
    caller: ActorOut = Field(description="Who called (or recorded the call).")

    @classmethod
    def of(cls, attempt: CallbackAttempt) -> AttemptOut:
        return cls(
            id=attempt.id,
            outcome=CallbackOutcome(attempt.outcome),
            note=attempt.note,
            attempted_at=attempt.attempted_at,
            caller=ActorOut.of(attempt),
        )


class CallbackOut(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [CALLBACK_OUT_EXAMPLE]})

    id: int
    ticket: str = Field(description="Reference of the ticket it is about.")
    contact_id: int | None = Field(description="The contact in which it was asked, if any.")
    unit: str = Field(description="Code of the unit that calls back.")
    unit_name: str = Field(description="The unit's name in the reader's language (`Accept-Language`).")
    assignee: AssigneeOut | None = Field(description="Who calls back; null while it waits in the unit's list.")
    phone: str | None = Field(description="The number to call (E.164); null once erased.")
    phone_display: str | None = Field(description="The same number as people write it.")
    language: Language
    question: str
    window_start: datetime | None
    window_end: datetime | None
    due_at: datetime = Field(description="When the citizen should have been called, on the unit's calendar.")
    deadline_colour: DeadlineColour = Field(
        description="For open requests: `red` overdue, `orange` due within the hour, `green` later; `none` once closed."
    )
    status: CallbackStatus
    attempts_made: int
    max_attempts: int = Field(description="Attempts without reaching the citizen after which it fails.")
    postal_address: str | None
    citizen_notice: CitizenNotice | None = Field(
        description="For a failed request: `mail` (queued to the citizen), `letter` (a letter task: see "
        "`letter_sent_at`) or `none` (no address known)."
    )
    letter_sent_at: datetime | None
    closed_at: datetime | None
    requested_by: ActorOut
    created_at: datetime
    attempts: list[AttemptOut] = Field(description="Oldest first.")

    @classmethod
    def of(cls, callback: CallbackRequest, now: datetime, language: Language = Language.en) -> CallbackOut:
        unit, assignee = callback.unit, callback.assignee
        still_open = callback.status == CallbackStatus.open.value
        return cls(
            id=callback.id,
            ticket=callback.ticket.reference,
            contact_id=callback.contact_id,
            unit=unit.code,
            unit_name=localised_name(unit.name, unit.names, language),
            assignee=AssigneeOut(id=assignee.id, full_name=assignee.full_name) if assignee else None,
            phone=callback.phone,
            phone_display=display_phone(callback.phone),
            language=Language(callback.language),
            question=callback.question,
            window_start=callback.window_start,
            window_end=callback.window_end,
            due_at=callback.due_at,
            deadline_colour=deadline_colour(callback.due_at, now) if still_open else DeadlineColour.none,
            status=CallbackStatus(callback.status),
            attempts_made=callback.attempts,
            max_attempts=callback.max_attempts,
            postal_address=callback.postal_address,
            citizen_notice=CitizenNotice(callback.citizen_notice) if callback.citizen_notice else None,
            letter_sent_at=callback.letter_sent_at,
            closed_at=callback.closed_at,
            requested_by=ActorOut.of(callback),
            created_at=callback.created_at,
            attempts=[AttemptOut.of(attempt) for attempt in callback.attempt_rows],
        )


class CallbackPage(Page[CallbackOut]):
    """A page of call-back requests."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [CALLBACK_OUT_EXAMPLE], "next_cursor": "eyJhZnRlciI6IDEyfQ"}]}
    )


class ContactOutcomeIn(InputModel):
    """The outcome of a contact; a field left out stays as it is, null means "not recorded"."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"reached_citizen": True, "answered_at_first_contact": True},
                {"reached_citizen": False},
            ]
        }
    )

    reached_citizen: bool | None = Field(default=None, description="The contact reached the citizen.")
    answered_at_first_contact: bool | None = Field(
        default=None, description="The citizen's question was answered in this first contact."
    )

    @model_validator(mode="after")
    def _something_to_record(self) -> ContactOutcomeIn:
        if not self.model_fields_set:
            raise Invalid(P_("give reached_citizen, answered_at_first_contact or both"))
        return self


class ContactOutcomeOut(OutputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "contact_id": 17,
                    "ticket": REFERENCE_EXAMPLE,
                    "reached_citizen": True,
                    "answered_at_first_contact": False,
                }
            ]
        }
    )

    contact_id: int
    ticket: str | None = Field(description="Reference of the contact's ticket, if it is on one.")
    reached_citizen: bool | None
    answered_at_first_contact: bool | None
