"""Queries for SLA policies and the sweeper."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import DateTime, Integer, Row, Table, bindparam, column, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from genk3600.kit.pagination import PageParams, keyset
from genk3600.kit.prepared import Prepared
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
    policy = await shared_policy(session, key)
    return attach(session, policy) if policy is not None else None


async def shared_policy(session: AsyncSession, key: int | str) -> SlaPolicy | None:
    """`cached_policy` without the request's own copy: the cache's row, shared by every request. For readers of its
    numbers only (opening a ticket: `start_clock` takes its id and minutes), never to hang on a request's row."""
    policies: dict[int | str, SlaPolicy] = await CACHE.get(session, "sla_policies", _policies)
    return policies.get(key)


async def unit_by_id(session: AsyncSession, unit_id: int) -> Unit | None:
    return await session.get(Unit, unit_id)


_TICKET = cast(Table, Ticket.__table__)
# What the sweeper reads of a due ticket: its SLA clock, and what a hand-over and the audit entry need.
DUE_COLUMNS = (
    "id",
    "reference",
    "status",
    "confidentiality",
    "tier",
    "owning_unit_id",
    "assignee_staff_id",
    "sla_policy_id",
    "first_response_due_at",
    "resolution_due_at",
    "first_responded_at",
    "paused_at",
    "sla_warned_at",
    "sla_breached_at",
    "next_sla_check_at",
    "version",
)
# Served by the partial index ix_ticket_next_sla_check_at, so the cost follows the due tickets only. Plain rows
# from a statement compiled once: a batch loads no ORM objects.
_CLAIM_DUE = Prepared.of(
    select(*_TICKET.c[DUE_COLUMNS])
    .where(_TICKET.c.next_sla_check_at <= bindparam("now", type_=DateTime(timezone=True)))
    .order_by(_TICKET.c.next_sla_check_at)
    .limit(bindparam("batch", type_=Integer))
    .with_for_update(skip_locked=True)
)


async def claim_due_tickets(session: AsyncSession, now: datetime, batch: int) -> Sequence[Row[Any]]:
    """Lock up to `batch` tickets whose SLA check is due (DUE_COLUMNS, as plain rows), skipping rows another
    sweeper or request holds."""
    return (await _CLAIM_DUE.fetch(session, now=now, batch=batch)).all()  # type: ignore[no-any-return]


async def write_sla_fields(session: AsyncSession, ticket_id: int, values: dict[str, Any], bump_version: bool) -> None:
    """Update a ticket's SLA bookkeeping without the ORM's version counter.

    The ETag (version) guards what clients edit (status, priority, assignee, owner). Marking a warning or
    moving the next check must not make a client's If-Match fail; a hand-over to another unit must.
    """
    statement = update(_TICKET).where(_TICKET.c.id == ticket_id).values(**values)
    if bump_version:
        statement = statement.values(version=_TICKET.c.version + 1)
    await session.execute(statement)


_ARRAY_TYPES: dict[str, Any] = {name: ARRAY(_TICKET.c[name].type) for name in DUE_COLUMNS}
_WRITES: dict[tuple[tuple[str, ...], bool], Prepared] = {}


def _write_statement(columns: tuple[str, ...], bump_version: bool) -> Prepared:
    """UPDATE ticket … FROM unnest(one array per column): any number of tickets in one statement, compiled once
    per set of columns written (kit/prepared.py: no statement building or cache key per batch)."""
    key = (columns, bump_version)
    prepared = _WRITES.get(key)
    if prepared is None:
        names = ("id", *columns)
        rows = (
            func.unnest(*(bindparam(f"w_{name}", type_=_ARRAY_TYPES[name]) for name in names))
            .table_valued(*(column(name, _TICKET.c[name].type) for name in names))
            .render_derived("w")
        )
        statement = update(_TICKET).where(_TICKET.c.id == rows.c.id).values({name: rows.c[name] for name in columns})
        if bump_version:
            statement = statement.values(version=_TICKET.c.version + 1)
        prepared = _WRITES[key] = Prepared.of(statement)
    return prepared


async def write_sla_fields_many(session: AsyncSession, writes: Sequence[tuple[int, dict[str, Any], bool]]) -> None:
    """write_sla_fields for many tickets (id, values, bump_version): one statement per distinct set of columns
    written (a batch has two or three), whatever the number of tickets."""
    groups: dict[tuple[tuple[str, ...], bool], dict[str, list[Any]]] = {}
    for ticket_id, values, bump_version in writes:
        columns = tuple(sorted(values))
        arrays = groups.get((columns, bump_version))
        if arrays is None:
            arrays = groups[(columns, bump_version)] = {f"w_{name}": [] for name in ("id", *columns)}
        arrays["w_id"].append(ticket_id)
        for name in columns:
            arrays[f"w_{name}"].append(values[name])
    for (columns, bump_version), arrays in groups.items():
        await _write_statement(columns, bump_version).fetch(session, **arrays)
