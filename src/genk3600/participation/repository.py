"""All queries of participations and decision authority.

Staff and units are read as plain columns, not ORM objects: the caller's session may already hold the same
Staff (authentication loads it) with relations this code must not touch (`lazy="raise"`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.audit import trail
from genk3600.auth.principal import Principal
from genk3600.models import Category, CategoryDecider, Contact, Participation, Staff, StaffMembership, Ticket, Unit
from genk3600.models.enums import Position, Role
from genk3600.privacy.visibility import contacts_open_to_roles, visible_contacts


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class Seat:
    """One of a staff member's memberships: a position in a unit."""

    unit: UnitRef
    position: Position


@dataclass(frozen=True)
class StaffFacts:
    id: int
    full_name: str
    active: bool
    seats: tuple[Seat, ...]  # in membership order


@dataclass(frozen=True)
class ParticipationRow:
    id: int
    contact_id: int
    channel: str
    ticket_reference: str | None
    staff_id: int
    staff_name: str
    units: list[str]
    positions: list[str]  # aligned with `units`
    role: str
    note: str | None
    created_at: datetime


async def contact_by_id(session: AsyncSession, contact_id: int, viewer: Principal) -> Contact | None:
    """The contact, if the viewer may record a role on it (out of sight answers like unknown)."""
    return await session.scalar(select(Contact).where(Contact.id == contact_id, contacts_open_to_roles(viewer)))


async def contact_exists(session: AsyncSession, contact_id: int, viewer: Principal) -> bool:
    condition = exists().where(Contact.id == contact_id, visible_contacts(viewer))
    return bool(await session.scalar(select(condition)))


async def ticket_by_id(session: AsyncSession, ticket_id: int) -> Ticket | None:
    # The identity map first: inline callers hold the ticket already, possibly with unflushed changes.
    return await session.get(Ticket, ticket_id)


async def category_code(session: AsyncSession, category_id: int) -> str | None:
    return await session.scalar(select(Category.code).where(Category.id == category_id))


async def staff_facts(session: AsyncSession, staff_id: int) -> StaffFacts | None:
    """The staff member with every membership (unit and position), in one query."""
    rows = (
        await session.execute(
            select(
                Staff.id,
                Staff.full_name,
                Staff.active,
                Unit.id.label("unit_id"),
                Unit.code,
                Unit.name,
                StaffMembership.position,
            )
            .select_from(Staff)
            .outerjoin(StaffMembership, StaffMembership.staff_id == Staff.id)
            .outerjoin(Unit, Unit.id == StaffMembership.unit_id)
            .where(Staff.id == staff_id)
            .order_by(StaffMembership.id)
        )
    ).all()
    if not rows:
        return None
    first = rows[0]
    seats = tuple(
        Seat(UnitRef(row.unit_id, row.code, row.name), Position(row.position))
        for row in rows
        if row.unit_id is not None
    )
    return StaffFacts(id=first.id, full_name=first.full_name, active=first.active, seats=seats)


async def decider_units(session: AsyncSession, category_id: int) -> list[UnitRef]:
    """Units holding decision authority for the category, by code."""
    rows = await session.execute(
        select(Unit.id, Unit.code, Unit.name)
        .join(CategoryDecider, CategoryDecider.unit_id == Unit.id)
        .where(CategoryDecider.category_id == category_id)
        .order_by(Unit.code)
    )
    return [UnitRef(row.id, row.code, row.name) for row in rows]


async def insert_participation(
    session: AsyncSession, contact_id: int, staff_id: int, role: Role, note: str | None
) -> int | None:
    """The new participation's id; None if this staff member already has this role on this contact.

    ON CONFLICT keeps the surrounding transaction usable (a failed INSERT would abort it), and
    settles concurrent duplicates in the database rather than by a check-then-insert race.
    """
    values = {"contact_id": contact_id, "staff_id": staff_id, "role": role.value, "note": note}
    participation_id = await session.scalar(
        insert(Participation)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["contact_id", "staff_id", "role"])
        .returning(Participation.id)
    )
    if participation_id is not None:
        await trail.record_writes(session, [trail.inserted("participation", participation_id, values)])
    return participation_id


def _participation_rows() -> Select[Any]:
    """Participations with their contact, ticket, staff name and the staff's units and positions."""
    units = (
        select(func.array_agg(Unit.code).aggregate_order_by(StaffMembership.id))
        .select_from(StaffMembership)
        .join(Unit, Unit.id == StaffMembership.unit_id)
        .where(StaffMembership.staff_id == Participation.staff_id)
        .scalar_subquery()
    )
    positions = (
        select(func.array_agg(StaffMembership.position).aggregate_order_by(StaffMembership.id))
        .where(StaffMembership.staff_id == Participation.staff_id)
        .scalar_subquery()
    )
    return (
        select(
            Participation.id,
            Participation.contact_id,
            Contact.channel,
            Ticket.reference,
            Participation.staff_id,
            Staff.full_name,
            units.label("units"),
            positions.label("positions"),
            Participation.role,
            Participation.note,
            Participation.created_at,
        )
        .join(Contact, Contact.id == Participation.contact_id)
        .join(Staff, Staff.id == Participation.staff_id)
        .outerjoin(Ticket, Ticket.id == Contact.ticket_id)
        .order_by(Participation.created_at, Participation.id)
    )


async def _rows(session: AsyncSession, statement: Select[Any]) -> list[ParticipationRow]:
    return [
        ParticipationRow(
            id=row.id,
            contact_id=row.contact_id,
            channel=row.channel,
            ticket_reference=row.reference,
            staff_id=row.staff_id,
            staff_name=row.full_name,
            units=list(row.units or []),
            positions=list(row.positions or []),
            role=row.role,
            note=row.note,
            created_at=row.created_at,
        )
        for row in await session.execute(statement)
    ]


async def participation_by_id(session: AsyncSession, participation_id: int) -> ParticipationRow | None:
    rows = await _rows(session, _participation_rows().where(Participation.id == participation_id))
    return rows[0] if rows else None


async def participations_of_contact(session: AsyncSession, contact_id: int) -> list[ParticipationRow]:
    return await _rows(session, _participation_rows().where(Participation.contact_id == contact_id))


async def participations_on_ticket(session: AsyncSession, ticket_id: int) -> list[ParticipationRow]:
    return await _rows(session, _participation_rows().where(Contact.ticket_id == ticket_id))


async def unattributed_contact_ids(session: AsyncSession, ticket_id: int) -> list[int]:
    """The ticket's contacts without any participation, oldest first."""
    statement = (
        select(Contact.id)
        .where(Contact.ticket_id == ticket_id, ~exists().where(Participation.contact_id == Contact.id))
        .order_by(Contact.occurred_at, Contact.id)
    )
    return list((await session.scalars(statement)).all())


async def lock_category(session: AsyncSession, code: str) -> Category | None:
    """The category, locked: concurrent replacements of its deciders run one after the other."""
    return await session.scalar(select(Category).where(Category.code == code).with_for_update())


async def category_by_code(session: AsyncSession, code: str) -> Category | None:
    return await session.scalar(select(Category).where(Category.code == code))


async def active_units_by_codes(session: AsyncSession, codes: Sequence[str]) -> list[UnitRef]:
    rows = await session.execute(
        select(Unit.id, Unit.code, Unit.name).where(Unit.code.in_(codes), Unit.active).order_by(Unit.code)
    )
    return [UnitRef(row.id, row.code, row.name) for row in rows]


async def replace_deciders(session: AsyncSession, category_id: int, unit_ids: Sequence[int]) -> None:
    """Make exactly `unit_ids` the deciders: remove the others, add the missing ones."""
    changes = {"decider_unit_ids": sorted(unit_ids)}
    await trail.record_writes(session, [trail.updated("category", category_id, {}, changes)])
    await session.execute(
        delete(CategoryDecider).where(
            CategoryDecider.category_id == category_id, CategoryDecider.unit_id.not_in(unit_ids)
        )
    )
    if unit_ids:
        await session.execute(
            insert(CategoryDecider)
            .values([{"category_id": category_id, "unit_id": unit_id} for unit_id in unit_ids])
            .on_conflict_do_nothing()
        )
