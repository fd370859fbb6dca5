"""Channel intake: call tracking, contact external ids and flags, attachments, idempotency keys, case workers.

Revision ID: 0002_channel_intake
Revises: 0001_core_domain
Create Date: 2026-11-23 14:56:09.671839+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_channel_intake"
down_revision: str | None = "0001_core_domain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column("principal", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "headers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("principal", "key", name=op.f("pk_idempotency_key")),
    )
    op.create_index("ix_idempotency_key_expires_at", "idempotency_key", ["expires_at"], unique=False)
    op.create_table(
        "call",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("call_id", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("caller_number", sa.Text(), nullable=True),
        sa.Column("called_number", sa.Text(), nullable=True),
        sa.Column("agent_staff_id", sa.BigInteger(), nullable=True),
        sa.Column("ringing_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contact_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("state IN ('ringing', 'answered', 'ended')", name=op.f("ck_call_state")),
        sa.ForeignKeyConstraint(
            ["agent_staff_id"], ["staff.id"], name=op.f("fk_call_agent_staff_id_staff"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_call_contact_id_contact"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call")),
        sa.UniqueConstraint("call_id", name=op.f("uq_call_call_id")),
    )
    op.create_table(
        "contact_attachment",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("contact_id", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("size >= 0", name=op.f("ck_contact_attachment_size_not_negative")),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_attachment_contact_id_contact"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_attachment")),
    )
    op.create_index("ix_contact_attachment_contact_id", "contact_attachment", ["contact_id"], unique=False)
    op.add_column("citizen", sa.Column("case_worker_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_citizen_case_worker_id", "citizen", ["case_worker_id"], unique=False)
    op.create_foreign_key(
        op.f("fk_citizen_case_worker_id_staff"),
        "citizen",
        "staff",
        ["case_worker_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.add_column("contact", sa.Column("external_id", sa.Text(), nullable=True))
    op.add_column(
        "contact",
        sa.Column("flags", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    )
    op.alter_column("contact", "ticket_id", existing_type=sa.BIGINT(), nullable=True)
    op.create_index("ix_contact_flags", "contact", ["flags"], unique=False, postgresql_using="gin")
    op.create_unique_constraint(op.f("uq_contact_channel_external_id"), "contact", ["channel", "external_id"])
    op.create_check_constraint(
        op.f("ck_contact_flags"),
        "contact",
        "flags <@ ARRAY['automated', 'ambiguous_citizen', 'missed_call', 'awaiting_summary', 'malformed_headers', 'attachment_over_cap']::text[]",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_contact_flags"), "contact", type_="check")
    op.drop_constraint(op.f("uq_contact_channel_external_id"), "contact", type_="unique")
    op.drop_index("ix_contact_flags", table_name="contact", postgresql_using="gin")
    op.alter_column("contact", "ticket_id", existing_type=sa.BIGINT(), nullable=False)
    op.drop_column("contact", "flags")
    op.drop_column("contact", "external_id")
    op.drop_constraint(op.f("fk_citizen_case_worker_id_staff"), "citizen", type_="foreignkey")
    op.drop_index("ix_citizen_case_worker_id", table_name="citizen")
    op.drop_column("citizen", "case_worker_id")
    op.drop_index("ix_contact_attachment_contact_id", table_name="contact_attachment")
    op.drop_table("contact_attachment")
    op.drop_table("call")
    op.drop_index("ix_idempotency_key_expires_at", table_name="idempotency_key")
    op.drop_table("idempotency_key")
