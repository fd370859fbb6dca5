"""Queries for SLA policies and the sweeper."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from genk3600.kit.pagination import PageParams, keyset
from genk3600.models import SlaPolicy, Ticket, Unit
from genk3600.reference.cache import CACHE, attach


async def list_policies(session: AsyncSession, params: PageParams) -> Sequence[SlaPolicy]:
    return (await session.scalars(keyset(select(SlaPolicy), SlaPolicy.id, params))).all()


async def policy_by_code(session: AsyncSession, code: str) -> SlaPolicy | None:
    return await session.scalar(select(SlaPolicy).where(SlaPolicy.code == code))


async def policy_by_id(session: AsyncSession, policy_id: int) -> SlaPolicy | None:
    return await session.get(SlaPolicy, policy_id)


# --- policies in process (reference/cache.py: moved on by every change of sla_policy) -----------------------------
def _policies(session: Session) -> dict[int | str, SlaPolicy]:
    """Every policy by id and by code (ids are ints, codes strings: one dict serves both)."""
    policies: dict[int | str, SlaPolicy] = {}
    for policy in session.scalars(select(SlaPolicy)):
        policies[policy.id] = policies[policy.code] = policy
    return policies


async def cached_policy(session: AsyncSession, key: int | str) -> SlaPolicy | None:
    """The policy with this id (int) or code (str) from the in-process reference cache: the request's own copy
    (reference/cache.attach), no query while the reference version holds. For the hot paths (intake's routing,
    deadlines, the sweeper); the admin API reads the table."""
    policy = (await CACHE.get(session, "sla_policies", _policies)).get(key)
    return attach(session, policy) if policy is not None else None


async def unit_by_id(session: AsyncSession, unit_id: int) -> Unit | None:
    return await session.get(Unit, unit_id)


async def claim_due_tickets(session: AsyncSession, now: datetime, batch: int) -> Sequence[Ticket]:
    """Lock up to `batch` tickets whose SLA check is due, skipping rows another sweeper or request holds.

    Served by the partial index ix_ticket_next_sla_check_at, so the cost follows the due tickets only.
    """
    statement = (
        select(Ticket)
        .where(Ticket.next_sla_check_at <= now)
        .order_by(Ticket.next_sla_check_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
        # A sweeper session is short-lived, but never act on attributes older than the lock.
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(statement)).all()


async def write_sla_fields(session: AsyncSession, ticket_id: int, values: dict[str, Any], bump_version: bool) -> None:
    """Update a ticket's SLA bookkeeping without the ORM's version counter.

    The ETag (version) guards what clients edit (status, priority, assignee, owner). Marking a warning or
    moving the next check must not make a client's If-Match fail; a hand-over to another unit must.
    """
    table = cast(Table, Ticket.__table__)
    statement = update(table).where(table.c.id == ticket_id).values(**values)
    if bump_version:
        statement = statement.values(version=table.c.version + 1)
    await session.execute(statement)


async def write_sla_fields_many(session: AsyncSession, writes: Sequence[tuple[int, dict[str, Any], bool]]) -> None:
    """write_sla_fields for many tickets (id, values, bump_version): one executemany (pipelined by the
    driver) per distinct set of columns written, instead of one statement per ticket."""
    table = cast(Table, Ticket.__table__)
    groups: dict[tuple[tuple[str, ...], bool], list[dict[str, Any]]] = {}
    for ticket_id, values, bump_version in writes:
        columns = tuple(sorted(values))
        groups.setdefault((columns, bump_version), []).append(
            {"w_id": ticket_id, **{f"w_{column}": values[column] for column in columns}}
        )
    for (columns, bump_version), rows in groups.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("w_id"))
            .values({column: bindparam(f"w_{column}") for column in columns})
        )
        if bump_version:
            statement = statement.values(version=table.c.version + 1)
        await session.execute(statement, rows)
