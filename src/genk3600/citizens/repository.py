from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from genk3600.models import Citizen, Ticket
from genk3600.models.enums import TicketStatus

# Enough to tell "one" from "several" without reading every namesake.
CANDIDATE_LIMIT = 2
LOOKUP_LIMIT = 20
OPEN_STATUSES = [status.value for status in TicketStatus if status not in (TicketStatus.resolved, TicketStatus.closed)]


async def citizen_by_national_number_hash(session: AsyncSession, digest: str) -> Citizen | None:
    return await session.scalar(select(Citizen).where(Citizen.national_number_hash == digest))


async def citizens_by_email(session: AsyncSession, email: str, limit: int = CANDIDATE_LIMIT) -> Sequence[Citizen]:
    statement = select(Citizen).where(Citizen.email == email).order_by(Citizen.id).limit(limit)
    return (await session.scalars(statement)).all()


async def citizens_by_phone(session: AsyncSession, phone: str, limit: int = CANDIDATE_LIMIT) -> Sequence[Citizen]:
    statement = select(Citizen).where(Citizen.phone == phone).order_by(Citizen.id).limit(limit)
    return (await session.scalars(statement)).all()


async def citizens_by_name(session: AsyncSession, name: str, limit: int = LOOKUP_LIMIT) -> Sequence[Citizen]:
    pattern = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    full_name = func.concat_ws(" ", Citizen.given_name, Citizen.family_name)
    statement = (
        select(Citizen)
        .where(or_(full_name.ilike(pattern), Citizen.family_name.ilike(pattern)))
        .order_by(Citizen.family_name, Citizen.given_name, Citizen.id)
        .limit(limit)
    )
    return (await session.scalars(statement)).all()


async def open_tickets_of(session: AsyncSession, citizen_ids: Sequence[int]) -> Sequence[Ticket]:
    statement = (
        select(Ticket)
        .options(selectinload(Ticket.owning_unit))
        .where(Ticket.citizen_id.in_(citizen_ids), Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.id.desc())
    )
    return (await session.scalars(statement)).all()
