"""Retention: erase the free text of tickets whose category keeps it only so long after resolution/closure.

A lease-based job like the SLA sweeper: each batch claims due tickets with FOR UPDATE SKIP LOCKED in one
transaction, so several replicas never erase the same ticket twice and a ticket a request holds is left for
the next run. Citizens under a legal hold are skipped. Rows and keys stay (statistics remain true); what is
erased is what `privacy.gdpr.erase_free_text` erases. A ticket is due while any of its contacts still has
text, so a finished ticket drops out of the due set by itself.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy import Integer, cast, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from genk3600.audit.trail import actor_var, audit_act
from genk3600.auth.principal import system_principal
from genk3600.citizens import repository as citizens
from genk3600.config import Settings
from genk3600.kit.clock import Clock
from genk3600.kit.jobs import run_every
from genk3600.models import Category, Citizen, Contact, Ticket
from genk3600.models.enums import FINISHED_STATUSES
from genk3600.privacy.gdpr import ERASED, erase_free_text

log = logging.getLogger(__name__)

RETENTION = system_principal("Retention job")


async def _claim_due(session: AsyncSession, now: datetime, batch: int) -> list[Ticket]:
    finished_at = func.coalesce(Ticket.resolved_at, Ticket.updated_at)
    keep_until = finished_at + func.make_interval(0, 0, 0, cast(Category.retention_days, Integer))
    has_text = exists(select(Contact.id).where(Contact.ticket_id == Ticket.id, Contact.body != ERASED))
    on_hold = exists(select(Citizen.id).where(Citizen.id == Ticket.citizen_id, Citizen.legal_hold))
    statement = (
        select(Ticket)
        .join(Category, Category.id == Ticket.category_id)
        .where(
            Ticket.status.in_(FINISHED_STATUSES),
            Category.retention_days.is_not(None),
            keep_until < literal(now),
            or_(has_text, Ticket.subject != ERASED),
            ~on_hold,
        )
        .order_by(Ticket.id)
        .limit(batch)
        .with_for_update(of=Ticket, skip_locked=True)
    )
    return list((await session.scalars(statement)).all())


async def retention_once(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, now: datetime, batch: int = 100
) -> int:
    """Erase the free text of every ticket past its category's retention; returns how many tickets."""
    if batch < 1:
        raise ValueError(f"batch must be at least 1, not {batch}")
    token = actor_var.set(RETENTION)
    total = 0
    seen: set[int] = set()
    try:
        while True:
            async with sessions() as session, session.begin():
                tickets = await _claim_due(session, now, batch)
                ids = [ticket.id for ticket in tickets]
                if ids:
                    contacts = await citizens.contacts_of_tickets(session, ids)
                    await erase_free_text(session, contacts, tickets)
                    for ticket in tickets:
                        erased_contacts = sum(1 for contact in contacts if contact.ticket_id == ticket.id)
                        await audit_act(
                            session,
                            "erase",
                            "ticket",
                            str(ticket.id),
                            "retention period of its category has passed",
                            {"contacts": erased_contacts},
                        )
            total += len(ids)
            if len(ids) < batch or set(ids) <= seen:
                return total
            seen |= set(ids)
    finally:
        actor_var.reset(token)


async def run_retention(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock,
    interval_seconds: float,
    stop: asyncio.Event,
) -> None:
    """Apply retention every `interval_seconds` until `stop` is set; a failed run is logged and tried again."""

    async def step() -> bool:
        erased = await retention_once(sessions, settings, clock.now())
        if erased:
            log.info("Retention: erased the free text of %d tickets", erased)
        return False

    await run_every("Retention run", step, interval_seconds, stop, log)
