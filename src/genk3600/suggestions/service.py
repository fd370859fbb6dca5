"""Suggesting categories for what a citizen said, and training the model that does it.

**Serving.** Each process keeps the newest stored model in memory. Which model is newest is reference data
(reference/cache.py): a stored model moves the reference version on and notifies every replica, so a request
costs no query for it while nothing changed, and the next request after a `train-classifier` loads the new
model once (one query for its bytes), keyed by its signature.

**Who sees what.** A social (OCMW) category is suggested only to a caller who would see its tickets by the
unit rules of `privacy.visibility` (its owning unit or one above it, an API client of that unit); for anybody
else it is dropped before the three are chosen, reasons and all. The confidences are the model's own,
not renormalised over what is left: a text the model reads as social then gives low confidences, and nothing
is preselected.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.principal import Principal
from genk3600.categories.repository import cached_categories
from genk3600.config import Settings
from genk3600.i18n.texts import localised_name
from genk3600.kit.clock import Clock
from genk3600.models import ClassifierModel, Unit
from genk3600.models.enums import Confidentiality, Language
from genk3600.privacy.visibility import units_in_full_sight
from genk3600.reference.cache import CACHE
from genk3600.suggestions import repository
from genk3600.suggestions.errors import NotEnoughHistory
from genk3600.suggestions.model import FORMAT, Example, ModelRejected, ServingModel, evaluate, sign, time_split, train
from genk3600.suggestions.schemas import (
    ClassifierModelList,
    ClassifierModelOut,
    SuggestionIn,
    SuggestionOut,
    SuggestionReason,
    SuggestionsOut,
)

log = logging.getLogger(__name__)

TOP = 3
PRESELECT_CONFIDENCE = 0.6
MIN_TRAINING_TICKETS = 10
HELD_OUT_FRACTION = 0.2

# signature → model, per process; a handful at most (a new model per training run), the newest serves.
_LOADED: dict[str, ServingModel] = {}
_KEEP = 2


async def serving_model(session: AsyncSession, settings: Settings) -> tuple[int, ServingModel] | None:
    """The newest stored model (its version and the model), loaded once per process."""
    key = await CACHE.get(session, "classifier_model", repository.newest_model_key)
    if key is None:
        return None
    model_id, version, signature = key
    model = _LOADED.get(signature)
    if model is None:
        row = await repository.model_by_id(session, model_id)
        if row is None:
            return None
        try:
            model = ServingModel.from_bytes(row.content, row.format, row.signature, settings.secret)
        except ModelRejected:
            log.error("Classifier model %s was not loaded: not written by this service", model_id, exc_info=True)
            return None
        while len(_LOADED) >= _KEEP:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[signature] = model
    return version, model


async def _units_in_sight(session: AsyncSession, viewer: Principal) -> set[int]:
    return set((await session.scalars(select(Unit.id).where(units_in_full_sight(viewer)))).all())


def _text(data: SuggestionIn) -> str:
    return "\n".join(part for part in (data.subject, data.text) if part)


async def suggest(
    session: AsyncSession, settings: Settings, viewer: Principal, data: SuggestionIn, language: Language
) -> SuggestionsOut:
    """The three most likely categories the caller may see, with confidence and reasons."""
    loaded = await serving_model(session, settings)
    if loaded is None:
        return SuggestionsOut(
            model_version=None, suggestions=[], preselect=None, preselect_threshold=PRESELECT_CONFIDENCE
        )
    version, model = loaded
    categories = await cached_categories(session)
    in_sight: set[int] | None = None
    chosen: list[SuggestionOut] = []
    for ranked in model.rank(_text(data)):
        category = categories.get(ranked.category)
        if category is None or not category.active:
            continue
        social = category.confidentiality == Confidentiality.social.value
        if social:
            if in_sight is None:
                in_sight = await _units_in_sight(session, viewer)
            if category.owning_unit_id not in in_sight:
                continue
        chosen.append(
            SuggestionOut(
                category=category.code,
                name=localised_name(category.name, category.names, language),
                confidence=round(ranked.confidence, 4),
                social=social,
                reasons=[SuggestionReason(word=reason.word, weight=reason.weight) for reason in ranked.reasons],
            )
        )
        if len(chosen) == TOP:
            break
    top = chosen[0] if chosen else None
    preselect = top.category if top is not None and top.confidence >= PRESELECT_CONFIDENCE and top.reasons else None
    return SuggestionsOut(
        model_version=version, suggestions=chosen, preselect=preselect, preselect_threshold=PRESELECT_CONFIDENCE
    )


async def list_models(session: AsyncSession, limit: int = 20) -> ClassifierModelList:
    """The stored models, newest first."""
    return ClassifierModelList(
        items=[ClassifierModelOut.model_validate(row) for row in await repository.list_models(session, limit)]
    )


# --- training -------------------------------------------------------------------------------------------------
def examples_of(rows: Sequence[tuple[Any, str, str | None, str | None, str]]) -> list[Example]:
    """Training examples from (created_at, ticket subject, first contact's subject, its body, category) rows."""
    examples = []
    for _created, ticket_subject, contact_subject, body, code in rows:
        parts = dict.fromkeys(part for part in (ticket_subject, contact_subject, body) if part)
        text = "\n".join(parts)
        if text.strip():
            examples.append(Example(text=text, category=code))
    return examples


async def train_and_store(session: AsyncSession, settings: Settings, clock: Clock, actor: Principal) -> ClassifierModel:
    """Train on every resolved ticket (measured first on a time split of them) and store it as the newest."""
    examples = examples_of(await repository.training_rows(session))
    if len(examples) < MIN_TRAINING_TICKETS:
        raise NotEnoughHistory(
            f"only {len(examples)} resolved tickets with a category and text; at least {MIN_TRAINING_TICKETS} needed"
        )
    older, newest = time_split(examples, HELD_OUT_FRACTION)
    details: dict[str, Any] = {"trained_at": clock.now().isoformat(), "held_out_fraction": HELD_OUT_FRACTION}
    if len({example.category for example in older}) >= 2 and newest:
        details.update(evaluate(train(older), newest).as_details())
    try:
        model = train(examples)
    except ValueError as exc:
        raise NotEnoughHistory(str(exc)) from exc
    content = model.to_bytes()
    row = ClassifierModel(
        version=await repository.next_version(session),
        format=FORMAT,
        content=content,
        signature=sign(settings.secret, content),
        classes=model.classes,
        ticket_count=len(examples),
        details={**details, "features": len(model.index)},
        actor_name=actor.display_name,
    )
    session.add(row)
    await session.flush()
    return row
