"""The ticket timeline: the only writer of timeline entries (ticket_event rows).

Every entry goes with its outbox event (events/outbox.py) and its audit entry (audit/trail.py) in the same
transaction. One set-based form serves everyone: a request writes one ticket's few entries, the SLA sweeper
a whole batch; the single-entry form is the batch form with one item, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.audit import trail
from genk3600.auth.principal import Principal
from genk3600.events import outbox
from genk3600.models import Ticket, TicketEvent
from genk3600.models.enums import TicketEventType

_TABLE = cast(Table, TicketEvent.__table__)
# The Table, not the mapped class: a list of parameters with an ORM insert would mean an ORM bulk insert.
# RETURNING the ids (one multi-row statement) names each entry on the audit trail.
_INSERT = insert(_TABLE).returning(_TABLE.c.id, sort_by_parameter_order=True)


@dataclass(frozen=True)
class TimelineEntry:
    type: TicketEventType
    summary: str
    data: dict[str, Any]


async def record_event(
    session: AsyncSession,
    ticket: Ticket,
    actor: Principal,
    type: TicketEventType,
    summary: str,
    data: dict[str, Any],
) -> None:
    """Append one entry to a ticket's timeline, and its event to the outbox in the same transaction."""
    await record_many(session, actor, [(ticket.id, TimelineEntry(type, summary, data))])


async def record_events(session: AsyncSession, ticket: Ticket, actor: Principal, entries: list[TimelineEntry]) -> None:
    """Append several entries to one ticket's timeline at once."""
    await record_many(session, actor, [(ticket.id, entry) for entry in entries])


async def record_many(session: AsyncSession, actor: Principal, entries: Sequence[tuple[int, TimelineEntry]]) -> None:
    """Timeline entries (ticket id, entry) by one actor, in the given order, with their outbox and audit rows:
    one multi-row statement each, whatever the number of entries."""
    if not entries:
        return
    # Pending ORM changes of the tickets first: the outbox rows snapshot each ticket's owner as written.
    await session.flush()
    who = {
        "actor_staff_id": actor.staff_id,
        "actor_api_client_id": actor.api_client_id,
        "actor_name": actor.display_name,
    }
    rows = [
        {"ticket_id": ticket_id, "type": entry.type.value, "summary": entry.summary, "data": entry.data, **who}
        for ticket_id, entry in entries
    ]
    ids = (await session.scalars(_INSERT, rows)).all()
    await trail.record_writes(
        session, [trail.inserted("ticket_event", id_, row) for id_, row in zip(ids, rows, strict=True)]
    )
    await outbox.record_ticket_events(session, [(ticket_id, entry.type, entry.data) for ticket_id, entry in entries])
