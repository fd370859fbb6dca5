"""The routing engine: ordered, versioned rules decide who owns a contact's ticket, and say why.

Pure on purpose (no database, no clock): the caller loads the rules and computes the contact's local time,
so a decision can be replayed and explained later from the same inputs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from genk3600.errors import Invalid
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import LEGACY, Message, render_message
from genk3600.kit.schemas import MAX_ID, LocalTime
from genk3600.models.category import CATEGORY_CODE_PATTERN
from genk3600.models.enums import Channel, Confidentiality, Language, Priority

DEFAULT_RULE_NAME = "default"

_CATEGORY_CODE = re.compile(CATEGORY_CODE_PATTERN)
# A prefix may be any node of the category tree, including a top-level one ("waste.*").
_CATEGORY_PREFIX = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*$")
_NOT_A_WORD = re.compile(r"[\W_]+")
# NFKD leaves these letters whole because Unicode sees them as letters of their own, not as accented ones.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


def normalise_text(text: str) -> str:
    """Lower-case, accents and ligatures folded, anything but letters and digits turned into single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    # ASCII has no combining marks: only the other characters are asked about, not every one (#16, intake CPU).
    bare = decomposed if decomposed.isascii() else _NOT_ASCII.sub(_unless_combining, decomposed)
    return _NOT_A_WORD.sub(" ", bare.translate(_LIGATURES)).strip()


_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


def _unless_combining(match: re.Match[str]) -> str:
    char = match.group()
    return "" if unicodedata.combining(char) else char


@lru_cache(maxsize=4096)
def _keyword_needle(keyword: str) -> str:
    """A rule's keyword as `_ContactText.contains` looks for it: the rules' keywords are few and asked for on every
    contact, so each is normalised once per process."""
    return f" {normalise_text(keyword)} "


class Conditions(BaseModel):
    """All given conditions must hold; a list inside one condition means any of its entries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Empty lists are refused: a condition nothing can satisfy is a mistake, not a way to disable a rule.
    channels: Annotated[list[Channel], Field(min_length=1)] | None = None
    categories: Annotated[list[str], Field(min_length=1)] | None = Field(
        default=None, description="Category codes; `waste.*` matches every code under `waste`."
    )
    keywords: Annotated[list[Annotated[str, Field(max_length=200)]], Field(min_length=1)] | None = Field(
        default=None,
        description="Words or phrases looked for in subject and body; accents, case and punctuation ignored, "
        "whole words only.",
    )
    languages: Annotated[list[Language], Field(min_length=1)] | None = None
    citizen_has_case_worker: bool | None = None
    local_time_from: LocalTime | None = Field(default=None, description="Europe/Brussels time of day, inclusive.")
    local_time_until: LocalTime | None = Field(
        default=None, description="Exclusive; earlier than `local_time_from` means the window wraps midnight."
    )

    @field_validator("categories")
    @classmethod
    def _category_codes(cls, categories: list[str] | None) -> list[str] | None:
        for entry in categories or ():
            if not (_CATEGORY_CODE.match(entry) or _CATEGORY_PREFIX.match(entry)):
                raise Invalid(P_("{entry!r} is neither a category code nor a prefix like 'waste.*'"), entry=entry)
        return categories

    @field_validator("keywords")
    @classmethod
    def _keywords_have_words(cls, keywords: list[str] | None) -> list[str] | None:
        for keyword in keywords or ():
            if not normalise_text(keyword):
                raise Invalid(P_("keyword {keyword!r} has no letters or digits"), keyword=keyword)
        return keywords

    @model_validator(mode="after")
    def _time_window(self) -> Self:
        start, end = self.local_time_from, self.local_time_until
        if (start is None) != (end is None):
            raise Invalid(P_("local_time_from and local_time_until go together: give both or neither"))
        if start is not None and end is not None:
            if start.tzinfo is not None or end.tzinfo is not None:
                raise Invalid(P_("local times carry no time zone: they are read in Europe/Brussels"))
            if start == end:
                raise Invalid(P_("local_time_from and local_time_until must differ"))
        return self


class AssignmentStrategy(StrEnum):
    queue = "queue"
    case_worker = "case_worker"
    named_staff = "named_staff"


class Actions(BaseModel):
    """What happens to a contact's ticket once a rule matches."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    owning_unit: str = Field(min_length=1, description="Unit code.")
    priority: Priority | None = Field(default=None, description="Null keeps the category's default.")
    confidentiality: Confidentiality | None = Field(default=None, description="Null keeps the category's.")
    sla_policy: str | None = Field(default=None, min_length=1, description="SLA policy code.")
    assignment: AssignmentStrategy = AssignmentStrategy.queue
    assignee_staff_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    tier: int = Field(default=1, ge=1, le=3)

    @model_validator(mode="after")
    def _assignee_iff_named_staff(self) -> Self:
        named = self.assignment is AssignmentStrategy.named_staff
        if named and self.assignee_staff_id is None:
            raise Invalid(P_("assignment named_staff needs assignee_staff_id"))
        if not named and self.assignee_staff_id is not None:
            raise Invalid(P_("assignee_staff_id is only allowed with assignment named_staff"))
        return self


@dataclass(frozen=True)
class Rule:
    id: int
    version: int
    name: str
    position: int
    active: bool
    conditions: Conditions
    actions: Actions


@dataclass(frozen=True)
class ContactFacts:
    """Everything the engine may look at; nothing else about the contact can influence routing."""

    channel: Channel
    category: str | None
    subject: str
    body: str
    language: Language
    citizen_has_case_worker: bool
    local_time: time  # Europe/Brussels, computed by the caller

    def __post_init__(self) -> None:
        # Comparing an aware time with the naive window bounds would raise deep inside route().
        if self.local_time.tzinfo is not None:
            raise ValueError("local_time carries no time zone: convert to Europe/Brussels first")


@dataclass(frozen=True)
class UnitNames:
    """The units' canonical names, for the English sentences the engine keeps next to its messages."""

    names: Mapping[str, str]

    def display(self, code: str) -> str:
        """The unit's display name, or its code when the name is unknown."""
        return self.names.get(code, code)

    def unit(self, code: str, language: Language) -> str:
        return self.display(code)

    def category(self, code: str, language: Language) -> str:
        return code


@dataclass(frozen=True)
class Decision:
    rule_id: int | None
    rule_version: int | None
    rule_name: str
    actions: Actions  # as applied, which may differ from the rule's (see route)
    matched: tuple[str, ...]  # what matched, in English (`reasons` in any language)
    explanation: str  # in English (`text` in any language)
    reasons: tuple[Message, ...] = field(default=(), compare=False)
    text: Message = field(default=Message(LEGACY), compare=False)


def decision(
    rule_id: int | None,
    rule_version: int | None,
    rule_name: str,
    actions: Actions,
    reasons: Sequence[Message],
    text: Message,
    units: UnitNames,
) -> Decision:
    """A decision with its texts as messages and, for logs and older readers, in English."""
    return Decision(
        rule_id=rule_id,
        rule_version=rule_version,
        rule_name=rule_name,
        actions=actions,
        matched=tuple(render_message(reason, Language.en, units) for reason in reasons),
        explanation=render_message(text, Language.en, units),
        reasons=tuple(reasons),
        text=text,
    )


def default_decision(front_office_unit: str, units: UnitNames) -> Decision:
    """What happens when no rule matches: the contact centre's tier-1 queue."""
    text = Message("routing.default", {"unit": front_office_unit})
    return decision(None, None, DEFAULT_RULE_NAME, Actions(owning_unit=front_office_unit), (), text, units)


def route(facts: ContactFacts, rules: Sequence[Rule], units: UnitNames, front_office_unit: str) -> Decision:
    """The first active rule by position (then id) that matches the contact, else the default."""
    text = _ContactText(facts)
    # Version breaks the last tie only so that a stray duplicate cannot make input order matter.
    for rule in sorted(rules, key=lambda rule: (rule.position, rule.id, -rule.version)):
        if not rule.active:
            continue
        matched = _match(rule.conditions, facts, text)
        if matched is None:
            continue
        actions = rule.actions
        if actions.assignment is AssignmentStrategy.case_worker and not facts.citizen_has_case_worker:
            # The rule still knows the right unit; falling through would send an OCMW matter to the
            # front office instead.
            actions = actions.model_copy(update={"assignment": AssignmentStrategy.queue})
        sentence = explain(rule, matched, applied=actions)
        return decision(rule.id, rule.version, rule.name, actions, matched, sentence, units)
    return default_decision(front_office_unit, units)


def explain(rule: Rule, matched: Sequence[Message], *, applied: Actions | None = None) -> Message:
    """One sentence for the ticket timeline; `applied` when the actions taken differ from the rule's."""
    actions = applied if applied is not None else rule.actions
    reasons = [reason.as_json() for reason in matched] or [Message("routing.matched.any").as_json()]
    params = {"rule": rule.name, "version": rule.version, "reasons": reasons, "unit": actions.owning_unit}
    details = _action_details(actions, requested=rule.actions)
    if not details:
        return Message("routing.rule", params)
    return Message("routing.rule_with_details", {**params, "details": [detail.as_json() for detail in details]})


def _action_details(actions: Actions, requested: Actions) -> list[Message]:
    details: list[Message] = []
    if actions.priority is not None:
        details.append(Message("routing.action.priority", {"priority": actions.priority.value}))
    if actions.confidentiality is not None:
        details.append(Message("routing.action.confidentiality", {"confidentiality": actions.confidentiality.value}))
    if actions.sla_policy is not None:
        details.append(Message("routing.action.sla_policy", {"policy": actions.sla_policy}))
    if actions.tier != 1:
        details.append(Message("routing.action.tier", {"tier": actions.tier}))
    if actions.assignment is AssignmentStrategy.case_worker:
        details.append(Message("routing.action.case_worker"))
    elif actions.assignment is AssignmentStrategy.named_staff:
        details.append(Message("routing.action.named_staff", {"staff_id": actions.assignee_staff_id}))
    elif requested.assignment is AssignmentStrategy.case_worker:
        details.append(Message("routing.action.no_case_worker"))
    return details


class _ContactText:
    """Subject and body normalised at most once per contact, and only if some rule looks at keywords."""

    def __init__(self, facts: ContactFacts) -> None:
        self._facts = facts
        self._padded: tuple[str, str] | None = None

    def contains(self, keyword: str) -> bool:
        if self._padded is None:
            # Padding lets a plain substring test respect word boundaries. Subject and body stay apart so
            # that a phrase cannot match across the seam between them.
            subject, body = normalise_text(self._facts.subject), normalise_text(self._facts.body)
            self._padded = (f" {subject} ", f" {body} ")
        needle = _keyword_needle(keyword)
        return any(needle in field for field in self._padded)


def _match(conditions: Conditions, facts: ContactFacts, text: _ContactText) -> tuple[Message, ...] | None:
    """What matched, or None when a condition fails; keywords go last as the costliest."""
    matched: list[Message] = []
    if conditions.channels is not None:
        if facts.channel not in conditions.channels:
            return None
        matched.append(Message("routing.matched.channel", {"channel": facts.channel.value}))
    if conditions.categories is not None:
        found = matching_category(conditions.categories, facts.category)
        if found is None:
            return None
        matched.append(found)
    if conditions.languages is not None:
        if facts.language not in conditions.languages:
            return None
        matched.append(Message("routing.matched.language", {"language": facts.language.value}))
    if conditions.citizen_has_case_worker is not None:
        if facts.citizen_has_case_worker != conditions.citizen_has_case_worker:
            return None
        has = "case_worker" if facts.citizen_has_case_worker else "no_case_worker"
        matched.append(Message(f"routing.matched.{has}"))
    if conditions.local_time_from is not None and conditions.local_time_until is not None:
        start, end = conditions.local_time_from, conditions.local_time_until
        if not _within(facts.local_time, start, end):
            return None
        window = {"time": f"{facts.local_time:%H:%M}", "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
        matched.append(Message("routing.matched.local_time", window))
    if conditions.keywords is not None:
        keyword = next((keyword for keyword in conditions.keywords if text.contains(keyword)), None)
        if keyword is None:
            return None
        matched.append(Message("routing.matched.keyword", {"keyword": keyword}))
    return tuple(matched)


def matching_category(entries: Sequence[str], category: str | None) -> Message | None:
    if category is None:
        return None
    for entry in entries:
        if entry == category:
            return Message("routing.matched.category", {"category": category})
        # "waste.*" covers what lies under waste, not a category called "waste" itself.
        if entry.endswith(".*") and category.startswith(entry[:-1]):
            return Message("routing.matched.category_prefix", {"category": category, "prefix": entry})
    return None


def _within(moment: time, start: time, end: time) -> bool:
    """Half-open [start, end); a window whose end comes before its start runs past midnight."""
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end
