from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, EmailStr, Field, field_validator

from genk3600.errors import Invalid
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import localised_name, position_label
from genk3600.kit.pagination import Page
from genk3600.kit.schemas import InputModel, OutputModel
from genk3600.models import Staff, Unit
from genk3600.models.enums import Language, Position
from genk3600.units.schemas import UnitCode


class MembershipIn(InputModel):
    unit: UnitCode = Field(description="Code of the unit.")
    position: Position = Field(examples=[Position.agent])


class StaffIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "an.peeters@genk.example",
                    "full_name": "An Peeters",
                    "languages": ["nl", "fr"],
                    "memberships": [{"unit": "contact_centre", "position": "agent"}],
                }
            ]
        }
    )

    email: EmailStr = Field(examples=["an.peeters@genk.example"])
    full_name: str = Field(min_length=1, max_length=200, examples=["An Peeters"])
    languages: list[Language] = Field(
        default_factory=lambda: [Language.nl], min_length=1, max_length=4, examples=[["nl", "fr"]]
    )
    oidc_subject: str | None = Field(
        default=None,
        min_length=1,
        max_length=255,
        description="The identity provider's `sub` for this person, if known. Once linked, only tokens with this "
        "`sub` sign this person in (no e-mail fallback). One subject per staff member: a subject already linked "
        "to someone else answers 409.",
    )
    memberships: list[MembershipIn] = Field(default_factory=list, max_length=50)

    @field_validator("email")
    @classmethod
    def _lower_case(cls, value: str) -> str:
        return value.lower()

    @field_validator("languages")
    @classmethod
    def _distinct_languages(cls, value: list[Language]) -> list[Language]:
        return list(dict.fromkeys(value))

    @field_validator("memberships")
    @classmethod
    def _one_position_per_unit(cls, value: list[MembershipIn]) -> list[MembershipIn]:
        units = [membership.unit for membership in value]
        if len(units) != len(set(units)):
            raise Invalid(P_("a staff member holds one position per unit; a unit is listed twice"))
        return value


class StaffChange(InputModel):
    """Availability and skills; fields left out stay as they are."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"absent": True}, {"languages": ["nl", "en"]}, {"oidc_subject": "8f3c2a"}]}
    )

    absent: bool | None = Field(
        default=None, description="Absent staff get no tickets by continuity or rules; their unit's queue does."
    )
    active: bool | None = Field(default=None, description="Inactive staff cannot sign in or be assigned.")
    languages: list[Language] | None = Field(default=None, min_length=1, max_length=4)
    oidc_subject: str | None = Field(
        default=None,
        min_length=1,
        max_length=255,
        description="Link the identity provider's `sub` (409 if another staff member has it); `null` unlinks, "
        "which turns the verified e-mail sign-in back on for this person.",
    )


class MembershipOut(OutputModel):
    unit: str = Field(description="Unit code.", examples=["contact_centre"])
    unit_name: str = Field(
        description="The unit's name in the reader's language (`Accept-Language`).", examples=["Contactcenter Genk3600"]
    )
    position: Position = Field(description="The position's code.", examples=[Position.agent])
    position_name: str = Field(
        description="The position's name in the reader's language (`Accept-Language`).", examples=["Agent"]
    )

    @classmethod
    def of(cls, unit: Unit, position: str, language: Language) -> MembershipOut:
        return cls(
            unit=unit.code,
            unit_name=localised_name(unit.name, unit.names, language),
            position=Position(position),
            position_name=position_label(position, language),
        )


class StaffOut(OutputModel):
    id: int
    email: str
    full_name: str
    languages: list[Language]
    oidc_subject: str | None
    active: bool
    absent: bool
    memberships: list[MembershipOut]
    created_at: datetime

    @classmethod
    def of(cls, staff: Staff, language: Language = Language.en) -> StaffOut:
        return cls(
            id=staff.id,
            email=staff.email,
            full_name=staff.full_name,
            languages=[Language(language) for language in staff.languages],
            oidc_subject=staff.oidc_subject,
            active=staff.active,
            absent=staff.absent,
            memberships=[MembershipOut.of(m.unit, m.position, language) for m in staff.memberships],
            created_at=staff.created_at,
        )


class StaffPage(Page[StaffOut]):
    """A page of staff members."""
