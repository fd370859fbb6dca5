"""The ticket timeline: the only writer of timeline entries (ticket_event rows).

Every entry goes with its outbox event (events/outbox.py) and its audit entry (audit/trail.py) in the same
transaction. One set-based form serves everyone: a request writes one ticket's few entries, the SLA sweeper
a whole batch; the single-entry form is the batch form with one item, so the two cannot drift apart.

History is the one exception, written by `insert_history_from` (the bulk import's set-based INSERT … SELECT,
thousands of entries a batch, their JSON built by PostgreSQL):
- each entry keeps the moment it happened in the system it comes from (`occurred_at`), not now;
- no outbox events: feed readers and webhook receivers would otherwise get years of finished tickets as if
  they happened today (a webhook storm), and those systems had them long ago;
- one audit entry per batch (how many entries, on which tickets), not one per entry: the import records its
  batch as an act of its own, and thousands of per-row entries would double what COPY writes.
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
from genk3600.i18n.texts import Message
from genk3600.models import Ticket, TicketEvent
from genk3600.models.enums import TicketEventType

_TABLE = cast(Table, TicketEvent.__table__)
# The Table, not the mapped class: a list of parameters with an ORM insert would mean an ORM bulk insert.
# RETURNING the ids (one multi-row statement) names each entry on the audit trail.
_INSERT = insert(_TABLE).returning(_TABLE.c.id, sort_by_parameter_order=True)


@dataclass(frozen=True)
class TimelineEntry:
    """What happened (`type`, `data`: ids, codes and changed fields, which also go out as the event) and how
    it reads (`text`: a message code plus parameters, rendered in the reader's language)."""

    type: TicketEventType
    text: Message
    data: dict[str, Any]


async def record_event(
    session: AsyncSession,
    ticket: Ticket,
    actor: Principal,
    type: TicketEventType,
    text: Message,
    data: dict[str, Any],
) -> None:
    """Append one entry to a ticket's timeline, and its event to the outbox in the same transaction."""
    await record_many(session, actor, [(ticket.id, TimelineEntry(type, text, data))])


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
        {
            "ticket_id": ticket_id,
            "type": entry.type.value,
            "code": entry.text.code,
            "params": dict(entry.text.params),
            "data": entry.data,
            **who,
        }
        for ticket_id, entry in entries
    ]
    ids = (await session.scalars(_INSERT, rows)).all()
    await trail.record_writes(
        session, [trail.inserted("ticket_event", id_, row) for id_, row in zip(ids, rows, strict=True)]
    )
    await outbox.record_ticket_events(session, [(ticket_id, entry.type, entry.data) for ticket_id, entry in entries])


# The columns of an entry, in the order `insert_from` takes them from its source.
STATEMENT_COLUMNS = (
    "ticket_id",
    "type",
    "code",
    "params",
    "data",
    "actor_staff_id",
    "actor_api_client_id",
    "actor_name",
)


def insert_from(entries: Any) -> Any:
    """The INSERT of one timeline entry per row of `entries` (a select with STATEMENT_COLUMNS), RETURNING the
    entries: for a write that is one statement (a CTE: queues/repository.py's claim), which writes the entries'
    outbox events (events/outbox.insert_from) and audit entries (audit/trail.insert_from) in that statement too.
    """
    return (
        insert(_TABLE)
        .from_select(list(STATEMENT_COLUMNS), entries)
        .returning(_TABLE.c.id, *_TABLE.c[STATEMENT_COLUMNS])
    )


# The columns of a history entry, in the order `insert_history_from` takes them from its source.
HISTORY_COLUMNS = (
    "ticket_id",
    "type",
    "code",
    "params",
    "data",
    "occurred_at",
    "actor_staff_id",
    "actor_api_client_id",
    "actor_name",
)


async def insert_history_from(
    session: AsyncSession, entries: Any, parameters: dict[str, Any], tickets: Sequence[int], count: int
) -> None:
    """Historical entries, one per row of `entries` (a select with HISTORY_COLUMNS, run with `parameters`), in
    one INSERT … SELECT, with one audit entry for them all and no outbox events (see the module's docstring).
    `tickets` are the ids of the tickets they belong to and `count` the number of entries, for that audit entry.
    """
    if not count:
        return
    await session.execute(insert(_TABLE).from_select(list(HISTORY_COLUMNS), entries), parameters)
    first, last = min(tickets), max(tickets)
    batch = {"entries": count, "tickets": len(set(tickets)), "ticket_ids": [first, last]}
    await trail.record_writes(session, [trail.Write("insert", _TABLE.name, None, batch)])
