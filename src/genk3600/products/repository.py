"""Queries of the product catalogue: entries, their categories with deciders, desks' hours, the text search.

The search matches the query as Dutch, French and word by word at once (OR), like the ticket search, because
an agent does not say which language they type in; the words are OR-ed too (an agent types a sentence —
"mijn identiteitskaart is gestolen" — not keywords), and ranking puts the entries matching most words, in
their names and synonyms above their descriptions, first. Catalogue entries are public information and hold
no ticket content, so no visibility rule applies to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Float, Text, cast, exists, func, literal, or_, select
from sqlalchemy.dialects.postgresql import REGCONFIG, TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.kit.pagination import PageParams, keyset
from genk3600.models import Category, CategoryDecider, OpeningHours, Product, ProductCategory, ProductVersion, Unit

SEARCH_CONFIGS = ("dutch", "french", "simple")


@dataclass(frozen=True)
class CategoryFacts:
    category: Category
    owning_unit: Unit
    deciders: tuple[Unit, ...]


async def product_by_code(session: AsyncSession, code: str, *, lock: bool = False) -> Product | None:
    statement = select(Product).where(Product.code == code)
    if lock:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def product_by_ipdc_id(session: AsyncSession, ipdc_id: str) -> Product | None:
    return await session.scalar(select(Product).where(Product.ipdc_id == ipdc_id).with_for_update())


async def list_products(session: AsyncSession, params: PageParams) -> Sequence[Product]:
    return (await session.scalars(keyset(select(Product), Product.id, params))).all()


async def search_products(
    session: AsyncSession, terms: str, limit: int, category_ids: Sequence[int] | None = None
) -> Sequence[tuple[Product, float]]:
    """Active products matching `terms` (a tsquery of OR-ed words) in any language, best first; only those of
    `category_ids` when given."""
    queries = [func.to_tsquery(literal(config, REGCONFIG), func.genk3600_unaccent(terms)) for config in SEARCH_CONFIGS]
    ranked = queries[0].op("||")(queries[1]).op("||")(queries[2])
    vector = Product.__table__.c.search_vector
    rank = func.ts_rank(vector, cast(ranked, TSQUERY)).cast(Float(53)).label("rank")
    statement = (
        select(Product, rank)
        .where(Product.active, or_(*(vector.op("@@")(query) for query in queries)))
        .order_by(rank.desc(), Product.code)
        .limit(limit)
    )
    if category_ids is not None:
        statement = statement.where(
            exists().where(ProductCategory.product_id == Product.id, ProductCategory.category_id.in_(category_ids))
        )
    return [(product, float(score)) for product, score in (await session.execute(statement)).all()]


async def stems_of(session: AsyncSession, terms: str) -> list[str]:
    """The query as each configuration parses it (empty strings where only stopwords remain)."""
    row = (
        await session.execute(
            select(
                *(
                    cast(func.to_tsquery(literal(config, REGCONFIG), func.genk3600_unaccent(terms)), Text)
                    for config in SEARCH_CONFIGS
                )
            )
        )
    ).one()
    return [str(value) for value in row]


async def category_ids_of(session: AsyncSession, product_ids: Sequence[int]) -> dict[int, list[int]]:
    rows = await session.execute(
        select(ProductCategory.product_id, ProductCategory.category_id)
        .where(ProductCategory.product_id.in_(product_ids))
        .order_by(ProductCategory.product_id, ProductCategory.position)
    )
    linked: dict[int, list[int]] = {product_id: [] for product_id in product_ids}
    for product_id, category_id in rows:
        linked[product_id].append(category_id)
    return linked


async def category_facts(session: AsyncSession, category_ids: Sequence[int]) -> dict[int, CategoryFacts]:
    """Each category with its owning unit and deciding units (two queries for any number)."""
    if not category_ids:
        return {}
    owner = Unit
    rows = (
        await session.execute(
            select(Category, owner)
            .join(owner, owner.id == Category.owning_unit_id)
            .where(Category.id.in_(category_ids))
        )
    ).all()
    deciders: dict[int, list[Unit]] = {}
    decider_rows = await session.execute(
        select(CategoryDecider.category_id, Unit)
        .join(Unit, Unit.id == CategoryDecider.unit_id)
        .where(CategoryDecider.category_id.in_(category_ids))
        .order_by(Unit.name)
    )
    for category_id, unit in decider_rows:
        deciders.setdefault(category_id, []).append(unit)
    return {category.id: CategoryFacts(category, unit, tuple(deciders.get(category.id, ()))) for category, unit in rows}


async def units_by_ids(session: AsyncSession, unit_ids: Sequence[int]) -> dict[int, Unit]:
    if not unit_ids:
        return {}
    return {unit.id: unit for unit in (await session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))).all()}


async def opening_hours_of(session: AsyncSession, unit_ids: Sequence[int]) -> Sequence[OpeningHours]:
    """The units' own opening hours and the city's (unit_id NULL)."""
    statement = select(OpeningHours).where(or_(OpeningHours.unit_id.in_(unit_ids), OpeningHours.unit_id.is_(None)))
    return (await session.scalars(statement.order_by(OpeningHours.weekday, OpeningHours.opens))).all()


async def categories_by_codes(session: AsyncSession, codes: Sequence[str]) -> dict[str, Category]:
    rows = await session.scalars(select(Category).where(Category.code.in_(codes)))
    return {category.code: category for category in rows}


async def products_of_categories(session: AsyncSession, category_ids: Sequence[int]) -> Sequence[Product]:
    """Active products linked to any of the categories, those where it is the main category first."""
    if not category_ids:
        return []
    best = (
        select(ProductCategory.product_id, func.min(ProductCategory.position).label("position"))
        .where(ProductCategory.category_id.in_(category_ids))
        .group_by(ProductCategory.product_id)
        .subquery()
    )
    statement = (
        select(Product)
        .join(best, best.c.product_id == Product.id)
        .where(Product.active)
        .order_by(best.c.position, Product.code)
        .limit(20)
    )
    return (await session.scalars(statement)).all()


async def links_of(session: AsyncSession, product_id: int) -> Sequence[ProductCategory]:
    return (await session.scalars(select(ProductCategory).where(ProductCategory.product_id == product_id))).all()


async def versions_of(session: AsyncSession, product_id: int) -> Sequence[ProductVersion]:
    statement = select(ProductVersion).where(ProductVersion.product_id == product_id).order_by(ProductVersion.version)
    return (await session.scalars(statement)).all()
