from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from genk3600.kit.pagination import PageParams, keyset
from genk3600.models import Staff, StaffMembership

_WITH_UNITS = selectinload(Staff.memberships).selectinload(StaffMembership.unit)


async def staff_by_id(session: AsyncSession, staff_id: int) -> Staff | None:
    return await session.scalar(select(Staff).options(_WITH_UNITS).where(Staff.id == staff_id))


async def staff_by_email(session: AsyncSession, email: str) -> Staff | None:
    return await session.scalar(select(Staff).options(_WITH_UNITS).where(Staff.email == email.lower()))


async def count_staff(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Staff)) or 0)


async def staff_by_oidc_subject(session: AsyncSession, subject: str) -> Staff | None:
    return await session.scalar(select(Staff).where(Staff.oidc_subject == subject))


async def list_staff(session: AsyncSession, params: PageParams) -> Sequence[Staff]:
    return (await session.scalars(keyset(select(Staff).options(_WITH_UNITS), Staff.id, params))).all()
