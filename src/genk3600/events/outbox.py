"""Writing events: one outbox row per state change, in the transaction that makes the change.

The rows of a transaction are written together, in one statement, when it commits (kit/at_commit.py; at
once where the session does not collect), each with its ticket's owner and confidentiality as committed.
Because the row commits or rolls back with the change itself, the feed and the webhooks can never report
a change that did not happen, nor miss one that did. Nothing leaves the process from here: delivery is a
job that reads committed rows (events/delivery.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from genk3600.events import repository
from genk3600.kit import at_commit
from genk3600.models import OutboxEvent
from genk3600.models.enums import TicketEventType

TICKET_PREFIX = "ticket."
WEBHOOK_DISABLED = "webhook.disabled"
ALL_TYPES = "*"

# Timeline data can carry people's words (notes, what a routing keyword matched in a message body); the
# outbox carries ids and changed fields only. Consumers fetch details with their own permissions.
FREE_TEXT_KEYS = frozenset(
    {"note", "notes", "summary", "subject", "body", "text", "comment", "description", "explanation", "matched", "why"}
)


def ticket_event_type(kind: TicketEventType) -> str:
    """The public name of a timeline entry type: `routed` → `ticket.routed`."""
    return TICKET_PREFIX + kind.value


def known_event_types() -> frozenset[str]:
    """Every event type the outbox can hold (derived, so new timeline types need no change here)."""
    return frozenset(ticket_event_type(kind) for kind in TicketEventType) | {WEBHOOK_DISABLED}


def minimal_payload(data: Mapping[str, Any]) -> dict[str, Any]:
    """The timeline data without its free-text fields (recursively); ids, codes and changed values remain."""
    return {key: _minimal(value) for key, value in data.items() if key not in FREE_TEXT_KEYS}


def _minimal(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or value is None:  # the usual leaves, without the Mapping ABC's check
        return value
    if isinstance(value, Mapping):
        return minimal_payload(value)
    if isinstance(value, list | tuple):
        return [_minimal(item) for item in value]
    return value


async def record_ticket_event(
    session: AsyncSession, ticket_id: int, kind: TicketEventType, data: Mapping[str, Any]
) -> None:
    """Add the outbox row for a timeline entry; the ticket's current owner and confidentiality go with it."""
    await record_ticket_events(session, [(ticket_id, kind, data)])


async def record_ticket_events(
    session: AsyncSession, events: Sequence[tuple[int, TicketEventType, Mapping[str, Any]]]
) -> None:
    """Outbox rows for timeline entries (ticket id, type, data), in the given order, in one statement.

    Owner and confidentiality are read from the ticket row inside the INSERT, so they are the values of this
    transaction even when the caller changed them with a bulk UPDATE the ORM object did not see.
    """
    await _store(
        session, [(ticket_id, ticket_event_type(kind), minimal_payload(data)) for ticket_id, kind, data in events]
    )


async def record_system_event(session: AsyncSession, event_type: str, payload: Mapping[str, Any]) -> None:
    """Add an outbox row that is about the integration itself (no ticket), e.g. `webhook.disabled`."""
    await _store(session, [(None, event_type, minimal_payload(payload))])


# The columns of an event, in the order `insert_from` takes them from its source.
STATEMENT_COLUMNS = ("type", "ticket_id", "ticket_reference", "confidentiality", "owning_unit_id", "payload")


def insert_from(events: Any) -> Any:
    """The INSERT of one outbox row per row of `events` (a select with STATEMENT_COLUMNS: the ticket's owner and
    confidentiality as the statement writes them, a payload already minimal): for a write that is one statement
    (a CTE), with its timeline entries (tickets/timeline.insert_from)."""
    return insert(cast(Table, OutboxEvent.__table__)).from_select(list(STATEMENT_COLUMNS), events)


OUTBOX = "outbox"
_Row = tuple[int | None, str, dict[str, Any]]


def _write_collected(session: Session, rows: list[_Row]) -> None:
    repository.insert_events(session.connection(), rows)


at_commit.register(OUTBOX, _write_collected, at_commit.Part(repository.INSERT_EVENTS, repository.event_parameters))


async def _store(session: AsyncSession, rows: list[_Row]) -> None:
    if rows and not at_commit.add(session, OUTBOX, rows):
        await session.run_sync(_write_collected, rows)
