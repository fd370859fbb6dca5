"""Automatic assignment: staff presence, capacity and skills, a policy per unit, and offers of tickets.

- `staff_presence`: the status a staff member set and their console's last heartbeat (past the TTL: offline).
- `staff_skills`: capacity per channel, languages, categories and desks.
- `assignment_policy`: per unit `off` (claim only), `round_robin` or `least_loaded`, with continuity for social
  tickets, the offer timeout and how long a declined ticket stays away from the one who declined it.
- `assignment_offer`: a ticket offered to one staff member; partial unique indexes allow one open offer per
  ticket and one per staff member, so the database itself refuses a ticket offered to two people at once.
- `ticket_event.type` may be `offer` (offered, declined, timed out).

Revision ID: 0022_assignment
Revises: 0021_replies
Create Date: 2026-12-06 17:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision: str = "0022_assignment"
down_revision: str | None = "0021_replies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The timeline types as 0021_replies left them.
EVENTS = (
    "'created', 'contact_added', 'routed', 'assigned', 'escalated', 'status_changed', 'participation_recorded', "
    "'note', 'merged', 'sla_warning', 'sla_breach', 'mail_bounced', "
    "'party_added', 'party_removed', 'link_added', 'link_removed', 'replied'"
)
OPEN = "state = 'open'"


def _timestamps() -> list[sa.Column[sa.DateTime]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    ]


def _event_types(events: str) -> None:
    op.drop_constraint(op.f("ck_ticket_event_type"), "ticket_event", type_="check")
    op.create_check_constraint(op.f("ck_ticket_event_type"), "ticket_event", f"type IN ({events})")


def upgrade() -> None:
    op.create_table(
        "staff_presence",
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'offline'"), nullable=False),
        sa.Column("status_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("status IN ('available', 'busy', 'away', 'offline')", name=op.f("ck_staff_presence_status")),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_presence_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff_presence")),
    )
    op.create_table(
        "staff_skills",
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("capacity", JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("default_capacity", sa.Integer(), server_default=sa.text("5"), nullable=False),
        sa.Column("languages", ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
        sa.Column("categories", ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
        sa.Column("desks", ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "languages <@ ARRAY['nl', 'fr', 'en', 'de']::text[]", name=op.f("ck_staff_skills_languages")
        ),
        sa.CheckConstraint("default_capacity BETWEEN 0 AND 100", name=op.f("ck_staff_skills_default_capacity_range")),
        sa.CheckConstraint("jsonb_typeof(capacity) = 'object'", name=op.f("ck_staff_skills_capacity_shape")),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_skills_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff_skills")),
    )
    op.create_table(
        "assignment_policy",
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("mode", sa.Text(), server_default=sa.text("'off'"), nullable=False),
        sa.Column("continuity", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("offer_timeout_seconds", sa.Integer(), server_default=sa.text("60"), nullable=False),
        sa.Column("decline_cooldown_seconds", sa.Integer(), server_default=sa.text("900"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("mode IN ('off', 'round_robin', 'least_loaded')", name=op.f("ck_assignment_policy_mode")),
        sa.CheckConstraint(
            "offer_timeout_seconds BETWEEN 5 AND 3600", name=op.f("ck_assignment_policy_offer_timeout_range")
        ),
        sa.CheckConstraint(
            "decline_cooldown_seconds BETWEEN 0 AND 86400", name=op.f("ck_assignment_policy_decline_cooldown_range")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_assignment_policy_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_assignment_policy")),
    )
    op.create_table(
        "assignment_offer",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.Text(), server_default=sa.text("'open'"), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("params", JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("ticket_version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "state IN ('open', 'accepted', 'declined', 'expired', 'withdrawn')",
            name=op.f("ck_assignment_offer_state"),
        ),
        sa.CheckConstraint("expires_at > offered_at", name=op.f("ck_assignment_offer_expires_after_offer")),
        sa.CheckConstraint(f"({OPEN}) = (answered_at IS NULL)", name=op.f("ck_assignment_offer_answered_unless_open")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_assignment_offer_ticket_id_ticket"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_assignment_offer_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_assignment_offer_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_offer")),
    )
    op.create_index(
        "uq_assignment_offer_open_ticket",
        "assignment_offer",
        ["ticket_id"],
        unique=True,
        postgresql_where=sa.text(OPEN),
    )
    op.create_index(
        "uq_assignment_offer_open_staff", "assignment_offer", ["staff_id"], unique=True, postgresql_where=sa.text(OPEN)
    )
    op.create_index(
        "ix_assignment_offer_expires_at", "assignment_offer", ["expires_at"], postgresql_where=sa.text(OPEN)
    )
    op.create_index("ix_assignment_offer_ticket_id_staff_id", "assignment_offer", ["ticket_id", "staff_id"])
    op.create_index("ix_assignment_offer_unit_id", "assignment_offer", ["unit_id"])
    _event_types(f"{EVENTS}, 'offer'")


def downgrade() -> None:
    # Offer entries are history on an append-only timeline: going back drops them with the tables they explain.
    op.execute("DELETE FROM ticket_event WHERE type = 'offer'")
    _event_types(EVENTS)
    op.drop_table("assignment_offer")
    op.drop_table("assignment_policy")
    op.drop_table("staff_skills")
    op.drop_table("staff_presence")
