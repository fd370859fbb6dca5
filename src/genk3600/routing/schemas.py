from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, ConfigDict, Field
from pydantic.config import JsonDict

from genk3600.categories.schemas import CategoryCode
from genk3600.i18n.texts import NO_NAMES, Names, render_message
from genk3600.kit.schemas import InputModel, OutputModel
from genk3600.models import RoutingRuleVersion
from genk3600.models.enums import Channel, Language
from genk3600.routing.rules import Actions, Conditions, Decision

RULE_EXAMPLE: JsonDict = {
    "name": "Afval ophaling",
    "position": 10,
    "active": True,
    "conditions": {"categories": ["waste.*"], "keywords": ["grofvuil", "container"]},
    "actions": {"owning_unit": "omgeving", "priority": "normal"},
}


class RuleIn(InputModel):
    """A rule as written by an administrator; saving it again makes a new version."""

    model_config = ConfigDict(json_schema_extra={"examples": [RULE_EXAMPLE]})

    name: str = Field(min_length=1, max_length=200)
    position: int = Field(ge=0, le=1_000_000, description="Lower positions are tried first.")
    active: bool = True
    conditions: Conditions = Field(default_factory=Conditions, description="All given conditions must hold.")
    actions: Actions


class RuleOut(OutputModel):
    id: int = Field(description="Stable across versions.")
    version: int
    name: str
    position: int
    active: bool
    conditions: Conditions
    actions: Actions
    changed_by: str
    created_at: datetime

    @classmethod
    def of(cls, row: RoutingRuleVersion) -> RuleOut:
        return cls(
            id=row.rule_id,
            version=row.version,
            name=row.name,
            position=row.position,
            active=row.active,
            conditions=Conditions.model_validate(row.conditions),
            actions=Actions.model_validate(row.actions),
            changed_by=row.actor_name,
            created_at=row.created_at,
        )


class RuleHistory(OutputModel):
    versions: list[RuleOut] = Field(description="Oldest first; the last one is current.")


class ContactSketch(InputModel):
    """The facts routing looks at, for a dry run."""

    channel: Channel
    category: CategoryCode | None = None
    subject: str = Field(default="", max_length=300)
    body: str = Field(default="", max_length=20_000)
    language: Language = Language.nl
    citizen_has_case_worker: bool = False
    at: AwareDatetime | None = Field(default=None, description="When the contact comes in (time-of-day rules).")


class SimulateIn(InputModel):
    contact: ContactSketch
    rules: list[RuleIn] | None = Field(
        default=None, description="A draft rule set to try instead of the current rules (ids are made up)."
    )
    use_suggested_category: bool = Field(
        default=False,
        description="For a sketch without a category: route it with the category the suggestion pre-selects for "
        "its subject and body (`POST /v1/suggestions/categories`), as the console would. Only when asked; the "
        "answer's `suggested_category` says which category was taken and why (null: none was confident enough).",
    )


class SuggestedCategory(OutputModel):
    """The category a dry run took from the suggestion, with the model's confidence and reasons."""

    category: str = Field(examples=["civil.id_card"])
    name: str = Field(description="In the reader's language.", examples=["Identiteitskaart"])
    confidence: float = Field(examples=[0.91])
    reasons: list[str] = Field(description="The words that drove it.", examples=[["identiteitskaart", "gestolen"]])


class DecisionOut(OutputModel):
    rule_id: int | None
    rule_version: int | None
    rule_name: str
    owning_unit: str = Field(description="Unit code.", examples=["omgeving"])
    owning_unit_name: str = Field(description="The unit's name in the reader's language.", examples=["Omgeving"])
    actions: Actions
    matched: list[str] = Field(
        description="What matched, one phrase per condition, in the reader's language (`Accept-Language`).",
        examples=[["categorie Ophaling huisvuil"]],
    )
    explanation: str = Field(
        description="The decision in one sentence, in the reader's language (`Accept-Language`).",
        examples=["regel 'Afval ophaling' v3: categorie Ophaling huisvuil → Omgeving"],
    )
    suggested_category: SuggestedCategory | None = Field(
        default=None, description="Dry runs with `use_suggested_category`: the category taken from the suggestion."
    )

    @classmethod
    def of(cls, decision: Decision, language: Language = Language.en, names: Names = NO_NAMES) -> DecisionOut:
        return cls(
            rule_id=decision.rule_id,
            rule_version=decision.rule_version,
            rule_name=decision.rule_name,
            owning_unit=decision.actions.owning_unit,
            owning_unit_name=names.unit(decision.actions.owning_unit, language),
            actions=decision.actions,
            matched=[render_message(reason, language, names) for reason in decision.reasons],
            explanation=render_message(decision.text, language, names),
        )


class ReplayIn(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"days": 30, "rules": [RULE_EXAMPLE]}]})

    days: int = Field(default=30, ge=1, le=366, description="Replay the tickets opened in the last N days.")
    rules: list[RuleIn] = Field(description="The draft rule set to compare with what happened.")


class UnitShift(OutputModel):
    unit: str = Field(description="Unit code.")
    unit_name: str = Field(description="The unit's name in the reader's language (`Accept-Language`).")
    before: int = Field(description="Tickets the unit got.")
    after: int = Field(description="Tickets the unit would get under the draft.")


class ReplayOut(OutputModel):
    tickets: int = Field(description="Tickets replayed.")
    would_move: int = Field(description="Tickets that would land with another unit.")
    per_unit: list[UnitShift]
