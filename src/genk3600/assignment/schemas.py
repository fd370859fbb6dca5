from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, field_validator

from genk3600.errors import Invalid
from genk3600.i18n.catalogue import P_
from genk3600.kit.schemas import InputModel, OutputModel
from genk3600.models.enums import AssignmentMode, Channel, Language, OfferState, PresenceStatus, Priority
from genk3600.models.organisation import CODE_PATTERN
from genk3600.queues.schemas import DeadlineColour

# A category code ("waste.pickup") or a prefix of one ("waste.*"), as routing rules take them.
CATEGORY_SKILL_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.([a-z][a-z0-9_]*|\*)$"
CategorySkill = Annotated[
    str,
    Field(
        max_length=200,
        pattern=CATEGORY_SKILL_PATTERN,
        description="A category code, or a prefix like `waste.*` for everything under it.",
    ),
]
DeskCode = Annotated[str, Field(max_length=64, pattern=CODE_PATTERN, description="Code of a desk unit.")]


class PresenceIn(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "available"}]})

    status: PresenceStatus = Field(
        description="`available` to receive offers, `busy` or `away` to pause them, `offline` when leaving."
    )


class PresenceOut(OutputModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "staff_id": 7,
                    "status": "busy",
                    "set_status": "available",
                    "in_call": True,
                    "in_appointment": False,
                    "status_since": "2026-12-07T08:02:11Z",
                    "heartbeat_at": "2026-12-07T09:14:40Z",
                    "expires_at": "2026-12-07T09:16:10Z",
                }
            ]
        },
    )

    staff_id: int
    status: PresenceStatus = Field(
        description=(
            "As automatic assignment sees it now: `offline` once heartbeats stop, `busy` during a call or an "
            "appointment (travel included)."
        )
    )
    set_status: PresenceStatus = Field(description="What was last set, by the staff member or through the API.")
    in_call: bool = Field(description="A call rings or is answered at their phone (the PBX's events).")
    in_appointment: bool = Field(
        description=(
            "An appointment or home visit of theirs is under way: booked, and now within its slot plus travel time. "
            "Cancelled ones never count; one whose outcome (held, no-show) is recorded stops counting then."
        )
    )
    status_since: datetime | None
    heartbeat_at: datetime | None
    expires_at: datetime | None = Field(description="Without another heartbeat before this moment: offline.")


class SkillsIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "capacity": {"phone": 1, "mail": 8},
                    "default_capacity": 5,
                    "languages": ["nl", "fr"],
                    "categories": ["waste.*", "civil.id_card"],
                    "desks": ["snelbalie"],
                }
            ]
        }
    )

    capacity: dict[Channel, Annotated[int, Field(ge=0, le=100)]] = Field(
        default_factory=dict, description="Open tickets they can hold per channel (of the ticket's first contact)."
    )
    default_capacity: int = Field(default=5, ge=0, le=100, description="For a channel `capacity` does not name.")
    languages: list[Language] = Field(
        default_factory=list, max_length=4, description="Languages they take tickets in; empty: their own."
    )
    categories: list[CategorySkill] = Field(
        default_factory=list, max_length=200, description="Categories they handle; empty: every category."
    )
    desks: list[DeskCode] = Field(
        default_factory=list, max_length=50, description="Desk units they staff, for counter tickets of a desk."
    )

    @field_validator("languages", "categories", "desks")
    @classmethod
    def _no_repeats(cls, values: list[Any]) -> list[Any]:
        if len(set(values)) != len(values):
            raise Invalid(P_("list each entry once"))
        return values


class SkillsOut(OutputModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "staff_id": 7,
                    "capacity": {"phone": 1, "mail": 8},
                    "default_capacity": 5,
                    "languages": [],
                    "effective_languages": ["nl", "fr"],
                    "categories": ["waste.*"],
                    "desks": [],
                }
            ]
        },
    )

    staff_id: int
    capacity: dict[str, int]
    default_capacity: int
    languages: list[str] = Field(description="As set; empty means the staff member's own languages.")
    effective_languages: list[str] = Field(description="The languages automatic assignment checks.")
    categories: list[str]
    desks: list[str]


class PolicyIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "mode": "least_loaded",
                    "continuity": True,
                    "offer_timeout_seconds": 60,
                    "decline_cooldown_seconds": 900,
                }
            ]
        }
    )

    mode: AssignmentMode = Field(
        description="`off`: staff claim from the queue; `round_robin`: in turn; `least_loaded`: fewest open first."
    )
    continuity: bool = Field(
        default=True, description="Offer a social ticket to the citizen's case worker first when they can take it."
    )
    offer_timeout_seconds: int = Field(default=60, ge=5, le=3600, description="An unanswered offer moves on after.")
    decline_cooldown_seconds: int = Field(
        default=900, ge=0, le=86400, description="A declined or timed-out ticket is not offered to them again for."
    )


class PolicyOut(OutputModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "unit": "contact_centre",
                    "mode": "least_loaded",
                    "continuity": True,
                    "offer_timeout_seconds": 60,
                    "decline_cooldown_seconds": 900,
                    "version": 3,
                }
            ]
        },
    )

    unit: str
    mode: AssignmentMode
    continuity: bool
    offer_timeout_seconds: int
    decline_cooldown_seconds: int
    version: int = Field(description="0 while the unit has no policy of its own (then it is `off`).")


OFFER_EXAMPLE: dict[str, Any] = {
    "id": 42,
    "ticket": "G3600-2026-000123",
    "subject": "Grofvuil niet opgehaald",
    "priority": "normal",
    "category": "waste.pickup",
    "unit": "omgeving",
    "state": "open",
    "offered_at": "2026-12-07T09:15:00Z",
    "expires_at": "2026-12-07T09:16:00Z",
    "explanation": ("Aangeboden aan An Peeters: beschikbaar, spreekt Frans, minst belast, 2 van 5 open."),
    "text": {
        "code": "assignment.offered",
        "params": {
            "staff": "An Peeters",
            "reasons": [
                {"code": "assignment.reason.available", "params": {}},
                {"code": "assignment.reason.speaks", "params": {"language": "fr"}},
                {"code": "assignment.reason.least_loaded", "params": {}},
            ],
            "open": 2,
            "capacity": 5,
            "channel": "mail",
        },
    },
}


class OfferOut(OutputModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [OFFER_EXAMPLE]},
    )

    id: int
    ticket: str = Field(description="The ticket's reference.", examples=["G3600-2026-000123"])
    subject: str
    priority: Priority
    category: str | None
    unit: str = Field(description="Code of the unit that offers it.")
    state: OfferState
    offered_at: datetime
    expires_at: datetime
    explanation: str = Field(
        description="Why you: in the reader's language.",
        examples=["Aangeboden aan An Peeters: beschikbaar, spreekt Frans, 2 van 5 open."],
    )
    text: dict[str, Any] = Field(description="The explanation as stored: message code and parameters.")


class OfferList(OutputModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [{"items": [OFFER_EXAMPLE]}]},
    )

    items: list[OfferOut]


class StaffLoad(OutputModel):
    staff_id: int
    name: str
    presence: PresenceStatus
    open_tickets: int = Field(description="Open tickets assigned to them, every channel.")
    capacity: int = Field(description="Their default capacity per channel.")
    offer: str | None = Field(description="Reference of the ticket offered to them now.")


class PendingOffer(OutputModel):
    id: int
    ticket: str
    staff_id: int
    name: str
    expires_at: datetime


class WaitingOut(OutputModel):
    ticket: str
    priority: Priority
    language: Language
    waiting_since: datetime
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    deadline_colour: DeadlineColour


class SupervisorView(OutputModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "unit": "omgeving",
                    "mode": "least_loaded",
                    "staff": [
                        {
                            "staff_id": 7,
                            "name": "An Peeters",
                            "presence": "available",
                            "open_tickets": 2,
                            "capacity": 5,
                            "offer": "G3600-2026-000123",
                        },
                    ],
                    "offers": [
                        {
                            "id": 42,
                            "ticket": "G3600-2026-000123",
                            "staff_id": 7,
                            "name": "An Peeters",
                            "expires_at": "2026-12-07T09:16:00Z",
                        }
                    ],
                    "waiting": [
                        {
                            "ticket": "G3600-2026-000124",
                            "priority": "high",
                            "language": "nl",
                            "waiting_since": "2026-12-07T08:40:00Z",
                            "first_response_due_at": "2026-12-07T12:40:00Z",
                            "resolution_due_at": "2026-12-09T08:40:00Z",
                            "deadline_colour": "green",
                        }
                    ],
                    "waiting_count": 1,
                    "available": 1,
                }
            ]
        },
    )

    unit: str
    mode: AssignmentMode
    staff: list[StaffLoad]
    offers: list[PendingOffer]
    waiting: list[WaitingOut] = Field(description="The most urgent waiting tickets you may see (at most 50).")
    waiting_count: int = Field(description="Every waiting ticket of the unit: new, nobody's, not on offer.")
    available: int = Field(description="Staff available now.")
