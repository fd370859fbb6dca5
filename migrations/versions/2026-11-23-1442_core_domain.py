"""Core domain: units, staff, categories, citizens, tickets, contacts, participations, timeline, API clients.

Revision ID: 0001_core_domain
Revises:
Create Date: 2026-11-23 14:42:45.930492
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_core_domain"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Ticket reference numbers: unique, not gap-free, never a lock that serialises intake.
    op.execute("CREATE SEQUENCE ticket_number_seq")
    op.create_table(
        "citizen",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("national_number_hash", sa.Text(), nullable=True),
        sa.Column("national_number_masked", sa.Text(), nullable=True),
        sa.Column("given_name", sa.Text(), nullable=True),
        sa.Column("family_name", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("preferred_language", sa.Text(), server_default=sa.text("'nl'"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("phone ~ '^\\+[1-9][0-9]{6,14}$'", name=op.f("ck_citizen_phone_e164")),
        sa.CheckConstraint(
            "preferred_language IN ('nl', 'fr', 'en', 'de')", name=op.f("ck_citizen_preferred_language")
        ),
        sa.CheckConstraint(
            "(national_number_hash IS NULL) = (national_number_masked IS NULL)",
            name=op.f("ck_citizen_national_number_pair"),
        ),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_citizen_email_lower_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen")),
        sa.UniqueConstraint("national_number_hash", name=op.f("uq_citizen_national_number_hash")),
    )
    op.create_index("ix_citizen_email", "citizen", ["email"], unique=False)
    op.create_index("ix_citizen_phone", "citizen", ["phone"], unique=False)
    op.create_table(
        "staff",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column(
            "languages",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("ARRAY['nl']::text[]"),
            nullable=False,
        ),
        sa.Column("oidc_subject", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("languages <@ ARRAY['nl', 'fr', 'en', 'de']::text[]", name=op.f("ck_staff_languages")),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_staff_email_lower_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_email")),
        sa.UniqueConstraint("oidc_subject", name=op.f("uq_staff_oidc_subject")),
    )
    op.create_table(
        "unit",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("code ~ '^[a-z][a-z0-9_]*$'", name=op.f("ck_unit_code_format")),
        sa.CheckConstraint(
            "kind IN ('department', 'ocmw_service', 'contact_centre', 'reception', 'quick_desk', 'thematic_desk')",
            name=op.f("ck_unit_kind"),
        ),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name=op.f("ck_unit_not_own_parent")),
        sa.ForeignKeyConstraint(["parent_id"], ["unit.id"], name=op.f("fk_unit_parent_id_unit"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
        sa.UniqueConstraint("code", name=op.f("uq_unit_code")),
    )
    op.create_index("ix_unit_parent_id", "unit", ["parent_id"], unique=False)
    op.create_table(
        "api_client",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("key_prefix", sa.Text(), nullable=False),
        sa.Column("key_hash", sa.Text(), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "scopes <@ ARRAY['contacts:write', 'tickets:read', 'tickets:write', 'audit:read', 'admin']::text[]",
            name=op.f("ck_api_client_scopes"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_api_client_unit_id_unit"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_client")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_client_key_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_api_client_name")),
    )
    op.create_table(
        "category",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("owning_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("confidentiality", sa.Text(), server_default=sa.text("'normal'"), nullable=False),
        sa.Column("default_priority", sa.Text(), server_default=sa.text("'normal'"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("code ~ '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$'", name=op.f("ck_category_code_format")),
        sa.CheckConstraint("confidentiality IN ('normal', 'social')", name=op.f("ck_category_confidentiality")),
        sa.CheckConstraint(
            "default_priority IN ('low', 'normal', 'high', 'urgent')",
            name=op.f("ck_category_default_priority"),
        ),
        sa.ForeignKeyConstraint(
            ["owning_unit_id"], ["unit.id"], name=op.f("fk_category_owning_unit_id_unit"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category")),
        sa.UniqueConstraint("code", name=op.f("uq_category_code")),
    )
    op.create_index("ix_category_owning_unit_id", "category", ["owning_unit_id"], unique=False)
    op.create_table(
        "staff_membership",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "position IN ('agent', 'back_office', 'case_worker', 'supervisor', 'admin')",
            name=op.f("ck_staff_membership_position"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_membership_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_staff_membership_unit_id_unit"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_membership")),
        sa.UniqueConstraint("staff_id", "unit_id", name=op.f("uq_staff_membership_staff_id_unit_id")),
    )
    op.create_index("ix_staff_membership_unit_id", "staff_membership", ["unit_id"], unique=False)
    op.create_table(
        "ticket",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'new'"), nullable=False),
        sa.Column("priority", sa.Text(), server_default=sa.text("'normal'"), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), server_default=sa.text("'nl'"), nullable=False),
        sa.Column("confidentiality", sa.Text(), server_default=sa.text("'normal'"), nullable=False),
        sa.Column("tier", sa.SmallInteger(), server_default=sa.text("1"), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=True),
        sa.Column("citizen_id", sa.BigInteger(), nullable=True),
        sa.Column("owning_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("assignee_staff_id", sa.BigInteger(), nullable=True),
        sa.Column("first_response_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("confidentiality IN ('normal', 'social')", name=op.f("ck_ticket_confidentiality")),
        sa.CheckConstraint("language IN ('nl', 'fr', 'en', 'de')", name=op.f("ck_ticket_language")),
        sa.CheckConstraint("priority IN ('low', 'normal', 'high', 'urgent')", name=op.f("ck_ticket_priority")),
        sa.CheckConstraint("reference ~ '^G3600-[0-9]{4}-[0-9]{6,}$'", name=op.f("ck_ticket_reference_format")),
        sa.CheckConstraint(
            "status IN ('new', 'assigned', 'in_progress', 'waiting_on_citizen', 'resolved', 'closed')",
            name=op.f("ck_ticket_status"),
        ),
        sa.CheckConstraint("tier BETWEEN 1 AND 3", name=op.f("ck_ticket_tier_range")),
        sa.ForeignKeyConstraint(
            ["assignee_staff_id"],
            ["staff.id"],
            name=op.f("fk_ticket_assignee_staff_id_staff"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_ticket_category_id_category"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizen.id"], name=op.f("fk_ticket_citizen_id_citizen"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["owning_unit_id"], ["unit.id"], name=op.f("fk_ticket_owning_unit_id_unit"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket")),
        sa.UniqueConstraint("reference", name=op.f("uq_ticket_reference")),
    )
    op.create_index("ix_ticket_assignee_staff_id", "ticket", ["assignee_staff_id"], unique=False)
    op.create_index("ix_ticket_category_id", "ticket", ["category_id"], unique=False)
    op.create_index("ix_ticket_citizen_id", "ticket", ["citizen_id"], unique=False)
    op.create_index("ix_ticket_owning_unit_id_status", "ticket", ["owning_unit_id", "status"], unique=False)
    op.create_index("ix_ticket_status", "ticket", ["status"], unique=False)
    op.create_table(
        "contact",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("citizen_id", sa.BigInteger(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("direction", sa.Text(), server_default=sa.text("'inbound'"), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "channel_details",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor_staff_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_api_client_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('phone', 'mail', 'web', 'counter', 'home_visit', 'appointment')",
            name=op.f("ck_contact_channel"),
        ),
        sa.CheckConstraint("num_nonnulls(actor_staff_id, actor_api_client_id) <= 1", name=op.f("ck_contact_one_actor")),
        sa.CheckConstraint("direction IN ('inbound', 'outbound')", name=op.f("ck_contact_direction")),
        sa.CheckConstraint("language IN ('nl', 'fr', 'en', 'de')", name=op.f("ck_contact_language")),
        sa.ForeignKeyConstraint(
            ["actor_api_client_id"],
            ["api_client.id"],
            name=op.f("fk_contact_actor_api_client_id_api_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["actor_staff_id"],
            ["staff.id"],
            name=op.f("fk_contact_actor_staff_id_staff"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizen.id"], name=op.f("fk_contact_citizen_id_citizen"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_contact_ticket_id_ticket"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
    )
    op.create_index("ix_contact_citizen_id", "contact", ["citizen_id"], unique=False)
    op.create_index("ix_contact_ticket_id", "contact", ["ticket_id"], unique=False)
    op.create_table(
        "ticket_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "data",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor_staff_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_api_client_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "type IN ('created', 'contact_added', 'routed', 'assigned', 'escalated', 'status_changed', 'participation_recorded', 'note', 'merged', 'sla_warning', 'sla_breach')",
            name=op.f("ck_ticket_event_type"),
        ),
        sa.CheckConstraint(
            "num_nonnulls(actor_staff_id, actor_api_client_id) <= 1", name=op.f("ck_ticket_event_one_actor")
        ),
        sa.ForeignKeyConstraint(
            ["actor_api_client_id"],
            ["api_client.id"],
            name=op.f("fk_ticket_event_actor_api_client_id_api_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["actor_staff_id"],
            ["staff.id"],
            name=op.f("fk_ticket_event_actor_staff_id_staff"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_ticket_event_ticket_id_ticket"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_event")),
    )
    op.create_index("ix_ticket_event_ticket_id_id", "ticket_event", ["ticket_id", "id"], unique=False)
    op.create_table(
        "participation",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("contact_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "role IN ('informing', 'registering', 'advising', 'deciding')", name=op.f("ck_participation_role")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_participation_contact_id_contact"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_participation_staff_id_staff"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation")),
        sa.UniqueConstraint("contact_id", "staff_id", "role", name=op.f("uq_participation_contact_id_staff_id_role")),
    )
    op.create_index("ix_participation_staff_id", "participation", ["staff_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_participation_staff_id", table_name="participation")
    op.drop_table("participation")
    op.drop_index("ix_ticket_event_ticket_id_id", table_name="ticket_event")
    op.drop_table("ticket_event")
    op.drop_index("ix_contact_ticket_id", table_name="contact")
    op.drop_index("ix_contact_citizen_id", table_name="contact")
    op.drop_table("contact")
    op.drop_index("ix_ticket_status", table_name="ticket")
    op.drop_index("ix_ticket_owning_unit_id_status", table_name="ticket")
    op.drop_index("ix_ticket_citizen_id", table_name="ticket")
    op.drop_index("ix_ticket_category_id", table_name="ticket")
    op.drop_index("ix_ticket_assignee_staff_id", table_name="ticket")
    op.drop_table("ticket")
    op.drop_index("ix_staff_membership_unit_id", table_name="staff_membership")
    op.drop_table("staff_membership")
    op.drop_index("ix_category_owning_unit_id", table_name="category")
    op.drop_table("category")
    op.drop_table("api_client")
    op.drop_index("ix_unit_parent_id", table_name="unit")
    op.drop_table("unit")
    op.drop_table("staff")
    op.drop_index("ix_citizen_phone", table_name="citizen")
    op.drop_index("ix_citizen_email", table_name="citizen")
    op.drop_table("citizen")
    op.execute("DROP SEQUENCE ticket_number_seq")
