"""Break the glass (access grants), legal hold on citizens and retention per category (GDPR).

Revision ID: 0007_break_glass_gdpr
Revises: 0006_audit_trail
Create Date: 2026-11-23 16:02:42.674736+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_break_glass_gdpr"
down_revision: str | None = "0006_audit_trail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_grant",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("char_length(reason) BETWEEN 10 AND 500", name=op.f("ck_access_grant_reason_length")),
        sa.CheckConstraint("expires_at > granted_at", name=op.f("ck_access_grant_expires_after_granted")),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_access_grant_staff_id_staff"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_access_grant_ticket_id_ticket"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_grant")),
    )
    op.create_index("ix_access_grant_staff_id_ticket_id", "access_grant", ["staff_id", "ticket_id"], unique=False)
    op.create_index("ix_access_grant_ticket_id", "access_grant", ["ticket_id"], unique=False)
    op.add_column("category", sa.Column("retention_days", sa.Integer(), nullable=True))
    op.create_check_constraint(
        op.f("ck_category_retention_days_positive"), "category", "retention_days IS NULL OR retention_days > 0"
    )
    op.add_column("citizen", sa.Column("legal_hold", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    op.add_column("citizen", sa.Column("legal_hold_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("citizen", "legal_hold_reason")
    op.drop_column("citizen", "legal_hold")
    op.drop_constraint(op.f("ck_category_retention_days_positive"), "category", type_="check")
    op.drop_column("category", "retention_days")
    op.drop_index("ix_access_grant_ticket_id", table_name="access_grant")
    op.drop_index("ix_access_grant_staff_id_ticket_id", table_name="access_grant")
    op.drop_table("access_grant")
