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

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import BigInteger, Table, Text, bindparam, case, column, func, insert, literal, select, true
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.audit import trail
from genk3600.auth.principal import Principal
from genk3600.events import outbox
from genk3600.i18n.texts import Message
from genk3600.kit.prepared import Prepared
from genk3600.models import Ticket, TicketEvent
from genk3600.models.enums import TicketEventType

_TABLE = cast(Table, TicketEvent.__table__)
# Any number of entries in one statement compiled once at import (kit/prepared.py): one array per column,
# unnested in the given order. RETURNING the ids names each entry on the audit trail; ids are drawn in that
# order as the rows are inserted, so the sorted ids are the entries' ids in order.
_ENTRIES = (
    func.unnest(
        bindparam("ticket_ids", type_=ARRAY(BigInteger)),
        bindparam("types", type_=ARRAY(Text)),
        bindparam("codes", type_=ARRAY(Text)),
        bindparam("params", type_=ARRAY(Text)),
        bindparam("data", type_=ARRAY(Text)),
    )
    .table_valued(
        column("ticket_id", BigInteger),
        column("type", Text),
        column("code", Text),
        column("params", Text),
        column("data", Text),
        with_ordinality="n",
    )
    .render_derived("e")
)
_INSERT = Prepared.of(
    insert(_TABLE)
    .from_select(
        [
            "ticket_id",
            "type",
            "code",
            "params",
            "data",
            "actor_staff_id",
            "actor_api_client_id",
            "actor_name",
        ],
        select(
            _ENTRIES.c.ticket_id,
            _ENTRIES.c.type,
            _ENTRIES.c.code,
            sql_cast(_ENTRIES.c.params, JSONB),
            sql_cast(_ENTRIES.c.data, JSONB),
            bindparam("actor_staff_id", type_=BigInteger),
            bindparam("actor_api_client_id", type_=BigInteger),
            bindparam("actor_name", type_=Text),
        ).order_by(_ENTRIES.c.n),
    )
    .returning(_TABLE.c.id)
)


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
    who = _who(actor)
    rows = _rows(who, entries)
    ids = sorted(
        (
            await _INSERT.fetch(
                session,
                ticket_ids=[row["ticket_id"] for row in rows],
                types=[row["type"] for row in rows],
                codes=[row["code"] for row in rows],
                params=[json.dumps(row["params"]) for row in rows],
                data=[json.dumps(row["data"]) for row in rows],
                **who,
            )
        ).scalars()
    )
    await _written(session, ids, rows, entries)


def _who(actor: Principal) -> dict[str, Any]:
    return {
        "actor_staff_id": actor.staff_id,
        "actor_api_client_id": actor.api_client_id,
        "actor_name": actor.display_name,
    }


def _rows(who: dict[str, Any], entries: Sequence[tuple[int, TimelineEntry]]) -> list[dict[str, Any]]:
    return [
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


async def _written(
    session: AsyncSession, ids: Sequence[int], rows: list[dict[str, Any]], entries: Sequence[tuple[int, TimelineEntry]]
) -> None:
    """What goes with entries once written: their audit entries and their outbox events."""
    await trail.record_writes(
        session, [trail.inserted("ticket_event", id_, row) for id_, row in zip(ids, rows, strict=True)]
    )
    await outbox.record_ticket_events(session, [(ticket_id, entry.type, entry.data) for ticket_id, entry in entries])


# --- a new ticket's first entries, inside the statement that writes the ticket and its contact --------------------
# tickets/repository.write_opened: the ticket's id and its contact's id are only known inside that statement. An
# entry whose data names `contact_id` as None gets the new contact's id there (and in Python once written).
_OPENING = (
    func.unnest(
        bindparam("e_types", type_=ARRAY(Text)),
        bindparam("e_codes", type_=ARRAY(Text)),
        bindparam("e_params", type_=ARRAY(Text)),
        bindparam("e_data", type_=ARRAY(Text)),
    )
    .table_valued(
        column("type", Text),
        column("code", Text),
        column("params", Text),
        column("data", Text),
        with_ordinality="n",
    )
    .render_derived("e")
)


def insert_opening(ticket_id: Any, contact_id: Any, source: Any) -> Any:
    """The INSERT of the entries given to `opening_parameters`, on the ticket `ticket_id` (a column of `source`, the
    statement's new ticket joined with its new contact), RETURNING their ids: for a CTE, compiled once."""
    data = sql_cast(_OPENING.c.data, JSONB)
    filled = case(
        (
            func.jsonb_typeof(data.op("->")(literal("contact_id", Text))) == literal("null", Text),
            func.jsonb_set(data, literal(["contact_id"], ARRAY(Text)), func.to_jsonb(contact_id)),
        ),
        else_=data,
    )
    return (
        insert(_TABLE)
        .from_select(
            list(STATEMENT_COLUMNS),
            select(
                ticket_id,
                _OPENING.c.type,
                _OPENING.c.code,
                sql_cast(_OPENING.c.params, JSONB),
                filled,
                bindparam("e_actor_staff_id", type_=BigInteger),
                bindparam("e_actor_api_client_id", type_=BigInteger),
                bindparam("e_actor_name", type_=Text),
            )
            .select_from(source.join(_OPENING, true()))
            .order_by(_OPENING.c.n),
        )
        .returning(_TABLE.c.id)
    )


def opening_parameters(actor: Principal, entries: Sequence[TimelineEntry]) -> dict[str, Any]:
    """The bind parameters of `insert_opening`."""
    return {
        "e_types": [entry.type.value for entry in entries],
        "e_codes": [entry.text.code for entry in entries],
        "e_params": [json.dumps(dict(entry.text.params)) for entry in entries],
        "e_data": [json.dumps(entry.data) for entry in entries],
        **{f"e_{name}": value for name, value in _who(actor).items()},
    }


async def opening_written(
    session: AsyncSession,
    actor: Principal,
    ticket_id: int,
    contact_id: int,
    ids: Sequence[int],
    entries: Sequence[TimelineEntry],
) -> None:
    """After `insert_opening` wrote `entries` (ids in any order): the contact's id in their data, as the statement
    wrote it, then their audit entries and outbox events as `record_many` writes them."""
    for entry in entries:
        if "contact_id" in entry.data and entry.data["contact_id"] is None:
            entry.data["contact_id"] = contact_id
    pairs = [(ticket_id, entry) for entry in entries]
    await _written(session, sorted(ids), _rows(_who(actor), pairs), pairs)


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


# The columns of a history entry, in the order `insert_history_from` takes them from its source. The id comes
# with the entry: a bulk writer draws its ids in its own order (the import, in its file's) before it writes.
HISTORY_COLUMNS = (
    "id",
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
