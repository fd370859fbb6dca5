"""Webhook subscriptions: create with a signing secret, list, disable, replay, and their deliveries."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.audit.trail import audit_act
from genk3600.auth.principal import Membership, Principal, staff_scopes
from genk3600.events import outbox, repository
from genk3600.events.errors import (
    ReplayOutOfSight,
    UnitOutOfSight,
    WebhookInactive,
    WebhookNotFound,
    WebhookTargetRefused,
)
from genk3600.events.feed import check_types, decode_position, encode_position
from genk3600.events.repository import START, Audience, Position
from genk3600.events.schemas import (
    DeliveryOut,
    DeliveryPage,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    WebhookPage,
    WebhookReplayOut,
)
from genk3600.events.targets import BlockedTarget, check_target
from genk3600.kit.clock import Clock
from genk3600.kit.pagination import PageParams, page_of
from genk3600.models import WebhookSubscription
from genk3600.models.enums import Position as StaffPosition
from genk3600.models.enums import Scope
from genk3600.units.errors import UnknownUnit
from genk3600.units.repository import unit_by_code

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks secret format, not a secret
SECRET_BYTES = 32  # Standard Webhooks: 24 to 64 bytes
REPLAY_LIMIT = 10_000  # events per replay call; the answer says where to go on


LEGACY_SUBSCRIBER = Principal(
    kind="api_client", id=0, name="subscription without a recorded creator", scopes=frozenset({Scope.admin})
)


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


async def subscriber(session: AsyncSession, subscription: WebhookSubscription) -> Principal | None:
    """Whom the subscription reads as: its creator as they are now (memberships, unit, scopes); None when the
    creator has been deactivated or revoked. Subscriptions made before creators were recorded read as a
    city-wide admin key: what they received before, except social events (the old rule's `unit` alone
    no longer opens those)."""
    if subscription.created_by_staff_id is not None:
        staff = await repository.staff_with_memberships(session, subscription.created_by_staff_id)
        if staff is None or not staff.active:
            return None
        memberships = tuple(Membership(m.unit_id, StaffPosition(m.position)) for m in staff.memberships)
        return Principal(
            kind="staff",
            id=staff.id,
            name=staff.full_name,
            scopes=staff_scopes({m.position for m in memberships}),
            memberships=memberships,
        )
    if subscription.created_by_api_client_id is not None:
        client = await repository.api_client_by_id(session, subscription.created_by_api_client_id)
        if client is None or not client.active:
            return None
        return Principal(
            kind="api_client",
            id=client.id,
            name=client.name,
            scopes=frozenset(Scope(scope) for scope in client.scopes),
            unit_id=client.unit_id,
        )
    return LEGACY_SUBSCRIBER


def audience_of_subscription(subscription: WebhookSubscription, reader: Principal | None) -> Audience:
    """What a subscription receives: events of tickets its creator could GET now — social ones only of the
    subscription's unit — and system events while the creator is an admin; nothing once the creator is gone."""
    if reader is None:
        return Audience()
    units = frozenset({subscription.unit_id}) if subscription.unit_id is not None else frozenset()
    return Audience(reader, reader.has(Scope.admin), units)


async def subscription_audience(session: AsyncSession, subscription: WebhookSubscription) -> Audience:
    """The check every queued and every sent delivery passes (see audience_of_subscription)."""
    return audience_of_subscription(subscription, await subscriber(session, subscription))


async def create_subscription(
    session: AsyncSession, data: WebhookIn, creator: Principal, *, allow_private_targets: bool
) -> WebhookCreated:
    """Subscribe a URL to event types from now on; the answer carries the signing secret, this once."""
    try:
        await check_target(str(data.url), allow_private=allow_private_targets, unresolvable_ok=True)
    except BlockedTarget as exc:
        raise WebhookTargetRefused(exc) from None
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
        # Naming a unit opens its social events: only to a creator who could read all its tickets anyway.
        if not await repository.unit_in_full_sight(session, creator, unit.id):
            raise UnitOutOfSight(data.unit)
        unit_id = unit.id
    secret = new_secret()
    subscription_id = await repository.insert_subscription(
        session, str(data.url), event_types, data.description, unit_id, secret, creator
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


async def replay(
    session: AsyncSession, clock: Clock, subscription_id: int, after: str | None, caller: Principal
) -> WebhookReplayOut:
    """Queue again every event after `after` that the subscription may still receive (its creator's sight)."""
    start = decode_position(after) if after else START
    subscription = await _subscription(session, subscription_id, lock=True)
    if not subscription.active:
        raise WebhookInactive(subscription_id)
    # Re-sending a unit's social history is reading it: the caller must be able to read it too.
    if subscription.unit_id is not None and not await repository.unit_in_full_sight(
        session, caller, subscription.unit_id
    ):
        raise ReplayOutOfSight(subscription_id)
    progress = Position(subscription.cursor_txid, subscription.cursor_event_id)
    queued = await repository.queue_deliveries(
        session,
        subscription,
        await subscription_audience(session, subscription),
        start,
        due_at=clock.now(),
        up_to=progress,
        limit=REPLAY_LIMIT,
    )
    complete = len(queued) < REPLAY_LIMIT
    until = progress if complete else queued[-1]
    answer = WebhookReplayOut(
        queued=len(queued),
        from_cursor=encode_position(start),
        until_cursor=encode_position(max(start, until)),
        complete=complete,
    )
    # The deliveries queued are delivery bookkeeping (not on the trail, see audit/trail.py); that an
    # administrator had a city system sent these events again is an act, recorded once with its range.
    await audit_act(
        session,
        "replay",
        "webhook_subscription",
        str(subscription_id),
        "events re-sent on an administrator's request",
        answer.model_dump(mode="json"),
    )
    return answer


async def list_deliveries(session: AsyncSession, subscription_id: int, params: PageParams) -> DeliveryPage:
    """A subscription's deliveries, newest first."""
    await _subscription(session, subscription_id)
    rows = await repository.list_deliveries(session, subscription_id, params)
    return page_of(DeliveryPage, rows, params, lambda row: row.id, DeliveryOut.of)
