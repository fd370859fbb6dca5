"""Identity and secrets: an OIDC subject is never blank (it is the identity that turns the e-mail sign-in off).

Revision ID: 0012_identity_secrets
Revises: 0011_scale_indexes
Create Date: 2026-12-06 13:10:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_identity_secrets"
down_revision: str | None = "0011_scale_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # `uq_staff_oidc_subject` (0001) keeps a subject to one person; a blank one would be a shared non-identity.
    op.execute("UPDATE staff SET oidc_subject = NULL WHERE btrim(oidc_subject) = ''")
    op.create_check_constraint(op.f("ck_staff_oidc_subject_not_blank"), "staff", "btrim(oidc_subject) <> ''")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_staff_oidc_subject_not_blank"), "staff", type_="check")
