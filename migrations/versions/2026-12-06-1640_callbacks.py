"""Call-back requests and contact outcomes (issue 19).

- `callback_request`: a request to call a citizen back about a ticket, for a unit (whose calendar sets the due
  time) or a person, with the number (E.164), the preferred window, the language and the question; it closes
  as completed (reached), failed (attempts ran out: the ticket is flagged and the citizen gets a mail or a
  letter task) or cancelled. `callback_attempt`: one try with its outcome, time and caller.
- `ticket.flags`: what needs a person's eye on a ticket (`callback_failed`), with a small partial index for the
  flagged ones.
- `contact.reached_citizen`, `contact.answered_at_first_contact`: the contact's outcome (NULL: not recorded);
  first-contact resolution in the reports reads it.
- the timeline's types gain the call-back entries.

Revision ID: 0024_callbacks
Revises: 0023_knowledge
Create Date: 2026-12-06 16:40:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_callbacks"
# Branched from 0019 while 0020-0023 were written beside it: merged, this revises the newest of those.
down_revision: str | None = "0023_knowledge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The timeline types as 0023_knowledge left them.
EVENTS = (
    "'created', 'contact_added', 'routed', 'assigned', 'escalated', 'status_changed', 'participation_recorded', "
    "'note', 'merged', 'sla_warning', 'sla_breach', 'mail_bounced', "
    "'party_added', 'party_removed', 'link_added', 'link_removed', 'replied', 'offer'"
)
CALLBACK_EVENTS = (
    "'callback_created', 'callback_assigned', 'callback_attempt_recorded', 'callback_completed', "
    "'callback_failed', 'callback_cancelled', 'callback_letter_sent'"
)
ONE_ACTOR = "num_nonnulls(actor_staff_id, actor_api_client_id) <= 1"
OPEN = "status = 'open'"


def _actor_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("actor_staff_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_api_client_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sa.Text(), nullable=False),
    ]


def _actor_keys(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(
            ["actor_staff_id"], ["staff.id"], name=op.f(f"fk_{table}_actor_staff_id_staff"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["actor_api_client_id"],
            ["api_client.id"],
            name=op.f(f"fk_{table}_actor_api_client_id_api_client"),
            ondelete="RESTRICT",
        ),
    ]


def upgrade() -> None:
    op.add_column(
        "ticket", sa.Column("flags", sa.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False)
    )
    op.create_check_constraint(op.f("ck_ticket_flags"), "ticket", "flags <@ ARRAY['callback_failed']::text[]")
    op.create_index(
        "ix_ticket_flagged", "ticket", ["id"], unique=False, postgresql_where=sa.text("flags <> '{}'::text[]")
    )
    op.add_column("contact", sa.Column("reached_citizen", sa.Boolean(), nullable=True))
    op.add_column("contact", sa.Column("answered_at_first_contact", sa.Boolean(), nullable=True))
    op.drop_constraint(op.f("ck_ticket_event_type"), "ticket_event", type_="check")
    op.create_check_constraint(op.f("ck_ticket_event_type"), "ticket_event", f"type IN ({EVENTS}, {CALLBACK_EVENTS})")

    op.create_table(
        "callback_request",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("contact_id", sa.BigInteger(), nullable=True),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("assignee_staff_id", sa.BigInteger(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'open'"), nullable=False),
        sa.Column("max_attempts", sa.SmallInteger(), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("postal_address", sa.Text(), nullable=True),
        sa.Column("citizen_notice", sa.Text(), nullable=True),
        sa.Column("outbound_mail_id", sa.BigInteger(), nullable=True),
        sa.Column("letter_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        *_actor_columns(),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'completed', 'failed', 'cancelled')", name=op.f("ck_callback_request_status")
        ),
        sa.CheckConstraint("language IN ('nl', 'fr', 'en', 'de')", name=op.f("ck_callback_request_language")),
        sa.CheckConstraint(
            "citizen_notice IN ('mail', 'letter', 'none')", name=op.f("ck_callback_request_citizen_notice")
        ),
        sa.CheckConstraint(ONE_ACTOR, name=op.f("ck_callback_request_one_actor")),
        sa.CheckConstraint(r"phone ~ '^\+[1-9][0-9]{6,14}$'", name=op.f("ck_callback_request_phone_e164")),
        sa.CheckConstraint(
            "window_end IS NULL OR window_start IS NULL OR window_end > window_start",
            name=op.f("ck_callback_request_window"),
        ),
        sa.CheckConstraint(
            "max_attempts BETWEEN 1 AND 20 AND attempts >= 0", name=op.f("ck_callback_request_attempts_range")
        ),
        sa.CheckConstraint(
            "(status = 'open') = (closed_at IS NULL)", name=op.f("ck_callback_request_closed_when_done")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_callback_request_ticket_id_ticket"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_callback_request_contact_id_contact"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_callback_request_unit_id_unit"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["assignee_staff_id"],
            ["staff.id"],
            name=op.f("fk_callback_request_assignee_staff_id_staff"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["outbound_mail_id"],
            ["outbound_mail.id"],
            name=op.f("fk_callback_request_outbound_mail_id_outbound_mail"),
            ondelete="RESTRICT",
        ),
        *_actor_keys("callback_request"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_request")),
    )
    op.create_index("ix_callback_request_ticket_id", "callback_request", ["ticket_id"], unique=False)
    op.create_index("ix_callback_request_contact_id", "callback_request", ["contact_id"], unique=False)
    op.create_index(
        "ix_callback_request_open_due",
        "callback_request",
        ["unit_id", "due_at", "id"],
        unique=False,
        postgresql_where=sa.text(OPEN),
    )
    op.create_index(
        "ix_callback_request_assignee_staff_id",
        "callback_request",
        ["assignee_staff_id"],
        unique=False,
        postgresql_where=sa.text(OPEN),
    )

    op.create_table(
        "callback_attempt",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("callback_id", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        *_actor_columns(),
        sa.CheckConstraint(
            "outcome IN ('reached', 'no_answer', 'voicemail_left', 'wrong_number')",
            name=op.f("ck_callback_attempt_outcome"),
        ),
        sa.CheckConstraint(ONE_ACTOR, name=op.f("ck_callback_attempt_one_actor")),
        sa.ForeignKeyConstraint(
            ["callback_id"],
            ["callback_request.id"],
            name=op.f("fk_callback_attempt_callback_id_callback_request"),
            ondelete="RESTRICT",
        ),
        *_actor_keys("callback_attempt"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_attempt")),
    )
    op.create_index("ix_callback_attempt_callback_id", "callback_attempt", ["callback_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_callback_attempt_callback_id", table_name="callback_attempt")
    op.drop_table("callback_attempt")
    for index in (
        "ix_callback_request_assignee_staff_id",
        "ix_callback_request_open_due",
        "ix_callback_request_contact_id",
        "ix_callback_request_ticket_id",
    ):
        op.drop_index(index, table_name="callback_request")
    op.drop_table("callback_request")
    # The timeline is append-only history: a database with call-back entries cannot go back without losing them.
    op.execute(f"DELETE FROM ticket_event WHERE type IN ({CALLBACK_EVENTS})")  # noqa: S608 - constants
    op.drop_constraint(op.f("ck_ticket_event_type"), "ticket_event", type_="check")
    op.create_check_constraint(op.f("ck_ticket_event_type"), "ticket_event", f"type IN ({EVENTS})")
    op.drop_column("contact", "answered_at_first_contact")
    op.drop_column("contact", "reached_citizen")
    op.drop_index("ix_ticket_flagged", table_name="ticket", postgresql_where=sa.text("flags <> '{}'::text[]"))
    op.drop_constraint(op.f("ck_ticket_flags"), "ticket", type_="check")
    op.drop_column("ticket", "flags")
