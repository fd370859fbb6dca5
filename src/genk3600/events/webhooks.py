"""Webhook subscriptions: create with a signing secret, list, disable, replay, and their deliveries."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.events import outbox, repository
from genk3600.events.errors import WebhookInactive, WebhookNotFound
from genk3600.events.feed import audience_of_subscription, check_types, decode_position, encode_position
from genk3600.events.repository import START, Position
from genk3600.events.schemas import (
    DeliveryOut,
    DeliveryPage,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    WebhookPage,
    WebhookReplayOut,
)
from genk3600.kit.clock import Clock
from genk3600.kit.pagination import PageParams, page_of
from genk3600.models import WebhookSubscription
from genk3600.units.errors import UnknownUnit
from genk3600.units.repository import unit_by_code

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks secret format, not a secret
SECRET_BYTES = 32  # Standard Webhooks: 24 to 64 bytes
REPLAY_LIMIT = 10_000  # events per replay call; the answer says where to go on


def new_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` + base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _out(subscription: WebhookSubscription) -> WebhookOut:
    cursor = encode_position(Position(subscription.cursor_txid, subscription.cursor_event_id))
    return WebhookOut.of(subscription, cursor)


async def _subscription(session: AsyncSession, subscription_id: int, *, lock: bool = False) -> WebhookSubscription:
    subscription = await repository.subscription_by_id(session, subscription_id, lock=lock)
    if subscription is None:
        raise WebhookNotFound(subscription_id)
    return subscription


async def create_subscription(session: AsyncSession, data: WebhookIn) -> WebhookCreated:
    """Subscribe a URL to event types from now on; the answer carries the signing secret, this once."""
    event_types = sorted(set(data.event_types))
    if outbox.ALL_TYPES in event_types:
        event_types = [outbox.ALL_TYPES]
    else:
        check_types(event_types)
    unit_id = None
    if data.unit is not None:
        unit = await unit_by_code(session, data.unit)
        if unit is None:
            raise UnknownUnit(data.unit)
        unit_id = unit.id
    secret = new_secret()
    subscription_id = await repository.insert_subscription(
        session, str(data.url), event_types, data.description, unit_id, secret
    )
    subscription = await _subscription(session, subscription_id)
    return WebhookCreated(**_out(subscription).model_dump(), secret=secret)


async def get_subscription(session: AsyncSession, subscription_id: int) -> WebhookOut:
    """One subscription (never its secret)."""
    return _out(await _subscription(session, subscription_id))


async def list_subscriptions(session: AsyncSession, params: PageParams) -> WebhookPage:
    """All subscriptions, oldest first."""
    rows = await repository.list_subscriptions(session, params)
    return page_of(WebhookPage, rows, params, lambda row: row.id, _out)


async def disable_subscription(session: AsyncSession, clock: Clock, subscription_id: int) -> None:
    """Stop delivering to a subscription (an admin's DELETE); a disabled one stays disabled."""
    subscription = await _subscription(session, subscription_id, lock=True)
    await _disable(session, subscription.id, "disabled_by_admin", "Disabled by an administrator.", 0, clock.now())


async def disable_after_failures(session: AsyncSession, subscription_id: int, failures: int, now: datetime) -> bool:
    """The delivery worker's verdict: too many deliveries died in a row."""
    reason = f"Disabled after {failures} deliveries in a row failed."
    return await _disable(session, subscription_id, "failing", reason, failures, now)


async def _disable(
    session: AsyncSession, subscription_id: int, code: str, reason: str, failures: int, now: datetime
) -> bool:
    disabled = await repository.disable_subscription(session, subscription_id, reason, now)
    if disabled:
        await outbox.record_system_event(
            session,
            outbox.WEBHOOK_DISABLED,
            {"subscription_id": subscription_id, "reason": code, "failure_count": failures},
        )
    return disabled


async def replay(session: AsyncSession, clock: Clock, subscription_id: int, after: str | None) -> WebhookReplayOut:
    """Queue again every event after `after` that the subscription has already had (or skipped)."""
    start = decode_position(after) if after else START
    subscription = await _subscription(session, subscription_id, lock=True)
    if not subscription.active:
        raise WebhookInactive(subscription_id)
    progress = Position(subscription.cursor_txid, subscription.cursor_event_id)
    queued = await repository.queue_deliveries(
        session,
        subscription,
        audience_of_subscription(subscription.unit_id),
        start,
        due_at=clock.now(),
        up_to=progress,
        limit=REPLAY_LIMIT,
    )
    complete = len(queued) < REPLAY_LIMIT
    until = progress if complete else queued[-1]
    return WebhookReplayOut(
        queued=len(queued),
        from_cursor=encode_position(start),
        until_cursor=encode_position(max(start, until)),
        complete=complete,
    )


async def list_deliveries(session: AsyncSession, subscription_id: int, params: PageParams) -> DeliveryPage:
    """A subscription's deliveries, newest first."""
    await _subscription(session, subscription_id)
    rows = await repository.list_deliveries(session, subscription_id, params)
    return page_of(DeliveryPage, rows, params, lambda row: row.id, DeliveryOut.of)
