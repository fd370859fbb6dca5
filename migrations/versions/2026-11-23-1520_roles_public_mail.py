"""Decision authority per category, citizen access codes, the outbound mail queue, rate-limit buckets.

Revision ID: 0004_roles_public_mail
Revises: 0003_routing_sla_escalation
Create Date: 2026-11-23 15:20:07.233956+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_roles_public_mail"
down_revision: str | None = "0003_routing_sla_escalation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_bucket",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_rate_limit_bucket")),
    )
    op.create_index("ix_rate_limit_bucket_window_start", "rate_limit_bucket", ["window_start"], unique=False)
    op.create_table(
        "category_decider",
        sa.Column("category_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_category_decider_category_id_category"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_category_decider_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("category_id", "unit_id", name=op.f("pk_category_decider")),
    )
    op.create_index("ix_category_decider_unit_id", "category_decider", ["unit_id"], unique=False)
    op.create_table(
        "outbound_mail",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("to_address", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("language IN ('nl', 'fr', 'en', 'de')", name=op.f("ck_outbound_mail_language")),
        sa.CheckConstraint("status IN ('pending', 'sent', 'dead')", name=op.f("ck_outbound_mail_status")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_outbound_mail_ticket_id_ticket"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_mail")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbound_mail_message_id")),
    )
    op.create_index(
        "ix_outbound_mail_next_attempt_at",
        "outbound_mail",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_outbound_mail_ticket_id", "outbound_mail", ["ticket_id"], unique=False)
    op.add_column("ticket", sa.Column("access_code_hash", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("ticket", "access_code_hash")
    op.drop_index("ix_outbound_mail_ticket_id", table_name="outbound_mail")
    op.drop_index(
        "ix_outbound_mail_next_attempt_at", table_name="outbound_mail", postgresql_where=sa.text("status = 'pending'")
    )
    op.drop_table("outbound_mail")
    op.drop_index("ix_category_decider_unit_id", table_name="category_decider")
    op.drop_table("category_decider")
    op.drop_index("ix_rate_limit_bucket_window_start", table_name="rate_limit_bucket")
    op.drop_table("rate_limit_bucket")
