from __future__ import annotations

from datetime import datetime

from pydantic import Field, field_validator

from genk3600.kit.reference import REFERENCE_EXAMPLE
from genk3600.kit.schemas import InputModel, OutputModel
from genk3600.models.enums import Channel, Role
from genk3600.units.schemas import UnitCode

MAX_ID = 2**63 - 1  # bigint identity keys: larger ids cannot exist, and would overflow in the driver
MAX_NOTE = 2_000
MAX_DECIDER_UNITS = 100


class ParticipationIn(InputModel):
    """The role one staff member played in one contact."""

    role: Role = Field(
        description="`informing`, `registering` (collecting facts), `advising` (input for a later decision) "
        "or `deciding` (needs decision authority for the ticket's category).",
        examples=[Role.registering],
    )
    note: str | None = Field(
        default=None,
        max_length=MAX_NOTE,
        description="What was done in that role, for colleagues.",
        examples=["Feiten genoteerd; foto van het grofvuil volgt per mail."],
    )
    staff_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="Who played the role. Staff leave it out (their own role) or name a member of a unit they "
        "supervise; API clients must name someone.",
        examples=[None],
    )

    @field_validator("note")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


class StaffRef(OutputModel):
    id: int
    full_name: str = Field(examples=["An Peeters"])
    units: list[str] = Field(description="Codes of the units the staff member belongs to.", examples=[["burgerzaken"]])


class ParticipationOut(OutputModel):
    id: int
    contact_id: int
    ticket: str | None = Field(
        description="Reference of the contact's ticket; null for a contact without one.",
        examples=[REFERENCE_EXAMPLE],
    )
    staff: StaffRef
    role: Role
    role_explanation: str = Field(
        description="The role in one sentence, for staff.", examples=["An Agent registered the facts."]
    )
    note: str | None
    created_at: datetime


class ParticipationList(OutputModel):
    """All roles recorded on one contact, oldest first (a handful at most, so not paginated)."""

    items: list[ParticipationOut]


class RoleOnTicket(OutputModel):
    """Who did what in which role, on one of the ticket's contacts."""

    contact_id: int
    channel: Channel
    staff_id: int
    staff_name: str = Field(examples=["An Peeters"])
    units: list[str] = Field(description="Codes of the staff member's units.", examples=[["contact_centre"]])
    role: Role
    role_explanation: str = Field(examples=["An Agent registered the facts."])
    note: str | None
    created_at: datetime


class DecidersIn(InputModel):
    """The complete set of units that may decide on a category; it replaces the current set."""

    units: list[UnitCode] = Field(
        max_length=MAX_DECIDER_UNITS,
        description="Unit codes. Sub-units do not inherit authority: list every unit that may decide. "
        "An empty list means nobody may decide.",
        examples=[["burgerzaken"]],
    )

    @field_validator("units")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return sorted(set(value))


class DecidersOut(OutputModel):
    category: str = Field(examples=["civil.id_card"])
    units: list[str] = Field(
        description="Codes of the units whose staff may decide on tickets in this category, sorted.",
        examples=[["burgerzaken"]],
    )
