"""Transactional outbox, webhook subscriptions and their deliveries.

Revision ID: 0005_events_webhooks
Revises: 0004_roles_public_mail
Create Date: 2026-11-23 16:00:00.000000+00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_events_webhooks"
down_revision: str | None = "0004_roles_public_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


class XID8(sa.types.UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id (migrations never import app models)."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "XID8"


def upgrade() -> None:
    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("event_types", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=True),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("failure_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cursor_txid", XID8(), nullable=False),
        sa.Column("cursor_event_id", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("cardinality(event_types) > 0", name=op.f("ck_webhook_subscription_event_types_not_empty")),
        sa.CheckConstraint("failure_count >= 0", name=op.f("ck_webhook_subscription_failure_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_webhook_subscription_unit_id_unit"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscription")),
    )
    op.create_index("ix_webhook_subscription_active", "webhook_subscription", ["active"], unique=False)
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("txid", XID8(), server_default=sa.text("pg_current_xact_id()"), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=True),
        sa.Column("ticket_reference", sa.Text(), nullable=True),
        sa.Column("confidentiality", sa.Text(), server_default=sa.text("'normal'"), nullable=False),
        sa.Column("owning_unit_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "payload", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("confidentiality IN ('normal', 'social')", name=op.f("ck_outbox_event_confidentiality")),
        sa.CheckConstraint("type ~ '^[a-z]+\\.[a-z_]+$'", name=op.f("ck_outbox_event_type_format")),
        sa.ForeignKeyConstraint(
            ["owning_unit_id"], ["unit.id"], name=op.f("fk_outbox_event_owning_unit_id_unit"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_outbox_event_ticket_id_ticket"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
    )
    op.create_index("ix_outbox_event_ticket_id", "outbox_event", ["ticket_id"], unique=False)
    op.create_index("ix_outbox_event_txid_id", "outbox_event", ["txid", "id"], unique=False)
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=True),
        sa.Column("event_txid", XID8(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_latency_ms", sa.Integer(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'dead')", name=op.f("ck_webhook_delivery_status")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_webhook_delivery_attempts_not_negative")),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outbox_event.id"],
            name=op.f("fk_webhook_delivery_event_id_outbox_event"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscription.id"],
            name=op.f("fk_webhook_delivery_subscription_id_webhook_subscription"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
    )
    op.create_index("ix_webhook_delivery_event_id", "webhook_delivery", ["event_id"], unique=False)
    op.create_index(
        "ix_webhook_delivery_next_attempt_at",
        "webhook_delivery",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_webhook_delivery_subscription_id_id", "webhook_delivery", ["subscription_id", "id"], unique=False
    )
    op.create_index(
        "ix_webhook_delivery_subscription_id_ticket_id_event_txid",
        "webhook_delivery",
        ["subscription_id", "ticket_id", "event_txid", "event_id"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_webhook_delivery_subscription_id_ticket_id_event_txid",
        table_name="webhook_delivery",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_index("ix_webhook_delivery_subscription_id_id", table_name="webhook_delivery")
    op.drop_index(
        "ix_webhook_delivery_next_attempt_at",
        table_name="webhook_delivery",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_index("ix_webhook_delivery_event_id", table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
    op.drop_index("ix_outbox_event_txid_id", table_name="outbox_event")
    op.drop_index("ix_outbox_event_ticket_id", table_name="outbox_event")
    op.drop_table("outbox_event")
    op.drop_index("ix_webhook_subscription_active", table_name="webhook_subscription")
    op.drop_table("webhook_subscription")
