"""Intake: one contact body, discriminated by `channel`. Channel adapters only translate into `Intake`."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, AwareDatetime, Field, HttpUrl, field_validator, model_validator

from genk3600.categories.schemas import CategoryCode
from genk3600.citizens.identifiers import e164_phone
from genk3600.citizens.schemas import CitizenIdentification
from genk3600.contacts.intake import Intake, Outcome
from genk3600.errors import Invalid
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import flag_name
from genk3600.kit.clock import context_now
from genk3600.kit.pagination import Page
from genk3600.kit.reference import REFERENCE_EXAMPLE, REFERENCE_PATTERN
from genk3600.kit.schemas import InputModel, OutputModel
from genk3600.links.schemas import MAX_LINKS, LinkIn, LinkOut
from genk3600.models import Contact
from genk3600.models.enums import Channel, ContactFlag, DeskKind, Direction, Language
from genk3600.participation.schemas import ParticipationIn, ParticipationOut
from genk3600.parties.schemas import MAX_PARTIES, PartyIn, PartyOut
from genk3600.tickets.schemas import ActorOut, TicketOut
from genk3600.units.schemas import UnitCode

CLOCK_SKEW = timedelta(minutes=5)
WITHHELD = "withheld"
MAX_FIELD_LENGTH = 2_000


def _past_utc(value: datetime) -> datetime:
    """Any offset is accepted; stored and answered in UTC (RFC 3339 with `Z`)."""
    # A validator takes no dependencies: "now" is the app's clock, which the request context carries.
    if value > context_now() + CLOCK_SKEW:
        raise Invalid(P_("lies in the future"))
    return value.astimezone(UTC)


PastMoment = Annotated[AwareDatetime, AfterValidator(_past_utc)]


def caller_number(value: str) -> str:
    """PBXs send anonymous calls as empty, 'anonymous' or 'withheld'; keep that as a fact, not an error."""
    if value.strip().lower() in ("", "anonymous", "withheld", "private", "unknown"):
        return WITHHELD
    return e164_phone(value)


CallerNumber = Annotated[str, Field(max_length=40, examples=["+3289653600"]), AfterValidator(caller_number)]
FreeFieldValue = str | int | float | bool | None


class ContactBase(InputModel):
    direction: Direction = Direction.inbound
    category: CategoryCode | None = Field(
        default=None, description="What the contact is about; decides the owning unit and defaults."
    )
    citizen: CitizenIdentification | None = Field(default=None, description="Leave out for an anonymous contact.")
    language: Language | None = Field(
        default=None, description="Language of the contact; defaults to the citizen's preferred language."
    )
    ticket: str | None = Field(
        default=None,
        pattern=REFERENCE_PATTERN,
        description="Add the contact to this existing ticket instead of letting intake place it.",
        examples=[None],
    )
    participations: list[ParticipationIn] = Field(
        default_factory=list,
        max_length=10,
        description="Who played which role in this contact. A staff member who records a contact without "
        "saying so is recorded as `registering`.",
    )
    reached_citizen: bool | None = Field(
        default=None, description="The contact's outcome: it reached the citizen (left out: not recorded)."
    )
    answered_at_first_contact: bool | None = Field(
        default=None,
        description="The contact's outcome: the question was answered in this first contact (first-contact "
        "resolution; left out: not recorded). Also settable later: `PATCH /v1/contacts/{contact_id}/outcome`.",
    )
    parties: list[PartyIn] = Field(
        default_factory=list,
        max_length=MAX_PARTIES,
        description="Who else the contact involves: whoever made it on the citizen's behalf (`representative`) "
        "and whom it is about (`subject`). Without a `subject` here, the identified `citizen` is added as the "
        "subject. At most one `correspondent` (replies go to them). See `POST /v1/contacts/{id}/parties`.",
    )
    links: list[LinkIn] = Field(
        default_factory=list,
        max_length=MAX_LINKS,
        description="Objects in other systems this contact refers to (a case, a permit file, a street light). "
        "See `POST /v1/contacts/{id}/links`.",
    )

    @model_validator(mode="after")
    def _one_correspondent(self) -> ContactBase:
        if sum(party.correspondent for party in self.parties) > 1:
            raise ValueError("replies go to one party: mark at most one party as `correspondent`")
        return self


class WebContactIn(ContactBase):
    """A form submitted on the city website or sent by another city system."""

    channel: Literal["web"]
    subject: str = Field(min_length=1, max_length=300, examples=["Grofvuil niet opgehaald"])
    body: str = Field(min_length=1, max_length=20_000, examples=["Mijn grofvuil staat er nog sinds maandag."])
    form_id: str | None = Field(default=None, max_length=100, examples=["melding-afval"])
    page_url: HttpUrl | None = Field(default=None, examples=["https://www.genk.be/afval"])
    submitted_at: PastMoment | None = Field(default=None, description="When the citizen submitted it.")
    fields: dict[Annotated[str, Field(max_length=100)], FreeFieldValue] = Field(
        default_factory=dict,
        max_length=100,
        description=f"The form's other fields, kept as given (strings up to {MAX_FIELD_LENGTH} characters).",
        examples=[{"straat": "Stadsplein", "huisnummer": "1"}],
    )

    @field_validator("fields")
    @classmethod
    def _short_values(cls, value: dict[str, FreeFieldValue]) -> dict[str, FreeFieldValue]:
        if any(isinstance(v, str) and len(v) > MAX_FIELD_LENGTH for v in value.values()):
            raise Invalid(P_("free field values are limited to {most} characters"), most=MAX_FIELD_LENGTH)
        return value

    def to_intake(self) -> Intake:
        details = {
            "form_id": self.form_id,
            "page_url": str(self.page_url) if self.page_url else None,
            "fields": self.fields,
        }
        return _intake(self, Channel.web, self.body, self.subject, self.submitted_at, details)


class PhoneContactIn(ContactBase):
    """A call, recorded by the agent. With the `call_id` of a call the PBX reported, it completes that call."""

    channel: Literal["phone"]
    summary: str = Field(
        min_length=1, max_length=20_000, description="What was asked and said.", examples=["Vraagt naar ..."]
    )
    subject: str | None = Field(default=None, max_length=300, description="Defaults to the summary's start.")
    call_id: str | None = Field(default=None, max_length=200, description="The PBX's id of the call.")
    caller_number: CallerNumber | None = Field(
        default=None, description="Any notation (Belgian by default); empty/`anonymous` = withheld."
    )
    called_number: str | None = Field(default=None, max_length=40, examples=["3600"])
    started_at: PastMoment | None = None
    ended_at: PastMoment | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> PhoneContactIn:
        if self.started_at and self.ended_at and self.ended_at < self.started_at:
            raise Invalid(P_("ended_at lies before started_at"))
        return self

    def to_intake(self) -> Intake:
        details = call_details(self.call_id, self.caller_number, self.called_number, self.started_at, self.ended_at)
        intake = _intake(self, Channel.phone, self.summary, self.subject, self.started_at, details)
        return replace(intake, external_id=self.call_id)


class CounterContactIn(ContactBase):
    """A visit at a desk: reception (onthaal), quick desk (snelbalie) or a thematic desk."""

    channel: Literal["counter"]
    desk: DeskKind = Field(examples=[DeskKind.quick_desk])
    unit: UnitCode = Field(description="Code of the desk's unit.", examples=["snelbalie"])
    summary: str = Field(min_length=1, max_length=20_000, description="What was asked and done at the desk.")
    subject: str | None = Field(default=None, max_length=300)
    visited_at: PastMoment | None = None

    def to_intake(self) -> Intake:
        details = {"desk": self.desk.value, "unit": self.unit}
        return _intake(self, Channel.counter, self.summary, self.subject, self.visited_at, details)


ContactIn = Annotated[WebContactIn | PhoneContactIn | CounterContactIn, Field(discriminator="channel")]


def call_details(
    call_id: str | None,
    caller: str | None,
    called: str | None,
    started_at: datetime | None,
    ended_at: datetime | None,
) -> dict[str, Any]:
    duration = round((ended_at - started_at).total_seconds()) if started_at and ended_at else None
    return {
        "call_id": call_id,
        "caller_number": caller,
        "called_number": called,
        "started_at": started_at.isoformat() if started_at else None,
        "ended_at": ended_at.isoformat() if ended_at else None,
        "duration_seconds": duration,
    }


def _intake(
    data: ContactBase,
    channel: Channel,
    body: str,
    subject: str | None,
    occurred_at: datetime | None,
    details: dict[str, Any],
) -> Intake:
    return Intake(
        channel=channel,
        body=body,
        subject=subject,
        direction=data.direction,
        language=data.language,
        category=data.category,
        citizen=data.citizen,
        channel_details=details,
        occurred_at=occurred_at,
        ticket_reference=data.ticket,
        reached_citizen=data.reached_citizen,
        answered_at_first_contact=data.answered_at_first_contact,
    )


class AttachmentOut(OutputModel):
    id: int
    filename: str | None
    content_type: str
    size: int
    sha256: str
    content_stored: bool = Field(description="False when the file was larger than the configured cap.")


class ContactOut(OutputModel):
    id: int
    ticket: str | None = Field(
        description="Reference of the ticket the contact belongs to; null for auto-replies and for calls "
        "awaiting the agent's summary.",
        examples=[REFERENCE_EXAMPLE],
    )
    channel: Channel
    direction: Direction
    language: Language
    subject: str | None
    body: str
    channel_details: dict[str, Any] = Field(description="Channel facts: call id and numbers, form id, ...")
    citizen_id: int | None
    external_id: str | None = Field(description="Message-ID or PBX call id.")
    flags: list[ContactFlag] = Field(description="What needs an agent's eye (e.g. `ambiguous_citizen`).")
    flag_names: list[str] = Field(
        description="The flags' names in the reader's language (`Accept-Language`), in the order of `flags`.",
        examples=[["several citizens match"]],
    )
    attachments: list[AttachmentOut]
    recorded_by: ActorOut
    reached_citizen: bool | None = Field(
        default=None, description="Outcome: it reached the citizen (null: not recorded)."
    )
    answered_at_first_contact: bool | None = Field(
        default=None, description="Outcome: the question was answered at this first contact (null: not recorded)."
    )
    occurred_at: datetime
    created_at: datetime

    @classmethod
    def of(cls, contact: Contact, ticket_reference: str | None, language: Language = Language.en) -> ContactOut:
        return cls(
            id=contact.id,
            ticket=ticket_reference,
            channel=Channel(contact.channel),
            direction=Direction(contact.direction),
            language=Language(contact.language),
            subject=contact.subject,
            body=contact.body,
            channel_details=contact.channel_details,
            citizen_id=contact.citizen_id,
            external_id=contact.external_id,
            flags=[ContactFlag(flag) for flag in contact.flags],
            flag_names=[flag_name(flag, language) for flag in contact.flags],
            attachments=[AttachmentOut.model_validate(attachment) for attachment in contact.attachments],
            recorded_by=ActorOut.of(contact),
            reached_citizen=contact.reached_citizen,
            answered_at_first_contact=contact.answered_at_first_contact,
            occurred_at=contact.occurred_at,
            created_at=contact.created_at,
        )

    def in_language(self, language: Language) -> ContactOut:
        return self.model_copy(update={"flag_names": [flag_name(flag, language) for flag in self.flags]})


class ContactRecorded(OutputModel):
    # Only a hash of the access code is kept, and the stored copy for Idempotency-Key replays has no code.
    never_stored: ClassVar[frozenset[str]] = frozenset({"access_code"})

    outcome: Outcome = Field(
        description="`created` a new ticket; `attached`, `threaded` or `reopened` an existing one; `duplicate`: "
        "recorded before, nothing new written; `stored` without a ticket (auto-reply, call awaiting summary)."
    )
    contact_id: int = Field(description="Id of the contact recorded (for `duplicate`: recorded before).")
    contact: ContactOut | None = Field(
        description="The contact as recorded. Null only for a `duplicate` whose earlier recording lies on a "
        "ticket the caller may not see: the answer then says no more than that it was recorded."
    )
    ticket: TicketOut | None = Field(
        description="The ticket the contact is on, only when the caller may see it (the same check as "
        "`GET /v1/tickets/{reference}`). Null without a ticket, and when this contact opened a ticket the "
        "caller may not see (a social case routed to the OCMW): `contact.ticket` then still gives its reference."
    )
    participations: list[ParticipationOut] = Field(
        default_factory=list, description="Roles recorded with this request."
    )
    parties: list[PartyOut] = Field(default_factory=list, description="Parties recorded with this request.")
    links: list[LinkOut] = Field(default_factory=list, description="Links recorded with this request.")
    access_code: str | None = Field(
        default=None,
        description="Only when this request opened the ticket: the citizen's code for the public status page "
        "(`GET /v1/public/tickets/{reference}?code=…`). It is shown once; only a hash is kept, so a retry with "
        "the same `Idempotency-Key` replays the response with `access_code: null` (the citizen who wrote in "
        "also has it in the acknowledgement mail).",
        examples=["K7QX-M4PZ-TR"],
    )

    def in_language(self, language: Language) -> ContactRecorded:
        """The answer's texts in the reader's language (the service writes them in English)."""
        if self.contact is None:
            return self
        return self.model_copy(update={"contact": self.contact.in_language(language)})


async def in_language(recorded: Awaitable[ContactRecorded], language: Language) -> ContactRecorded:
    return (await recorded).in_language(language)


class ContactPage(Page[ContactOut]):
    """A page of contacts."""


def contact_location(recorded: ContactRecorded) -> str:
    return f"/v1/contacts/{recorded.contact_id}"


# A POST that records a contact answers 200 instead of 201 when it was already recorded.
DUPLICATE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "model": ContactRecorded,
        "description": "Already recorded (the same Message-ID or call id): the first recording, `outcome` "
        "`duplicate`; nothing new was written. When that recording lies on a ticket the caller may not see, "
        "only `contact_id` and the outcome are given (`contact` and `ticket` null).",
    }
}


def created_status(recorded: ContactRecorded) -> int:
    """201 for a newly written contact; 200 when the same Message-ID / call was already recorded."""
    return 200 if recorded.outcome is Outcome.duplicate else 201
