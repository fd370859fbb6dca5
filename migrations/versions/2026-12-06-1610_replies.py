"""Replies: answers to the citizen from the ticket (mail, letter, phone) and the canned answers staff edit.

- `reply`: the outbound contact that carries an answer, in which role and on behalf of which unit.
- `reply_template` and `reply_template_version`: canned answers per category in nl, fr, en and de; every save
  is a new version, the history stays.
- `outbound_mail.in_reply_to` and `outbound_mail.references`: our reply threads with the citizen's own mail.
- `contact.channel` allows `letter`; `ticket_event.type` allows `replied`.

Revision ID: 0021_replies
Revises: 0020_parties
Create Date: 2026-12-06 16:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021_replies"
down_revision: str | None = "0020_parties"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNELS = "'phone', 'mail', 'web', 'counter', 'home_visit', 'appointment'"
# The timeline types as 0020_parties left them.
EVENTS = (
    "'created', 'contact_added', 'routed', 'assigned', 'escalated', 'status_changed', 'participation_recorded', "
    "'note', 'merged', 'sla_warning', 'sla_breach', 'mail_bounced', "
    "'party_added', 'party_removed', 'link_added', 'link_removed'"
)
TEXTS_SHAPE = (
    "jsonb_typeof(texts) = 'object' AND texts ?& ARRAY['nl', 'fr', 'en', 'de'] "
    "AND (texts - ARRAY['nl', 'fr', 'en', 'de']) = '{}'::jsonb"
)
ONE_ACTOR_AT_MOST = "num_nonnulls(actor_staff_id, actor_api_client_id) <= 1"


def _allow(channels: str, events: str) -> None:
    op.drop_constraint(op.f("ck_contact_channel"), "contact", type_="check")
    op.create_check_constraint(op.f("ck_contact_channel"), "contact", f"channel IN ({channels})")
    op.drop_constraint(op.f("ck_ticket_event_type"), "ticket_event", type_="check")
    op.create_check_constraint(op.f("ck_ticket_event_type"), "ticket_event", f"type IN ({events})")


def upgrade() -> None:
    _allow(f"{CHANNELS}, 'letter'", f"{EVENTS}, 'replied'")
    op.add_column("outbound_mail", sa.Column("in_reply_to", sa.Text(), nullable=True))
    op.add_column(
        "outbound_mail",
        sa.Column("references", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    )
    op.create_table(
        "reply_template",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=True),
        sa.Column("texts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(TEXTS_SHAPE, name=op.f("ck_reply_template_texts_shape")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_reply_template_version_positive")),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_reply_template_category_id_category"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_template")),
        sa.UniqueConstraint("name", name=op.f("uq_reply_template_name")),
    )
    op.create_index("ix_reply_template_category_id", "reply_template", ["category_id"])
    op.create_table(
        "reply_template_version",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("template_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=True),
        sa.Column("texts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor_staff_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_api_client_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.CheckConstraint(ONE_ACTOR_AT_MOST, name=op.f("ck_reply_template_version_one_actor")),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["reply_template.id"],
            name=op.f("fk_reply_template_version_template_id_reply_template"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_reply_template_version_category_id_category"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["actor_staff_id"],
            ["staff.id"],
            name=op.f("fk_reply_template_version_actor_staff_id_staff"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["actor_api_client_id"],
            ["api_client.id"],
            name=op.f("fk_reply_template_version_actor_api_client_id_api_client"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_template_version")),
        sa.UniqueConstraint("template_id", "version", name=op.f("uq_reply_template_version_template_id_version")),
    )
    op.create_table(
        "reply",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("contact_id", sa.BigInteger(), nullable=False),
        sa.Column("medium", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("template_id", sa.BigInteger(), nullable=True),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("outbound_mail_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("medium IN ('mail', 'letter', 'phone')", name=op.f("ck_reply_medium")),
        sa.CheckConstraint("role IN ('informing', 'registering', 'advising', 'deciding')", name=op.f("ck_reply_role")),
        sa.CheckConstraint("language IN ('nl', 'fr', 'en', 'de')", name=op.f("ck_reply_language")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_reply_ticket_id_ticket"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_reply_contact_id_contact"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_reply_unit_id_unit"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_reply_staff_id_staff"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["reply_template.id"],
            name=op.f("fk_reply_template_id_reply_template"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["outbound_mail_id"],
            ["outbound_mail.id"],
            name=op.f("fk_reply_outbound_mail_id_outbound_mail"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_reply_contact_id")),
        sa.UniqueConstraint("outbound_mail_id", name=op.f("uq_reply_outbound_mail_id")),
    )
    op.create_index("ix_reply_ticket_id_id", "reply", ["ticket_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_reply_ticket_id_id", table_name="reply")
    op.drop_table("reply")
    op.drop_table("reply_template_version")
    op.drop_index("ix_reply_template_category_id", table_name="reply_template")
    op.drop_table("reply_template")
    op.drop_column("outbound_mail", "references")
    op.drop_column("outbound_mail", "in_reply_to")
    # Answers stay on the timeline as notes (their code still says what they were).
    op.execute("UPDATE ticket_event SET type = 'note' WHERE type = 'replied'")
    _allow(CHANNELS, EVENTS)
