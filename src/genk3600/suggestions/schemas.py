from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field, model_validator

from genk3600.errors import Invalid
from genk3600.i18n.catalogue import P_
from genk3600.kit.schemas import InputModel, OutputModel

SUGGESTION_REQUEST_EXAMPLE: dict[str, Any] = {
    "subject": "Identiteitskaart gestolen",
    "text": "Mijn identiteitskaart is gestolen, wat moet ik doen?",
}


class SuggestionIn(InputModel):
    """What the citizen said: a subject, a text, or both (Dutch or French; other languages word by word)."""

    model_config = ConfigDict(json_schema_extra={"examples": [SUGGESTION_REQUEST_EXAMPLE]})

    subject: str | None = Field(default=None, max_length=500, examples=["Identiteitskaart gestolen"])
    text: str | None = Field(
        default=None, max_length=20_000, examples=["Mijn identiteitskaart is gestolen, wat moet ik doen?"]
    )

    @model_validator(mode="after")
    def _something(self) -> SuggestionIn:
        if not (self.subject or "").strip() and not (self.text or "").strip():
            raise Invalid(P_("give a subject or a text (or both) to suggest a category from"))
        return self


class SuggestionReason(OutputModel):
    word: str = Field(description="A word (or pair of words) of the text, as typed.", examples=["identiteitskaart"])
    weight: float = Field(description="Its share in the category's score (larger: weighs more).", examples=[0.83])


class SuggestionOut(OutputModel):
    category: str = Field(examples=["civil.id_card"])
    name: str = Field(description="The category's name in the reader's language.", examples=["Identiteitskaart"])
    confidence: float = Field(ge=0, le=1, description="The model's probability for this category.", examples=[0.91])
    social: bool = Field(description="An OCMW (social) category; only suggested to callers who may see it.")
    reasons: list[SuggestionReason] = Field(description="The words that drove this suggestion most, strongest first.")


class SuggestionsOut(OutputModel):
    model_version: int | None = Field(description="The model that answered; null when none is trained yet.")
    suggestions: list[SuggestionOut] = Field(description="At most three, most likely first.")
    preselect: str | None = Field(
        description="The top category when its confidence reaches `preselect_threshold` (the console picks it "
        "for the agent, showing the reasons); else null.",
        examples=["civil.id_card"],
    )
    preselect_threshold: float = Field(examples=[0.6])


class ClassifierModelOut(OutputModel):
    version: int
    format: str
    classes: list[str]
    ticket_count: int = Field(description="Resolved tickets it was trained on.")
    details: dict[str, Any] = Field(description="Training facts: held-out accuracy on a time split, parameters.")
    actor_name: str
    created_at: datetime


class ClassifierModelList(OutputModel):
    items: list[ClassifierModelOut] = Field(description="Newest first; the first one serves.")
