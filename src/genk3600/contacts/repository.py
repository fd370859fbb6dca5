from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from genk3600.models import Contact


async def contact_by_id(session: AsyncSession, contact_id: int) -> Contact | None:
    return await session.scalar(
        select(Contact).options(selectinload(Contact.ticket)).where(Contact.id == contact_id)
    )
