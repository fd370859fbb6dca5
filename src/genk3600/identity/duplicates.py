"""Finding likely duplicate citizen records, and remembering pairs that are not (dismissals)."""

from __future__ import annotations

import base64
import binascii
import json

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.principal import Principal
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import render
from genk3600.identity import repository
from genk3600.identity.errors import AlreadyDismissed, CitizenNotFound, DismissItself
from genk3600.identity.repository import After, CandidateRow
from genk3600.identity.schemas import (
    CitizenDuplicates,
    DismissalIn,
    DismissalOut,
    DuplicateCandidate,
    DuplicateCandidatePage,
    DuplicateCitizen,
    ReasonOut,
)
from genk3600.kit.clock import Clock
from genk3600.kit.pagination import InvalidCursor, PageParams
from genk3600.models import DuplicateDismissal
from genk3600.models.enums import DuplicateReason, Language

# Strongest first, as the reasons are listed.
_REASON_ORDER = (
    DuplicateReason.same_national_number,
    DuplicateReason.same_email,
    DuplicateReason.same_phone,
    DuplicateReason.similar_name,
)
# A citizen has a handful of candidates at most; more would be a data problem to see in the full list.
CANDIDATES_OF_ONE = 20


async def duplicates_of(session: AsyncSession, citizen_id: int, language: Language) -> CitizenDuplicates:
    """The likely duplicates of one citizen record (none for a merged record: its survivor answers)."""
    citizen = await repository.citizen_by_id(session, citizen_id)
    if citizen is None:
        raise CitizenNotFound(citizen_id)
    if citizen.merged_into_id is not None:
        return CitizenDuplicates(citizen_id=citizen_id, merged_into_id=citizen.merged_into_id, candidates=[])
    rows = await repository.candidate_pairs(session, focus=citizen_id, after=None, limit=CANDIDATES_OF_ONE)
    return CitizenDuplicates(
        citizen_id=citizen_id, merged_into_id=None, candidates=await _candidates(session, rows, language)
    )


async def candidate_list(
    session: AsyncSession, params: PageParams, min_score: int, language: Language
) -> DuplicateCandidatePage:
    """Every candidate pair, most likely first, a page at a time."""
    after = _decode(params.cursor) if params.cursor else None
    rows = await repository.candidate_pairs(
        session, focus=None, after=after, limit=params.limit + 1, min_score=min_score
    )
    shown = rows[: params.limit]
    more = len(rows) > params.limit
    last = shown[-1] if shown else None
    return DuplicateCandidatePage(
        items=await _candidates(session, shown, language),
        next_cursor=_encode(After(last.score, last.citizen_id, last.other_citizen_id)) if more and last else None,
    )


async def dismiss(session: AsyncSession, clock: Clock, actor: Principal, data: DismissalIn) -> DismissalOut:
    """Mark two records as different people, so the pair stops showing as a candidate."""
    if data.citizen_id == data.other_citizen_id:
        raise DismissItself(data.citizen_id)
    low, high = sorted((data.citizen_id, data.other_citizen_id))
    found = await repository.citizens_with_figures(session, [low, high])
    for citizen_id in (low, high):
        if citizen_id not in found:
            raise CitizenNotFound(citizen_id)
    if await repository.dismissal_of(session, low, high) is not None:
        raise AlreadyDismissed(low, high)
    dismissal = DuplicateDismissal(
        citizen_id=low,
        other_citizen_id=high,
        reason=data.reason,
        created_at=clock.now(),
        actor_staff_id=actor.staff_id,
        actor_api_client_id=actor.api_client_id,
        actor_name=actor.display_name,
    )
    session.add(dismissal)
    await session.flush()
    return DismissalOut.model_validate(dismissal)


async def _candidates(session: AsyncSession, rows: list[CandidateRow], language: Language) -> list[DuplicateCandidate]:
    ids = sorted({citizen_id for row in rows for citizen_id in (row.citizen_id, row.other_citizen_id)})
    figures = await repository.citizens_with_figures(session, ids) if ids else {}

    def record(citizen_id: int) -> DuplicateCitizen:
        found = figures[citizen_id]
        return DuplicateCitizen.model_validate(
            {
                **{name: getattr(found.citizen, name) for name in _SUMMARY_FIELDS},
                "has_case_worker": found.citizen.case_worker_id is not None,
                "tickets": found.tickets,
                "contacts": found.contacts,
            }
        )

    return [
        DuplicateCandidate(
            citizen=record(row.citizen_id),
            other_citizen=record(row.other_citizen_id),
            score=row.score,
            reasons=_reasons(row, language),
            name_similarity=None if row.name_similarity is None else round(row.name_similarity, 2),
        )
        for row in rows
    ]


_SUMMARY_FIELDS = tuple(
    name for name in DuplicateCitizen.model_fields if name not in {"has_case_worker", "tickets", "contacts"}
)


def _reasons(row: CandidateRow, language: Language) -> list[ReasonOut]:
    given = {DuplicateReason(kind) for kind in row.kinds}
    if row.similar:
        given.add(DuplicateReason.similar_name)
    percent = round((row.name_similarity or 0) * 100)
    return [
        ReasonOut(code=reason, text=render(f"duplicate.{reason.value}", {"percent": percent}, language))
        for reason in _REASON_ORDER
        if reason in given
    ]


def _encode(after: After) -> str:
    raw = json.dumps({"score": after.score, "after": [after.citizen_id, after.other_citizen_id]})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> After:
    problem = InvalidCursor(P_("The cursor is not one this API handed out; start again without a cursor."))
    try:
        value = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        score, (low, high) = value["score"], value["after"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise problem from exc
    if not all(isinstance(part, int) and not isinstance(part, bool) for part in (score, low, high)):
        raise problem
    if not (0 <= score <= 100 and 0 <= low < 2**63 and 0 <= high < 2**63):
        raise problem
    return After(score, low, high)
