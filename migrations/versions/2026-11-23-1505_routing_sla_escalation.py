"""Routing rule versions, SLA policies and business calendars, escalations, ticket SLA clock and version.

Revision ID: 0003_routing_sla_escalation
Revises: 0002_channel_intake
Create Date: 2026-11-23 15:05:44.425591+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_routing_sla_escalation"
down_revision: str | None = "0002_channel_intake"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "routing_rule",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rule")),
    )
    op.create_table(
        "closing_day",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_closing_day_unit_id_unit"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closing_day")),
    )
    op.create_index(
        "uq_closing_day_unit_day", "closing_day", ["unit_id", "day"], unique=True, postgresql_nulls_not_distinct=True
    )
    op.create_table(
        "opening_hours",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=True),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.CheckConstraint("closes > opens", name=op.f("ck_opening_hours_closes_after_opens")),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_opening_hours_weekday_range")),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_opening_hours_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opening_hours")),
    )
    op.create_index("ix_opening_hours_unit_id", "opening_hours", ["unit_id"], unique=False)
    op.create_table(
        "routing_rule_version",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("rule_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("current", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("conditions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("actions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_routing_rule_version_version_positive")),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["routing_rule.id"],
            name=op.f("fk_routing_rule_version_rule_id_routing_rule"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rule_version")),
        sa.UniqueConstraint("rule_id", "version", name=op.f("uq_routing_rule_version_rule_id_version")),
    )
    op.create_index(
        "uq_routing_rule_version_current",
        "routing_rule_version",
        ["rule_id"],
        unique=True,
        postgresql_where=sa.text("current"),
    )
    op.create_table(
        "sla_policy",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("first_response_minutes", sa.Integer(), nullable=False),
        sa.Column("resolution_minutes", sa.Integer(), nullable=False),
        sa.Column("warning_fraction", sa.Float(), server_default="0.8", nullable=False),
        sa.Column("breach_unit_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "first_response_minutes > 0 AND resolution_minutes > 0", name=op.f("ck_sla_policy_targets_positive")
        ),
        sa.CheckConstraint(
            "warning_fraction > 0 AND warning_fraction < 1", name=op.f("ck_sla_policy_warning_fraction_range")
        ),
        sa.ForeignKeyConstraint(
            ["breach_unit_id"], ["unit.id"], name=op.f("fk_sla_policy_breach_unit_id_unit"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policy")),
        sa.UniqueConstraint("code", name=op.f("uq_sla_policy_code")),
    )
    op.create_table(
        "escalation",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("from_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("to_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("to_staff_id", sa.BigInteger(), nullable=True),
        sa.Column("from_tier", sa.SmallInteger(), nullable=False),
        sa.Column("to_tier", sa.SmallInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_role", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor_staff_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_api_client_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "reason IN ('needs_decision', 'needs_expertise', 'sla_breach', 'citizen_request', 'complaint', 'returned')",
            name=op.f("ck_escalation_reason"),
        ),
        sa.CheckConstraint(
            "requested_role IN ('advising', 'deciding')", name=op.f("ck_escalation_requested_role_advice_or_decision")
        ),
        sa.CheckConstraint(
            "num_nonnulls(actor_staff_id, actor_api_client_id) <= 1", name=op.f("ck_escalation_one_actor")
        ),
        sa.CheckConstraint(
            "to_tier BETWEEN 1 AND 3 AND from_tier BETWEEN 1 AND 3", name=op.f("ck_escalation_tier_range")
        ),
        sa.ForeignKeyConstraint(
            ["actor_api_client_id"],
            ["api_client.id"],
            name=op.f("fk_escalation_actor_api_client_id_api_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["actor_staff_id"], ["staff.id"], name=op.f("fk_escalation_actor_staff_id_staff"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["from_unit_id"], ["unit.id"], name=op.f("fk_escalation_from_unit_id_unit"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_escalation_ticket_id_ticket"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["to_staff_id"], ["staff.id"], name=op.f("fk_escalation_to_staff_id_staff"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["to_unit_id"], ["unit.id"], name=op.f("fk_escalation_to_unit_id_unit"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation")),
    )
    op.create_index("ix_escalation_ticket_id", "escalation", ["ticket_id"], unique=False)
    op.add_column("category", sa.Column("sla_policy_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_category_sla_policy_id_sla_policy"),
        "category",
        "sla_policy",
        ["sla_policy_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.add_column("staff", sa.Column("absent", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    op.add_column("ticket", sa.Column("first_responded_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("ticket", sa.Column("sla_policy_id", sa.BigInteger(), nullable=True))
    op.add_column("ticket", sa.Column("routing_rule_version_id", sa.BigInteger(), nullable=True))
    op.add_column("ticket", sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("ticket", sa.Column("sla_warned_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("ticket", sa.Column("sla_breached_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("ticket", sa.Column("next_sla_check_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("ticket", sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False))
    op.create_index(
        "ix_ticket_next_sla_check_at",
        "ticket",
        ["next_sla_check_at"],
        unique=False,
        postgresql_where=sa.text("next_sla_check_at IS NOT NULL"),
    )
    op.create_foreign_key(
        op.f("fk_ticket_routing_rule_version_id_routing_rule_version"),
        "ticket",
        "routing_rule_version",
        ["routing_rule_version_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.create_foreign_key(
        op.f("fk_ticket_sla_policy_id_sla_policy"),
        "ticket",
        "sla_policy",
        ["sla_policy_id"],
        ["id"],
        ondelete="RESTRICT",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_ticket_sla_policy_id_sla_policy"), "ticket", type_="foreignkey")
    op.drop_constraint(op.f("fk_ticket_routing_rule_version_id_routing_rule_version"), "ticket", type_="foreignkey")
    op.drop_index(
        "ix_ticket_next_sla_check_at", table_name="ticket", postgresql_where=sa.text("next_sla_check_at IS NOT NULL")
    )
    op.drop_column("ticket", "version")
    op.drop_column("ticket", "next_sla_check_at")
    op.drop_column("ticket", "sla_breached_at")
    op.drop_column("ticket", "sla_warned_at")
    op.drop_column("ticket", "paused_at")
    op.drop_column("ticket", "routing_rule_version_id")
    op.drop_column("ticket", "sla_policy_id")
    op.drop_column("ticket", "first_responded_at")
    op.drop_column("staff", "absent")
    op.drop_constraint(op.f("fk_category_sla_policy_id_sla_policy"), "category", type_="foreignkey")
    op.drop_column("category", "sla_policy_id")
    op.drop_index("ix_escalation_ticket_id", table_name="escalation")
    op.drop_table("escalation")
    op.drop_table("sla_policy")
    op.drop_index(
        "uq_routing_rule_version_current", table_name="routing_rule_version", postgresql_where=sa.text("current")
    )
    op.drop_table("routing_rule_version")
    op.drop_index("ix_opening_hours_unit_id", table_name="opening_hours")
    op.drop_table("opening_hours")
    op.drop_index("uq_closing_day_unit_day", table_name="closing_day", postgresql_nulls_not_distinct=True)
    op.drop_table("closing_day")
    op.drop_table("routing_rule")
