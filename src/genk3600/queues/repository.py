from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Integer,
    Text,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from genk3600.auth.principal import Principal
from genk3600.kit.prepared import Prepared
from genk3600.models import Category, Citizen, Staff, Ticket, Unit
from genk3600.models.enums import OPEN_STATUSES, Confidentiality, TicketStatus
from genk3600.models.ticket import QUEUE_PRIORITY_ARRAY_SQL, QUEUE_PRIORITY_ORDER
from genk3600.privacy.visibility import VISIBLE_TO_VIEWER, may_hold_social_ticket, viewer_parameters
from genk3600.tickets.repository import ticket_columns

# Queue order: most urgent first. Lower rank = earlier in the queue.
PRIORITY_RANK: dict[str, int] = {priority: rank for rank, priority in enumerate(QUEUE_PRIORITY_ORDER)}


@dataclass(frozen=True)
class QueueKey:
    """A ticket's place in the queue: the sort key, so a cursor can resume right after it."""

    rank: int
    due: datetime | None
    id: int


@dataclass(frozen=True)
class QueueFilter:
    unassigned: bool = False
    assignee_staff_id: int | None = None


def _constant(value: str) -> ColumnElement[str]:
    return literal_column(f"'{value}'")


def _number(value: int) -> ColumnElement[int]:
    return literal_column(str(value), Integer)


def _rank() -> ColumnElement[int]:
    """The priority rank with constants, exactly as the queue indexes (models/ticket.py) compute it: with
    bound parameters the planner could not match the indexes' expression."""
    position = func.array_position(literal_column(QUEUE_PRIORITY_ARRAY_SQL), Ticket.priority, type_=Integer)
    return position - _number(1)


def _is_open() -> ColumnElement[bool]:
    """The open statuses as constants, so the partial index ix_ticket_queue_order is provably usable."""
    return Ticket.status.in_([_constant(status) for status in OPEN_STATUSES])


def _in_queue_order() -> tuple[ColumnElement[int] | ColumnElement[datetime | None], ...]:
    return (_rank().asc(), Ticket.resolution_due_at.asc().nulls_last(), Ticket.id.asc())


def _after(key: QueueKey) -> ColumnElement[bool]:
    """Rows strictly after `key` in queue order (deadlines ascending, tickets without one last)."""
    return _after_values(key.rank, key.due, key.id, due_is_none=key.due is None)


def _after_values(key_rank: Any, key_due: Any, key_id: Any, *, due_is_none: bool) -> ColumnElement[bool]:
    """`_after` from values or bind parameters standing for them."""
    rank, due, ticket_id = _rank(), Ticket.resolution_due_at, Ticket.id
    if due_is_none:
        same_rank_later = and_(due.is_(None), ticket_id > key_id)
    else:
        same_rank_later = or_(
            due > key_due,
            due.is_(None),
            and_(due == key_due, ticket_id > key_id),
        )
    # `rank >= key.rank` is implied by the rest; stated on its own it bounds the index scan.
    return and_(rank >= key_rank, or_(rank > key_rank, and_(rank == key_rank, same_rank_later)))


def _claim_context_statement() -> Prepared:
    """The unit by code with the ids of it and every unit above it, and the claimer's languages: one statement
    where claiming used three."""
    start = select(Unit.id, Unit.parent_id).where(Unit.code == bindparam("unit_code", type_=Text))
    lineage = start.cte("lineage", recursive=True)
    # UNION (not UNION ALL) drops rows already seen, so even a cycle in the tree ends the recursion.
    lineage = lineage.union(select(Unit.id, Unit.parent_id).where(Unit.id == lineage.c.parent_id))
    queue_unit = aliased(Unit)
    languages = select(Staff.languages).where(Staff.id == bindparam("staff_id", type_=BigInteger)).scalar_subquery()
    statement = select(
        queue_unit.id,
        queue_unit.code,
        queue_unit.name,
        select(func.array_agg(lineage.c.id)).scalar_subquery().label("lineage"),
        languages.label("languages"),
    ).where(queue_unit.code == bindparam("unit_code", type_=Text))
    return Prepared.of(statement)


_CLAIM_CONTEXT = _claim_context_statement()


@dataclass(frozen=True)
class ClaimContext:
    unit_id: int
    unit_code: str
    unit_name: str
    lineage: frozenset[int]  # the unit and every unit above it
    languages: tuple[str, ...]  # the claimer's; empty: any language


async def claim_context(session: AsyncSession, unit_code: str, staff_id: int) -> ClaimContext | None:
    """What claiming in the unit with `unit_code` needs to know first; None if there is no such unit."""
    row = (await _CLAIM_CONTEXT.fetch(session, unit_code=unit_code, staff_id=staff_id)).first()
    if row is None:
        return None
    return ClaimContext(row.id, row.code, row.name, frozenset(row.lineage or ()), tuple(row.languages or ()))


@cache
def _page_statement(unassigned: bool, assigned_to_me: bool, after: Literal["none", "due", "no_due"]) -> Prepared:
    """A queue page in one statement, one variant per shape of the filter, each compiled once: the unit by its
    code (no row: no such unit), and beside it (LATERAL) one more than `limit` of its open tickets that the
    viewer may see (VISIBLE_TO_VIEWER), in queue order, with what `TicketOut` shows. Bounds stay in the SQL as
    `_after` writes them, so the queue index still bounds a later page's scan."""
    queue_unit, category, assignee, citizen = aliased(Unit), aliased(Category), aliased(Staff), aliased(Citizen)
    page = (
        select(*ticket_columns(queue_unit, category, assignee, citizen))
        .select_from(Ticket)
        .outerjoin(category, category.id == Ticket.category_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_staff_id)
        .outerjoin(citizen, citizen.id == Ticket.citizen_id)
        .where(Ticket.owning_unit_id == queue_unit.id, _is_open(), VISIBLE_TO_VIEWER)
    )
    if unassigned:
        page = page.where(Ticket.assignee_staff_id.is_(None))
    if assigned_to_me:
        page = page.where(Ticket.assignee_staff_id == bindparam("assignee_staff_id", type_=BigInteger))
    if after != "none":
        due = None if after == "no_due" else bindparam("after_due", type_=DateTime(timezone=True))
        rank, ticket_id = bindparam("after_rank", type_=Integer), bindparam("after_id", type_=BigInteger)
        page = page.where(_after_values(rank, due, ticket_id, due_is_none=after == "no_due"))
    rows = page.order_by(*_in_queue_order()).limit(bindparam("limit", type_=Integer)).lateral("page")
    statement = (
        select(queue_unit.id.label("unit_id"), rows)
        .select_from(queue_unit)
        .outerjoin(rows, true())
        .where(queue_unit.code == bindparam("unit_code", type_=Text))
    )
    return Prepared.of(statement)


async def queue_page_rows(
    session: AsyncSession,
    unit_code: str,
    where: QueueFilter,
    after: QueueKey | None,
    limit: int,
    viewer: Principal,
) -> list[Any] | None:
    """The open tickets of the unit with `unit_code` that the viewer may see, in queue order, one more than
    `limit`, as rows of `ticket_columns`; None if there is no such unit. One statement."""
    shape: Literal["none", "due", "no_due"] = "none" if after is None else ("no_due" if after.due is None else "due")
    values: dict[str, Any] = {"unit_code": unit_code, "limit": limit + 1, **viewer_parameters(viewer)}
    if where.assignee_staff_id is not None:
        values["assignee_staff_id"] = where.assignee_staff_id
    if after is not None:
        values.update(after_rank=after.rank, after_due=after.due, after_id=after.id)
    statement = _page_statement(where.unassigned, where.assignee_staff_id is not None, shape)
    rows = (await statement.fetch(session, **values)).all()
    if not rows:
        return None
    return [row for row in rows if row.id is not None]


async def lock_next_claimable(
    session: AsyncSession, unit_id: int, languages: Sequence[str] | None, staff_id: int
) -> Ticket | None:
    """Lock the first unassigned new ticket in queue order that no concurrent claimer holds and the claimer
    may hold (a social ticket only OCMW staff who see it by right: privacy.ocmw).

    SKIP LOCKED makes claimers pass each other instead of queueing behind one row; a row another
    claimer assigned and committed meanwhile is re-checked by PostgreSQL and no longer matches.
    """
    statement = select(Ticket).where(
        Ticket.owning_unit_id == unit_id,
        # Constants, as in the predicate of the partial index ix_ticket_claimable_order.
        Ticket.status == _constant(TicketStatus.new.value),
        Ticket.assignee_staff_id.is_(None),
    )
    if languages is not None:
        statement = statement.where(Ticket.language.in_(languages))
    statement = statement.where(
        or_(Ticket.confidentiality != _constant(Confidentiality.social.value), may_hold_social_ticket(staff_id))
    )
    statement = statement.order_by(*_in_queue_order()).limit(1).with_for_update(skip_locked=True, of=Ticket)
    return await session.scalar(statement)
