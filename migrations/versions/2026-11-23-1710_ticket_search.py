"""Full-text search on tickets and their contacts: Dutch and French, accent-insensitive, GIN-indexed.

Each ticket and each contact carries a stored generated `search_vector`, stemmed by the record's own
language (Dutch, French; other languages word by word) after `unaccent`, with the subject weighted above
the body. `unaccent()` itself is only STABLE (its dictionary could change), so generated columns and indexes
go through `genk3600_unaccent()`, an IMMUTABLE wrapper that names its dictionary explicitly.

Revision ID: 0008_ticket_search
Revises: 0007_break_glass_gdpr
Create Date: 2026-11-23 17:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_ticket_search"
down_revision: str | None = "0007_break_glass_gdpr"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A tsvector is capped at 1 MB; a mail body of many megabytes is searchable by its beginning.
_INDEXED_CHARS = 100_000


def _vector(config: str) -> str:
    return (
        f"setweight(to_tsvector('{config}'::regconfig, genk3600_unaccent(coalesce(subject, ''))), 'A') || "
        f"setweight(to_tsvector('{config}'::regconfig, genk3600_unaccent(left(coalesce(body, ''), {_INDEXED_CHARS}))), 'B')"
    )


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    # SQL-standard bodies are bound when created, so neither function depends on the caller's search_path.
    op.execute(
        "CREATE FUNCTION genk3600_unaccent(input text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
        "RETURN unaccent('unaccent'::regdictionary, input)"
    )
    op.execute(
        "CREATE FUNCTION genk3600_search_vector(language text, subject text, body text) RETURNS tsvector "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN CASE language "
        f"WHEN 'nl' THEN {_vector('dutch')} WHEN 'fr' THEN {_vector('french')} ELSE {_vector('simple')} END"
    )
    op.add_column(
        "ticket",
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed("genk3600_search_vector(language, subject, NULL)", persisted=True),
            nullable=True,
        ),
    )
    op.add_column(
        "contact",
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed("genk3600_search_vector(language, subject, body)", persisted=True),
            nullable=True,
        ),
    )
    op.create_index("ix_ticket_search_vector", "ticket", ["search_vector"], unique=False, postgresql_using="gin")
    op.create_index("ix_contact_search_vector", "contact", ["search_vector"], unique=False, postgresql_using="gin")


def downgrade() -> None:
    op.drop_index("ix_contact_search_vector", table_name="contact", postgresql_using="gin")
    op.drop_index("ix_ticket_search_vector", table_name="ticket", postgresql_using="gin")
    op.drop_column("contact", "search_vector")
    op.drop_column("ticket", "search_vector")
    op.execute("DROP FUNCTION genk3600_search_vector(text, text, text)")
    op.execute("DROP FUNCTION genk3600_unaccent(text)")
    op.execute("DROP EXTENSION IF EXISTS unaccent")
