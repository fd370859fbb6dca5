"""The seam for merging two records of one person: households move with the citizen, and back on an unmerge."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.households.service import move_citizen, restore_citizen
from genk3600.models import AuditEntry, CitizenRelation, Representation
from tests import factories


async def _snapshot(session: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    relations = await session.execute(
        select(CitizenRelation.id, CitizenRelation.citizen_id, CitizenRelation.related_citizen_id, CitizenRelation.kind)
        .order_by(CitizenRelation.id)
        .execution_options(populate_existing=True)
    )
    representations = await session.execute(
        select(Representation.id, Representation.citizen_id, Representation.representative_citizen_id)
        .order_by(Representation.id)
        .execution_options(populate_existing=True)
    )
    return {"relations": [tuple(row) for row in relations], "representations": [tuple(row) for row in representations]}


def _relation(citizen_id: int, related_citizen_id: int, kind: str) -> CitizenRelation:
    return CitizenRelation(citizen_id=citizen_id, related_citizen_id=related_citizen_id, kind=kind, actor_name="test")


async def test_a_merged_citizens_household_moves_and_comes_back(session: AsyncSession) -> None:
    mother = await factories.citizen(session, email="maria.peeters@example.org")
    daughter = await factories.citizen(session, email="lotte.janssens@example.org")
    partner = await factories.citizen(session, email="jef.claes@example.org")
    duplicate = await factories.citizen(session, email="lotte.j@example.org")  # the same Lotte, registered twice
    session.add_all(
        [
            _relation(daughter.id, mother.id, "parent"),
            _relation(duplicate.id, mother.id, "parent"),  # the same fact, on the duplicate
            _relation(partner.id, duplicate.id, "partner"),  # lower id first: turns round after the move
            _relation(daughter.id, duplicate.id, "household_member"),  # the two records of one person
        ]
    )
    await session.flush()
    await factories.representation(session, mother, duplicate, scopes=("information",))
    await factories.representation(session, duplicate, daughter)  # one record "represents" the other
    before = await _snapshot(session)

    move = await move_citizen(session, from_citizen_id=duplicate.id, into_citizen_id=daughter.id)
    after = await _snapshot(session)
    assert sorted(row[1:] for row in after["relations"]) == sorted(
        [(daughter.id, mother.id, "parent"), (daughter.id, partner.id, "partner")]
    )
    assert [row[1:] for row in after["representations"]] == [(mother.id, daughter.id)]
    assert len(move.dropped) == 3
    assert len(move.moved) == 2
    deleted = await session.scalar(
        select(AuditEntry.id).where(AuditEntry.action == "delete", AuditEntry.target_type == "citizen_relation")
    )
    assert deleted is not None

    await restore_citizen(session, move)
    restored = await _snapshot(session)
    # Dropped rows come back with their own ids and columns.
    assert restored == before
