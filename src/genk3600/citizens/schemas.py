from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, EmailStr, Field, model_validator

from genk3600.citizens.identifiers import e164_phone, valid_national_number
from genk3600.kit.schemas import InputModel, OutputModel
from genk3600.models import Citizen
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
            raise ValueError(
                "identify the citizen with at least one of national_number, email or phone "
                "(leave out `citizen` for an anonymous contact)"
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

    reference: str = Field(examples=["G3600-2026-000123"])
    status: str
    owning_unit: str = Field(examples=["sociale_dienst"])
    hand_over_to: str = Field(description="Name of the unit that owns it.", examples=["OCMW Sociale dienst"])
    social: bool = Field(description="An OCMW case: content only for its unit and the case worker.")
    subject: str | None = Field(description="Null when the caller may not read this social case.")


class CitizenMatch(OutputModel):
    citizen: CitizenSummary
    has_case_worker: bool = Field(description="The citizen has an OCMW case worker (existence only).")
    open_tickets: list[OpenTicketHint]


class CitizenLookup(OutputModel):
    matches: list[CitizenMatch]
