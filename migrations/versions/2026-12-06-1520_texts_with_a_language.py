"""Texts with a language: timeline entries as a message code plus parameters; names of units and categories
per language.

- `ticket_event.code` and `ticket_event.params`: the text of an entry is rendered from them in the reader's
  language (genk3600/i18n/texts.py). `summary` (the English sentence written so far) becomes optional: new
  entries leave it empty, old ones keep it.
- Existing entries get a code from their type and data where those say enough (status and priority changes,
  hand-overs, deadlines, roles, creation, routing); the rest get `legacy` with their English text as the
  parameter `text`, shown as it was written.
- `unit.names` and `category.names`: `{"nl": …, "fr": …, "en": …, "de": …}`, any subset; the `name` column
  stays the canonical (Dutch) name and the fallback.

Revision ID: 0019_texts_with_a_language
Revises: 0018_reference_cache
Create Date: 2026-12-06 15:20:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0019_texts_with_a_language"
down_revision: str | None = "0018_reference_cache"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMES_SHAPE = "jsonb_typeof(names) = 'object' AND (names - ARRAY['nl', 'fr', 'en', 'de']) = '{}'::jsonb"

# (condition on e and d = e.data, code, params) as SQL expressions in order; the first that matches an entry wins.
BACKFILL = [
    (
        "e.type = 'status_changed' AND d->>'reason' = 'import'",
        "'ticket.imported_status'",
        "jsonb_build_object('status', d->'to')",
    ),
    (
        "e.type = 'status_changed' AND d->>'reason' = 'citizen_reply'",
        "'legacy'",
        "jsonb_build_object('text', e.summary)",
    ),
    (
        "e.type = 'status_changed' AND d ? 'from' AND d ? 'to'",
        "'ticket.status_changed'",
        "jsonb_build_object('old', d->'from', 'new', d->'to')",
    ),
    (
        "e.type = 'note' AND d->>'field' = 'priority'",
        "'ticket.priority_changed'",
        "jsonb_build_object('old', d->'from', 'new', d->'to')",
    ),
    ("e.type = 'note' AND d ? 'break_glass'", "'ticket.break_glass'", "'{}'::jsonb"),
    (
        "e.type = 'assigned' AND d->>'via' = 'change' AND d->'assignee_staff_id' = 'null'::jsonb",
        "'ticket.unassigned'",
        "'{}'::jsonb",
    ),
    (
        "e.type = 'assigned' AND d->>'via' IN ('change', 'claim') AND s.full_name IS NOT NULL",
        "'ticket.assigned'",
        "jsonb_build_object('assignee', s.full_name)",
    ),
    (
        "e.type = 'escalated' AND d->>'reason' = 'returned'",
        "'ticket.returned'",
        "jsonb_build_object('source', d->'from_unit', 'target', jsonb_build_array(d->'to_unit', s2.full_name),"
        " 'old_tier', d->'from_tier', 'new_tier', d->'to_tier')",
    ),
    (
        "e.type = 'escalated' AND d ? 'to_unit'",
        "CASE WHEN d->>'requested_role' = 'advising' THEN 'ticket.escalated_for_advice' "
        "ELSE 'ticket.escalated_for_decision' END",
        "jsonb_build_object('source', d->'from_unit', 'target', jsonb_build_array(d->'to_unit', s2.full_name),"
        " 'old_tier', d->'from_tier', 'new_tier', d->'to_tier', 'reason', d->'reason')",
    ),
    (
        "e.type = 'sla_breach' AND d->>'deadline' = 'resolution'",
        "'sla.resolution_missed'",
        "jsonb_build_object('due', d->'due_at')",
    ),
    (
        "e.type = 'sla_breach' AND d->>'deadline' = 'first_response' AND e.summary LIKE '%without a first response%'",
        "'sla.first_response_missed'",
        "jsonb_build_object('due', d->'due_at')",
    ),
    (
        "e.type = 'sla_warning' AND d ? 'warning_fraction'",
        "'sla.warning'",
        "jsonb_build_object('due', d->'due_at', 'percent', round((d->>'warning_fraction')::numeric * 100))",
    ),
    (
        "e.type = 'participation_recorded' AND d->>'role' IN ('informing', 'registering', 'advising', 'deciding')",
        "'participation.' || (d->>'role')",
        "jsonb_build_object('who', NULL, 'contact', c.channel)",
    ),
    (
        "e.type = 'created' AND d ? 'channel' AND d ? 'owning_unit'",
        "'ticket.created'",
        "jsonb_build_object('contact', d->'channel', 'unit', d->'owning_unit')",
    ),
    (
        "e.type = 'contact_added' AND d ? 'channel'",
        "'ticket.contact_added'",
        "jsonb_build_object('contact', d->'channel')",
    ),
    (
        "e.type = 'routed' AND d->'rule_id' = 'null'::jsonb AND e.summary LIKE 'no rule matched: default%'",
        "'routing.default'",
        "jsonb_build_object('unit', d->'owning_unit')",
    ),
]


def upgrade() -> None:
    op.add_column("ticket_event", sa.Column("code", sa.Text(), nullable=True))
    op.add_column("ticket_event", sa.Column("params", JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False))
    op.alter_column("ticket_event", "summary", existing_type=sa.Text(), nullable=True)
    for condition, code, params in BACKFILL:
        # The pieces are the constants above, not input.
        op.execute(
            f"""
            UPDATE ticket_event AS e SET code = {code}, params = {params}
            FROM (SELECT id, data AS d FROM ticket_event WHERE code IS NULL) AS j
            LEFT JOIN staff AS s ON s.id = (j.d->>'assignee_staff_id')::bigint
            LEFT JOIN staff AS s2 ON s2.id = (j.d->>'to_staff_id')::bigint
            LEFT JOIN contact AS c ON c.id = (j.d->>'contact_id')::bigint
            WHERE e.id = j.id AND e.code IS NULL AND {condition}
            """  # noqa: S608
        )
    op.execute(
        "UPDATE ticket_event SET code = 'legacy', params = jsonb_build_object('text', summary) WHERE code IS NULL"
    )
    op.alter_column("ticket_event", "code", existing_type=sa.Text(), nullable=False)
    op.create_check_constraint(op.f("ck_ticket_event_code_format"), "ticket_event", "code ~ '^[a-z][a-z_.]*$'")
    for table in ("unit", "category"):
        op.add_column(table, sa.Column("names", JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False))
        op.create_check_constraint(op.f(f"ck_{table}_names_shape"), table, NAMES_SHAPE)


def downgrade() -> None:
    for table in ("category", "unit"):
        op.drop_constraint(op.f(f"ck_{table}_names_shape"), table, type_="check")
        op.drop_column(table, "names")
    op.drop_constraint(op.f("ck_ticket_event_code_format"), "ticket_event", type_="check")
    # Entries written since the upgrade have no English sentence; their code and parameters are the best text.
    op.execute("UPDATE ticket_event SET summary = code || ' ' || params::text WHERE summary IS NULL")
    op.alter_column("ticket_event", "summary", existing_type=sa.Text(), nullable=False)
    op.drop_column("ticket_event", "params")
    op.drop_column("ticket_event", "code")
