from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, EmailStr, Field, model_validator

from genk3600.citizens.identifiers import e164_phone, valid_national_number
from genk3600.errors import Invalid
from genk3600.households.schemas import HouseholdOut
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import LEGACY, Names, render
from genk3600.kit.reference import REFERENCE_EXAMPLE
from genk3600.kit.schemas import InputModel, OutputModel
from genk3600.models import Citizen, TicketEvent
from genk3600.models.enums import Language

NationalNumber = Annotated[
    str,
    Field(min_length=11, max_length=20, examples=["85.07.30-033.28"]),
    AfterValidator(valid_national_number),
]
PhoneNumber = Annotated[str, Field(min_length=3, max_length=40, examples=["089 65 36 00"]), AfterValidator(e164_phone)]


class CitizenIdentification(InputModel):
    """Who the contact is from. Matched on national number, then e-mail, then phone; created if new."""

    national_number: NationalNumber | None = Field(
        default=None,
        description="Belgian national number (rijksregisternummer); stored only as a keyed hash.",
    )
    email: EmailStr | None = Field(default=None, examples=["jan.janssens@example.org"])
    phone: PhoneNumber | None = Field(default=None, description="Any notation; Belgian by default.")
    given_name: str | None = Field(default=None, max_length=200, examples=["Jan"])
    family_name: str | None = Field(default=None, max_length=200, examples=["Janssens"])
    preferred_language: Language | None = None

    @model_validator(mode="after")
    def _needs_an_identifier(self) -> CitizenIdentification:
        if not (self.national_number or self.email or self.phone):
            raise Invalid(
                P_(
                    "identify the citizen with at least one of national_number, email or phone "
                    "(leave out `citizen` for an anonymous contact)"
                )
            )
        if self.email:
            self.email = self.email.lower()
        return self


class CitizenSummary(OutputModel):
    id: int
    given_name: str | None
    family_name: str | None
    national_number_masked: str | None = Field(examples=["xx.xx.xx-xxx.28"])
    email: str | None
    phone: str | None = Field(examples=["+3289653600"])
    preferred_language: Language

    @classmethod
    def of(cls, citizen: Citizen) -> CitizenSummary:
        return cls.model_validate(citizen)


class OpenTicketHint(OutputModel):
    """An open ticket as the screen pop shows it; social cases show only that they exist."""

    reference: str = Field(examples=[REFERENCE_EXAMPLE])
    status: str
    owning_unit: str = Field(examples=["sociale_dienst"])
    hand_over_to: str = Field(description="Name of the unit that owns it.", examples=["OCMW Sociale dienst"])
    social: bool = Field(description="An OCMW case: content only for its unit and the case worker.")
    subject: str | None = Field(description="Null when the caller could not read this ticket (GET answers 404).")


class CitizenMatch(OutputModel):
    citizen: CitizenSummary
    has_case_worker: bool = Field(description="The citizen has an OCMW case worker (existence only).")
    open_tickets: list[OpenTicketHint]
    recent_closed_tickets: list[OpenTicketHint] = Field(
        default_factory=list,
        description="The citizen's latest resolved or closed tickets (at most 5), in every department, masked "
        "as open ones are: the history an agent needs when the same person calls again.",
    )
    household: HouseholdOut | None = Field(
        default=None,
        description="The citizen's relations and representatives as they hold today (ended ones are left out): "
        "names, relation, consent scopes and period. Never the relatives' tickets.",
    )


class CitizenLookup(OutputModel):
    matches: list[CitizenMatch]
    truncated: bool = Field(
        default=False, description="More citizens match than a lookup shows (10): ask for more of the name."
    )


# --- GDPR: subject access, erasure, legal hold -------------------------------------------------------------


class ExportedCitizen(OutputModel):
    """The citizen record as held; the national number only in its masked form (the hash is not data to share)."""

    id: int
    given_name: str | None
    family_name: str | None
    national_number_masked: str | None
    email: str | None
    phone: str | None
    preferred_language: str
    case_worker_id: int | None
    legal_hold: bool
    merged_into_id: int | None = Field(
        default=None, description="Set while this record is merged into another, the one that answers for the person."
    )
    created_at: datetime
    updated_at: datetime


class ExportedAttachment(OutputModel):
    id: int
    filename: str | None
    content_type: str
    size: int
    sha256: str
    content_stored: bool


class ExportedContact(OutputModel):
    id: int
    ticket_id: int | None
    channel: str
    direction: str
    language: str
    subject: str | None
    body: str
    channel_details: dict[str, Any]
    occurred_at: datetime
    actor_name: str
    attachments: list[ExportedAttachment]
    reached_citizen: bool | None = None
    answered_at_first_contact: bool | None = None


class ExportedEvent(OutputModel):
    id: int
    type: str
    summary: str = Field(description="The entry in words, in the citizen's preferred language.")
    code: str
    params: dict[str, Any]
    data: dict[str, Any]
    actor_name: str
    occurred_at: datetime

    @classmethod
    def of(cls, event: TicketEvent, language: Language, names: Names) -> ExportedEvent:
        params = {**event.params, "actor": event.actor_name}
        if event.code == LEGACY and event.summary is not None:
            params.setdefault("text", event.summary)
        return cls(
            id=event.id,
            type=event.type,
            summary=render(event.code, params, language, names),
            code=event.code,
            params=event.params,
            data=event.data,
            actor_name=event.actor_name,
            occurred_at=event.occurred_at,
        )


class ExportedParticipation(OutputModel):
    id: int
    contact_id: int
    staff_id: int
    role: str
    note: str | None
    created_at: datetime


class ExportedCallbackAttempt(OutputModel):
    outcome: str
    note: str | None
    attempted_at: datetime
    actor_name: str


class ExportedCallback(OutputModel):
    """A request to call the citizen back, with the number, the question and every try."""

    id: int
    phone: str | None
    language: str
    question: str
    window_start: datetime | None
    window_end: datetime | None
    due_at: datetime
    status: str
    postal_address: str | None
    citizen_notice: str | None
    created_at: datetime
    closed_at: datetime | None
    attempts: list[ExportedCallbackAttempt] = Field(validation_alias="attempt_rows")


class ExportedAppointment(OutputModel):
    """An appointment or home visit about the ticket: when, where, with whom the citizen came, how it went."""

    id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    home_visit: bool
    address: str | None
    representative_name: str | None
    representative_relationship: str | None
    representative_contact: str | None
    booked_via: str
    created_at: datetime


class ExportedTicket(OutputModel):
    id: int
    reference: str
    status: str
    priority: str
    subject: str
    confidentiality: str
    created_at: datetime
    resolved_at: datetime | None
    timeline: list[ExportedEvent]
    participations: list[ExportedParticipation]
    callbacks: list[ExportedCallback] = Field(default_factory=list, description="Call-back requests about it.")
    appointments: list[ExportedAppointment] = Field(
        default_factory=list, description="Appointments and home visits about it."
    )


class ExportedParty(OutputModel):
    """A party to one of the citizen's contacts, or a party naming the citizen on another contact."""

    id: int
    contact_id: int
    kind: str
    role: str
    relationship: str | None
    citizen_id: int | None
    name: str | None
    organisation_name: str | None
    enterprise_number: str | None
    email: str | None
    phone: str | None
    language: str | None
    correspondent: bool
    created_at: datetime


class CitizenExport(OutputModel):
    """Everything held about one citizen (GDPR art. 15 subject access)."""

    exported_at: datetime
    citizen: ExportedCitizen
    contacts: list[ExportedContact]
    tickets: list[ExportedTicket]
    merged_records: list[ExportedCitizen] = Field(
        default_factory=list,
        description="The same person's records merged into this one, as held: their e-mail and phone still lead "
        "lookups to this record.",
    )
    parties: list[ExportedParty] = Field(
        default_factory=list,
        description="Who acted on the citizen's behalf in their contacts, and where the citizen is named as a "
        "party on other contacts (those rows only, not the other contacts).",
    )
    household: HouseholdOut | None = Field(
        default=None,
        description="The citizen's relations and representations, ended ones included: who may act for them, "
        "for whom they may act, within what consent.",
    )


class ErasureIn(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "Verzoek van de burger (AVG art. 17)."}]})

    reason: str = Field(
        min_length=3, max_length=500, examples=["Verzoek tot gegevenswissing van de burger (AVG art. 17)."]
    )


class ErasureOut(OutputModel):
    """What was erased and why; the citizen row and its tickets stay so that statistics remain intact."""

    citizen_id: int
    reason: str
    erased_at: datetime
    citizen_fields: list[str] = Field(description="Fields of the citizen record set to null.")
    contacts: int = Field(description="Contacts whose subject, body and channel details were erased.")
    attachments: int = Field(description="Attachments whose content (and file name) was erased.")
    tickets: int = Field(description="Tickets whose subject was erased.")
    calls: int = Field(description="Calls whose caller number was erased.")
    outbound_mails: int = Field(description="Mails to the citizen whose address and text were erased.")
    parties: int = Field(
        default=0,
        description="Parties whose name, e-mail and phone were erased: those of the citizen's contacts (who "
        "called on their behalf) and those naming the citizen on other contacts.",
    )
    callbacks: int = Field(
        default=0, description="Call-back requests whose number, question, address and attempt notes were erased."
    )
    representations: int = Field(
        default=0,
        description="Representations of the citizen whose representative's name (when recorded by name) and "
        "consent or court order number were erased; their kind, scopes and period stay.",
    )
    appointments: int = Field(
        default=0,
        description="Appointments whose address, representative, note and cancellation reason were erased.",
    )


class LegalHoldIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"hold": True, "reason": "Lopende gerechtelijke procedure."}]}
    )

    hold: bool
    reason: str = Field(min_length=3, max_length=500, examples=["Lopende gerechtelijke procedure."])


class LegalHoldOut(OutputModel):
    citizen_id: int
    legal_hold: bool
    reason: str | None
