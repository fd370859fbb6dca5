"""The names of units and categories per language, read for rendering texts (one statement, both tables)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.i18n.texts import NameBook
from genk3600.models import Category, Unit

_UNIT = cast(Table, Unit.__table__)
_CATEGORY = cast(Table, Category.__table__)
# Reference data: a few dozen rows each, so a reader of a timeline page takes them all in one round trip.
_NAMES = union_all(
    select(literal("unit").label("kind"), _UNIT.c.code, _UNIT.c.name, _UNIT.c.names),
    select(literal("category").label("kind"), _CATEGORY.c.code, _CATEGORY.c.name, _CATEGORY.c.names),
)


def _entry(name: str, names: dict[str, Any] | None) -> dict[str, str]:
    return {"": name, **{language: str(text) for language, text in (names or {}).items() if text}}


async def load_names(session: AsyncSession) -> NameBook:
    """Every unit's and category's names, by code and language (the canonical name under "")."""
    units: dict[str, dict[str, str]] = {}
    categories: dict[str, dict[str, str]] = {}
    for kind, code, name, names in (await session.execute(_NAMES)).all():
        (units if kind == "unit" else categories)[code] = _entry(name, names)
    return NameBook(units=units, categories=categories)
