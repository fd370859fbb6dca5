"""The import's queries: what is known already and fresh ids in bulk (COPY itself is kit/copy.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.models import Category, Citizen, Contact, Unit
from genk3600.models.enums import OCMW_UNIT_KIND


@dataclass(frozen=True)
class CategoryFacts:
    id: int
    owning_unit_id: int
    confidentiality: str
    default_priority: str


@dataclass(frozen=True)
class KnownCitizen:
    id: int
    national_number_hash: str | None
    email: str | None
    phone: str | None
    preferred_language: str


async def categories(session: AsyncSession) -> dict[str, CategoryFacts]:
    rows = await session.execute(
        select(Category.code, Category.id, Category.owning_unit_id, Category.confidentiality, Category.default_priority)
    )
    return {
        code: CategoryFacts(category_id, owner, confidentiality, priority)
        for code, category_id, owner, confidentiality, priority in rows
    }


async def units(session: AsyncSession) -> dict[str, tuple[int, str]]:
    """Unit code → (id, name), active units only."""
    rows = await session.execute(select(Unit.code, Unit.id, Unit.name).where(Unit.active))
    return {code: (unit_id, name) for code, unit_id, name in rows}


async def ocmw_unit_ids(session: AsyncSession) -> set[int]:
    """Ids of the OCMW units: the only possible owners of social tickets (privacy.ocmw)."""
    return set((await session.scalars(select(Unit.id).where(Unit.kind == OCMW_UNIT_KIND))).all())


async def lock_imports(session: AsyncSession) -> None:
    """Two imports at once would both find a line new; one batch at a time until this transaction ends."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended('genk3600:import', 3600))"))


async def imported_keys(session: AsyncSession, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (channel, external_id) pairs are recorded already."""
    channels = sorted({channel for channel, _ in keys})
    external_ids = [external_id for _, external_id in keys]
    rows = await session.execute(
        select(Contact.channel, Contact.external_id).where(
            Contact.channel.in_(channels), Contact.external_id.in_(external_ids)
        )
    )
    return {(channel, external_id) for channel, external_id in rows if external_id is not None}


async def citizens_matching(
    session: AsyncSession, hashes: Iterable[str], emails: Iterable[str], phones: Iterable[str]
) -> list[KnownCitizen]:
    hashes, emails, phones = list(hashes), list(emails), list(phones)
    if not (hashes or emails or phones):
        return []
    rows = await session.execute(
        select(Citizen.id, Citizen.national_number_hash, Citizen.email, Citizen.phone, Citizen.preferred_language)
        .where(Citizen.national_number_hash.in_(hashes) | Citizen.email.in_(emails) | Citizen.phone.in_(phones))
        .order_by(Citizen.id)
    )
    return [KnownCitizen(*row) for row in rows]


async def next_ids(session: AsyncSession, table: str, count: int) -> list[int]:
    """`count` fresh values of the table's identity sequence, so rows can refer to each other before COPY."""
    rows = await session.execute(
        text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
        {"table": table, "count": count},
    )
    return [int(value) for (value,) in rows]


async def next_ticket_numbers(session: AsyncSession, count: int) -> list[int]:
    rows = await session.execute(
        text("SELECT nextval('ticket_number_seq') FROM generate_series(1, :count)"), {"count": count}
    )
    return [int(value) for (value,) in rows]
