from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.models import Citizen


async def citizen_by_national_number_hash(session: AsyncSession, digest: str) -> Citizen | None:
    return await session.scalar(select(Citizen).where(Citizen.national_number_hash == digest))


async def citizen_by_email(session: AsyncSession, email: str) -> Citizen | None:
    return await session.scalar(select(Citizen).where(Citizen.email == email).order_by(Citizen.id).limit(1))


async def citizen_by_phone(session: AsyncSession, phone: str) -> Citizen | None:
    return await session.scalar(select(Citizen).where(Citizen.phone == phone).order_by(Citizen.id).limit(1))
