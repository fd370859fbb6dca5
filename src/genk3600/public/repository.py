"""Queries of the public status page and its rate limiter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, Text, bindparam, delete, literal, select, true, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, joinedload

from genk3600.i18n.texts import localised_name
from genk3600.kit.prepared import Prepared
from genk3600.models import (
    Category,
    CategoryDecider,
    Citizen,
    Contact,
    Escalation,
    RateLimitBucket,
    Reply,
    Staff,
    Ticket,
    Unit,
)
from genk3600.models.enums import EscalationReason, Language
from genk3600.reference.cache import CACHE


async def ticket_by_reference(session: AsyncSession, reference: str) -> Ticket | None:
    """The ticket with its owning unit.

    One query whether or not the ticket exists, so a wrong code takes as long to refuse as an unknown reference.
    """
    statement = select(Ticket).options(joinedload(Ticket.owning_unit)).where(Ticket.reference == reference)
    return await session.scalar(statement)


@dataclass(frozen=True)
class LatestAnswer:
    """Our newest answer on a ticket (answering/): its words, kind, role and the unit it was given for."""

    body: str
    medium: str
    role: str
    unit_name: str
    unit_names: dict[str, str]
    created_at: datetime


@dataclass(frozen=True)
class TicketFacts:
    first_contact: tuple[str, str] | None  # channel and direction of the contact that opened the ticket
    latest_answer: LatestAnswer | None


def _facts_statement() -> Any:
    ticket_id = bindparam("ticket_id", type_=BigInteger)
    first = (
        select(Contact.channel, Contact.direction)
        .where(Contact.ticket_id == ticket_id)
        .order_by(Contact.occurred_at, Contact.id)
        .limit(1)
        .subquery("first_contact")
    )
    answer = (
        select(Contact.body, Reply.medium, Reply.role, Reply.created_at, Unit.name.label("unit_name"), Unit.names)
        .join(Contact, Contact.id == Reply.contact_id)
        .join(Unit, Unit.id == Reply.unit_id)
        .where(Reply.ticket_id == ticket_id)
        .order_by(Reply.id.desc())
        .limit(1)
        .subquery("answer")
    )
    # One row whether or not either exists: both hang off a constant row by outer joins.
    one = select(literal(1).label("one")).subquery("one")
    return select(first.c.channel, first.c.direction, *answer.c).select_from(
        one.outerjoin(first, true()).outerjoin(answer, true())
    )


_FACTS = _facts_statement()


async def ticket_facts(session: AsyncSession, ticket_id: int) -> TicketFacts:
    """In one statement: who opened the ticket (the channel and direction of its first contact) and our newest
    answer on it."""
    row = (await session.execute(_FACTS, {"ticket_id": ticket_id})).one()
    answer = None
    if row.medium is not None:
        answer = LatestAnswer(row.body, row.medium, row.role, row.unit_name, row.names or {}, row.created_at)
    return TicketFacts((row.channel, row.direction) if row.channel is not None else None, answer)


async def category_name(session: AsyncSession, category_id: int, language: Language) -> str | None:
    """The category's name in `language` (else its canonical name)."""
    row = (await session.execute(select(Category.name, Category.names).where(Category.id == category_id))).first()
    return localised_name(row.name, row.names, language) if row else None


async def citizen_has_case_worker(session: AsyncSession, citizen_id: int | None) -> bool:
    if citizen_id is None:
        return False
    return await session.scalar(select(Citizen.case_worker_id.is_not(None)).where(Citizen.id == citizen_id)) or False


async def staff_name(session: AsyncSession, staff_id: int) -> str | None:
    return await session.scalar(select(Staff.full_name).where(Staff.id == staff_id))


async def unit_decides(session: AsyncSession, category_id: int | None, unit_id: int) -> bool:
    """Whether the unit holds decision authority for the category."""
    if category_id is None:
        return False
    return (category_id, unit_id) in await CACHE.get(session, "deciders", _deciders)


def _deciders(session: Session) -> frozenset[tuple[int, int]]:
    rows = session.execute(select(CategoryDecider.category_id, CategoryDecider.unit_id))
    return frozenset((category_id, unit_id) for category_id, unit_id in rows)


async def latest_escalation_to(session: AsyncSession, ticket_id: int, unit_id: int) -> Escalation | None:
    """The newest hand-off of the ticket to the unit, not counting returns to the front office."""
    statement = (
        select(Escalation)
        .where(
            Escalation.ticket_id == ticket_id,
            Escalation.to_unit_id == unit_id,
            Escalation.reason != EscalationReason.returned.value,
        )
        .order_by(Escalation.id.desc())
        .limit(1)
    )
    return await session.scalar(statement)


async def count_hit(session: AsyncSession, key: str, window_start: datetime) -> int:
    """Add one hit to the key's bucket for the window (creating it) and return the hits so far."""
    statement = (
        insert(RateLimitBucket)
        .values(key=key, window_start=window_start, hits=1)
        .on_conflict_do_update(
            index_elements=[RateLimitBucket.key, RateLimitBucket.window_start],
            set_={"hits": RateLimitBucket.hits + 1},
        )
        .returning(RateLimitBucket.hits)
    )
    return int((await session.execute(statement)).scalar_one())


def _lookup_statement() -> Prepared:
    """One lookup counted against its address and its reference in one statement: the address's bucket, then
    (a data-modifying CTE that sees the first's RETURNING) the reference's, only while the address is within
    its limit, so that a refused address does not use up the reference's budget for its owner."""
    window = bindparam("window_start", type_=DateTime(timezone=True))
    address = (
        insert(RateLimitBucket)
        .values(key=bindparam("address_key", type_=Text), window_start=window, hits=1)
        .on_conflict_do_update(
            index_elements=[RateLimitBucket.key, RateLimitBucket.window_start],
            set_={"hits": RateLimitBucket.hits + 1},
        )
        .returning(RateLimitBucket.hits)
        .cte("address")
    )
    within = select(bindparam("reference_key", type_=Text), window, literal(1)).where(
        address.c.hits <= bindparam("address_limit", type_=Integer)
    )
    reference = insert(RateLimitBucket).from_select(["key", "window_start", "hits"], within)
    reference = reference.on_conflict_do_update(
        index_elements=[RateLimitBucket.key, RateLimitBucket.window_start],
        set_={"hits": RateLimitBucket.hits + 1},
    )
    counted = reference.returning(RateLimitBucket.hits).cte("reference")
    return Prepared.of(
        select(address.c.hits.label("address_hits"), select(counted.c.hits).scalar_subquery().label("reference_hits"))
    )


_COUNT_LOOKUP = _lookup_statement()


async def count_lookup_hits(
    session: AsyncSession, address_key: str, reference_key: str, window_start: datetime, address_limit: int
) -> tuple[int, int | None]:
    """The hits so far of the address and (None once the address is over `address_limit`) of the reference,
    each counted one more."""
    row = (
        await _COUNT_LOOKUP.fetch(
            session,
            address_key=address_key,
            reference_key=reference_key,
            window_start=window_start,
            address_limit=address_limit,
        )
    ).one()
    return int(row.address_hits), None if row.reference_hits is None else int(row.reference_hits)


async def delete_buckets_before(session: AsyncSession, cutoff: datetime, batch: int) -> int:
    """Delete up to `batch` buckets older than `cutoff`, skipping rows another replica is touching."""
    old = (
        select(RateLimitBucket.key, RateLimitBucket.window_start)
        .where(RateLimitBucket.window_start < cutoff)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    statement = delete(RateLimitBucket).where(tuple_(RateLimitBucket.key, RateLimitBucket.window_start).in_(old))
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)
