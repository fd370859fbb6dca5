"""Webhook subscriptions remember who created them: deliveries carry only what that creator could read.

Revision ID: 0013_webhook_creator
Revises: 0012_identity_secrets
Create Date: 2026-12-06 13:20:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_webhook_creator"
down_revision: str | None = "0012_identity_secrets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("webhook_subscription", sa.Column("created_by_staff_id", sa.BigInteger(), nullable=True))
    op.add_column("webhook_subscription", sa.Column("created_by_api_client_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_webhook_subscription_created_by_staff_id_staff"),
        "webhook_subscription",
        "staff",
        ["created_by_staff_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.create_foreign_key(
        op.f("fk_webhook_subscription_created_by_api_client_id_api_client"),
        "webhook_subscription",
        "api_client",
        ["created_by_api_client_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.create_check_constraint(
        op.f("ck_webhook_subscription_one_creator"),
        "webhook_subscription",
        "num_nonnulls(created_by_staff_id, created_by_api_client_id) <= 1",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_webhook_subscription_one_creator"), "webhook_subscription", type_="check")
    op.drop_constraint(
        op.f("fk_webhook_subscription_created_by_api_client_id_api_client"), "webhook_subscription", type_="foreignkey"
    )
    op.drop_constraint(
        op.f("fk_webhook_subscription_created_by_staff_id_staff"), "webhook_subscription", type_="foreignkey"
    )
    op.drop_column("webhook_subscription", "created_by_api_client_id")
    op.drop_column("webhook_subscription", "created_by_staff_id")
