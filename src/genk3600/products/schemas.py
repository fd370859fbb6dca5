from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, model_validator

from genk3600.categories.schemas import CategoryCode
from genk3600.errors import Invalid
from genk3600.i18n.catalogue import P_
from genk3600.kit.schemas import InputModel, LocalTime, OutputModel
from genk3600.models.enums import Language
from genk3600.models.knowledge import PRODUCT_CODE_PATTERN
from genk3600.units.schemas import UnitCode

ProductCode = Annotated[
    str,
    Field(min_length=2, max_length=100, pattern=PRODUCT_CODE_PATTERN, examples=["identiteitskaart-aanvragen"]),
]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=4000)]
Synonym = Annotated[str, Field(min_length=1, max_length=100)]

PRODUCT_EXAMPLE: dict[str, Any] = {
    "code": "identiteitskaart-aanvragen",
    "texts": {
        "nl": {
            "name": "Identiteitskaart aanvragen",
            "description": "Een nieuwe elektronische identiteitskaart (eID), ook bij verlies of diefstal.",
            "what_to_bring": "Uw oude identiteitskaart of het attest van verlies of diefstal van de politie, "
            "een recente pasfoto.",
            "cost": "€ 20,00 (spoedprocedure duurder)",
            "delivery_time": "Ongeveer 3 weken",
        },
        "fr": {
            "name": "Demander une carte d'identité",
            "description": "Une nouvelle carte d'identité électronique (eID), aussi en cas de perte ou de vol.",
            "what_to_bring": "L'ancienne carte ou l'attestation de perte ou de vol de la police, une photo récente.",
        },
    },
    "synonyms": {"nl": ["eID", "kids-ID", "identiteitsbewijs"], "fr": ["carte d'identité"]},
    "web_page": "https://www.genk.be/identiteitskaart",
    "categories": ["civil.id_card"],
    "desk_unit": "burgerzaken",
}


class ProductTexts(InputModel):
    """The entry's texts in one language; only the name is required."""

    name: ShortText = Field(examples=["Identiteitskaart aanvragen"])
    description: LongText | None = Field(default=None, description="What it is, in plain language.")
    what_to_bring: LongText | None = Field(default=None, description="What the citizen needs to bring or send.")
    cost: ShortText | None = Field(default=None, examples=["€ 20,00"])
    delivery_time: ShortText | None = Field(default=None, description="How long it takes.", examples=["3 weken"])


class ProductIn(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PRODUCT_EXAMPLE]})

    code: ProductCode = Field(description="Stable code in lowercase letters, digits and dashes.")
    texts: dict[Language, ProductTexts] = Field(
        description="The texts per language (nl, fr, en, de); Dutch is required, the others fall back to it.",
        min_length=1,
    )
    synonyms: dict[Language, Annotated[list[Synonym], Field(max_length=50)]] = Field(
        default_factory=dict,
        description="Words citizens use for it, per language; the search finds them as it finds the name.",
        examples=[{"nl": ["eID", "kids-ID"], "fr": ["carte d'identité"]}],
    )
    web_page: str | None = Field(
        default=None, max_length=500, pattern=r"^https?://[^\s]+$", examples=["https://www.genk.be/identiteitskaart"]
    )
    categories: list[CategoryCode] = Field(
        min_length=1,
        max_length=10,
        description="The categories this product belongs to, the main one first; their deciders decide on it.",
    )
    desk_unit: UnitCode | None = Field(
        default=None,
        description="The unit whose desk the citizen visits (its opening hours are shown); default: the owning "
        "unit of the first category.",
    )
    active: bool = Field(default=True, description="Inactive entries are kept but not found by the search.")

    @model_validator(mode="after")
    def _dutch_and_distinct(self) -> ProductIn:
        if Language.nl not in self.texts:
            raise Invalid(P_("texts must include Dutch (nl): it is the fallback for every other language"))
        if len(set(self.categories)) != len(self.categories):
            raise Invalid(P_("categories must not repeat a category"))
        return self


class DeciderOut(OutputModel):
    code: str = Field(examples=["burgerzaken"])
    name: str = Field(description="The unit's name in the reader's language.", examples=["Burgerzaken"])


class ProductCategoryOut(OutputModel):
    code: str = Field(examples=["civil.id_card"])
    name: str = Field(description="In the reader's language.", examples=["Identiteitskaart"])
    social: bool = Field(description="An OCMW (social) category.")
    owning_unit: DeciderOut
    deciding_units: list[DeciderOut] = Field(
        description="Units holding decision authority for the category (none: no unit may decide yet)."
    )


class DeskHoursOut(OutputModel):
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday.", examples=[0])
    opens: LocalTime = Field(examples=["08:30"])
    closes: LocalTime = Field(examples=["12:30"])


class DeskOut(OutputModel):
    code: str = Field(examples=["burgerzaken"])
    name: str = Field(examples=["Burgerzaken"])
    opening_hours: list[DeskHoursOut] = Field(
        description="The unit's own weekly hours, else the city's, else Genk's default office hours."
    )


class ProductTextsOut(OutputModel):
    name: str
    description: str | None = None
    what_to_bring: str | None = None
    cost: str | None = None
    delivery_time: str | None = None


class ProductOut(OutputModel):
    code: str = Field(examples=["identiteitskaart-aanvragen"])
    version: int = Field(description="The current version; its ETag is what If-Match carries.", examples=[2])
    language: Language = Field(description="The language of `display` (the reader's, else Dutch).")
    display: ProductTextsOut = Field(description="The texts in the reader's language, each falling back to Dutch.")
    texts: dict[str, ProductTextsOut] = Field(description="The texts per language, as written.")
    synonyms: dict[str, list[str]]
    web_page: str | None
    categories: list[ProductCategoryOut]
    deciding_units: list[DeciderOut] = Field(
        description="Who may decide on the product: the deciding units of its categories, the main one first."
    )
    desk: DeskOut | None = Field(description="Where the citizen goes, with its opening hours.")
    ipdc_id: str | None = Field(
        default=None, description="Its id in the Flemish product catalogue, if imported from there."
    )
    active: bool
    updated_at: datetime
    rank: float | None = Field(default=None, description="Search relevance (only in search results).")


class ProductPage(OutputModel):
    """A page of products: by code, or with `q` the best matches first (no further pages)."""

    items: list[ProductOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page and for searches.", examples=[None]
    )


class ProductVersionOut(OutputModel):
    version: int
    content: dict[str, Any] = Field(description="The entry as written in this version (the request body).")
    actor_name: str = Field(examples=["Ad Min"])
    created_at: datetime


class ProductHistory(OutputModel):
    code: str
    versions: list[ProductVersionOut] = Field(description="Oldest first; the last one is current.")
