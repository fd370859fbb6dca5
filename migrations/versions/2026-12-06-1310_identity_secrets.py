"""Identity and secrets: an OIDC subject is never blank (it is the identity that turns the e-mail sign-in off);
access codes kept in clear so far are removed: from mail already sent or given up, from stored idempotent
responses, and from inbound mail (replies and bounces quoting an acknowledgement).

Revision ID: 0012_identity_secrets
Revises: 0011_scale_indexes
Create Date: 2026-12-06 13:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_identity_secrets"
down_revision: str | None = "0011_scale_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of genk3600.public.access.CODE_PATTERN / LINK_CODE_PATTERN / REDACTED_CODE at this revision.
CODE = "[2-9A-HJKMNP-Za-hjkmnp-z]"
CODE_PATTERN = rf"(?<![0-9A-Za-z]){CODE}{{4}}-{CODE}{{4}}-{CODE}{{2}}(?![0-9A-Za-z])"
LINK_CODE_PATTERN = r"([?&]code=)[^&\s\"'<>\[]+"
REDACTED_CODE = "[access code removed]"


REDACTED = "regexp_replace(regexp_replace({column}, :link, :link_to, 'g'), :code, :placeholder, 'g')"
PATTERNS = {
    "link": LINK_CODE_PATTERN,
    "link_to": "\\1" + REDACTED_CODE,
    "code": CODE_PATTERN,
    "placeholder": REDACTED_CODE,
}


def upgrade() -> None:
    # `uq_staff_oidc_subject` (0001) keeps a subject to one person; a blank one would be a shared non-identity.
    op.execute("UPDATE staff SET oidc_subject = NULL WHERE btrim(oidc_subject) = ''")
    op.create_check_constraint(op.f("ck_staff_oidc_subject_not_blank"), "staff", "btrim(oidc_subject) <> ''")
    sent = "UPDATE outbound_mail SET body = {body} WHERE status IN ('sent', 'dead')"
    op.execute(sa.text(sent.format(body=REDACTED.format(column="body"))).bindparams(**PATTERNS))
    op.execute(
        "UPDATE idempotency_key SET response = jsonb_set(response, '{access_code}', 'null') "
        "WHERE response ? 'access_code' AND response ->> 'access_code' IS NOT NULL"
    )
    inbound = "UPDATE contact SET body = {body}, subject = {subject} WHERE channel = 'mail' AND direction = 'inbound'"
    redacted = {"body": REDACTED.format(column="body"), "subject": REDACTED.format(column="subject")}
    op.execute(sa.text(inbound.format(**redacted)).bindparams(**PATTERNS))


def downgrade() -> None:
    # The codes removed by upgrade() are gone for good; only a hash of each was ever meant to be kept.
    op.drop_constraint(op.f("ck_staff_oidc_subject_not_blank"), "staff", type_="check")
