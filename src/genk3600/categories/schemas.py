from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path
from pydantic import ConfigDict, Field

from genk3600.i18n.texts import localised_name
from genk3600.kit.pagination import Page
from genk3600.kit.schemas import InputModel, OutputModel
from genk3600.models import Category
from genk3600.models.category import CATEGORY_CODE_PATTERN
from genk3600.models.enums import Confidentiality, Language, Priority
from genk3600.units.schemas import UnitCode

# A category named in a URL path: looked up as given (404 when unknown), so only its length is checked.
CategoryCodePath = Annotated[str, Path(max_length=100, description="The category's code.", examples=["civil.id_card"])]

CategoryCode = Annotated[
    str, Field(min_length=3, max_length=100, pattern=CATEGORY_CODE_PATTERN, examples=["waste.pickup"])
]


class CategoryIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "waste.pickup",
                    "name": "Ophaling huisvuil",
                    "owning_unit": "omgeving",
                    "confidentiality": "normal",
                    "default_priority": "normal",
                }
            ]
        }
    )

    code: CategoryCode = Field(description="Dotted code, e.g. `civil.id_card`.")
    name: str = Field(min_length=1, max_length=200, examples=["Ophaling huisvuil"])
    names: dict[Language, Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=dict,
        description="The name per language (nl, fr, en, de; any of them); `name` stands in for a language left out.",
        examples=[{"nl": "Ophaling huisvuil", "fr": "Collecte des déchets"}],
    )
    owning_unit: UnitCode = Field(description="Code of the unit that owns tickets in this category.")
    confidentiality: Confidentiality = Field(
        default=Confidentiality.normal, description="`social` marks OCMW matters: need-to-know access."
    )
    default_priority: Priority = Priority.normal


class CategoryOut(OutputModel):
    id: int
    code: str = Field(examples=["waste.pickup"])
    name: str = Field(description="The canonical (Dutch) name.", examples=["Ophaling huisvuil"])
    names: dict[str, str] = Field(
        description="The name per language, as given.",
        examples=[{"nl": "Ophaling huisvuil", "fr": "Collecte des déchets"}],
    )
    display_name: str = Field(
        description="The name in the reader's language (`Accept-Language`), else `name`.",
        examples=["Ophaling huisvuil"],
    )
    owning_unit: str = Field(description="Unit code.", examples=["omgeving"])
    confidentiality: Confidentiality
    default_priority: Priority
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, category: Category, language: Language = Language.en) -> CategoryOut:
        return cls(
            id=category.id,
            code=category.code,
            name=category.name,
            names=category.names,
            display_name=localised_name(category.name, category.names, language),
            owning_unit=category.owning_unit.code,
            confidentiality=Confidentiality(category.confidentiality),
            default_priority=Priority(category.default_priority),
            active=category.active,
            created_at=category.created_at,
        )


class CategoryPage(Page[CategoryOut]):
    """A page of categories."""
