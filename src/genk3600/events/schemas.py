"""The event document (feed item and webhook body), webhook subscriptions and their deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from genk3600.kit.pagination import Page
from genk3600.kit.reference import REFERENCE_EXAMPLE
from genk3600.kit.schemas import InputModel, OutputModel
from genk3600.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from genk3600.models.events import WebhookDeliveryStatus
from genk3600.units.schemas import UnitCode

CURSOR_EXAMPLE = "WzgyMSw0Ml0"
EVENT_EXAMPLE: dict[str, Any] = {
    "id": 42,
    "type": "ticket.routed",
    "occurred_at": "2026-11-23T09:12:03.512Z",
    "ticket": REFERENCE_EXAMPLE,
    "data": {"rule_id": 3, "rule_version": 1, "owning_unit": "omgeving", "priority": "high", "tier": 1},
}
EventType = Annotated[str, Field(min_length=1, max_length=64, examples=["ticket.created"])]


class EventBody(BaseModel):
    """One state change, as the feed lists it and as a webhook delivers it (the signed request body)."""

    id: int = Field(description="Unique and stable; also the `webhook-id` header of every delivery of it.")
    type: str = Field(description="`ticket.<timeline type>` (e.g. `ticket.routed`) or `webhook.disabled`.")
    occurred_at: datetime
    ticket: str | None = Field(description="Reference of the ticket; null for events about webhooks.")
    data: dict[str, Any] = Field(
        description="Ids and changed fields only, never free text or social content: fetch the ticket with your "
        "own permissions for details."
    )

    @classmethod
    def of(cls, event: OutboxEvent) -> EventBody:
        return cls(
            id=event.id,
            type=event.type,
            occurred_at=event.occurred_at,
            ticket=event.ticket_reference,
            data=event.payload,
        )


class EventOut(EventBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{**EVENT_EXAMPLE, "cursor": CURSOR_EXAMPLE}]})

    cursor: str = Field(description="The feed position just after this event: pass as `after` to resume here.")

    @classmethod
    def listed(cls, event: OutboxEvent, cursor: str) -> EventOut:
        return cls(**EventBody.of(event).model_dump(), cursor=cursor)


class EventPage(BaseModel):
    """A page of the feed."""

    items: list[EventOut]
    next_cursor: str = Field(
        description="Always present: save it and pass it as `after` next time, also when `items` is empty.",
        examples=[CURSOR_EXAMPLE],
    )
    has_more: bool = Field(description="More events are available right now; ask again without waiting.")


class WebhookIn(InputModel):
    url: HttpUrl = Field(description="Where to POST the events (https in production).")
    event_types: list[EventType] = Field(
        min_length=1,
        max_length=50,
        description='Event types to receive, e.g. `["ticket.created", "ticket.status_changed"]`, or `["*"]` for all.',
        examples=[["ticket.created", "ticket.status_changed"]],
    )
    description: str | None = Field(default=None, max_length=500, examples=["mijnGenk: status updates"])
    unit: UnitCode | None = Field(
        default=None,
        description="Also deliver social (OCMW) events of tickets owned by this unit. Without it, social events "
        "are not delivered.",
    )


class WebhookOut(OutputModel):
    id: int
    url: str = Field(examples=["https://mijn.genk.example/hooks/genk3600"])
    event_types: list[str] = Field(examples=[["ticket.created", "ticket.status_changed"]])
    description: str | None
    unit: str | None = Field(description="Code of the unit whose social events are delivered too.")
    active: bool
    failure_count: int = Field(description="Deliveries that died in a row; the subscription is disabled at a limit.")
    disabled_reason: str | None
    disabled_at: datetime | None
    cursor: str = Field(description="Feed position up to which events have been queued for this subscription.")
    created_at: datetime

    @classmethod
    def of(cls, subscription: WebhookSubscription, cursor: str) -> WebhookOut:
        return cls(
            id=subscription.id,
            url=subscription.url,
            event_types=list(subscription.event_types),
            description=subscription.description,
            unit=subscription.unit.code if subscription.unit else None,
            active=subscription.active,
            failure_count=subscription.failure_count,
            disabled_reason=subscription.disabled_reason,
            disabled_at=subscription.disabled_at,
            cursor=cursor,
            created_at=subscription.created_at,
        )


class WebhookCreated(WebhookOut):
    # The stored copy for Idempotency-Key replays must not become a second place the secret lives in clear.
    never_stored: ClassVar[frozenset[str]] = frozenset({"secret"})

    secret: str | None = Field(
        description="Signing secret (Standard Webhooks, `whsec_` + base64). Shown only now: store it to verify "
        "the `webhook-signature` header. A retry with the same `Idempotency-Key` replays the response with "
        "`secret: null`; an administrator who lost it deletes the subscription and creates a new one.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class WebhookPage(Page[WebhookOut]):
    """A page of webhook subscriptions."""


class DeliveryOut(OutputModel):
    id: int
    event_id: int
    event_type: str = Field(examples=["ticket.created"])
    ticket: str | None = Field(examples=[REFERENCE_EXAMPLE])
    status: WebhookDeliveryStatus
    attempts: int
    next_attempt_at: datetime | None = Field(description="When the next attempt is due (pending deliveries only).")
    last_status_code: int | None = Field(description="HTTP status of the last attempt; null if none came back.")
    last_error: str | None = Field(examples=["ConnectTimeout: timed out"])
    last_latency_ms: int | None = Field(description="Duration of the last attempt in milliseconds.")
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> DeliveryOut:
        pending = delivery.status == WebhookDeliveryStatus.pending.value
        return cls(
            id=delivery.id,
            event_id=delivery.event_id,
            event_type=delivery.event.type,
            ticket=delivery.event.ticket_reference,
            status=WebhookDeliveryStatus(delivery.status),
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at if pending else None,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            last_latency_ms=delivery.last_latency_ms,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
        )


class DeliveryPage(Page[DeliveryOut]):
    """A page of deliveries, newest first."""


class WebhookReplayOut(BaseModel):
    queued: int = Field(description="Events queued again for this subscription.")
    from_cursor: str = Field(description="Replayed from just after this feed position …")
    until_cursor: str = Field(description="… up to and including this one (the subscription's progress).")
    complete: bool = Field(
        description="False if the replay stopped at its size limit: replay again from `until_cursor` for the rest."
    )
