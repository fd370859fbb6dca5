"""Staff members and their memberships are reference data (issue 16): a staff bearer token signs in from the
in-process reference cache instead of a statement per request.

Every change of `staff` or `staff_membership` moves the reference version on and notifies the replicas, as a
change of an API client does (migration 0018), so deactivating someone or changing their memberships reaches
every replica's cache when it commits.

Revision ID: 0028_sla_sweep
Revises: 0027_citizen_merge
Create Date: 2026-12-06 21:23:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028_sla_sweep"
down_revision: str | None = "0027_citizen_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("staff", "staff_membership")


def upgrade() -> None:
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_reference_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION reference_changed()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_reference_changed ON {table}")
