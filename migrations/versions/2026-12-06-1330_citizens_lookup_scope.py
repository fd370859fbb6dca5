"""The citizens:lookup scope for API clients (the screen pop's citizen search is no longer tickets:read).

Revision ID: 0014_citizens_lookup_scope
Revises: 0013_webhook_creator
Create Date: 2026-12-06 13:30:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014_citizens_lookup_scope"
down_revision: str | None = "0013_webhook_creator"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "'contacts:write', 'tickets:read', 'tickets:write', 'audit:read', 'reports:read', 'admin'"
AFTER = "'contacts:write', 'tickets:read', 'tickets:write', 'audit:read', 'reports:read', 'citizens:lookup', 'admin'"


def _allow(scopes: str) -> None:
    op.drop_constraint(op.f("ck_api_client_scopes"), "api_client", type_="check")
    op.create_check_constraint(op.f("ck_api_client_scopes"), "api_client", f"scopes <@ ARRAY[{scopes}]::text[]")


def upgrade() -> None:
    _allow(AFTER)


def downgrade() -> None:
    # Keys holding the scope would violate the old constraint: take it away from them first.
    op.execute("UPDATE api_client SET scopes = array_remove(scopes, 'citizens:lookup')")
    _allow(BEFORE)
