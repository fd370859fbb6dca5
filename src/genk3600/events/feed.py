"""The pull feed: every committed event exactly once, in one fixed order, without gaps — also under load.

Why not simply `ORDER BY id`: ids (and transaction ids) are handed out before commit. A slow transaction A
can take id 10, a fast transaction B id 11 and commit first; a reader that returned 11 and saved it as
its cursor would never see 10. Neither id order nor commit time is safe to page on.

What we do instead. Every outbox row carries the id of the transaction that wrote it (`txid`, xid8, which
never wraps). The feed is ordered by (txid, id) and shows only rows whose txid is below the *horizon*:
the oldest transaction id that may still be running, `pg_snapshot_xmin(pg_current_snapshot())` (and our
own transaction's id, should it have one: its rows are not committed yet). Every transaction below the
horizon has finished — committed or rolled back — so the set of events below it can never grow again,
and every transaction that has not finished, or has not even started, will write at a position above
it. A cursor (txid, id) therefore marks a prefix of the feed that is final: nothing can later appear
before it (no gaps) and everything after it is new (no repeats).

The price is latency, not correctness: while a transaction runs, events above its txid wait until it
ends, even those of transactions that committed already. Requests are short, so this is milliseconds;
a transaction left open for minutes (in any database of the same PostgreSQL cluster, since transaction
ids are cluster-wide) holds the feed back for as long. Read the feed from the primary, not a replica.

Permissions are applied in the query, with the very condition a GET of the ticket uses
(`privacy.visibility.visible_tickets`, evaluated now): an event is listed only if the caller could read its
ticket, so a ticket that answers 404 contributes nothing to the caller's feed. Events about the integration
itself (`webhook.*`, `privacy.break_glass`) only for admins.
Filtering in SQL means a page is full whenever more visible events exist, and the cursor of a page that
reached the horizon moves to the horizon itself, so rows a reader may not see are not scanned again.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.principal import Principal
from genk3600.events import repository
from genk3600.events.errors import UnknownEventType
from genk3600.events.outbox import ALL_TYPES, known_event_types
from genk3600.events.repository import START, Audience, Position
from genk3600.events.schemas import EventOut, EventPage
from genk3600.i18n.catalogue import P_
from genk3600.kit.pagination import InvalidCursor
from genk3600.models.enums import Scope

_INVALID = P_("The cursor is not one this API handed out; start again without a cursor.")


def encode_position(position: Position) -> str:
    raw = json.dumps([position.txid, position.event_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_position(cursor: str) -> Position:
    """Parse a cursor handed out by the feed; anything else is a 400 problem."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidCursor(_INVALID) from exc
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(part, int) and not isinstance(part, bool) and 0 <= part < 2**63 for part in value)
    ):
        raise InvalidCursor(_INVALID)
    return Position(value[0], value[1])


def audience_of(principal: Principal) -> Audience:
    """A caller of the feed: the events of the tickets they could GET; `webhook.*` and other system events
    for admins."""
    return Audience(principal, principal.has(Scope.admin))


def parse_types(types: str | None) -> frozenset[str] | None:
    """`ticket.created,ticket.routed` → the set; None (or `*`) means every type. Unknown names are a 422."""
    if types is None:
        return None
    names = {name.strip() for name in types.split(",") if name.strip()}
    if not names or ALL_TYPES in names:
        return None
    check_types(names)
    return frozenset(names)


def check_types(names: Iterable[str]) -> None:
    unknown = sorted(set(names) - known_event_types())
    if unknown:
        raise UnknownEventType(unknown, sorted(known_event_types()))


async def read_feed(
    session: AsyncSession, principal: Principal, after: str | None, types: frozenset[str] | None, limit: int
) -> EventPage:
    """The events after `after` that the caller may see, in feed order, up to the horizon (see module doc)."""
    start = decode_position(after) if after else START
    horizon = await repository.feed_horizon(session)
    rows = await repository.feed_events(session, start, horizon, types, audience_of(principal), limit + 1)
    shown = list(rows[:limit])
    more = len(rows) > limit
    # A page that reached the horizon has seen everything below it: continue from there, never backwards.
    end = Position.of(shown[-1]) if more else max(start, Position(horizon, 0))
    return EventPage(
        items=[EventOut.listed(event, encode_position(Position.of(event))) for event in shown],
        next_cursor=encode_position(end),
        has_more=more,
    )
