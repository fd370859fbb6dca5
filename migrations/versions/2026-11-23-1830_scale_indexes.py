"""Queue-order indexes: a unit's queue page and claim-next read only the rows they return, at any table size.

Revision ID: 0011_scale_indexes
Revises: 0010_reports
Create Date: 2026-11-23 18:30:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_scale_indexes"
down_revision: str | None = "0010_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of genk3600.models.ticket.QUEUE_RANK_SQL / OPEN_STATUS_SQL / CLAIMABLE_SQL at this revision.
QUEUE_RANK = "array_position(ARRAY['urgent', 'high', 'normal', 'low'], priority) - 1"
OPEN = "status IN ('new', 'assigned', 'in_progress', 'waiting_on_citizen')"
CLAIMABLE = "status = 'new' AND assignee_staff_id IS NULL"


def upgrade() -> None:
    op.execute(
        f"CREATE INDEX ix_ticket_queue_order ON ticket (owning_unit_id, ({QUEUE_RANK}), resolution_due_at, id) "
        f"WHERE {OPEN}"
    )
    op.execute(
        f"CREATE INDEX ix_ticket_claimable_order ON ticket (owning_unit_id, ({QUEUE_RANK}), resolution_due_at, id) "
        f"WHERE {CLAIMABLE}"
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_claimable_order", table_name="ticket")
    op.drop_index("ix_ticket_queue_order", table_name="ticket")
