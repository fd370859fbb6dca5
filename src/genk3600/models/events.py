"""The transactional outbox and webhook subscriptions with their deliveries (DESIGN.md: events/webhooks)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import UserDefinedType

from genk3600.models.base import Base, IdMixin, one_of
from genk3600.models.enums import Confidentiality
from genk3600.models.organisation import Unit

EVENT_TYPE_PATTERN = r"^[a-z]+\.[a-z_]+$"


class Xid8(UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id (never wraps around); asyncpg reads and writes it as int."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "XID8"


# So reflection (alembic check) knows the type instead of warning about it and comparing nothing.
ischema_names.setdefault("xid8", Xid8)


class WebhookDeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    dead = "dead"  # gave up: a permanent refusal (4xx), too many failures, or the subscription was disabled


class OutboxEvent(IdMixin, Base):
    """One state change, written in the transaction that made it; read by the feed and the webhook fan-out.

    `txid` is the writing transaction's id. Ids are handed out before commit, so neither `id` nor `txid`
    alone is commit order; the feed reads in (txid, id) order and only below the oldest transaction still
    running, which is what makes it gap-free (see events/feed.py).
    """

    __tablename__ = "outbox_event"
    __table_args__ = (
        one_of("confidentiality", Confidentiality),
        CheckConstraint(f"type ~ '{EVENT_TYPE_PATTERN}'", name="type_format"),
        Index("ix_outbox_event_txid_id", "txid", "id"),
        Index("ix_outbox_event_ticket_id", "ticket_id"),
    )

    txid: Mapped[int] = mapped_column(Xid8, server_default=text("pg_current_xact_id()"))
    type: Mapped[str] = mapped_column(Text)  # "ticket.created", "ticket.routed", "webhook.disabled" ...
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # NULL for events about the integration itself (webhook.disabled).
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="RESTRICT"))
    ticket_reference: Mapped[str | None] = mapped_column(Text)
    # The ticket's confidentiality and owner when the event happened: who may see the event depends on them.
    confidentiality: Mapped[str] = mapped_column(Text, server_default=text("'normal'"))
    owning_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    # Ids and changed fields only, never free text: consumers fetch details with their own permissions.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class WebhookSubscription(IdMixin, Base):
    """A city system that wants events pushed to a URL, signed per the Standard Webhooks spec."""

    __tablename__ = "webhook_subscription"
    __table_args__ = (
        CheckConstraint("cardinality(event_types) > 0", name="event_types_not_empty"),
        CheckConstraint("failure_count >= 0", name="failure_count_not_negative"),
        Index("ix_webhook_subscription_active", "active"),
        CheckConstraint("num_nonnulls(created_by_staff_id, created_by_api_client_id) <= 1", name="one_creator"),
    )

    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    event_types: Mapped[list[str]] = mapped_column(ARRAY(Text))  # event types, or ["*"] for all
    # Social (OCMW) events are pushed only to a subscription held for the ticket's owning unit, as the
    # feed shows them only to that unit's staff and clients.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    # A signing key (HMAC-SHA256 per Standard Webhooks), not a password: we need it in clear to sign every
    # delivery, so it cannot be stored hashed. Shown to the subscriber once, at creation.
    secret: Mapped[str] = mapped_column(Text)
    # Who subscribed: deliveries carry only the events of tickets this creator could read at the time they
    # are queued and sent (events/webhooks.subscriber). Neither set (subscriptions older than this column):
    # read as a city-wide admin key does — normal tickets' events and system events, no social ones.
    created_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    created_by_api_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_client.id", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # Deliveries that died in a row; reset by every success. Too many disables the subscription.
    failure_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Fan-out progress in feed order: every feed-visible event up to here has its delivery rows.
    cursor_txid: Mapped[int] = mapped_column(Xid8)
    cursor_event_id: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    unit: Mapped[Unit | None] = relationship(lazy="raise")


class WebhookDelivery(IdMixin, Base):
    """One event on its way to one subscription; attempts, outcome and timing for the deliveries list."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        one_of("status", WebhookDeliveryStatus),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # What the delivery worker looks for, and the per-ticket ordering check.
        Index("ix_webhook_delivery_next_attempt_at", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index(
            "ix_webhook_delivery_subscription_id_ticket_id_event_txid",
            "subscription_id",
            "ticket_id",
            "event_txid",
            "event_id",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_webhook_delivery_subscription_id_id", "subscription_id", "id"),
        Index("ix_webhook_delivery_event_id", "event_id"),
    )

    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscription.id", ondelete="RESTRICT"))
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_event.id", ondelete="RESTRICT"))
    # Copied from the event: deliveries of one ticket to one subscription go out one at a time, in feed
    # order (event_txid, event_id), whatever order they were queued in (a replay queues old events late).
    ticket_id: Mapped[int | None] = mapped_column(BigInteger)
    event_txid: Mapped[int] = mapped_column(Xid8)
    status: Mapped[str] = mapped_column(Text, server_default=text("'pending'"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    leased_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_latency_ms: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    event: Mapped[OutboxEvent] = relationship(lazy="raise")
