from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from genk3600.kit.pagination import PageParams, keyset
from genk3600.models import Category


async def category_by_code(session: AsyncSession, code: str) -> Category | None:
    return await session.scalar(
        select(Category).options(selectinload(Category.owning_unit)).where(Category.code == code)
    )


async def list_categories(session: AsyncSession, params: PageParams) -> Sequence[Category]:
    statement = keyset(select(Category).options(selectinload(Category.owning_unit)), Category.id, params)
    return (await session.scalars(statement)).all()
