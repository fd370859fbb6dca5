from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Integer, and_, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from genk3600.auth.principal import Principal
from genk3600.models import Staff, Ticket, Unit
from genk3600.models.enums import OPEN_STATUSES, Confidentiality, TicketStatus
from genk3600.models.ticket import QUEUE_PRIORITY_ARRAY_SQL, QUEUE_PRIORITY_ORDER
from genk3600.privacy.visibility import may_hold_social_ticket, visible_tickets

# Queue order: most urgent first. Lower rank = earlier in the queue.
PRIORITY_RANK: dict[str, int] = {priority: rank for rank, priority in enumerate(QUEUE_PRIORITY_ORDER)}

_TICKET_DETAILS = (
    selectinload(Ticket.category),
    selectinload(Ticket.owning_unit),
    selectinload(Ticket.assignee),
    selectinload(Ticket.citizen),
)


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
    rank, due, ticket_id = _rank(), Ticket.resolution_due_at, Ticket.id
    if key.due is None:
        same_rank_later = and_(due.is_(None), ticket_id > key.id)
    else:
        same_rank_later = or_(
            due > key.due,
            due.is_(None),
            and_(due == key.due, ticket_id > key.id),
        )
    # `rank >= key.rank` is implied by the rest; stated on its own it bounds the index scan.
    return and_(rank >= key.rank, or_(rank > key.rank, and_(rank == key.rank, same_rank_later)))


async def unit_lineage(session: AsyncSession, unit_id: int) -> set[int]:
    """The unit and every unit above it."""
    lineage = select(Unit.id, Unit.parent_id).where(Unit.id == unit_id).cte("lineage", recursive=True)
    # UNION (not UNION ALL) drops rows already seen, so even a cycle in the tree ends the recursion.
    lineage = lineage.union(select(Unit.id, Unit.parent_id).where(Unit.id == lineage.c.parent_id))
    return set((await session.scalars(select(lineage.c.id))).all())


async def staff_languages(session: AsyncSession, staff_id: int) -> list[str]:
    languages = await session.scalar(select(Staff.languages).where(Staff.id == staff_id))
    return list(languages or [])


async def queue_page(
    session: AsyncSession, unit_id: int, where: QueueFilter, after: QueueKey | None, limit: int, viewer: Principal
) -> Sequence[Ticket]:
    """Open tickets of the unit that the viewer may see, in queue order, one more than `limit`."""
    statement = (
        select(Ticket)
        .options(*_TICKET_DETAILS)
        .where(Ticket.owning_unit_id == unit_id, _is_open(), visible_tickets(viewer))
    )
    if where.unassigned:
        statement = statement.where(Ticket.assignee_staff_id.is_(None))
    if where.assignee_staff_id is not None:
        statement = statement.where(Ticket.assignee_staff_id == where.assignee_staff_id)
    if after is not None:
        statement = statement.where(_after(after))
    statement = statement.order_by(*_in_queue_order()).limit(limit + 1)
    return (await session.scalars(statement)).all()


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
