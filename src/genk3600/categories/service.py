"""Administration of categories and their routing defaults."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.categories import repository
from genk3600.categories.errors import CategoryExists, CategoryNotFound, UnknownCategory
from genk3600.categories.schemas import CategoryIn, CategoryOut, CategoryPage
from genk3600.i18n.catalogue import P_
from genk3600.kit.pagination import PageParams, page_of
from genk3600.models import Category
from genk3600.models.enums import OCMW_UNIT_KIND, Confidentiality, Language
from genk3600.privacy.ocmw import SocialStaysInOcmw, is_ocmw_unit
from genk3600.units.errors import UnknownUnit
from genk3600.units.repository import unit_by_code


async def create_category(session: AsyncSession, data: CategoryIn, language: Language = Language.en) -> CategoryOut:
    """Add a category owned by an existing unit."""
    if await repository.category_by_code(session, data.code) is not None:
        raise CategoryExists(data.code)
    unit = await unit_by_code(session, data.owning_unit)
    if unit is None:
        raise UnknownUnit(data.owning_unit)
    if data.confidentiality is Confidentiality.social and not is_ocmw_unit(unit):
        raise SocialStaysInOcmw(
            P_("A social category must be owned by an OCMW unit (kind {kind!r}); {unit} is not one."),
            params={"kind": OCMW_UNIT_KIND, "unit": unit.name},
            unit=unit.code,
        )
    category = Category(
        code=data.code,
        name=data.name,
        names={lang.value: text for lang, text in data.names.items()},
        owning_unit=unit,
        confidentiality=data.confidentiality.value,
        default_priority=data.default_priority.value,
    )
    session.add(category)
    await session.flush()
    return CategoryOut.of(category, language)


async def get_category(session: AsyncSession, code: str, language: Language = Language.en) -> CategoryOut:
    """One category by code."""
    category = await repository.category_by_code(session, code)
    if category is None:
        raise CategoryNotFound(code)
    return CategoryOut.of(category, language)


async def active_category(session: AsyncSession, code: str) -> Category:
    """The category a contact refers to; unknown or inactive codes are the client's mistake (422).

    The in-process reference cache's own row with its owning unit, shared by every request (no `Session.merge`
    per intake, #16): read it, never change it, never hang it on a row of the request's session (use its id)."""
    category = (await repository.cached_categories(session)).get(code)
    if category is None or not category.active:
        raise UnknownCategory(code)
    return category


async def list_categories(session: AsyncSession, params: PageParams, language: Language = Language.en) -> CategoryPage:
    """All categories, oldest first."""
    rows = await repository.list_categories(session, params)
    return page_of(CategoryPage, rows, params, lambda category: category.id, lambda row: CategoryOut.of(row, language))
