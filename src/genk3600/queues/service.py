"""Work queues: a unit's open tickets in the order they should be picked up, and claiming the next one."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.audit.trail import audit_reads
from genk3600.auth.principal import Principal
from genk3600.i18n.catalogue import P_
from genk3600.kit.pagination import InvalidCursor, PageParams
from genk3600.models import Ticket, Unit
from genk3600.queues import repository
from genk3600.queues.errors import AssigneeMeNeedsStaff, ClaimNeedsStaff, NotInUnit, QueueEmpty
from genk3600.queues.repository import PRIORITY_RANK, QueueFilter, QueueKey
from genk3600.queues.schemas import DeadlineColour, QueuePage
from genk3600.tickets.schemas import TicketOut, ticket_fields
from genk3600.units.errors import UnitNotFound
from genk3600.units.repository import unit_by_code

ORANGE_WITHIN = timedelta(hours=1)


def deadline_colour(due: datetime | None, now: datetime) -> DeadlineColour:
    """Red once the resolution deadline has passed, orange in its last hour, green before, none without one."""
    if due is None:
        return DeadlineColour.none
    if due <= now:
        return DeadlineColour.red
    if due - now <= ORANGE_WITHIN:
        return DeadlineColour.orange
    return DeadlineColour.green


def encode_queue_cursor(key: QueueKey) -> str:
    payload = {"rank": key.rank, "due": key.due.isoformat() if key.due else None, "id": key.id}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def decode_queue_cursor(cursor: str) -> QueueKey:
    """The sort key a cursor resumes after; anything this API did not hand out is an InvalidCursor."""
    problem = InvalidCursor(P_("The cursor is not one this queue handed out; start again without a cursor."))
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        rank, due, ticket_id = payload["rank"], payload["due"], payload["id"]
        due_at = None if due is None else datetime.fromisoformat(due)
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise problem from exc
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in (rank, ticket_id)):
        raise problem
    if due_at is not None and due_at.tzinfo is None:
        raise problem
    return QueueKey(rank=rank, due=due_at, id=ticket_id)


def _key_of(ticket: Ticket | Any) -> QueueKey:
    """The queue key of a ticket, or of a row with its priority, resolution deadline and id."""
    return QueueKey(rank=PRIORITY_RANK[ticket.priority], due=ticket.resolution_due_at, id=ticket.id)


async def _unit(session: AsyncSession, code: str) -> Unit:
    unit = await unit_by_code(session, code)
    if unit is None:
        raise UnitNotFound(code)
    return unit


async def list_queue(
    session: AsyncSession,
    unit_code: str,
    principal: Principal,
    *,
    unassigned: bool,
    assigned_to_me: bool,
    params: PageParams,
    now: datetime,
) -> QueuePage:
    """A unit's open tickets by priority, then earliest resolution deadline, each with its deadline colour."""
    if assigned_to_me and principal.staff_id is None:
        raise AssigneeMeNeedsStaff()
    try:
        after = decode_queue_cursor(params.cursor) if params.cursor else None
    except InvalidCursor:
        await _unit(session, unit_code)  # an unknown unit answers 404 before a bad cursor 400, as it always did
        raise
    where = QueueFilter(unassigned=unassigned, assignee_staff_id=principal.staff_id if assigned_to_me else None)
    rows = await repository.queue_page_rows(session, unit_code, where, after, params.limit, principal)
    if rows is None:
        raise UnitNotFound(unit_code)
    shown = rows[: params.limit]
    more = len(rows) > params.limit
    await audit_reads(session, principal, "list_queue", [(row.id, row.confidentiality) for row in shown])
    # Validated as one page (one call into pydantic's core instead of one per item).
    return QueuePage.model_validate(
        {
            "items": [
                {**ticket_fields(row), "deadline_colour": deadline_colour(row.resolution_due_at, now)} for row in shown
            ],
            "next_cursor": encode_queue_cursor(_key_of(shown[-1])) if more and shown else None,
        }
    )


async def claim_next(session: AsyncSession, unit_code: str, principal: Principal) -> TicketOut:
    """Assign the unit's next unassigned ticket to the calling staff member.

    Language skills are respected, not merely preferred: a staff member with languages set only ever
    receives tickets in one of those languages (a French ticket waits for a French speaker); only a
    staff member without any languages recorded may take tickets in any language.
    """
    if principal.staff_id is None:
        raise ClaimNeedsStaff()
    # One statement (queues/repository.claim): the unit, and the ticket it claimed with its timeline entry,
    # outbox event and audit entries written; what it did not claim, it says why below.
    row = await repository.claim(session, unit_code, principal)
    if row is None:
        raise UnitNotFound(unit_code)
    if not any(membership.unit_id in (row.lineage or ()) for membership in principal.memberships):
        raise NotInUnit(row.unit_code, row.unit_name)
    if row.id is None:
        raise QueueEmpty(row.unit_code, row.unit_name, by_language=bool(row.languages))
    return TicketOut(**ticket_fields(row))
