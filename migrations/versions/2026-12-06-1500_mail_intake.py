"""Mail intake: bounces of our own mail mark it `bounced`, flag the bounce and enter the ticket's timeline.

Revision ID: 0017_mail_intake
Revises: 0016_citizens_export_scope
Create Date: 2026-12-06 15:00:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_mail_intake"
down_revision: str | None = "0016_citizens_export_scope"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAGS = (
    "'automated', 'ambiguous_citizen', 'missed_call', 'awaiting_summary', 'malformed_headers', 'attachment_over_cap'"
)
EVENTS = (
    "'created', 'contact_added', 'routed', 'assigned', 'escalated', 'status_changed', 'participation_recorded', "
    "'note', 'merged', 'sla_warning', 'sla_breach'"
)
STATUSES = "'pending', 'sent', 'dead'"


def _allow(flags: str, events: str, statuses: str) -> None:
    op.drop_constraint(op.f("ck_contact_flags"), "contact", type_="check")
    op.create_check_constraint(op.f("ck_contact_flags"), "contact", f"flags <@ ARRAY[{flags}]::text[]")
    op.drop_constraint(op.f("ck_ticket_event_type"), "ticket_event", type_="check")
    op.create_check_constraint(op.f("ck_ticket_event_type"), "ticket_event", f"type IN ({events})")
    op.drop_constraint(op.f("ck_outbound_mail_status"), "outbound_mail", type_="check")
    op.create_check_constraint(op.f("ck_outbound_mail_status"), "outbound_mail", f"status IN ({statuses})")


def upgrade() -> None:
    _allow(f"{FLAGS}, 'mail_bounced'", f"{EVENTS}, 'mail_bounced'", f"{STATUSES}, 'bounced'")


def downgrade() -> None:
    # The timeline is append-only history: a database with bounce entries cannot go back without losing them.
    op.execute("UPDATE contact SET flags = array_remove(flags, 'mail_bounced')")
    op.execute("UPDATE outbound_mail SET status = 'sent' WHERE status = 'bounced'")
    _allow(FLAGS, EVENTS, STATUSES)
