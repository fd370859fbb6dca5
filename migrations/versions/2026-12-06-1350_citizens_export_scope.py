"""The citizens:export scope: subject access (export, erasure, legal hold) is the DPO's, not every admin's.

Revision ID: 0016_citizens_export_scope
Revises: 0015_front_office
Create Date: 2026-12-06 13:50:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016_citizens_export_scope"
down_revision: str | None = "0015_front_office"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "'contacts:write', 'tickets:read', 'tickets:write', 'audit:read', 'reports:read', 'citizens:lookup', 'admin'"
AFTER = (
    "'contacts:write', 'tickets:read', 'tickets:write', 'audit:read', 'reports:read', 'citizens:lookup', "
    "'citizens:export', 'admin'"
)


def _allow(scopes: str) -> None:
    op.drop_constraint(op.f("ck_api_client_scopes"), "api_client", type_="check")
    op.create_check_constraint(op.f("ck_api_client_scopes"), "api_client", f"scopes <@ ARRAY[{scopes}]::text[]")


def upgrade() -> None:
    _allow(AFTER)


def downgrade() -> None:
    op.execute("UPDATE api_client SET scopes = array_remove(scopes, 'citizens:export')")
    _allow(BEFORE)
