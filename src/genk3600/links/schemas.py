"""Links from tickets and contacts to objects in other systems (onderwerpobjecten)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, HttpUrl

from genk3600.kit.actors import ActorOut
from genk3600.kit.reference import REFERENCE_EXAMPLE
from genk3600.kit.schemas import InputModel, OutputModel
from genk3600.models.party import LINK_CODE_SHAPE

MAX_LINKS = 10
LinkCode = Annotated[str, Field(min_length=1, max_length=50, pattern=LINK_CODE_SHAPE)]
ObjectId = Annotated[str, Field(min_length=1, max_length=200)]


class LinkIn(InputModel):
    """An object in another system, by system, type and id."""

    system: LinkCode = Field(
        description="The other system, as a code (lower case, digits, `.`, `_`, `-`).", examples=["ocmw-dossiers"]
    )
    object_type: LinkCode = Field(description="The kind of object in that system, as a code.", examples=["dossier"])
    object_id: ObjectId = Field(
        description="The object's id in that system, as it writes it.", examples=["SD/2026/04711"]
    )
    url: HttpUrl | None = Field(
        default=None,
        max_length=2_000,
        description="Where staff open the object (http or https only).",
        examples=["https://dossiers.ocmw.genk.example/dossier/SD-2026-04711"],
    )


class LinkOut(OutputModel):
    id: int
    ticket: str | None = Field(
        description="Reference of the ticket the link is on, directly or through its contact; null for a link on "
        "a contact without a ticket.",
        examples=[REFERENCE_EXAMPLE],
    )
    contact_id: int | None = Field(description="The contact the link is on; null for a link on the ticket itself.")
    system: str = Field(examples=["ocmw-dossiers"])
    object_type: str = Field(examples=["dossier"])
    object_id: str = Field(examples=["SD/2026/04711"])
    url: str | None = Field(examples=["https://dossiers.ocmw.genk.example/dossier/SD-2026-04711"])
    recorded_by: ActorOut
    created_at: datetime


class LinkList(OutputModel):
    """Links, oldest first (a handful per ticket, so not paginated)."""

    items: list[LinkOut]


def link_fields(item: dict[str, Any]) -> dict[str, Any]:
    """LinkOut's fields from a JSON object the repositories aggregate (see links/repository.link_json)."""
    return {**item, "recorded_by": ActorOut(kind=item["actor_kind"], id=item["actor_id"], name=item["actor_name"])}


LINK_EXAMPLES: dict[str, Any] = {
    "ocmw_case": {
        "summary": "A case in the OCMW's case system",
        "value": {
            "system": "ocmw-dossiers",
            "object_type": "dossier",
            "object_id": "SD/2026/04711",
            "url": "https://dossiers.ocmw.genk.example/dossier/SD-2026-04711",
        },
    },
    "permit": {
        "summary": "An environment permit file",
        "value": {"system": "omgevingsloket", "object_type": "omgevingsvergunning", "object_id": "OMV_2026047113"},
    },
    "street_light": {
        "summary": "A street light",
        "value": {"system": "fluvius-openbare-verlichting", "object_type": "lichtpunt", "object_id": "GNK-014562"},
    },
}
