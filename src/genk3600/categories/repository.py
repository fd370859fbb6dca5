from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, selectinload

from genk3600.kit.pagination import PageParams, keyset
from genk3600.models import Category
from genk3600.reference.cache import CACHE, attach


async def category_by_code(session: AsyncSession, code: str) -> Category | None:
    return await session.scalar(
        select(Category).options(selectinload(Category.owning_unit)).where(Category.code == code)
    )


def _categories_by_code(session: Session) -> dict[str, Category]:
    rows = session.scalars(select(Category).options(selectinload(Category.owning_unit)))
    return {row.code: row for row in rows}


async def cached_category(session: AsyncSession, code: str) -> Category | None:
    """The category with its owning unit from the in-process reference cache: the request's own copy."""
    row = (await CACHE.get(session, "categories", _categories_by_code)).get(code)
    return attach(session, row) if row is not None else None


async def cached_categories(session: AsyncSession) -> dict[str, Category]:
    """Every category by code from the in-process reference cache (shared rows: read them, never change them)."""
    return await CACHE.get(session, "categories", _categories_by_code)


async def list_categories(session: AsyncSession, params: PageParams) -> Sequence[Category]:
    statement = keyset(select(Category).options(selectinload(Category.owning_unit)), Category.id, params)
    return (await session.scalars(statement)).all()
