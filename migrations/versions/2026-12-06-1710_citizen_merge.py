"""One person, one record (issue 20): merging duplicate citizen records, and undoing a merge.

- `citizen.merged_into_id`: set while a record is merged into another (the survivor); the row stays, so its
  e-mail and phone still lead lookups to the survivor and an un-merge can give it back its rows.
- `citizen_merge`: who merged which record into which, why and when, exactly which rows moved per (table,
  column), what the survivor took over, and the merged record's national number while the survivor holds it.
- `duplicate_dismissal`: pairs of records someone decided are different people (no longer candidates).
- `pg_trgm`: name similarity of duplicate candidates (`similarity()` on unaccented lower-case names).
- the timeline's types gain `citizen_merged` and `citizen_unmerged`; API keys may hold `citizens:merge`.

Revision ID: 0027_citizen_merge
Revises: 0026_households
Create Date: 2026-12-06 17:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0027_citizen_merge"
down_revision: str | None = "0026_households"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The timeline types as 0025_appointments left them.
EVENTS = (
    "'created', 'contact_added', 'routed', 'assigned', 'escalated', 'status_changed', 'participation_recorded', "
    "'note', 'merged', 'sla_warning', 'sla_breach', 'mail_bounced', "
    "'party_added', 'party_removed', 'link_added', 'link_removed', 'replied', 'offer', "
    "'callback_created', 'callback_assigned', 'callback_attempt_recorded', 'callback_completed', "
    "'callback_failed', 'callback_cancelled', 'callback_letter_sent', "
    "'appointment_booked', 'appointment_moved', 'appointment_cancelled', 'appointment_held', 'appointment_no_show'"
)
MERGE_EVENTS = "'citizen_merged', 'citizen_unmerged'"
SCOPES = (
    "'contacts:write', 'tickets:read', 'tickets:write', 'audit:read', 'reports:read', 'citizens:lookup', "
    "'citizens:export'"
)
ONE_ACTOR = "num_nonnulls(actor_staff_id, actor_api_client_id) <= 1"


def _allow_scopes(scopes: str) -> None:
    op.drop_constraint(op.f("ck_api_client_scopes"), "api_client", type_="check")
    op.create_check_constraint(op.f("ck_api_client_scopes"), "api_client", f"scopes <@ ARRAY[{scopes}]::text[]")


def _event_types(types: str) -> None:
    op.drop_constraint(op.f("ck_ticket_event_type"), "ticket_event", type_="check")
    op.create_check_constraint(op.f("ck_ticket_event_type"), "ticket_event", f"type IN ({types})")


def _actor_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("actor_staff_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_api_client_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sa.Text(), nullable=False),
    ]


def _actor_keys(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(
            ["actor_staff_id"], ["staff.id"], name=op.f(f"fk_{table}_actor_staff_id_staff"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["actor_api_client_id"],
            ["api_client.id"],
            name=op.f(f"fk_{table}_actor_api_client_id_api_client"),
            ondelete="RESTRICT",
        ),
    ]


def _citizen_key(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["citizen.id"], name=op.f(f"fk_{table}_{column}_citizen"), ondelete="RESTRICT"
    )


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    _allow_scopes(SCOPES + ", 'citizens:merge', 'admin'")
    _event_types(f"{EVENTS}, {MERGE_EVENTS}")

    op.add_column("citizen", sa.Column("merged_into_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_citizen_merged_into_id_citizen"), "citizen", "citizen", ["merged_into_id"], ["id"], ondelete="RESTRICT"
    )
    op.create_index("ix_citizen_merged_into_id", "citizen", ["merged_into_id"], unique=False)
    op.create_check_constraint(op.f("ck_citizen_not_merged_into_itself"), "citizen", "merged_into_id <> id")

    op.create_table(
        "citizen_merge",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("survivor_citizen_id", sa.BigInteger(), nullable=False),
        sa.Column("merged_citizen_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moved", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("taken_over", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("household_move", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("national_number_hash", sa.Text(), nullable=True),
        sa.Column("national_number_masked", sa.Text(), nullable=True),
        sa.Column("unmerged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unmerged_by_name", sa.Text(), nullable=True),
        sa.Column("unmerge_reason", sa.Text(), nullable=True),
        *_actor_columns(),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("survivor_citizen_id <> merged_citizen_id", name=op.f("ck_citizen_merge_two_citizens")),
        sa.CheckConstraint(ONE_ACTOR, name=op.f("ck_citizen_merge_one_actor")),
        sa.CheckConstraint(
            "(unmerged_at IS NULL) = (unmerged_by_name IS NULL)", name=op.f("ck_citizen_merge_unmerged_by_someone")
        ),
        sa.CheckConstraint(
            "(national_number_hash IS NULL) = (national_number_masked IS NULL)",
            name=op.f("ck_citizen_merge_national_number_pair"),
        ),
        _citizen_key("citizen_merge", "survivor_citizen_id"),
        _citizen_key("citizen_merge", "merged_citizen_id"),
        *_actor_keys("citizen_merge"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_merge")),
    )
    op.create_index("ix_citizen_merge_survivor_citizen_id", "citizen_merge", ["survivor_citizen_id"], unique=False)
    op.create_index(
        "uq_citizen_merge_merged_citizen_id_active",
        "citizen_merge",
        ["merged_citizen_id"],
        unique=True,
        postgresql_where=sa.text("unmerged_at IS NULL"),
    )

    op.create_table(
        "duplicate_dismissal",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("citizen_id", sa.BigInteger(), nullable=False),
        sa.Column("other_citizen_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_actor_columns(),
        sa.CheckConstraint("citizen_id < other_citizen_id", name=op.f("ck_duplicate_dismissal_ordered_pair")),
        sa.CheckConstraint(ONE_ACTOR, name=op.f("ck_duplicate_dismissal_one_actor")),
        _citizen_key("duplicate_dismissal", "citizen_id"),
        _citizen_key("duplicate_dismissal", "other_citizen_id"),
        *_actor_keys("duplicate_dismissal"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_dismissal")),
        sa.UniqueConstraint(
            "citizen_id", "other_citizen_id", name=op.f("uq_duplicate_dismissal_citizen_id_other_citizen_id")
        ),
    )
    op.create_index(
        "ix_duplicate_dismissal_other_citizen_id", "duplicate_dismissal", ["other_citizen_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_duplicate_dismissal_other_citizen_id", table_name="duplicate_dismissal")
    op.drop_table("duplicate_dismissal")
    op.drop_index("uq_citizen_merge_merged_citizen_id_active", table_name="citizen_merge")
    op.drop_index("ix_citizen_merge_survivor_citizen_id", table_name="citizen_merge")
    op.drop_table("citizen_merge")
    op.drop_constraint(op.f("ck_citizen_not_merged_into_itself"), "citizen", type_="check")
    op.drop_index("ix_citizen_merged_into_id", table_name="citizen")
    op.drop_constraint(op.f("fk_citizen_merged_into_id_citizen"), "citizen", type_="foreignkey")
    op.drop_column("citizen", "merged_into_id")
    op.execute("DELETE FROM ticket_event WHERE type IN ('citizen_merged', 'citizen_unmerged')")
    _event_types(EVENTS)
    op.execute("UPDATE api_client SET scopes = array_remove(scopes, 'citizens:merge')")
    _allow_scopes(SCOPES + ", 'admin'")
    # pg_trgm stays: other migrations may come to use it, and an extension left installed harms nothing.
