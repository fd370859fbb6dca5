"""Reference data cached in process: a version that every change of units, categories, deciders, routing rules,
SLA policies, calendars and API keys moves on, and a notification to the replicas when it commits.

The version comes from a sequence (never handed out twice, even by a transaction that rolls back) and lives in
one row, so a transaction sees its own changes' version and others see it once committed. `NOTIFY` is
delivered on commit only. An API key's `last_used_at` stamp counts as a change too: it is written at most every
five minutes per key, and the cached row must know it to decide when to stamp again.

Revision ID: 0018_reference_cache
Revises: 0017_mail_intake
Create Date: 2026-12-06 15:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_reference_cache"
down_revision: str | None = "0017_mail_intake"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "unit",
    "category",
    "category_decider",
    "routing_rule",
    "routing_rule_version",
    "sla_policy",
    "opening_hours",
    "closing_day",
    "api_client",
)


def upgrade() -> None:
    op.execute("CREATE SEQUENCE reference_version_seq")
    op.create_table(
        "reference_version",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_reference_version_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_version")),
    )
    op.execute("INSERT INTO reference_version (id, version) VALUES (1, nextval('reference_version_seq'))")
    op.execute(
        """
        CREATE FUNCTION reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE reference_version SET version = nextval('reference_version_seq') WHERE id = 1;
            PERFORM pg_notify('genk3600_reference', TG_TABLE_NAME);
            RETURN NULL;
        END $$
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_reference_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION reference_changed()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_reference_changed ON {table}")
    op.execute("DROP FUNCTION reference_changed()")
    op.drop_table("reference_version")
    op.execute("DROP SEQUENCE reference_version_seq")
