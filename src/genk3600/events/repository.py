"""All queries of the outbox, the feed, webhook subscriptions and deliveries."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Table,
    Text,
    bindparam,
    column,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from genk3600.audit import trail
from genk3600.auth.principal import Principal
from genk3600.kit import at_commit
from genk3600.kit.pagination import PageParams, keyset
from genk3600.models import ApiClient, OutboxEvent, Staff, Ticket, Unit, WebhookDelivery, WebhookSubscription
from genk3600.models.enums import Confidentiality
from genk3600.models.events import WebhookDeliveryStatus, Xid8
from genk3600.privacy.visibility import units_in_full_sight, visible_tickets

PENDING = WebhookDeliveryStatus.pending.value
SOCIAL = Confidentiality.social.value
NORMAL = Confidentiality.normal.value


@dataclass(frozen=True, order=True)
class Position:
    """A place in the feed: just after the event (txid, event_id). (0, 0) is the very start."""

    txid: int
    event_id: int

    @classmethod
    def of(cls, event: OutboxEvent) -> Position:
        return cls(event.txid, event.id)


START = Position(0, 0)


@dataclass(frozen=True)
class Audience:
    """Who reads: events of the tickets `viewer` could GET (the same `visible_tickets` decision), events
    about the integration itself (webhooks, broken glass) or not, and — for a webhook subscription — social
    events only of the units named here (None: no such narrowing)."""

    viewer: Principal | None = None
    system_events: bool = False
    social_unit_ids: frozenset[int] | None = None


# --- outbox -------------------------------------------------------------------------------------------


_OUTBOX = cast(Table, OutboxEvent.__table__)
# INSERT … SELECT from the ticket row: its owner and confidentiality as this transaction sees them when the
# rows are written (at its commit, events/outbox.py). Any number of events in one statement, built once: one
# array per column, unnested in order; events without a ticket (the integration's own) keep the defaults.
_EVENTS = (
    func.unnest(
        bindparam("o_type", type_=ARRAY(Text)),
        bindparam("o_ticket_id", type_=ARRAY(BigInteger)),
        bindparam("o_payload", type_=ARRAY(Text)),
    )
    .table_valued(column("type", Text), column("ticket_id", BigInteger), column("payload", Text), with_ordinality="n")
    .render_derived("event")
)
INSERT_EVENTS = insert(_OUTBOX).from_select(
    ["type", "ticket_id", "ticket_reference", "confidentiality", "owning_unit_id", "payload"],
    select(
        _EVENTS.c.type,
        _EVENTS.c.ticket_id,
        Ticket.reference,
        func.coalesce(Ticket.confidentiality, NORMAL),
        Ticket.owning_unit_id,
        sql_cast(_EVENTS.c.payload, JSONB),
    )
    .select_from(_EVENTS.outerjoin(Ticket, Ticket.id == _EVENTS.c.ticket_id))
    .where(or_(_EVENTS.c.ticket_id.is_(None), Ticket.id.is_not(None)))
    .order_by(_EVENTS.c.n),
)


def event_parameters(events: Sequence[tuple[int | None, str, dict[str, Any]]]) -> dict[str, list[Any]]:
    """The bind values of `INSERT_EVENTS` for outbox rows (ticket id or None, event type, payload)."""
    return {
        "o_type": [kind for _, kind, _ in events],
        "o_ticket_id": [ticket_id for ticket_id, _, _ in events],
        "o_payload": [json.dumps(payload) for _, _, payload in events],
    }


def insert_events(connection: Connection, events: Sequence[tuple[int | None, str, dict[str, Any]]]) -> None:
    """Outbox rows (ticket id or None, event type, payload) in the given order: one statement."""
    connection.execute(INSERT_EVENTS, event_parameters(events))


# --- feed ---------------------------------------------------------------------------------------------


def _horizon() -> ColumnElement[int]:
    # LEAST ignores NULL: without a transaction id of our own, the snapshot's xmin alone.
    return func.least(
        func.pg_snapshot_xmin(func.pg_current_snapshot()), func.pg_current_xact_id_if_assigned(), type_=Xid8
    )


async def feed_horizon(session: AsyncSession) -> int:
    """The oldest transaction id that may still be running (ours included): everything below it is final."""
    horizon = await session.scalar(select(_horizon()))
    if horizon is None:  # pg_snapshot_xmin is never NULL
        raise RuntimeError("PostgreSQL returned no snapshot xmin")
    return int(horizon)


def _after(position: Position) -> ColumnElement[bool]:
    return tuple_(OutboxEvent.txid, OutboxEvent.id) > tuple_(
        literal(position.txid, Xid8), literal(position.event_id, BigInteger)
    )


def _up_to(position: Position) -> ColumnElement[bool]:
    return tuple_(OutboxEvent.txid, OutboxEvent.id) <= tuple_(
        literal(position.txid, Xid8), literal(position.event_id, BigInteger)
    )


def visible_to(audience: Audience) -> ColumnElement[bool]:
    """The privacy policy as a WHERE clause, so a page holds only what the reader may see.

    A ticket's event is shown only if its ticket passes `visible_tickets` for the reader now, exactly as a
    GET of that ticket would: a ticket that answers 404 has no events in the reader's feed either.
    """
    event = OutboxEvent
    allowed: list[ColumnElement[bool]] = []
    if audience.viewer is not None:
        conditions = [Ticket.id == event.ticket_id, visible_tickets(audience.viewer)]
        if audience.social_unit_ids is not None:
            units = sorted(audience.social_unit_ids)
            conditions.append(or_(Ticket.confidentiality != SOCIAL, Ticket.owning_unit_id.in_(units)))
            conditions.append(or_(event.confidentiality != SOCIAL, event.owning_unit_id.in_(units)))
        allowed.append(exists().where(*conditions))
    if audience.system_events:
        allowed.append(event.ticket_id.is_(None))
    return or_(false(), *allowed)


def _of_types(types: frozenset[str] | None) -> ColumnElement[bool]:
    return true() if types is None else OutboxEvent.type.in_(sorted(types))


async def feed_events(
    session: AsyncSession,
    after: Position,
    horizon: int,
    types: frozenset[str] | None,
    audience: Audience,
    limit: int,
) -> Sequence[OutboxEvent]:
    await at_commit.write_pending(session)  # this transaction's own events, if any, first
    statement = (
        select(OutboxEvent)
        .where(_after(after), OutboxEvent.txid < literal(horizon, Xid8), _of_types(types), visible_to(audience))
        .order_by(OutboxEvent.txid, OutboxEvent.id)
        .limit(limit)
    )
    return (await session.scalars(statement)).all()


# --- subscriptions ------------------------------------------------------------------------------------


async def insert_subscription(
    session: AsyncSession,
    url: str,
    event_types: list[str],
    description: str | None,
    unit_id: int | None,
    secret: str,
    creator: Principal,
) -> int:
    """A new subscription starts at the feed's horizon: it receives what happens from now on."""
    subscription_id = await session.scalar(
        insert(WebhookSubscription)
        .values(
            url=url,
            event_types=event_types,
            description=description,
            unit_id=unit_id,
            secret=secret,
            created_by_staff_id=creator.staff_id,
            created_by_api_client_id=creator.api_client_id,
            cursor_txid=_horizon(),
            cursor_event_id=0,
        )
        .returning(WebhookSubscription.id)
    )
    if subscription_id is None:
        raise RuntimeError("INSERT … RETURNING returned nothing")
    values = {"url": url, "event_types": event_types, "description": description, "unit_id": unit_id, "secret": secret}
    await trail.record_writes(session, [trail.inserted("webhook_subscription", subscription_id, values)])
    return int(subscription_id)


async def unit_in_full_sight(session: AsyncSession, viewer: Principal, unit_id: int) -> bool:
    """Whether `viewer` reads every ticket of the unit, social ones included (privacy.visibility)."""
    found = await session.scalar(select(Unit.id).where(Unit.id == unit_id, units_in_full_sight(viewer)))
    return found is not None


async def staff_with_memberships(session: AsyncSession, staff_id: int) -> Staff | None:
    return await session.scalar(select(Staff).options(selectinload(Staff.memberships)).where(Staff.id == staff_id))


async def api_client_by_id(session: AsyncSession, client_id: int) -> ApiClient | None:
    return await session.get(ApiClient, client_id)


async def subscription_by_id(
    session: AsyncSession, subscription_id: int, *, lock: bool = False
) -> WebhookSubscription | None:
    statement = (
        select(WebhookSubscription)
        .options(selectinload(WebhookSubscription.unit))
        .where(WebhookSubscription.id == subscription_id)
        .execution_options(populate_existing=True)
    )
    if lock:
        statement = statement.with_for_update(of=WebhookSubscription)
    return await session.scalar(statement)


async def list_subscriptions(session: AsyncSession, params: PageParams) -> Sequence[WebhookSubscription]:
    statement = keyset(
        select(WebhookSubscription).options(selectinload(WebhookSubscription.unit)), WebhookSubscription.id, params
    )
    return (await session.scalars(statement)).all()


async def disable_subscription(session: AsyncSession, subscription_id: int, reason: str, now: datetime) -> bool:
    """Disable (if active) and give up its pending deliveries; False if it was disabled already."""
    disabled = await session.scalar(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id, WebhookSubscription.active)
        .values(active=False, disabled_reason=reason, disabled_at=now)
        .returning(WebhookSubscription.id)
    )
    if disabled is None:
        return False
    changes = {"active": False, "disabled_reason": reason, "disabled_at": now}
    await trail.record_writes(
        session, [trail.updated("webhook_subscription", subscription_id, {"active": True}, changes)]
    )
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.status == PENDING)
        .values(status=WebhookDeliveryStatus.dead.value, last_error="subscription disabled", leased_until=None)
    )
    return True


async def lock_subscriptions_to_fan_out(session: AsyncSession, batch: int) -> Sequence[WebhookSubscription]:
    """Active subscriptions no other worker is fanning out right now (SKIP LOCKED)."""
    statement = (
        select(WebhookSubscription)
        .where(WebhookSubscription.active)
        .order_by(WebhookSubscription.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(statement)).all()


async def queue_deliveries(
    session: AsyncSession,
    subscription: WebhookSubscription,
    audience: Audience,
    after: Position,
    *,
    due_at: datetime,
    below_txid: int | None = None,
    up_to: Position | None = None,
    limit: int,
) -> list[Position]:
    """Queue a delivery of each matching event after `after` (in feed order); the positions queued."""
    await at_commit.write_pending(session)  # this transaction's own events, if any, first
    types = None if "*" in subscription.event_types else frozenset(subscription.event_types)
    conditions = [_after(after), _of_types(types), visible_to(audience)]
    if below_txid is not None:
        conditions.append(OutboxEvent.txid < literal(below_txid, Xid8))
    if up_to is not None:
        conditions.append(_up_to(up_to))
    due = literal(due_at, DateTime(timezone=True))
    picked = (
        select(literal(subscription.id, BigInteger), OutboxEvent.id, OutboxEvent.ticket_id, OutboxEvent.txid, due)
        .where(*conditions)
        .order_by(OutboxEvent.txid, OutboxEvent.id)
        .limit(limit)
    )
    columns = ["subscription_id", "event_id", "ticket_id", "event_txid", "next_attempt_at"]
    rows = await session.execute(
        insert(WebhookDelivery)
        .from_select(columns, picked)
        .returning(WebhookDelivery.event_txid, WebhookDelivery.event_id)
    )
    return sorted(Position(int(txid), event_id) for txid, event_id in rows)


async def lock_subscription(session: AsyncSession, subscription_id: int) -> None:
    await session.execute(
        select(WebhookSubscription.id).where(WebhookSubscription.id == subscription_id).with_for_update()
    )


# The cursor and the failure count are the delivery job's bookkeeping (like webhook_delivery rows), not
# anybody's act: not on the audit trail. Disabling a subscription is, and is audited above.
async def advance_cursor(session: AsyncSession, subscription_id: int, position: Position) -> None:
    await session.execute(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id)
        .values(cursor_txid=literal(position.txid, Xid8), cursor_event_id=position.event_id)
    )


async def reset_failures(session: AsyncSession, subscription_id: int) -> None:
    await session.execute(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id, WebhookSubscription.failure_count != 0)
        .values(failure_count=0)
    )


async def add_failure(session: AsyncSession, subscription_id: int) -> int | None:
    """One more dead delivery in a row; the new count, or None if the subscription is no longer active."""
    return await session.scalar(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id, WebhookSubscription.active)
        .values(failure_count=WebhookSubscription.failure_count + 1)
        .returning(WebhookSubscription.failure_count)
    )


# --- deliveries ---------------------------------------------------------------------------------------


async def lease_due(
    session: AsyncSession, now: datetime, lease_until: datetime, batch: int
) -> Sequence[tuple[WebhookDelivery, OutboxEvent, WebhookSubscription]]:
    """Claim due deliveries until `lease_until`, at most one per ticket and subscription, in feed order.

    A delivery waits while an earlier one (in feed order) of the same ticket to the same subscription is
    still pending — being sent by another worker, or waiting for its retry — so a receiver sees a ticket's
    events in order. Rows another worker is leasing right now are skipped (SKIP LOCKED), not waited for.
    """
    delivery = WebhookDelivery
    earlier = aliased(WebhookDelivery)
    blocked = exists().where(
        earlier.subscription_id == delivery.subscription_id,
        earlier.ticket_id == delivery.ticket_id,
        earlier.status == PENDING,
        tuple_(earlier.event_txid, earlier.event_id, earlier.id)
        < tuple_(delivery.event_txid, delivery.event_id, delivery.id),
    )
    leased = (
        await session.scalars(
            select(delivery)
            .join(WebhookSubscription, WebhookSubscription.id == delivery.subscription_id)
            .where(
                delivery.status == PENDING,
                delivery.next_attempt_at <= now,
                or_(delivery.leased_until.is_(None), delivery.leased_until <= now),
                WebhookSubscription.active,
                ~blocked,
            )
            .order_by(delivery.next_attempt_at, delivery.id)
            .limit(batch)
            .with_for_update(of=delivery, skip_locked=True)
            .execution_options(populate_existing=True)
        )
    ).all()
    if not leased:
        return []
    for row in leased:
        row.leased_until = lease_until
        row.attempts += 1
    await session.flush()
    rows = await session.execute(
        select(delivery, OutboxEvent, WebhookSubscription)
        .join(OutboxEvent, OutboxEvent.id == delivery.event_id)
        .join(WebhookSubscription, WebhookSubscription.id == delivery.subscription_id)
        .where(delivery.id.in_([row.id for row in leased]))
        .order_by(delivery.next_attempt_at, delivery.id)
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def record_attempt(session: AsyncSession, delivery_id: int, attempts: int, values: dict[str, Any]) -> bool:
    """Write an attempt's outcome if the lease is still ours (no other worker re-leased it since)."""
    done = await session.scalar(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.attempts == attempts,
            WebhookDelivery.status == PENDING,
        )
        .values(leased_until=None, **values)
        .returning(WebhookDelivery.id)
    )
    return done is not None


async def visible_event_ids(session: AsyncSession, audience: Audience, event_ids: Sequence[int]) -> set[int]:
    """Which of these events the audience may still see (a delivery's check just before it is sent)."""
    rows = await session.scalars(
        select(OutboxEvent.id).where(OutboxEvent.id.in_(sorted(set(event_ids))), visible_to(audience))
    )
    return set(rows)


async def withhold_deliveries(session: AsyncSession, delivery_ids: Sequence[int], reason: str) -> None:
    """Give up leased deliveries the subscription may no longer receive; not a failure of the receiver."""
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(sorted(delivery_ids)), WebhookDelivery.status == PENDING)
        .values(status=WebhookDeliveryStatus.dead.value, last_error=reason, leased_until=None)
    )


async def list_deliveries(session: AsyncSession, subscription_id: int, params: PageParams) -> Sequence[WebhookDelivery]:
    statement = keyset(
        select(WebhookDelivery)
        .options(selectinload(WebhookDelivery.event))
        .where(WebhookDelivery.subscription_id == subscription_id),
        WebhookDelivery.id,
        params,
        newest_first=True,
    )
    return (await session.scalars(statement)).all()
