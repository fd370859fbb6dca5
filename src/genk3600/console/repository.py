"""Queries for the console: the signed-in staff member's units and calls, and the demo staff picker."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from genk3600.models import Call, Category, OutboxEvent
from genk3600.models.organisation import Staff, StaffMembership, Unit

# A ringing call whose `ended` event never arrived must not pop up forever.
MAX_OPEN_CALLS = 20


async def units_by_ids(session: AsyncSession, unit_ids: set[int]) -> dict[int, Unit]:
    if not unit_ids:
        return {}
    rows = await session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))
    return {unit.id: unit for unit in rows}


async def open_calls_of_agent(session: AsyncSession, staff_id: int, states: Sequence[str]) -> Sequence[Call]:
    statement = (
        select(Call)
        .where(Call.agent_staff_id == staff_id, Call.state.in_(states))
        .order_by(Call.id.desc())
        .limit(MAX_OPEN_CALLS)
    )
    return (await session.scalars(statement)).all()


async def call_signature(session: AsyncSession, staff_id: int, states: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The (call id, state) pairs of the agent's open calls: the live stream sends calls again when it changes."""
    statement = (
        select(Call.call_id, Call.state)
        .where(Call.agent_staff_id == staff_id, Call.state.in_(states))
        .order_by(Call.id.desc())
        .limit(MAX_OPEN_CALLS)
    )
    return tuple((row.call_id, row.state) for row in await session.execute(statement))


async def event_owners(session: AsyncSession, event_ids: Sequence[int]) -> dict[int, int | None]:
    """The owning unit of each event's ticket when the event happened."""
    if not event_ids:
        return {}
    rows = await session.execute(
        select(OutboxEvent.id, OutboxEvent.owning_unit_id).where(OutboxEvent.id.in_(event_ids))
    )
    return {row.id: row.owning_unit_id for row in rows}


async def active_categories(session: AsyncSession) -> Sequence[Category]:
    statement = (
        select(Category).options(selectinload(Category.owning_unit)).where(Category.active).order_by(Category.name)
    )
    return (await session.scalars(statement)).all()


async def active_units(session: AsyncSession) -> Sequence[Unit]:
    return (await session.scalars(select(Unit).where(Unit.active).order_by(Unit.name))).all()


async def active_staff_with_units(session: AsyncSession) -> Sequence[Staff]:
    statement = (
        select(Staff)
        .options(selectinload(Staff.memberships).selectinload(StaffMembership.unit))
        .where(Staff.active)
        .order_by(Staff.full_name)
    )
    return (await session.scalars(statement)).all()


async def active_staff_by_email(session: AsyncSession, email: str) -> Staff | None:
    return await session.scalar(select(Staff).where(Staff.email == email.lower(), Staff.active))
