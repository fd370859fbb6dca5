"""Parties to a contact: who the contact is about and who made it on their behalf."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, EmailStr, Field, model_validator
from stdnum.be import vat
from stdnum.exceptions import ValidationError

from genk3600.citizens.identifiers import stdnum_reason
from genk3600.citizens.schemas import PhoneNumber
from genk3600.errors import Invalid
from genk3600.i18n.catalogue import P_
from genk3600.kit.actors import ActorOut
from genk3600.kit.reference import REFERENCE_EXAMPLE
from genk3600.kit.schemas import MAX_ID, InputModel, OutputModel
from genk3600.models.enums import Language, PartyKind, PartyRelationship, PartyRole

MAX_PARTIES = 10
# A checksum-valid enterprise number for the examples (python-stdnum accepts it); the organisation is made up.
ENTERPRISE_NUMBER_EXAMPLE = "0850.213.314"


def valid_enterprise_number(value: str) -> str:
    """The compact 10-digit Belgian enterprise number (KBO/BCE); ValueError with the reason if it is not one."""
    try:
        return str(vat.validate(value))
    except ValidationError as exc:
        raise Invalid(P_("not a valid Belgian enterprise number ({reason})"), reason=stdnum_reason(exc)) from exc


def formatted_enterprise_number(compact: str) -> str:
    """0850213314 → 0850.213.314, as the KBO writes it."""
    return f"{compact[:4]}.{compact[4:7]}.{compact[7:]}"


EnterpriseNumber = Annotated[
    str,
    Field(
        min_length=9,
        max_length=20,
        description="Belgian enterprise number (KBO/BCE), with or without dots or `BE`; checked with its check digits.",
        examples=[ENTERPRISE_NUMBER_EXAMPLE],
    ),
    AfterValidator(valid_enterprise_number),
]


class PartyIn(InputModel):
    """A person or organisation involved in a contact."""

    kind: PartyKind = Field(default=PartyKind.person, description="`person` or `organisation`.")
    role: PartyRole = Field(
        description="`subject`: the citizen the contact is about; `representative`: who made the contact on "
        "their behalf (a family member, an informal carer, a legal administrator, a social worker …).",
        examples=[PartyRole.representative],
    )
    relationship: PartyRelationship | None = Field(
        default=None,
        description="What a representative is to the subject (representatives only).",
        examples=[PartyRelationship.family_member],
    )
    citizen_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="A person who is a known citizen. The party shows what is given here, never what the register "
        "holds about them; replies to a correspondent use the register's e-mail and language where none is given "
        "here. Naming a citizen as a party never shows anyone that citizen's own tickets. A known citizen as "
        "`representative` of the contact's citizen needs a representation covering it on the contact's day "
        "(`applications`, or `social` on a social case; see `POST /v1/citizens/{citizen_id}/representations`): "
        "otherwise 422 `outside-consent` and nothing is written.",
        examples=[None],
    )
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="A person's full name, or the organisation's name (required for an organisation).",
        examples=["Lotte Janssens"],
    )
    organisation_name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The organisation a person acts for, e.g. a social worker of the CAW.",
        examples=[None],
    )
    enterprise_number: EnterpriseNumber | None = None
    email: EmailStr | None = Field(default=None, examples=["lotte.janssens@example.org"])
    phone: PhoneNumber | None = Field(default=None, description="Any notation; Belgian by default.")
    language: Language | None = Field(
        default=None, description="The language to write to this party in; defaults to the citizen's preferred one."
    )
    correspondent: bool = Field(
        default=False,
        description="Replies go to this party (the citizen chose so, e.g. for a legal administrator). One per "
        "contact; on a ticket the newest such party counts.",
    )

    @model_validator(mode="after")
    def _coherent(self) -> PartyIn:
        if self.relationship is not None and self.role is not PartyRole.representative:
            raise Invalid(P_("`relationship` says what a representative is to the subject; leave it out here"))
        if self.kind is PartyKind.organisation:
            if self.citizen_id is not None:
                raise Invalid(P_("an organisation is not a citizen: leave out `citizen_id`"))
            if not self.name:
                raise Invalid(P_("give the organisation's `name`"))
            if self.organisation_name is not None:
                raise Invalid(P_("an organisation's name goes in `name`; `organisation_name` is for persons"))
        elif not (self.citizen_id or self.name or self.email or self.phone):
            raise Invalid(P_("identify the person with at least one of citizen_id, name, email or phone"))
        if self.email:
            self.email = self.email.lower()
        return self


class PartyOut(OutputModel):
    id: int
    contact_id: int
    ticket: str | None = Field(
        description="Reference of the contact's ticket; null for a contact without one.", examples=[REFERENCE_EXAMPLE]
    )
    kind: PartyKind
    role: PartyRole
    relationship: PartyRelationship | None
    citizen_id: int | None
    name: str | None = Field(
        description="As given (a known citizen's register name is not shown here).", examples=["Lotte Janssens"]
    )
    organisation_name: str | None
    enterprise_number: str | None = Field(
        description="KBO/BCE number as the KBO writes it.", examples=[ENTERPRISE_NUMBER_EXAMPLE]
    )
    email: str | None
    phone: str | None = Field(examples=["+32470123456"])
    language: Language | None
    correspondent: bool
    recorded_by: ActorOut
    created_at: datetime


class PartyList(OutputModel):
    """The parties of one contact, oldest first (a handful at most, so not paginated)."""

    items: list[PartyOut]


def party_fields(item: dict[str, Any]) -> dict[str, Any]:
    """PartyOut's fields from a JSON object the repositories aggregate (see parties/repository.party_json)."""
    number = item.get("enterprise_number")
    return {
        **item,
        "enterprise_number": formatted_enterprise_number(number) if number else None,
        "recorded_by": ActorOut(kind=item["actor_kind"], id=item["actor_id"], name=item["actor_name"]),
    }


# Request examples shared by the intake and the parties endpoint (real-looking Genk data).
PARTY_EXAMPLES: dict[str, Any] = {
    "daughter": {
        "summary": "The daughter calls for her mother and wants the answers herself",
        "value": {
            "role": "representative",
            "relationship": "family_member",
            "name": "Lotte Janssens",
            "phone": "0470 12 34 56",
            "email": "lotte.janssens@example.org",
            "language": "nl",
            "correspondent": True,
        },
    },
    "social_worker": {
        "summary": "A social worker of another organisation",
        "value": {
            "role": "representative",
            "relationship": "social_worker",
            "name": "Yasmina El Amrani",
            "organisation_name": "CAW Limburg",
            "phone": "011 30 30 30",
        },
    },
    "legal_administrator": {
        "summary": "A legal administrator (bewindvoerder) as an organisation, with its KBO number",
        "value": {
            "kind": "organisation",
            "role": "representative",
            "relationship": "legal_administrator",
            "name": "Bewindvoering Kempen bv",
            "enterprise_number": ENTERPRISE_NUMBER_EXAMPLE,
            "email": "dossiers@bewindvoering-kempen.example",
            "correspondent": True,
        },
    },
    "subject": {
        "summary": "The known citizen the contact is about",
        "value": {"role": "subject", "citizen_id": 1234},
    },
}
