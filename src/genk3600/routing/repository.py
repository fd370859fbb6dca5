from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from genk3600.audit import trail
from genk3600.models import (
    Category,
    Citizen,
    Contact,
    RoutingRuleVersion,
    SlaPolicy,
    Staff,
    StaffMembership,
    Ticket,
    TicketEvent,
    Unit,
)
from genk3600.models.enums import OCMW_UNIT_KIND
from genk3600.sla import repository as sla_repository


async def current_versions(session: AsyncSession, active_only: bool = False) -> Sequence[RoutingRuleVersion]:
    statement = select(RoutingRuleVersion).where(RoutingRuleVersion.current)
    if active_only:
        statement = statement.where(RoutingRuleVersion.active)
    return (await session.scalars(statement.order_by(RoutingRuleVersion.position, RoutingRuleVersion.rule_id))).all()


async def current_version(session: AsyncSession, rule_id: int) -> RoutingRuleVersion | None:
    return await session.scalar(
        select(RoutingRuleVersion).where(RoutingRuleVersion.rule_id == rule_id, RoutingRuleVersion.current)
    )


async def history(session: AsyncSession, rule_id: int) -> Sequence[RoutingRuleVersion]:
    statement = (
        select(RoutingRuleVersion).where(RoutingRuleVersion.rule_id == rule_id).order_by(RoutingRuleVersion.version)
    )
    return (await session.scalars(statement)).all()


async def retire(session: AsyncSession, version_id: int) -> None:
    await session.execute(update(RoutingRuleVersion).where(RoutingRuleVersion.id == version_id).values(current=False))
    await trail.record_writes(
        session, [trail.updated("routing_rule_version", version_id, {"current": True}, {"current": False})]
    )


_ALL_UNITS = select(Unit).order_by(Unit.id)
_ACTIVE_RULES = (
    select(RoutingRuleVersion)
    .where(RoutingRuleVersion.current, RoutingRuleVersion.active)
    .order_by(RoutingRuleVersion.position, RoutingRuleVersion.rule_id)
)


def load_routing_data(session: Session) -> tuple[list[Unit], list[RoutingRuleVersion]]:
    """Every unit (parents set) and the current active rule versions, for the reference cache."""
    units = list(session.scalars(_ALL_UNITS).all())
    by_id = {unit.id: unit for unit in units}
    for unit in units:
        set_committed_value(unit, "parent", by_id.get(unit.parent_id) if unit.parent_id is not None else None)
    return units, list(session.scalars(_ACTIVE_RULES).all())


async def all_units(session: AsyncSession) -> list[Unit]:
    """Every unit, each with its parent set from the same rows: routing needs names, the front office and the
    owner, and the organisation is small, so one query serves them all."""
    units = list((await session.scalars(select(Unit).order_by(Unit.id))).all())
    by_id = {unit.id: unit for unit in units}
    for unit in units:
        set_committed_value(unit, "parent", by_id.get(unit.parent_id) if unit.parent_id is not None else None)
    return units


async def social_category_codes(session: AsyncSession) -> list[str]:
    return list((await session.scalars(select(Category.code).where(Category.confidentiality == "social"))).all())


async def unit_names(session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(select(Unit.code, Unit.name))
    return {row.code: row.name for row in rows}


async def sla_policy_by_code(session: AsyncSession, code: str) -> SlaPolicy | None:
    """From the in-process reference cache (sla/repository.shared_policy): a shared row, read it only."""
    return await sla_repository.shared_policy(session, code)


async def sla_policy_by_id(session: AsyncSession, policy_id: int) -> SlaPolicy | None:
    """From the in-process reference cache (sla/repository.shared_policy): a shared row, read it only."""
    return await sla_repository.shared_policy(session, policy_id)


async def staff_exists(session: AsyncSession, staff_id: int) -> bool:
    return await session.scalar(select(Staff.id).where(Staff.id == staff_id)) is not None


async def staff_by_id(session: AsyncSession, staff_id: int) -> Staff | None:
    return await session.get(Staff, staff_id)


async def is_ocmw_staff(session: AsyncSession, staff_id: int) -> bool:
    """The staff member works in an OCMW unit (privacy.ocmw)."""
    member = (
        select(StaffMembership.id)
        .join(Unit, Unit.id == StaffMembership.unit_id)
        .where(StaffMembership.staff_id == staff_id, Unit.kind == OCMW_UNIT_KIND)
    )
    return bool(await session.scalar(select(member.exists())))


async def recent_first_contacts(
    session: AsyncSession, since: datetime, limit: int
) -> Sequence[tuple[Contact, str | None, str | None, bool]]:
    """Each recent ticket's first contact, its category code, the unit routing chose then, and whether the
    citizen has a case worker."""
    statement = (
        select(
            Contact,
            Category.code,
            TicketEvent.data["owning_unit"].astext,
            Citizen.case_worker_id.is_not(None),
        )
        .join(Ticket, Contact.ticket_id == Ticket.id)
        .join(TicketEvent, (TicketEvent.ticket_id == Ticket.id) & (TicketEvent.type == "created"))
        .outerjoin(Category, Ticket.category_id == Category.id)
        .outerjoin(Citizen, Ticket.citizen_id == Citizen.id)
        .where(Ticket.created_at >= since)
        .order_by(Contact.ticket_id, Contact.id)
        .ext(distinct_on(Contact.ticket_id))
        .limit(limit)
    )
    rows = await session.execute(statement)
    return [(contact, category, routed_to, has_case_worker) for contact, category, routed_to, has_case_worker in rows]
