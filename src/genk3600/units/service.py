"""Administration of the unit tree."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.kit.pagination import PageParams, page_of
from genk3600.models import Unit
from genk3600.models.enums import Language
from genk3600.units import repository
from genk3600.units.errors import UnitExists, UnitNotFound, UnknownUnit
from genk3600.units.schemas import UnitIn, UnitOut, UnitPage


async def create_unit(session: AsyncSession, data: UnitIn, language: Language = Language.en) -> UnitOut:
    """Add a unit under an existing parent."""
    if await repository.unit_by_code(session, data.code) is not None:
        raise UnitExists(data.code)
    parent = None
    if data.parent is not None:
        parent = await repository.unit_by_code(session, data.parent)
        if parent is None:
            raise UnknownUnit(data.parent)
    names = {lang.value: text for lang, text in data.names.items()}
    unit = Unit(code=data.code, name=data.name, names=names, kind=data.kind.value, parent=parent)
    if data.front_office is not None:  # else the kind decides (see Unit.front_office)
        unit.front_office = data.front_office
    session.add(unit)
    await session.flush()
    return UnitOut.of(unit, language)


async def get_unit(session: AsyncSession, code: str, language: Language = Language.en) -> UnitOut:
    """One unit by code."""
    unit = await repository.unit_by_code(session, code)
    if unit is None:
        raise UnitNotFound(code)
    return UnitOut.of(unit, language)


async def list_units(session: AsyncSession, params: PageParams, language: Language = Language.en) -> UnitPage:
    """All units, oldest first."""
    rows = await repository.list_units(session, params)
    return page_of(UnitPage, rows, params, lambda unit: unit.id, lambda unit: UnitOut.of(unit, language))
