"""All queries of households: relations and representations, and the household as one JSON object (so the
screen pop reads it for all its citizens in one statement and a ticket's detail inside its own single statement).

A day is a bind parameter (`on_day`, the reader's today in Europe/Brussels from the injected clock): what is
active is decided against it, never against the database's own clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import BigInteger, Date, Text, and_, bindparam, case, exists, func, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from genk3600.models import Citizen, CitizenRelation, Contact, ContactParty, Representation, Ticket
from genk3600.models.enums import ConsentScope

ON_DAY = bindparam("on_day", type_=Date)


def _within(row: Any, on_day: Any) -> Any:
    """The row's period holds on `on_day` (both ends inclusive, open ends open)."""
    first = row.first_day.is_(None) | (row.first_day <= on_day)
    return and_(first, row.last_day.is_(None) | (row.last_day >= on_day))


def _person(citizen: Any) -> Any:
    return func.json_build_object(
        "citizen_id", citizen.id, "given_name", citizen.given_name, "family_name", citizen.family_name
    )  # fmt: skip


def relations_json(citizen_id: Any, on_day: Any, *, active_only: bool) -> Any:
    """A scalar subquery: the relations of `citizen_id` (a column or bind) seen from that citizen, as a JSON array
    with RelationOut's fields, newest first. Rows stored from the other side are turned round (parent → child)."""
    relation, other = aliased(CitizenRelation), aliased(Citizen)
    ours = relation.citizen_id == citizen_id
    kind = case((ours, relation.kind), (relation.kind == literal("parent"), literal("child")), else_=relation.kind)
    within = _within(relation, on_day)
    item = func.json_build_object(
        "id", relation.id, "kind", kind, "relative", _person(other), "first_day", relation.first_day,
        "last_day", relation.last_day, "active", within,
    )  # fmt: skip
    statement = (
        select(func.json_agg(aggregate_order_by(item, relation.id.desc())))
        .select_from(relation)
        .join(other, other.id == case((ours, relation.related_citizen_id), else_=relation.citizen_id))
        .where(or_(ours, relation.related_citizen_id == citizen_id))
    )
    if active_only:
        statement = statement.where(within)
    return statement.scalar_subquery()


def representations_json(citizen_id: Any, on_day: Any, *, side: str, active_only: bool) -> Any:
    """A scalar subquery: the representations of `citizen_id` as a JSON array with RepresentationOut's fields,
    newest first: who acts for them (`side="represented"`) or whom they act for (`side="representative"`)."""
    row, citizen, agent = aliased(Representation), aliased(Citizen), aliased(Citizen)
    within = _within(row, on_day)
    representative = func.json_build_object(
        "citizen_id", row.representative_citizen_id, "given_name", agent.given_name,
        "family_name", agent.family_name, "name", row.representative_name,
        "organisation_name", row.organisation_name,
    )  # fmt: skip
    item = func.json_build_object(
        "id", row.id, "citizen", _person(citizen), "representative", representative, "kind", row.kind,
        "scopes", row.scopes, "first_day", row.first_day, "last_day", row.last_day, "source", row.source,
        "source_reference", row.source_reference, "active", within, "version", row.version,
        "created_at", row.created_at, "updated_at", row.updated_at,
    )  # fmt: skip
    whose = row.citizen_id if side == "represented" else row.representative_citizen_id
    statement = (
        select(func.json_agg(aggregate_order_by(item, row.id.desc())))
        .select_from(row)
        .join(citizen, citizen.id == row.citizen_id)
        .outerjoin(agent, agent.id == row.representative_citizen_id)
        .where(whose == citizen_id)
    )
    if active_only:
        statement = statement.where(within)
    return statement.scalar_subquery()


def household_json(citizen_id: Any, on_day: Any, *, active_only: bool) -> Any:
    """A scalar expression: the household of `citizen_id` as one JSON object (HouseholdOut's lists)."""
    return func.json_build_object(
        "relations", relations_json(citizen_id, on_day, active_only=active_only),
        "representatives", representations_json(citizen_id, on_day, side="represented", active_only=active_only),
        "represents", representations_json(citizen_id, on_day, side="representative", active_only=active_only),
    )  # fmt: skip


def household_of_ticket_json() -> Any:
    """For a ticket's detail statement (correlated to Ticket): its citizen's active household, or null."""
    return case((Ticket.citizen_id.is_(None), None), else_=household_json(Ticket.citizen_id, ON_DAY, active_only=True))


_CITIZENS = bindparam("citizen_ids", type_=ARRAY(BigInteger))
_ACTIVE_HOUSEHOLDS = select(Citizen.id, household_json(Citizen.id, ON_DAY, active_only=True).label("household")).where(
    Citizen.id == func.any(_CITIZENS)
)
_FULL_HOUSEHOLD = select(household_json(Citizen.id, ON_DAY, active_only=False).label("household")).where(
    Citizen.id == bindparam("citizen_id", type_=BigInteger)
)


async def active_households(session: AsyncSession, citizen_ids: Sequence[int], on_day: date) -> dict[int, Any]:
    """The active household of each citizen (one statement for all of them: the screen pop's)."""
    rows = await session.execute(_ACTIVE_HOUSEHOLDS, {"citizen_ids": list(citizen_ids), "on_day": on_day})
    return {row.id: row.household for row in rows}


async def full_household(session: AsyncSession, citizen_id: int, on_day: date) -> dict[str, Any] | None:
    """Everything recorded of the citizen's household, ended rows included; None if there is no such citizen."""
    row = (await session.execute(_FULL_HOUSEHOLD, {"citizen_id": citizen_id, "on_day": on_day})).first()
    return cast(dict[str, Any], row.household) if row else None


async def citizen_exists(session: AsyncSession, citizen_id: int) -> bool:
    return bool(await session.scalar(select(exists().where(Citizen.id == citizen_id))))


async def current_relation(
    session: AsyncSession, citizen_id: int, related_citizen_id: int, kind: str
) -> CitizenRelation | None:
    """The current (not ended) row of this stored fact, if any."""
    statement = select(CitizenRelation).where(
        CitizenRelation.citizen_id == citizen_id,
        CitizenRelation.related_citizen_id == related_citizen_id,
        CitizenRelation.kind == kind,
        CitizenRelation.last_day.is_(None),
    )
    return await session.scalar(statement)


async def relation_of(session: AsyncSession, citizen_id: int, relation_id: int) -> CitizenRelation | None:
    """The relation, if `citizen_id` is on either side of it; locked for the change."""
    statement = (
        select(CitizenRelation)
        .where(
            CitizenRelation.id == relation_id,
            or_(CitizenRelation.citizen_id == citizen_id, CitizenRelation.related_citizen_id == citizen_id),
        )
        .with_for_update()
    )
    return await session.scalar(statement)


async def relation_json(session: AsyncSession, citizen_id: int, relation_id: int, on_day: date) -> dict[str, Any]:
    """One relation as RelationOut's fields, seen from `citizen_id`."""
    items = await session.scalar(
        select(relations_json(literal(citizen_id, BigInteger), on_day, active_only=False)),
    )
    return next(item for item in items or () if item["id"] == relation_id)


async def representation_of(
    session: AsyncSession, citizen_id: int, representation_id: int, *, lock: bool = True
) -> Representation | None:
    """The citizen's representation (locked for a change unless `lock` is false)."""
    statement = select(Representation).where(
        Representation.id == representation_id, Representation.citizen_id == citizen_id
    )
    return await session.scalar(statement.with_for_update() if lock else statement)


async def representation_json(
    session: AsyncSession, citizen_id: int, representation_id: int, on_day: date
) -> dict[str, Any]:
    """One representation as RepresentationOut's fields."""
    items = await session.scalar(
        select(representations_json(literal(citizen_id, BigInteger), on_day, side="represented", active_only=False))
    )
    return next(item for item in items or () if item["id"] == representation_id)


async def covering_representation(
    session: AsyncSession, *, citizen_id: int, representative_citizen_id: int, scope: str, on_day: date
) -> int | None:
    """The id of a representation of `citizen_id` by `representative_citizen_id` covering `scope` on `on_day`."""
    statement = (
        select(Representation.id)
        .where(
            Representation.citizen_id == citizen_id,
            Representation.representative_citizen_id == representative_citizen_id,
            Representation.scopes.overlap(literal([ConsentScope.all.value, scope], ARRAY(Text))),
            _within(Representation, on_day),
        )
        .order_by(Representation.id)
        .limit(1)
    )
    return await session.scalar(statement)


async def acting_facts(session: AsyncSession, contact_id: int) -> Any:
    """What checking a representative's consent on a contact needs: when it happened, whom it is about (its
    citizen and the citizens named as its subject) and whether its ticket is a social case."""
    subjects = (
        select(func.array_agg(ContactParty.citizen_id))
        .where(
            ContactParty.contact_id == Contact.id, ContactParty.role == "subject", ContactParty.citizen_id.is_not(None)
        )
        .correlate(Contact)
        .scalar_subquery()
    )
    statement = (
        select(Contact.occurred_at, Contact.citizen_id, subjects.label("subjects"), Ticket.confidentiality)
        .outerjoin(Ticket, Ticket.id == Contact.ticket_id)
        .where(Contact.id == contact_id)
    )
    return (await session.execute(statement)).one()


async def household_rows(
    session: AsyncSession, citizen_ids: Sequence[int]
) -> tuple[Sequence[CitizenRelation], Sequence[Representation]]:
    """Every relation and representation naming any of these citizens, in either column, locked (a merge)."""
    relations = select(CitizenRelation).where(
        or_(CitizenRelation.citizen_id.in_(citizen_ids), CitizenRelation.related_citizen_id.in_(citizen_ids))
    )
    representations = select(Representation).where(
        or_(Representation.citizen_id.in_(citizen_ids), Representation.representative_citizen_id.in_(citizen_ids))
    )
    return (
        (await session.scalars(relations.order_by(CitizenRelation.id).with_for_update())).all(),
        (await session.scalars(representations.order_by(Representation.id).with_for_update())).all(),
    )
