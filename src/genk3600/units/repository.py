from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from genk3600.kit.pagination import PageParams, keyset
from genk3600.models import Unit
from genk3600.models.enums import UnitKind


async def unit_by_code(session: AsyncSession, code: str) -> Unit | None:
    return await session.scalar(select(Unit).options(selectinload(Unit.parent)).where(Unit.code == code))


async def units_by_codes(session: AsyncSession, codes: set[str]) -> dict[str, Unit]:
    rows = await session.scalars(select(Unit).where(Unit.code.in_(codes)))
    return {unit.code: unit for unit in rows}


async def first_unit_of_kind(session: AsyncSession, kind: UnitKind) -> Unit | None:
    return await session.scalar(select(Unit).where(Unit.kind == kind.value, Unit.active).order_by(Unit.id).limit(1))


async def list_units(session: AsyncSession, params: PageParams) -> Sequence[Unit]:
    statement = keyset(select(Unit).options(selectinload(Unit.parent)), Unit.id, params)
    return (await session.scalars(statement)).all()


async def unit_by_id(session: AsyncSession, unit_id: int) -> Unit | None:
    return await session.scalar(select(Unit).options(selectinload(Unit.parent)).where(Unit.id == unit_id))
