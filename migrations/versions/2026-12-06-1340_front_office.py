"""The one front door: a `front_office` flag on units, whose staff read every normal ticket of every department.

Existing units get it from their kind (contact centre, reception, quick and thematic desks); an admin may set
it otherwise for new units.

Revision ID: 0015_front_office
Revises: 0014_citizens_lookup_scope
Create Date: 2026-12-06 13:40:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_front_office"
down_revision: str | None = "0014_citizens_lookup_scope"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of genk3600.models.enums.FRONT_OFFICE_UNIT_KINDS at this revision.
FRONT_OFFICE_KINDS = ("contact_centre", "reception", "quick_desk", "thematic_desk")


def upgrade() -> None:
    op.add_column("unit", sa.Column("front_office", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    unit = sa.table("unit", sa.column("kind", sa.Text()), sa.column("front_office", sa.Boolean()))
    op.execute(unit.update().where(unit.c.kind.in_(FRONT_OFFICE_KINDS)).values(front_office=True))


def downgrade() -> None:
    op.drop_column("unit", "front_office")
