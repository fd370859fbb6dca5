"""Households and representatives (issue 20, maatzorg).

- `citizen_relation`: how two citizens are related (partner, parent/child, other household member), stored once
  per pair (`child` as the inverse `parent` row; symmetric kinds with the lower citizen id first), with an
  optional period. One current row per pair and kind.
- `representation`: who may act for a citizen (informal carer, legal administrator, guardian), a known citizen
  or a name, with the consent's scopes, its period and what it rests on (signed consent, court order), versioned
  for If-Match.

Revision ID: 0026_households
Revises: 0025_appointments
Create Date: 2026-12-06 17:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026_households"
# Written beside the other maatzorg branches: the integrator re-chains it after theirs.
down_revision: str | None = "0025_appointments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_ACTOR = "num_nonnulls(actor_staff_id, actor_api_client_id) <= 1"
SCOPES = "'all', 'information', 'applications', 'appointments', 'social'"


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


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "citizen_relation",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("citizen_id", sa.BigInteger(), nullable=False),
        sa.Column("related_citizen_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        *_actor_columns(),
        *_timestamps(),
        sa.CheckConstraint("kind IN ('partner', 'parent', 'household_member')", name=op.f("ck_citizen_relation_kind")),
        sa.CheckConstraint(
            "kind = 'parent' OR citizen_id < related_citizen_id", name=op.f("ck_citizen_relation_symmetric_in_order")
        ),
        sa.CheckConstraint("citizen_id <> related_citizen_id", name=op.f("ck_citizen_relation_two_people")),
        sa.CheckConstraint(
            "last_day IS NULL OR first_day IS NULL OR last_day >= first_day", name=op.f("ck_citizen_relation_period")
        ),
        sa.CheckConstraint(ONE_ACTOR, name=op.f("ck_citizen_relation_one_actor")),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizen.id"], name=op.f("fk_citizen_relation_citizen_id_citizen"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["related_citizen_id"],
            ["citizen.id"],
            name=op.f("fk_citizen_relation_related_citizen_id_citizen"),
            ondelete="RESTRICT",
        ),
        *_actor_keys("citizen_relation"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_relation")),
    )
    op.create_index("ix_citizen_relation_citizen_id", "citizen_relation", ["citizen_id"], unique=False)
    op.create_index("ix_citizen_relation_related_citizen_id", "citizen_relation", ["related_citizen_id"], unique=False)
    op.create_index(
        "uq_citizen_relation_current",
        "citizen_relation",
        ["citizen_id", "related_citizen_id", "kind"],
        unique=True,
        postgresql_where=sa.text("last_day IS NULL"),
    )

    op.create_table(
        "representation",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("citizen_id", sa.BigInteger(), nullable=False),
        sa.Column("representative_citizen_id", sa.BigInteger(), nullable=True),
        sa.Column("representative_name", sa.Text(), nullable=True),
        sa.Column("organisation_name", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("scopes", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_reference", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        *_actor_columns(),
        *_timestamps(),
        sa.CheckConstraint(
            "kind IN ('informal_carer', 'legal_administrator', 'guardian')", name=op.f("ck_representation_kind")
        ),
        sa.CheckConstraint(
            "source IN ('signed_consent', 'court_order', 'other')", name=op.f("ck_representation_source")
        ),
        sa.CheckConstraint(f"scopes <@ ARRAY[{SCOPES}]::text[]", name=op.f("ck_representation_scopes")),
        sa.CheckConstraint("cardinality(scopes) >= 1", name=op.f("ck_representation_some_scope")),
        sa.CheckConstraint(
            "num_nonnulls(representative_citizen_id, representative_name) >= 1",
            name=op.f("ck_representation_identified"),
        ),
        sa.CheckConstraint("citizen_id <> representative_citizen_id", name=op.f("ck_representation_two_people")),
        sa.CheckConstraint("last_day IS NULL OR last_day >= first_day", name=op.f("ck_representation_period")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_representation_version_positive")),
        sa.CheckConstraint(ONE_ACTOR, name=op.f("ck_representation_one_actor")),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizen.id"], name=op.f("fk_representation_citizen_id_citizen"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["representative_citizen_id"],
            ["citizen.id"],
            name=op.f("fk_representation_representative_citizen_id_citizen"),
            ondelete="RESTRICT",
        ),
        *_actor_keys("representation"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representation")),
    )
    op.create_index("ix_representation_citizen_id", "representation", ["citizen_id"], unique=False)
    op.create_index(
        "ix_representation_representative_citizen_id", "representation", ["representative_citizen_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_representation_representative_citizen_id", table_name="representation")
    op.drop_index("ix_representation_citizen_id", table_name="representation")
    op.drop_table("representation")
    op.drop_index("uq_citizen_relation_current", table_name="citizen_relation")
    op.drop_index("ix_citizen_relation_related_citizen_id", table_name="citizen_relation")
    op.drop_index("ix_citizen_relation_citizen_id", table_name="citizen_relation")
    op.drop_table("citizen_relation")
