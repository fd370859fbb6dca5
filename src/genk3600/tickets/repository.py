from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from genk3600.auth.principal import Principal
from genk3600.kit.pagination import PageParams, keyset
from genk3600.models import Category, Ticket, TicketEvent, Unit, ticket_number_seq
from genk3600.models.enums import FINISHED_STATUSES, TicketStatus
from genk3600.privacy.visibility import visible_tickets

_TICKET_DETAILS = (
    selectinload(Ticket.category),
    selectinload(Ticket.owning_unit),
    selectinload(Ticket.assignee),
    selectinload(Ticket.citizen),
)


@dataclass(frozen=True)
class TicketFilter:
    status: TicketStatus | None = None
    unit_code: str | None = None
    category_code: str | None = None


async def next_ticket_number(session: AsyncSession) -> int:
    return int(await session.scalar(ticket_number_seq.next_value()) or 0)


_BY_REFERENCE = select(Ticket).options(*_TICKET_DETAILS)


async def ticket_by_reference(session: AsyncSession, reference: str, viewer: Principal) -> Ticket | None:
    """The ticket, if it exists and `viewer` may see it."""
    return await session.scalar(_BY_REFERENCE.where(Ticket.reference == reference, visible_tickets(viewer)))


async def ticket_by_reference_unchecked(session: AsyncSession, reference: str) -> Ticket | None:
    """The ticket, whoever asks: for callers that must find it beyond the caller's sight and answer for what
    they do with it (breaking the glass, a contact's link or mail thread); the rest pass their viewer."""
    return await session.scalar(_BY_REFERENCE.where(Ticket.reference == reference))


async def ticket_by_id(session: AsyncSession, ticket_id: int) -> Ticket | None:
    """Fresh from the database, relations included, even if this session already holds the ticket."""
    statement = select(Ticket).options(*_TICKET_DETAILS).where(Ticket.id == ticket_id)
    return await session.scalar(statement.execution_options(populate_existing=True))


async def list_tickets(
    session: AsyncSession, where: TicketFilter, params: PageParams, viewer: Principal
) -> Sequence[Ticket]:
    statement = select(Ticket).options(*_TICKET_DETAILS).where(visible_tickets(viewer))
    if where.status is not None:
        statement = statement.where(Ticket.status == where.status.value)
    if where.unit_code is not None:
        statement = statement.join(Unit, Ticket.owning_unit_id == Unit.id).where(Unit.code == where.unit_code)
    if where.category_code is not None:
        statement = statement.join(Category, Ticket.category_id == Category.id).where(
            Category.code == where.category_code
        )
    return (await session.scalars(keyset(statement, Ticket.id, params, newest_first=True))).all()


async def events_of(session: AsyncSession, ticket_id: int, params: PageParams) -> Sequence[TicketEvent]:
    statement = keyset(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id), TicketEvent.id, params)
    return (await session.scalars(statement)).all()


async def open_ticket_for(
    session: AsyncSession, citizen_id: int, category_id: int, created_after: datetime
) -> Ticket | None:
    """The citizen's newest open ticket on this category, if opened after `created_after`.

    Locks the pair (citizen, category) until the transaction ends: two contacts of one citizen arriving at
    once would otherwise both find no open ticket and open one each. The second now waits here for the
    first to commit, then finds (and joins) the ticket the first opened.
    """
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 3600))"),
        {"key": f"follow-up:{citizen_id}:{category_id}"},
    )
    return await session.scalar(
        select(Ticket)
        .options(*_TICKET_DETAILS)
        .where(
            Ticket.citizen_id == citizen_id,
            Ticket.category_id == category_id,
            Ticket.status.not_in(FINISHED_STATUSES),
            Ticket.created_at >= created_after,
        )
        .order_by(Ticket.id.desc())
        .limit(1)
        .with_for_update()
    )


async def lock_ticket(session: AsyncSession, ticket_id: int) -> Ticket | None:
    """Lock the row and read it afresh: another writer (e.g. the SLA sweeper) may have changed it meanwhile."""
    statement = select(Ticket).options(*_TICKET_DETAILS).where(Ticket.id == ticket_id).with_for_update()
    return await session.scalar(statement.execution_options(populate_existing=True))
