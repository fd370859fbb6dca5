"""The reports:read scope for API clients (supervisor dashboards read aggregated figures with it).

Revision ID: 0010_reports
Revises: 0008_ticket_search
Create Date: 2026-11-23 17:20:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_reports"
down_revision: str | None = "0008_ticket_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "'contacts:write', 'tickets:read', 'tickets:write', 'audit:read', 'admin'"
AFTER = "'contacts:write', 'tickets:read', 'tickets:write', 'audit:read', 'reports:read', 'admin'"


def _allow(scopes: str) -> None:
    op.drop_constraint(op.f("ck_api_client_scopes"), "api_client", type_="check")
    op.create_check_constraint(op.f("ck_api_client_scopes"), "api_client", f"scopes <@ ARRAY[{scopes}]::text[]")


def upgrade() -> None:
    _allow(AFTER)


def downgrade() -> None:
    # Keys holding the scope would violate the old constraint: take it away from them first.
    op.execute("UPDATE api_client SET scopes = array_remove(scopes, 'reports:read')")
    _allow(BEFORE)
