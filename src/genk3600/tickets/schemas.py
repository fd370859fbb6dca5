from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from genk3600.citizens.schemas import CitizenSummary
from genk3600.errors import Invalid
from genk3600.households.schemas import HouseholdOut
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import BRUSSELS, LEGACY, NO_NAMES, Names, localised_name, render
from genk3600.kit import preconditions
from genk3600.kit.actors import ActorOut as ActorOut  # re-exported: ActorOut lived here first
from genk3600.kit.pagination import Page
from genk3600.kit.reference import REFERENCE_EXAMPLE
from genk3600.kit.schemas import MAX_ID, InputModel, OutputModel
from genk3600.links.schemas import LinkOut
from genk3600.models import Category, Ticket, TicketEvent, Unit
from genk3600.models.enums import (
    Confidentiality,
    EscalationReason,
    Language,
    Priority,
    Role,
    TicketEventType,
    TicketFlag,
    TicketStatus,
)
from genk3600.participation.schemas import RoleOnTicket
from genk3600.parties.schemas import PartyOut


class AssigneeOut(OutputModel):
    id: int
    full_name: str


class TicketOut(OutputModel):
    reference: str = Field(examples=[REFERENCE_EXAMPLE])
    status: TicketStatus
    priority: Priority
    subject: str = Field(examples=["Grofvuil niet opgehaald"])
    language: Language
    confidentiality: Confidentiality
    tier: int = Field(ge=1, le=3, description="1 = front office, 2 = back office, 3 = decision level.")
    category: str | None = Field(description="Category code.", examples=["waste.pickup"])
    category_name: str | None = Field(
        description="The category's name in the reader's language (`Accept-Language`).", examples=["Ophaling huisvuil"]
    )
    owning_unit: str = Field(description="Code of the unit that owns the ticket.", examples=["omgeving"])
    owning_unit_name: str = Field(
        description="The unit's name in the reader's language (`Accept-Language`).", examples=["Omgeving"]
    )
    assignee: AssigneeOut | None
    citizen: CitizenSummary | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    resolved_at: datetime | None
    first_responded_at: datetime | None
    sla_paused: bool = Field(description="The SLA clock is stopped while waiting on the citizen.")
    routing_rule_version_id: int | None = Field(description="The rule version that routed the ticket.")
    flags: list[TicketFlag] = Field(
        default_factory=list,
        description="What needs a person's eye: `callback_failed` (a call-back could not reach the citizen; "
        "cleared when a later one does).",
    )
    version: int = Field(description="Changes with every update; the ETag is this number in quotes.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, ticket: Ticket, language: Language = Language.en) -> TicketOut:
        return cls.of_parts(ticket, ticket.category, ticket.owning_unit, language)

    @classmethod
    def of_parts(
        cls, ticket: Ticket, category: Category | None, unit: Unit, language: Language = Language.en
    ) -> TicketOut:
        """`of` with the category and owning unit given apart (a ticket opened by id, its rows from the reference
        cache); the assignee and citizen are the ticket's own."""
        return cls(
            reference=ticket.reference,
            status=TicketStatus(ticket.status),
            priority=Priority(ticket.priority),
            subject=ticket.subject,
            language=Language(ticket.language),
            confidentiality=Confidentiality(ticket.confidentiality),
            tier=ticket.tier,
            category=category.code if category else None,
            category_name=localised_name(category.name, category.names, language) if category else None,
            owning_unit=unit.code,
            owning_unit_name=localised_name(unit.name, unit.names, language),
            assignee=AssigneeOut.model_validate(ticket.assignee) if ticket.assignee else None,
            citizen=CitizenSummary.of(ticket.citizen) if ticket.citizen else None,
            first_response_due_at=ticket.first_response_due_at,
            resolution_due_at=ticket.resolution_due_at,
            resolved_at=ticket.resolved_at,
            first_responded_at=ticket.first_responded_at,
            sla_paused=ticket.paused_at is not None,
            routing_rule_version_id=ticket.routing_rule_version_id,
            flags=[TicketFlag(flag) for flag in ticket.flags],
            version=ticket.version,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
        )


def ticket_fields(row: Any) -> dict[str, Any]:
    """What `TicketOut.of` reads from the ORM objects, from a row of a hot-path statement that selects the ticket
    with `ticket_columns` (tickets/repository.py), whose names the statement localised already. Plain values:
    the model's validation (pydantic's core) makes the enums and the nested citizen and assignee, cheaper than
    Python calls per field. The columns are read through the row's mapping: a `Row` attribute is a Python-level
    lookup, about six times dearer (7 against 1.2 µs for 30 columns, SQLAlchemy 2.1), and a queue page reads 30
    columns of each of its 25 rows."""
    m = row._mapping
    citizen = None
    if m["citizen_id"] is not None:
        citizen = {
            "id": m["citizen_id"],
            "given_name": m["citizen_given_name"],
            "family_name": m["citizen_family_name"],
            "national_number_masked": m["citizen_national_number_masked"],
            "email": m["citizen_email"],
            "phone": m["citizen_phone"],
            "preferred_language": m["citizen_preferred_language"],
        }
    assignee = None
    if m["assignee_staff_id"] is not None:
        assignee = {"id": m["assignee_staff_id"], "full_name": m["assignee_full_name"]}
    return {
        "reference": m["reference"],
        "status": m["status"],
        "priority": m["priority"],
        "subject": m["subject"],
        "language": m["language"],
        "confidentiality": m["confidentiality"],
        "tier": m["tier"],
        "category": m["category_code"],
        "category_name": m["category_name"] if m["category_code"] is not None else None,
        "owning_unit": m["owning_unit_code"],
        "owning_unit_name": m["owning_unit_name"],
        "assignee": assignee,
        "citizen": citizen,
        "first_response_due_at": m["first_response_due_at"],
        "resolution_due_at": m["resolution_due_at"],
        "resolved_at": m["resolved_at"],
        "first_responded_at": m["first_responded_at"],
        "sla_paused": m["paused_at"] is not None,
        "routing_rule_version_id": m["routing_rule_version_id"],
        "flags": m["flags"],
        "version": m["version"],
        "created_at": m["created_at"],
        "updated_at": m["updated_at"],
    }


class TicketDetailOut(TicketOut):
    roles: list[RoleOnTicket] = Field(description="Who did what in which role, per contact, oldest first.")
    parties: list[PartyOut] = Field(
        default_factory=list,
        description="Who the ticket's contacts involve besides staff: whom they are about and who made them on "
        "their behalf, per contact, oldest first.",
    )
    links: list[LinkOut] = Field(
        default_factory=list,
        description="Objects in other systems the ticket and its contacts refer to, oldest first.",
    )
    household: HouseholdOut | None = Field(
        default=None,
        description="The ticket's citizen's relations and representatives as they hold today (names, relation, "
        "consent scopes and period); null for a ticket without a citizen, and for callers who may not look citizens "
        "up (API keys without `citizens:lookup`). Never the relatives' tickets.",
    )

    @classmethod
    def of_row(
        cls,
        row: Any,
        roles: list[RoleOnTicket],
        parties: list[PartyOut] | None = None,
        links: list[LinkOut] | None = None,
        household: HouseholdOut | None = None,
    ) -> TicketDetailOut:
        """From the row of tickets/repository.ticket_detail_by_reference (names in the reader's language)."""
        return cls(**ticket_fields(row), roles=roles, parties=parties or [], links=links or [], household=household)


class TicketEventOut(OutputModel):
    id: int
    type: TicketEventType
    summary: str = Field(
        description="The entry in one sentence, in the reader's language (`Accept-Language`), rendered from "
        "`code` and `params`.",
        examples=["Vraag aangemaakt uit een webformulier; eigenaar Omgeving."],
    )
    code: str = Field(
        description="The message code of the sentence (`legacy`: an entry from before texts had codes, shown "
        "in English as written).",
        examples=["ticket.created"],
    )
    params: dict[str, Any] = Field(description="The sentence's parameters (codes, names, numbers, notes).")
    actor: ActorOut
    data: dict[str, Any] = Field(description="Facts of the event (ids, codes, changed fields).")
    occurred_at: datetime

    @classmethod
    def of(
        cls, event: TicketEvent, language: Language = Language.en, names: Names = NO_NAMES, zone: tzinfo = BRUSSELS
    ) -> TicketEventOut:
        params = {**event.params, "actor": event.actor_name}
        if event.code == LEGACY and event.summary is not None:
            params.setdefault("text", event.summary)
        return cls(
            id=event.id,
            type=TicketEventType(event.type),
            summary=render(event.code, params, language, names, zone),
            code=event.code,
            params=event.params,
            actor=ActorOut.of(event),
            data=event.data,
            occurred_at=event.occurred_at,
        )


class TicketPage(Page[TicketOut]):
    """A page of tickets."""


class TicketEventPage(Page[TicketEventOut]):
    """A page of a ticket's timeline."""


# A ticket's ETag is its version (kit/preconditions.py).
etag = preconditions.etag


class TicketChange(InputModel):
    """What to change; fields left out stay as they are. Needs `If-Match` with the ticket's ETag."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"status": "in_progress", "note": "Opgenomen door de dienst."}, {"priority": "high"}]
        }
    )

    status: TicketStatus | None = None
    priority: Priority | None = None
    assignee_staff_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="A staff member's id; null unassigns."
    )
    note: str | None = Field(default=None, max_length=2_000, description="Why, for the timeline.")

    @model_validator(mode="after")
    def _something_to_change(self) -> TicketChange:
        if not self.model_fields_set - {"note"}:
            raise Invalid(P_("give at least one of status, priority or assignee_staff_id"))
        return self


class EscalationIn(InputModel):
    to_unit: str | None = Field(default=None, description="Unit code; defaults to the staff member's unit.")
    to_staff_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="A specific person to hand over to.")
    reason: EscalationReason = Field(
        description="`returned` hands the ticket back to the front office (de-escalation, tier 1)."
    )
    requested_role: Literal["advising", "deciding"] = Field(
        description="What is asked of the target: advice for a later decision, or the decision itself."
    )
    note: str | None = Field(default=None, max_length=2_000)


class EscalationOut(OutputModel):
    id: int
    from_unit: str
    to_unit: str
    to_staff_id: int | None
    from_tier: int
    to_tier: int
    reason: EscalationReason
    requested_role: Role
    note: str | None
    created_at: datetime
    ticket: TicketOut
