from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field

from genk3600.i18n.texts import localised_name
from genk3600.kit.pagination import Page
from genk3600.kit.schemas import InputModel, OutputModel
from genk3600.models import Unit
from genk3600.models.enums import Language, UnitKind
from genk3600.models.organisation import CODE_PATTERN

UnitCode = Annotated[str, Field(min_length=2, max_length=64, pattern=CODE_PATTERN, examples=["burgerzaken"])]


class UnitIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"code": "burgerzaken", "name": "Burgerzaken", "kind": "department", "parent": "stad_genk"}]
        }
    )

    code: UnitCode = Field(description="Stable identifier: lower case letters, digits and `_`.")
    name: str = Field(min_length=1, max_length=200, examples=["Burgerzaken"])
    kind: UnitKind = Field(examples=[UnitKind.department])
    names: dict[Language, Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=dict,
        description="The name per language (nl, fr, en, de; any of them); `name` stands in for a language left out.",
        examples=[{"nl": "Burgerzaken", "fr": "Population et état civil"}],
    )
    parent: UnitCode | None = Field(default=None, description="Code of the parent unit, if any.")
    front_office: bool | None = Field(
        default=None,
        description="Staff of a front-office unit read every normal ticket of every department (one front "
        "door); social tickets stay need-to-know. Defaults from `kind`: true for `contact_centre`, "
        "`reception`, `quick_desk` and `thematic_desk`.",
    )


class UnitOut(OutputModel):
    id: int
    code: str = Field(examples=["burgerzaken"])
    name: str = Field(description="The canonical (Dutch) name.", examples=["Burgerzaken"])
    names: dict[str, str] = Field(
        description="The name per language, as given.",
        examples=[{"nl": "Burgerzaken", "fr": "Population et état civil"}],
    )
    display_name: str = Field(
        description="The name in the reader's language (`Accept-Language`), else `name`.",
        examples=["Burgerzaken"],
    )
    kind: UnitKind
    parent: str | None = Field(description="Code of the parent unit.", examples=["stad_genk"])
    active: bool
    front_office: bool = Field(description="Its staff read every normal ticket of every department.")
    created_at: datetime

    @classmethod
    def of(cls, unit: Unit, language: Language = Language.en) -> UnitOut:
        return cls(
            id=unit.id,
            code=unit.code,
            name=unit.name,
            names=unit.names,
            display_name=localised_name(unit.name, unit.names, language),
            kind=UnitKind(unit.kind),
            parent=unit.parent.code if unit.parent else None,
            active=unit.active,
            front_office=unit.front_office,
            created_at=unit.created_at,
        )


class UnitPage(Page[UnitOut]):
    """A page of units."""
