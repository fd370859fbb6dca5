"""All queries of call-back requests. A request is as visible as its ticket (`visible_tickets`), everywhere."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from genk3600.auth.principal import Principal
from genk3600.kit.pagination import PageParams, keyset
from genk3600.models import CallbackAttempt, CallbackRequest, Ticket, Unit
from genk3600.models.enums import CallbackStatus, CitizenNotice, Confidentiality
from genk3600.privacy.visibility import may_hold_social_ticket, visible_tickets

_DETAILS = (
    selectinload(CallbackRequest.ticket),
    selectinload(CallbackRequest.unit),
    selectinload(CallbackRequest.assignee),
    selectinload(CallbackRequest.attempt_rows),
)
OPEN = CallbackStatus.open.value
# Requests looked at (and locked) per claim; a unit's list rarely holds more social cases nobody may take.
CLAIM_BATCH = 20


@dataclass(frozen=True)
class CallbackFilter:
    ticket_reference: str | None = None
    unit_code: str | None = None
    status: CallbackStatus | None = None
    assignee_staff_id: int | None = None
    letter_pending: bool = False


def _visible(viewer: Principal) -> ColumnElement[bool]:
    """The request's ticket passes the very check a GET of the ticket makes."""
    return exists(select(Ticket.id).where(Ticket.id == CallbackRequest.ticket_id, visible_tickets(viewer)))


async def callback_by_id(
    session: AsyncSession, callback_id: int, viewer: Principal, *, lock: bool = False
) -> CallbackRequest | None:
    """The request with its ticket, unit, assignee and attempts, if `viewer` may see its ticket; `lock` holds
    the row until the transaction ends (attempts are recorded one at a time) and reads it afresh."""
    statement = select(CallbackRequest).options(*_DETAILS).where(CallbackRequest.id == callback_id, _visible(viewer))
    if lock:
        statement = statement.with_for_update(of=CallbackRequest).execution_options(populate_existing=True)
    return await session.scalar(statement)


async def list_callbacks(
    session: AsyncSession, where: CallbackFilter, params: PageParams, viewer: Principal
) -> Sequence[CallbackRequest]:
    """Requests matching the filter that `viewer` may see, newest first."""
    statement = select(CallbackRequest).options(*_DETAILS).where(_visible(viewer))
    if where.ticket_reference is not None:
        statement = statement.where(
            CallbackRequest.ticket_id.in_(select(Ticket.id).where(Ticket.reference == where.ticket_reference))
        )
    if where.unit_code is not None:
        statement = statement.where(CallbackRequest.unit_id.in_(select(Unit.id).where(Unit.code == where.unit_code)))
    if where.status is not None:
        statement = statement.where(CallbackRequest.status == where.status.value)
    if where.assignee_staff_id is not None:
        statement = statement.where(CallbackRequest.assignee_staff_id == where.assignee_staff_id)
    if where.letter_pending:
        statement = statement.where(
            CallbackRequest.citizen_notice == CitizenNotice.letter.value, CallbackRequest.letter_sent_at.is_(None)
        )
    return (await session.scalars(keyset(statement, CallbackRequest.id, params, newest_first=True))).all()


@dataclass(frozen=True)
class DueKey:
    """A request's place in a unit's call-back list (due time, then id): where a cursor resumes."""

    due: datetime
    id: int


async def unit_list(
    session: AsyncSession,
    unit_id: int,
    after: DueKey | None,
    limit: int,
    viewer: Principal,
    *,
    unassigned: bool = False,
    assignee_staff_id: int | None = None,
) -> Sequence[CallbackRequest]:
    """The unit's open requests that `viewer` may see, earliest due first, one more than `limit`."""
    statement = (
        select(CallbackRequest)
        .options(*_DETAILS)
        .where(CallbackRequest.unit_id == unit_id, CallbackRequest.status == OPEN, _visible(viewer))
    )
    if unassigned:
        statement = statement.where(CallbackRequest.assignee_staff_id.is_(None))
    if assignee_staff_id is not None:
        statement = statement.where(CallbackRequest.assignee_staff_id == assignee_staff_id)
    if after is not None:
        statement = statement.where(
            or_(
                CallbackRequest.due_at > after.due,
                and_(CallbackRequest.due_at == after.due, CallbackRequest.id > after.id),
            )
        )
    statement = statement.order_by(CallbackRequest.due_at, CallbackRequest.id).limit(limit + 1)
    return (await session.scalars(statement)).all()


async def lock_next_claimable(session: AsyncSession, unit_id: int, claimer: Principal) -> CallbackRequest | None:
    """Lock the unit's earliest-due open request nobody holds that the claimer may see and hold (a social case
    only OCMW staff who see it by right: privacy.ocmw); concurrent claimers pass each other (SKIP LOCKED)."""
    staff_id = claimer.staff_id
    if staff_id is None:
        return None
    # Two statements: `visible_tickets` and `may_hold_social_ticket` each bring their own CTE of the staff
    # member's units, which one statement cannot hold twice. The few social candidates are checked one by one.
    candidates = (
        await session.execute(
            select(CallbackRequest.id, CallbackRequest.ticket_id, Ticket.confidentiality)
            .join(Ticket, Ticket.id == CallbackRequest.ticket_id)
            .where(
                CallbackRequest.unit_id == unit_id,
                CallbackRequest.status == OPEN,
                CallbackRequest.assignee_staff_id.is_(None),
                visible_tickets(claimer),
            )
            .order_by(CallbackRequest.due_at, CallbackRequest.id)
            .limit(CLAIM_BATCH)
            .with_for_update(skip_locked=True, of=CallbackRequest)
        )
    ).all()
    for callback_id, ticket_id, confidentiality in candidates:
        if confidentiality == Confidentiality.social.value:
            holdable = exists(select(Ticket.id).where(Ticket.id == ticket_id, may_hold_social_ticket(staff_id)))
            if not await session.scalar(select(holdable)):
                continue
        return await session.scalar(
            select(CallbackRequest)
            .options(*_DETAILS)
            .where(CallbackRequest.id == callback_id)
            .execution_options(populate_existing=True)
        )
    return None


async def unit_sees_ticket(session: AsyncSession, unit_id: int, ticket_id: int) -> bool:
    """Whether the unit's staff read the ticket by the unit rules of `visible_tickets`: it is owned by the unit or
    a unit below it, or it is a normal ticket and the unit is a front-office desk (one front door)."""
    scope = select(Unit.id).where(Unit.id == unit_id).cte("callback_unit_scope", recursive=True)
    child = aliased(Unit)
    scope = scope.union(select(child.id).join(scope, child.parent_id == scope.c.id))
    front_office = exists(select(Unit.id).where(Unit.id == unit_id, Unit.front_office))
    condition = exists(
        select(Ticket.id).where(
            Ticket.id == ticket_id,
            or_(
                Ticket.owning_unit_id.in_(select(scope.c.id)),
                and_(Ticket.confidentiality != Confidentiality.social.value, front_office),
            ),
        )
    )
    return bool(await session.scalar(select(condition)))


async def callbacks_of_tickets(session: AsyncSession, ticket_ids: Sequence[int]) -> Sequence[CallbackRequest]:
    """Every request on these tickets with its attempts, whoever asks (erasure and retention)."""
    statement = (
        select(CallbackRequest)
        .options(selectinload(CallbackRequest.attempt_rows))
        .where(CallbackRequest.ticket_id.in_(ticket_ids))
        .order_by(CallbackRequest.id)
    )
    return (await session.scalars(statement)).all()


async def attempts_of(session: AsyncSession, callback_id: int) -> Sequence[CallbackAttempt]:
    statement = select(CallbackAttempt).where(CallbackAttempt.callback_id == callback_id).order_by(CallbackAttempt.id)
    return (await session.scalars(statement)).all()


async def unit_with_lineage(session: AsyncSession, unit_code: str) -> tuple[Unit, frozenset[int]] | None:
    """The unit by code and the ids of it and every unit above it (whose staff may take its call-backs)."""
    unit = await session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        return None
    lineage = select(Unit.id, Unit.parent_id).where(Unit.id == unit.id).cte("callback_lineage", recursive=True)
    # UNION (not UNION ALL) drops rows already seen, so even a cycle in the tree ends the recursion.
    lineage = lineage.union(select(Unit.id, Unit.parent_id).where(Unit.id == lineage.c.parent_id))
    ids = (await session.scalars(select(lineage.c.id))).all()
    return unit, frozenset(ids)
