from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Response, status
from fastapi.responses import JSONResponse

from genk3600.auth.dependencies import Admin, AppClock, AppSettings, TicketReader
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.events import feed, webhooks
from genk3600.events.schemas import (
    CURSOR_EXAMPLE,
    DeliveryPage,
    EventPage,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    WebhookPage,
    WebhookReplayOut,
)
from genk3600.kit.idempotency import IdempotencyGuard
from genk3600.kit.pagination import MAX_LIMIT, Pages
from genk3600.kit.renamed import renamed

FEED_DESCRIPTION = """\
Every committed change (ticket created, routed, assigned, escalated, status changed, participation \
recorded, SLA warning and breach, notes, webhook disabled) as a feed in one fixed order: each event \
exactly once, never a gap, also while many transactions write at the same time.

**How to consume**: start without `after`, process `items`, store `next_cursor` (present on every \
page, also an empty one) and pass it as `after` next time. While `has_more` is true, ask again at \
once; otherwise poll after a pause. Each item also carries its own `cursor` to resume mid-page.

**Why it never skips**: ids are assigned before commit, so a slow transaction can commit an event with \
a smaller id after a faster one. The feed is therefore ordered by the writing transaction's id and then \
the event id, and shows only events of transactions older than the oldest transaction still running \
(`pg_snapshot_xmin(pg_current_snapshot())`): those have all finished, so nothing can later appear \
before a cursor the feed handed out. A long-running transaction delays newer events (it does not lose \
them).

**Permissions**: an event of a ticket is listed only if you could `GET` that ticket now (the same \
decision, made in the query): a ticket that answers 404 to you has no events in your feed, social (OCMW) \
or not. Events about the integration itself (`webhook.*`, `privacy.break_glass`) only for admins. \
`data` holds ids and changed fields only, never free text: fetch the \
ticket with your own permissions for details.
"""

events_router = APIRouter(prefix="/v1/events", tags=["events"])
webhooks_router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

SubscriptionId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Id of the webhook subscription.")]


@events_router.get(
    "",
    operation_id="list_events",
    summary="Read the event feed",
    description=FEED_DESCRIPTION,
    responses=problem_responses(400, *AUTH_PROBLEMS),
)
async def list_events(
    session: Session,
    principal: TicketReader,
    after: Annotated[
        str | None,
        Query(
            max_length=200,
            description="`next_cursor` (or an item's `cursor`) from an earlier page; omit to start at the beginning.",
            examples=[CURSOR_EXAMPLE],
        ),
    ] = None,
    types: Annotated[
        str | None,
        Query(
            max_length=2000,
            description="Comma-separated event types to list (e.g. `ticket.created,ticket.status_changed`); "
            "default all.",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Events per page.")] = 100,
) -> EventPage:
    return await feed.read_feed(session, principal, after, feed.parse_types(types), limit)


@webhooks_router.post(
    "",
    operation_id="create_webhook",
    summary="Subscribe to events",
    description=(
        'Subscribes a URL to event types (or `["*"]` for all), from now on. Each event is POSTed as JSON '
        "(`id`, `type`, `occurred_at`, `ticket`, `data`, as in the feed) with Standard Webhooks headers "
        "`webhook-id` (the event id), `webhook-timestamp` and `webhook-signature` (HMAC-SHA256 with the "
        "returned `secret`, shown only in this answer). Answer 2xx to acknowledge. Timeouts, connection "
        "errors, 408, 429 and 5xx are retried with exponential backoff (honouring `Retry-After`); any other "
        "answer gives the event up. Events of one ticket arrive one at a time, in feed order. A subscription "
        "whose deliveries keep failing is disabled (a `webhook.disabled` event).\n\n"
        "**What is delivered**: only events of tickets the subscription's creator could read (`GET` them) at "
        "the time each event is queued and sent; social (OCMW) events only with `unit` set to the ticket's "
        "owning unit, and `unit` may name only a unit whose tickets the creator can all read (else 422). "
        "The `url` must not point at a loopback, link-local or private address, nor a name that resolves "
        "there (422), unless the service is configured to allow it. Honours `Idempotency-Key`."
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    responses=problem_responses(409, *AUTH_PROBLEMS),
)
async def create_webhook(
    session: Session,
    creator: Admin,
    settings: AppSettings,
    idempotency: IdempotencyGuard,
    data: Annotated[
        WebhookIn,
        Body(
            openapi_examples={
                "status_updates": {
                    "summary": "Status updates for the citizen portal",
                    "value": {
                        "url": "https://mijn.genk.example/hooks/genk3600",
                        "event_types": ["ticket.created", "ticket.status_changed"],
                        "description": "mijnGenk: status updates",
                    },
                }
            }
        ),
    ],
    response: Response,
) -> WebhookCreated | JSONResponse:
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    created = await webhooks.create_subscription(
        session, data, creator, allow_private_targets=settings.webhook_allow_private_targets
    )
    response.headers["Location"] = f"/v1/webhooks/{created.id}"
    await idempotency.remember(status.HTTP_201_CREATED, created, {"Location": response.headers["Location"]})
    return created


@webhooks_router.get(
    "",
    operation_id="list_webhooks",
    summary="List webhook subscriptions",
    description="All subscriptions, oldest first, active or disabled (without their secrets).",
    responses=problem_responses(400, *AUTH_PROBLEMS),
)
async def list_webhooks(session: Session, _: Admin, params: Pages) -> WebhookPage:
    return await webhooks.list_subscriptions(session, params)


@webhooks_router.get(
    "/{subscription_id}",
    operation_id="get_webhook",
    summary="Get a webhook subscription",
    description="One subscription, with its delivery progress (`cursor`) and failure state; never its secret.",
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_webhook(session: Session, _: Admin, subscription_id: SubscriptionId) -> WebhookOut:
    return await webhooks.get_subscription(session, subscription_id)


@webhooks_router.delete(
    "/{subscription_id}",
    operation_id="disable_webhook",
    summary="Disable a webhook subscription",
    description=(
        "Stops all deliveries to the subscription (pending ones are given up) and records a `webhook.disabled` "
        "event. The subscription and its delivery history stay readable. Disabling twice is harmless."
    ),
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def disable_webhook(session: Session, clock: AppClock, _: Admin, subscription_id: SubscriptionId) -> None:
    await webhooks.disable_subscription(session, clock, subscription_id)


@webhooks_router.post(
    "/{subscription_id}/replay",
    operation_id="replay_webhook",
    summary="Re-send events",
    description=(
        "Queues again every event after the feed position `from` (a feed cursor; omit for the beginning) "
        "up to what the subscription has had so far, for a receiver that lost data — only those its creator "
        "can still read. For a subscription with a `unit`, only a caller who can read all that unit's tickets "
        "may replay (else 403). Re-sent events keep "
        "their `webhook-id`. At most 10 000 events per call: if `complete` is false, replay again from "
        "`until_cursor`."
    ),
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(400, 404, 409, *AUTH_PROBLEMS),
)
async def replay_webhook(
    session: Session,
    clock: AppClock,
    caller: Admin,
    subscription_id: SubscriptionId,
    after: Annotated[
        str | None,
        Query(max_length=200, description="Feed position to re-send after.", examples=[CURSOR_EXAMPLE]),
    ] = None,
    from_: Annotated[
        str | None, Query(alias="from", max_length=200, deprecated=True, description="Old name of `after`.")
    ] = None,
) -> WebhookReplayOut:
    return await webhooks.replay(session, clock, subscription_id, renamed(after, from_, "after", "from"), caller)


@webhooks_router.get(
    "/{subscription_id}/deliveries",
    operation_id="list_webhook_deliveries",
    summary="List deliveries of a subscription",
    description="Each event's delivery to this subscription, newest first: status, attempts, the last HTTP "
    "status code, error and latency.",
    responses=problem_responses(400, 404, *AUTH_PROBLEMS),
)
async def list_webhook_deliveries(
    session: Session, _: Admin, subscription_id: SubscriptionId, params: Pages
) -> DeliveryPage:
    return await webhooks.list_deliveries(session, subscription_id, params)


router = APIRouter()
router.include_router(events_router)
router.include_router(webhooks_router)
