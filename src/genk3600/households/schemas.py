"""What the household endpoints take and give, and the household as the screen pop and a ticket show it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field, model_validator

from genk3600.errors import Invalid
from genk3600.i18n.catalogue import P_
from genk3600.kit.schemas import MAX_ID, InputModel, OutputModel
from genk3600.models.enums import ConsentScope, ConsentSource, RelationKind, RepresentationKind

FIRST_DAY_EXAMPLE = "2026-09-01"
LAST_DAY_EXAMPLE = "2027-08-31"

SCOPES_DESCRIPTION = (
    "What the representative may do for the citizen: `information` (be told about the citizen's questions and "
    "their progress), `applications` (make contacts and requests for the citizen in normal matters), "
    "`appointments` (book, move and cancel appointments and home visits), `social` (act in the citizen's OCMW "
    "matters: contacts on social tickets need it), or `all` (every one of these)."
)


class RelationIn(InputModel):
    """How another known citizen is related to this one."""

    related_citizen_id: int = Field(ge=1, le=MAX_ID, description="The other citizen.", examples=[1235])
    kind: RelationKind = Field(
        description="What the other citizen is to this one: `partner`, `parent`, `child` or `household_member` "
        "(lives in the same household). Read from the other side it turns round: a parent there is a child here.",
        examples=[RelationKind.child],
    )
    first_day: date | None = Field(default=None, description="Since when, if known.", examples=[None])
    last_day: date | None = Field(default=None, description="Until when (inclusive), if it has ended.", examples=[None])

    @model_validator(mode="after")
    def _period(self) -> RelationIn:
        if self.first_day and self.last_day and self.last_day < self.first_day:
            raise Invalid(P_("`last_day` comes before `first_day`"))
        return self


class EndIn(InputModel):
    """End a relation or a representation (it stays in the history)."""

    last_day: date | None = Field(
        default=None,
        description="The last day it holds (inclusive); today (Europe/Brussels) when left out. From the day after, "
        "it is no longer active.",
        examples=["2026-12-06"],
    )


class PersonOut(OutputModel):
    """A known citizen as the household shows them: a name, nothing of their own tickets."""

    citizen_id: int = Field(examples=[1235])
    given_name: str | None = Field(examples=["Lotte"])
    family_name: str | None = Field(examples=["Janssens"])


class RelationOut(OutputModel):
    id: int
    kind: RelationKind = Field(description="What `relative` is to the citizen read.", examples=[RelationKind.child])
    relative: PersonOut
    first_day: date | None
    last_day: date | None
    active: bool = Field(description="Holds today (within its period).")


class RepresentationIn(InputModel):
    """Someone who may act for the citizen: a known citizen, or a person or office by name."""

    representative_citizen_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="The representative, when they are a known citizen (needed for them to act for the citizen "
        "as a party of a contact: that is checked against this consent).",
        examples=[1235],
    )
    representative_name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The representative's name, when they are not a known citizen (e.g. a lawyer as bewindvoerder).",
        examples=[None],
    )
    organisation_name: str | None = Field(
        default=None, min_length=1, max_length=200, description="The office they act for, if any.", examples=[None]
    )
    kind: RepresentationKind = Field(
        description="`informal_carer` (mantelzorger, on the citizen's own consent), `legal_administrator` "
        "(bewindvoerder, appointed by the justice of the peace), `guardian` (voogd).",
        examples=[RepresentationKind.informal_carer],
    )
    scopes: list[ConsentScope] = Field(
        min_length=1, max_length=5, description=SCOPES_DESCRIPTION, examples=[["information", "applications"]]
    )
    first_day: date = Field(description="First day of the consent.", examples=[FIRST_DAY_EXAMPLE])
    last_day: date | None = Field(
        default=None,
        description="Last day of the consent (inclusive); open-ended when left out.",
        examples=[LAST_DAY_EXAMPLE],
    )
    source: ConsentSource = Field(
        description="What it rests on: `signed_consent` (a form the citizen signed), `court_order` (a judgement of "
        "the justice of the peace) or `other`.",
        examples=[ConsentSource.signed_consent],
    )
    source_reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The consent form's or court order's number.",
        examples=["TV-2026-0412"],
    )

    @model_validator(mode="after")
    def _coherent(self) -> RepresentationIn:
        if self.representative_citizen_id is None and self.representative_name is None:
            raise Invalid(P_("name the representative: `representative_citizen_id` or `representative_name`"))
        if self.last_day and self.last_day < self.first_day:
            raise Invalid(P_("`last_day` comes before `first_day`"))
        self.scopes = sorted(set(self.scopes))
        return self


class RepresentationChange(InputModel):
    """What may change in a representation; fields left out stay as they are."""

    scopes: list[ConsentScope] | None = Field(
        default=None, min_length=1, max_length=5, description=SCOPES_DESCRIPTION, examples=[["all"]]
    )
    first_day: date | None = Field(default=None, examples=[None])
    last_day: date | None = Field(
        default=None, description="Null (given explicitly) makes the consent open-ended.", examples=[LAST_DAY_EXAMPLE]
    )
    source: ConsentSource | None = Field(default=None, examples=[None])
    source_reference: str | None = Field(default=None, min_length=1, max_length=200, examples=["TV-2026-0412/2"])

    @model_validator(mode="after")
    def _something(self) -> RepresentationChange:
        if not self.model_fields_set:
            raise Invalid(P_("give at least one field to change"))
        for name in ("scopes", "first_day", "source"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise Invalid(P_("`{field}` cannot be null"), field=name)
        if self.scopes is not None:
            self.scopes = sorted(set(self.scopes))
        return self


class RepresentativeOut(OutputModel):
    """Who represents: a known citizen (with their register name) or a name as recorded."""

    citizen_id: int | None = Field(examples=[1235])
    given_name: str | None = Field(examples=["Lotte"])
    family_name: str | None = Field(examples=["Janssens"])
    name: str | None = Field(
        description="As recorded, for a representative who is not a known citizen.", examples=[None]
    )
    organisation_name: str | None = Field(examples=[None])


class RepresentationOut(OutputModel):
    id: int
    citizen: PersonOut = Field(description="Whom the representative acts for.")
    representative: RepresentativeOut
    kind: RepresentationKind
    scopes: list[ConsentScope] = Field(description=SCOPES_DESCRIPTION, examples=[["applications", "information"]])
    first_day: date = Field(examples=[FIRST_DAY_EXAMPLE])
    last_day: date | None = Field(examples=[LAST_DAY_EXAMPLE])
    source: ConsentSource
    source_reference: str | None = Field(examples=["TV-2026-0412"])
    active: bool = Field(description="The consent holds today (within its period).")
    version: int = Field(description="Changes with every change; `ETag` is this version quoted.", examples=[1])
    created_at: datetime
    updated_at: datetime


class HouseholdOut(OutputModel):
    """A citizen's relations and representatives: names, relation, consent scope and period; never the other
    people's tickets (a relation opens nobody's case)."""

    citizen_id: int = Field(examples=[1234])
    relations: list[RelationOut] = Field(description="Related citizens, seen from this citizen, newest first.")
    representatives: list[RepresentationOut] = Field(description="Who may act for this citizen, newest first.")
    represents: list[RepresentationOut] = Field(description="Whom this citizen may act for, newest first.")


def household_fields(value: dict[str, Any] | None, citizen_id: int) -> dict[str, Any]:
    """HouseholdOut's fields from the JSON object households/repository.household_json builds."""
    value = value or {}
    return {
        "citizen_id": citizen_id,
        "relations": value.get("relations") or [],
        "representatives": value.get("representatives") or [],
        "represents": value.get("represents") or [],
    }


RELATION_EXAMPLES: dict[str, Any] = {
    "daughter": {
        "summary": "Her daughter (who calls for her)",
        "value": {"related_citizen_id": 1235, "kind": "child"},
    },
    "partner": {
        "summary": "A partner, living together since 2019",
        "value": {"related_citizen_id": 1236, "kind": "partner", "first_day": "2019-05-01"},
    },
}

REPRESENTATION_EXAMPLES: dict[str, Any] = {
    "informal_carer": {
        "summary": "The daughter as mantelzorger, on a signed consent form",
        "value": {
            "representative_citizen_id": 1235,
            "kind": "informal_carer",
            "scopes": ["information", "applications", "appointments"],
            "first_day": FIRST_DAY_EXAMPLE,
            "last_day": LAST_DAY_EXAMPLE,
            "source": "signed_consent",
            "source_reference": "TV-2026-0412",
        },
    },
    "legal_administrator": {
        "summary": "A bewindvoerder appointed by the justice of the peace",
        "value": {
            "representative_name": "Mr. Pieter Claes",
            "organisation_name": "Advocatenkantoor Claes",
            "kind": "legal_administrator",
            "scopes": ["all"],
            "first_day": "2026-03-15",
            "source": "court_order",
            "source_reference": "Vredegerecht Genk 26B1234",
        },
    },
}
