"""Intake: one contact body, discriminated by `channel`. Channel adapters only translate into this."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, Field, HttpUrl, model_validator

from genk3600.categories.schemas import CategoryCode
from genk3600.citizens.identifiers import e164_phone
from genk3600.citizens.schemas import CitizenIdentification
from genk3600.kit.clock import utcnow
from genk3600.kit.schemas import InputModel, OutputModel
from genk3600.models import Contact
from genk3600.models.enums import Channel, Direction, Language
from genk3600.tickets.schemas import ActorOut, TicketOut

CLOCK_SKEW = timedelta(minutes=5)
WITHHELD = "withheld"


def _past_utc(value: datetime) -> datetime:
    """Any offset is accepted; stored and answered in UTC (RFC 3339 with `Z`)."""
    if value > utcnow() + CLOCK_SKEW:
        raise ValueError("lies in the future")
    return value.astimezone(UTC)


PastMoment = Annotated[AwareDatetime, AfterValidator(_past_utc)]


def _caller_number(value: str) -> str:
    """PBXs send anonymous calls as empty, 'anonymous' or 'withheld'; keep that as a fact, not an error."""
    if value.strip().lower() in ("", "anonymous", "withheld", "private", "unknown"):
        return WITHHELD
    return e164_phone(value)


CallerNumber = Annotated[str, Field(max_length=40, examples=["+3289653600"]), AfterValidator(_caller_number)]


class ContactBase(InputModel):
    direction: Direction = Direction.inbound
    category: CategoryCode | None = Field(
        default=None, description="What the contact is about; decides the owning unit and defaults."
    )
    citizen: CitizenIdentification | None = Field(
        default=None, description="Leave out for an anonymous contact."
    )
    language: Language | None = Field(
        default=None, description="Language of the contact; defaults to the citizen's preferred language."
    )


class WebContactIn(ContactBase):
    """A form submitted on the city website or sent by another city system."""

    channel: Literal["web"]
    subject: str = Field(min_length=1, max_length=300, examples=["Grofvuil niet opgehaald"])
    body: str = Field(min_length=1, max_length=20_000, examples=["Mijn grofvuil staat er nog sinds maandag."])
    form_id: str | None = Field(default=None, max_length=100, examples=["melding-afval"])
    page_url: HttpUrl | None = Field(default=None, examples=["https://www.genk.be/afval"])
    submitted_at: PastMoment | None = Field(default=None, description="When the citizen submitted it.")

    def channel_details(self) -> dict[str, Any]:
        return {"form_id": self.form_id, "page_url": str(self.page_url) if self.page_url else None}

    @property
    def occurred_at(self) -> datetime | None:
        return self.submitted_at

    @property
    def text(self) -> str:
        return self.body


class PhoneContactIn(ContactBase):
    """A call to or from the contact centre, recorded by the agent after (or during) the call."""

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
            raise ValueError("ended_at lies before started_at")
        return self

    def channel_details(self) -> dict[str, Any]:
        duration = None
        if self.started_at and self.ended_at:
            duration = round((self.ended_at - self.started_at).total_seconds())
        return {
            "call_id": self.call_id,
            "caller_number": self.caller_number,
            "called_number": self.called_number,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "duration_seconds": duration,
        }

    @property
    def occurred_at(self) -> datetime | None:
        return self.started_at

    @property
    def text(self) -> str:
        return self.summary


ContactIn = Annotated[WebContactIn | PhoneContactIn, Field(discriminator="channel")]


class ContactOut(OutputModel):
    id: int
    ticket: str = Field(
        description="Reference of the ticket the contact belongs to.", examples=["G3600-2026-000123"]
    )
    channel: Channel
    direction: Direction
    language: Language
    subject: str | None
    body: str
    channel_details: dict[str, Any] = Field(description="Channel facts: call id and numbers, form id, ...")
    citizen_id: int | None
    recorded_by: ActorOut
    occurred_at: datetime
    created_at: datetime

    @classmethod
    def of(cls, contact: Contact, ticket_reference: str) -> ContactOut:
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
            recorded_by=ActorOut.of(contact),
            occurred_at=contact.occurred_at,
            created_at=contact.created_at,
        )


class ContactRecorded(OutputModel):
    contact: ContactOut
    ticket: TicketOut
