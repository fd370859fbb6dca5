"""The queries of identity/: duplicate candidates, locking and moving a citizen's rows, merge records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ARRAY, BigInteger, Float, Integer, Table, bindparam, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.identity.moves import CitizenReference
from genk3600.models import Base, Citizen, CitizenMerge, Contact, DuplicateDismissal, Staff, Ticket
from genk3600.models.enums import DuplicateReason

# Below this trigram similarity two names are not "similar" (Marie Claes / Mare Claes: 0.6; Jan Janssens /
# Els Janssens: 0.4).
NAME_SIMILARITY = 0.45
NATIONAL_NUMBER, EMAIL, PHONE, NAME = (
    DuplicateReason.same_national_number.value,
    DuplicateReason.same_email.value,
    DuplicateReason.same_phone.value,
    DuplicateReason.similar_name.value,
)

# Every record's identifiers, counted for the record that answers for the person now: its own, or for a merged
# record the survivor at the end of its chain (A into B into C: C). A merged record keeps its e-mail and phone,
# so they stay identifiers of the person. Two live records sharing one identifier make a candidate pair; the
# same phone counts only with a similar name (family members share a landline). With national numbers unique
# on the citizen row and a merge refused between two different ones, a shared national number can only show
# through a merged record's identifiers; the rule is there for whatever else may bring a second one.
_CANDIDATES = text(
    f"""
WITH RECURSIVE chain AS (
    SELECT id AS citizen_id, merged_into_id AS owner_id FROM citizen WHERE merged_into_id IS NOT NULL
    UNION ALL
    SELECT chain.citizen_id, c.merged_into_id
    FROM chain JOIN citizen c ON c.id = chain.owner_id
    WHERE c.merged_into_id IS NOT NULL
), owner AS (
    SELECT chain.citizen_id, chain.owner_id
    FROM chain JOIN citizen c ON c.id = chain.owner_id
    WHERE c.merged_into_id IS NULL
), focus_keys AS (
    -- One citizen's identifiers (its own and its merged records'): the other records are then found by index.
    SELECT c.national_number_hash, c.email, c.phone
    FROM citizen c
    WHERE c.id = CAST(:focus AS bigint)
       OR c.id IN (SELECT citizen_id FROM owner WHERE owner_id = CAST(:focus AS bigint))
), keyed AS (
    SELECT DISTINCT coalesce(owner.owner_id, c.id) AS owner_id, k.kind, k.value
    FROM citizen c
    LEFT JOIN owner ON owner.citizen_id = c.id
    CROSS JOIN LATERAL (VALUES ('{NATIONAL_NUMBER}', c.national_number_hash), ('{EMAIL}', c.email),
                               ('{PHONE}', c.phone)) AS k (kind, value)
    WHERE k.value IS NOT NULL
      AND (CAST(:focus AS bigint) IS NULL
           OR c.national_number_hash IN (SELECT national_number_hash FROM focus_keys)
           OR c.email IN (SELECT email FROM focus_keys)
           OR c.phone IN (SELECT phone FROM focus_keys))
), pairs AS (
    SELECT a.owner_id AS citizen_id, b.owner_id AS other_citizen_id,
           array_agg(DISTINCT a.kind ORDER BY a.kind) AS kinds
    FROM keyed a JOIN keyed b ON a.kind = b.kind AND a.value = b.value AND a.owner_id < b.owner_id
    WHERE CAST(:focus AS bigint) IS NULL OR CAST(:focus AS bigint) IN (a.owner_id, b.owner_id)
    GROUP BY a.owner_id, b.owner_id
), named AS (
    SELECT p.citizen_id, p.other_citizen_id, p.kinds,
           CASE WHEN nullif(concat_ws(' ', x.given_name, x.family_name), '') IS NULL
                  OR nullif(concat_ws(' ', y.given_name, y.family_name), '') IS NULL THEN NULL
                ELSE similarity(genk3600_unaccent(lower(concat_ws(' ', x.given_name, x.family_name))),
                                genk3600_unaccent(lower(concat_ws(' ', y.given_name, y.family_name))))
           END AS name_similarity
    FROM pairs p
    JOIN citizen x ON x.id = p.citizen_id
    JOIN citizen y ON y.id = p.other_citizen_id
    WHERE NOT EXISTS (SELECT FROM duplicate_dismissal d
                      WHERE d.citizen_id = p.citizen_id AND d.other_citizen_id = p.other_citizen_id)
), scored AS (
    SELECT n.*, n.name_similarity >= :similar AS name_alike,
           least(100, CASE WHEN '{NATIONAL_NUMBER}' = ANY(n.kinds) THEN 100 ELSE 0 END
                    + CASE WHEN '{EMAIL}' = ANY(n.kinds) THEN 60 ELSE 0 END
                    + CASE WHEN '{PHONE}' = ANY(n.kinds) THEN 25 ELSE 0 END
                    + CASE WHEN n.name_similarity >= :similar THEN 25 ELSE 0 END) AS score
    FROM named n
)
SELECT citizen_id, other_citizen_id, kinds, name_similarity, coalesce(name_alike, false) AS name_alike, score
FROM scored
WHERE ('{NATIONAL_NUMBER}' = ANY(kinds) OR '{EMAIL}' = ANY(kinds) OR coalesce(name_alike, false))
  AND score >= :min_score
  AND (CAST(:after_score AS integer) IS NULL
       OR score < :after_score
       OR (score = :after_score AND (citizen_id, other_citizen_id) > (:after_citizen, :after_other)))
ORDER BY score DESC, citizen_id, other_citizen_id
LIMIT :limit
"""  # noqa: S608 - the f-string only puts in the reason codes, constants of this module
).bindparams(
    bindparam("focus", type_=BigInteger),
    bindparam("similar", type_=Float),
    bindparam("min_score", type_=Integer),
    bindparam("after_score", type_=Integer),
    bindparam("after_citizen", type_=BigInteger),
    bindparam("after_other", type_=BigInteger),
    bindparam("limit", type_=Integer),
)


@dataclass(frozen=True)
class CandidateRow:
    citizen_id: int
    other_citizen_id: int
    kinds: list[str]
    name_similarity: float | None
    similar: bool
    score: int


@dataclass(frozen=True)
class After:
    """Where the previous page ended (the list is ordered by score, then the pair's ids)."""

    score: int
    citizen_id: int
    other_citizen_id: int


async def candidate_pairs(
    session: AsyncSession, *, focus: int | None, after: After | None, limit: int, min_score: int = 0
) -> list[CandidateRow]:
    parameters = {
        "focus": focus,
        "similar": NAME_SIMILARITY,
        "min_score": min_score,
        "after_score": after.score if after else None,
        "after_citizen": after.citizen_id if after else 0,
        "after_other": after.other_citizen_id if after else 0,
        "limit": limit,
    }
    rows = (await session.execute(_CANDIDATES, parameters)).all()
    return [
        CandidateRow(
            citizen_id=row.citizen_id,
            other_citizen_id=row.other_citizen_id,
            kinds=list(row.kinds),
            name_similarity=None if row.name_similarity is None else float(row.name_similarity),
            similar=bool(row.name_alike),
            score=int(row.score),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class CitizenFigures:
    citizen: Citizen
    tickets: int
    contacts: int


async def citizens_with_figures(session: AsyncSession, citizen_ids: Sequence[int]) -> dict[int, CitizenFigures]:
    """The citizens with their numbers of tickets and contacts (counted, never read)."""
    tickets = select(func.count()).where(Ticket.citizen_id == Citizen.id).correlate(Citizen).scalar_subquery()
    contacts = select(func.count()).where(Contact.citizen_id == Citizen.id).correlate(Citizen).scalar_subquery()
    statement = select(Citizen, tickets, contacts).where(Citizen.id.in_(citizen_ids))
    return {
        citizen.id: CitizenFigures(citizen, int(ticket_count), int(contact_count))
        for citizen, ticket_count, contact_count in (await session.execute(statement)).all()
    }


async def citizen_by_id(session: AsyncSession, citizen_id: int) -> Citizen | None:
    return await session.scalar(select(Citizen).where(Citizen.id == citizen_id))


async def lock_citizens(session: AsyncSession, citizen_ids: Sequence[int]) -> dict[int, Citizen]:
    """The citizens, locked in id order: two merges of the same records (either way round) queue up instead of
    deadlocking. Read fresh, so a merge that committed while we waited is seen."""
    statement = (
        select(Citizen)
        .where(Citizen.id.in_(citizen_ids))
        .order_by(Citizen.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {citizen.id: citizen for citizen in (await session.scalars(statement)).all()}


def _table(reference: CitizenReference) -> Table:
    return Base.metadata.tables[reference.table]


async def move_all(session: AsyncSession, reference: CitizenReference, from_id: int, to_id: int) -> list[int]:
    """Point every row of `reference` at `to_id` instead of `from_id`: one UPDATE, the moved ids back."""
    table = _table(reference)
    column = table.c[reference.column]
    statement = update(table).where(column == from_id).values({column: to_id}).returning(table.c.id)
    return sorted(int(row_id) for row_id in (await session.scalars(statement)).all())


async def move_back(
    session: AsyncSession, reference: CitizenReference, row_ids: Sequence[int], from_id: int, to_id: int
) -> list[int]:
    """Point exactly these rows back at `to_id`, those that still point at `from_id` (one UPDATE)."""
    if not row_ids:
        return []
    table = _table(reference)
    column = table.c[reference.column]
    statement = (
        update(table)
        .where(table.c.id == func.any(bindparam("ids", type_=ARRAY(BigInteger))), column == from_id)
        .values({column: to_id})
        .returning(table.c.id)
    )
    return sorted(int(row_id) for row_id in (await session.scalars(statement, {"ids": list(row_ids)})).all())


async def ticket_ids_of(session: AsyncSession, citizen_id: int) -> list[int]:
    statement = select(Ticket.id).where(Ticket.citizen_id == citizen_id).order_by(Ticket.id)
    return list((await session.scalars(statement)).all())


async def merge_by_id(session: AsyncSession, merge_id: int, *, lock: bool = False) -> CitizenMerge | None:
    statement = select(CitizenMerge).where(CitizenMerge.id == merge_id)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(statement)


async def active_merge_of(session: AsyncSession, merged_citizen_id: int) -> CitizenMerge | None:
    statement = select(CitizenMerge).where(
        CitizenMerge.merged_citizen_id == merged_citizen_id, CitizenMerge.unmerged_at.is_(None)
    )
    return await session.scalar(statement)


async def merges_of(session: AsyncSession, citizen_id: int) -> Sequence[CitizenMerge]:
    statement = (
        select(CitizenMerge)
        .where(or_(CitizenMerge.survivor_citizen_id == citizen_id, CitizenMerge.merged_citizen_id == citizen_id))
        .order_by(CitizenMerge.id.desc())
    )
    return (await session.scalars(statement)).all()


async def dismissal_of(session: AsyncSession, citizen_id: int, other_citizen_id: int) -> DuplicateDismissal | None:
    statement = select(DuplicateDismissal).where(
        DuplicateDismissal.citizen_id == citizen_id, DuplicateDismissal.other_citizen_id == other_citizen_id
    )
    return await session.scalar(statement)


async def staff_name(session: AsyncSession, staff_id: int) -> str:
    name = await session.scalar(select(Staff.full_name).where(Staff.id == staff_id))
    return name or str(staff_id)


async def records_merged_into(session: AsyncSession, citizen_id: int) -> list[Citizen]:
    """Every record whose chain of merges ends at this citizen (B and A for A into B into C: C's)."""
    found: list[Citizen] = []
    frontier = [citizen_id]
    while frontier:
        rows = (await session.scalars(select(Citizen).where(Citizen.merged_into_id.in_(frontier)))).all()
        rows = [row for row in rows if row.id != citizen_id and row not in found]
        found += rows
        frontier = [row.id for row in rows]
    return found


async def active_merges_into(session: AsyncSession, citizen_ids: Sequence[int]) -> Sequence[CitizenMerge]:
    statement = select(CitizenMerge).where(
        CitizenMerge.survivor_citizen_id.in_(citizen_ids), CitizenMerge.unmerged_at.is_(None)
    )
    return (await session.scalars(statement)).all()
