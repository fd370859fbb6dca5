"""What the console endpoints answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import EmailStr, Field

from genk3600.citizens.schemas import CitizenLookup
from genk3600.i18n.texts import localised_name, position_label
from genk3600.kit.schemas import InputModel, OutputModel
from genk3600.models.enums import CallState, Language, Position, Scope, UnitKind


class UnitMembership(OutputModel):
    unit: str = Field(description="Unit code.", examples=["contact_centre"])
    unit_name: str = Field(
        description="The unit's name in the reader's language (`Accept-Language`).", examples=["Contactcenter Genk3600"]
    )
    position: Position = Field(description="The position's code.", examples=[Position.agent])
    position_name: str = Field(
        description="The position's name in the reader's language (`Accept-Language`).", examples=["Agent"]
    )

    @classmethod
    def of(
        cls, code: str, name: str, names: dict[str, Any] | None, position: str, language: Language
    ) -> UnitMembership:
        return cls(
            unit=code,
            unit_name=localised_name(name, names, language),
            position=Position(position),
            position_name=position_label(position, language),
        )


class MeOut(OutputModel):
    kind: Literal["staff", "api_client", "system"]
    name: str = Field(examples=["Sofie Vermeulen"])
    email: str | None = Field(examples=["agent@genk.example"])
    staff_id: int | None = Field(description="Set for staff; null for an API client.")
    memberships: list[UnitMembership] = Field(description="The units whose queues the console shows.")
    scopes: list[Scope]


class AgentCall(OutputModel):
    call_id: str = Field(examples=["pbx-7f3a91"])
    state: CallState
    caller_number: str | None = Field(examples=["+3289653600"])
    called_number: str | None
    ringing_at: datetime | None
    answered_at: datetime | None
    screen_pop: CitizenLookup | None = Field(
        description="Citizens matching the caller number with their open tickets; null for a withheld number."
    )


class AgentCallList(OutputModel):
    items: list[AgentCall]


class CategoryChoice(OutputModel):
    code: str = Field(examples=["civil.id_card"])
    name: str = Field(examples=["Identiteitskaart"])
    synonyms: list[str] = Field(description="Other words for it, for searching.", examples=[["eID", "pincode"]])
    owning_unit_name: str = Field(examples=["Burgerzaken"])
    social: bool = Field(description="An OCMW (social) category: the ticket stays with the OCMW.")


class UnitChoice(OutputModel):
    code: str = Field(examples=["burgerzaken"])
    name: str = Field(examples=["Burgerzaken"])
    kind: UnitKind


class ChoiceLists(OutputModel):
    """What the console's pick lists offer, so nobody types a code."""

    categories: list[CategoryChoice]
    units: list[UnitChoice]


class DemoStaff(OutputModel):
    email: str
    full_name: str
    memberships: list[UnitMembership]


class DemoStaffList(OutputModel):
    items: list[DemoStaff]


class DevTokenIn(InputModel):
    email: EmailStr


class DevTokenOut(OutputModel):
    token: str
    expires_in_seconds: int
