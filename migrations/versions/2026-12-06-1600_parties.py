"""Parties to a contact (betrokkenen) and links to other systems' objects (onderwerpobjecten).

- `contact_party`: a person or organisation involved in a contact, in a role (`subject`: the citizen it is
  about; `representative`: who made the contact on their behalf, with how they are related), a known citizen
  or just a name, e-mail and phone, an organisation's enterprise number, and whether replies go to them.
- `object_link`: a ticket's or a contact's reference to an object elsewhere, by system, type and id, with an
  optional http(s) URL.
- Timeline entries `party_added`, `party_removed`, `link_added` and `link_removed`.

Revision ID: 0020_parties
Revises: 0019_texts_with_a_language
Create Date: 2026-12-06 16:50:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_parties"
down_revision: str | None = "0019_texts_with_a_language"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = (
    "'created', 'contact_added', 'routed', 'assigned', 'escalated', 'status_changed', 'participation_recorded', "
    "'note', 'merged', 'sla_warning', 'sla_breach', 'mail_bounced'"
)
NEW_EVENTS = "'party_added', 'party_removed', 'link_added', 'link_removed'"
LINK_CODE_SHAPE = "^[a-z0-9][a-z0-9._-]*$"


def _actor_columns() -> list[sa.Column[int] | sa.Column[str]]:
    return [
        sa.Column("actor_staff_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_api_client_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sa.Text(), nullable=False),
    ]


def _actor_keys(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(
            ["actor_api_client_id"],
            ["api_client.id"],
            name=op.f(f"fk_{table}_actor_api_client_id_api_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["actor_staff_id"], ["staff.id"], name=op.f(f"fk_{table}_actor_staff_id_staff"), ondelete="RESTRICT"
        ),
    ]


def _event_types(events: str) -> None:
    op.drop_constraint(op.f("ck_ticket_event_type"), "ticket_event", type_="check")
    op.create_check_constraint(op.f("ck_ticket_event_type"), "ticket_event", f"type IN ({events})")


def upgrade() -> None:
    op.create_table(
        "contact_party",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("contact_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("relationship", sa.Text(), nullable=True),
        sa.Column("citizen_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("organisation_name", sa.Text(), nullable=True),
        sa.Column("enterprise_number", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("correspondent", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        *_actor_columns(),
        sa.CheckConstraint("kind IN ('person', 'organisation')", name=op.f("ck_contact_party_kind")),
        sa.CheckConstraint("role IN ('subject', 'representative')", name=op.f("ck_contact_party_role")),
        sa.CheckConstraint(
            "relationship IN ('family_member', 'partner', 'informal_carer', 'legal_administrator', 'guardian', "
            "'social_worker', 'lawyer', 'other')",
            name=op.f("ck_contact_party_relationship"),
        ),
        sa.CheckConstraint("language IN ('nl', 'fr', 'en', 'de')", name=op.f("ck_contact_party_language")),
        sa.CheckConstraint(
            "num_nonnulls(actor_staff_id, actor_api_client_id) <= 1", name=op.f("ck_contact_party_one_actor")
        ),
        sa.CheckConstraint(
            "relationship IS NULL OR role = 'representative'",
            name=op.f("ck_contact_party_relationship_of_representative"),
        ),
        sa.CheckConstraint(
            "kind = 'person' OR citizen_id IS NULL", name=op.f("ck_contact_party_organisation_is_no_citizen")
        ),
        sa.CheckConstraint(
            "kind = 'person' OR (name IS NOT NULL AND organisation_name IS NULL)",
            name=op.f("ck_contact_party_organisation_name"),
        ),
        sa.CheckConstraint(
            "num_nonnulls(citizen_id, name, email, phone) >= 1", name=op.f("ck_contact_party_identified")
        ),
        sa.CheckConstraint(
            "enterprise_number ~ '^[01][0-9]{9}$'", name=op.f("ck_contact_party_enterprise_number_shape")
        ),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_contact_party_email_lower_case")),
        sa.CheckConstraint("phone ~ '^\\+[1-9][0-9]{6,14}$'", name=op.f("ck_contact_party_phone_e164")),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizen.id"], name=op.f("fk_contact_party_citizen_id_citizen"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_contact_party_contact_id_contact"), ondelete="RESTRICT"
        ),
        *_actor_keys("contact_party"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_party")),
    )
    op.create_index("ix_contact_party_contact_id", "contact_party", ["contact_id"], unique=False)
    op.create_index("ix_contact_party_citizen_id", "contact_party", ["citizen_id"], unique=False)
    op.create_index(
        "uq_contact_party_correspondent",
        "contact_party",
        ["contact_id"],
        unique=True,
        postgresql_where=sa.text("correspondent"),
    )
    op.create_table(
        "object_link",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=True),
        sa.Column("contact_id", sa.BigInteger(), nullable=True),
        sa.Column("system", sa.Text(), nullable=False),
        sa.Column("object_type", sa.Text(), nullable=False),
        sa.Column("object_id", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        *_actor_columns(),
        sa.CheckConstraint("num_nonnulls(ticket_id, contact_id) = 1", name=op.f("ck_object_link_one_holder")),
        sa.CheckConstraint(
            "num_nonnulls(actor_staff_id, actor_api_client_id) <= 1", name=op.f("ck_object_link_one_actor")
        ),
        sa.CheckConstraint(f"system ~ '{LINK_CODE_SHAPE}'", name=op.f("ck_object_link_system_shape")),
        sa.CheckConstraint(f"object_type ~ '{LINK_CODE_SHAPE}'", name=op.f("ck_object_link_object_type_shape")),
        sa.CheckConstraint("length(object_id) BETWEEN 1 AND 200", name=op.f("ck_object_link_object_id_length")),
        sa.CheckConstraint("url ~ '^https?://'", name=op.f("ck_object_link_url_http")),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_object_link_contact_id_contact"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_object_link_ticket_id_ticket"), ondelete="RESTRICT"
        ),
        *_actor_keys("object_link"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_object_link")),
        sa.UniqueConstraint(
            "ticket_id",
            "system",
            "object_type",
            "object_id",
            name=op.f("uq_object_link_ticket_id_system_object_type_object_id"),
        ),
        sa.UniqueConstraint(
            "contact_id",
            "system",
            "object_type",
            "object_id",
            name=op.f("uq_object_link_contact_id_system_object_type_object_id"),
        ),
    )
    op.create_index("ix_object_link_system", "object_link", ["system", "object_type", "object_id"], unique=False)
    _event_types(f"{EVENTS}, {NEW_EVENTS}")


def downgrade() -> None:
    # The timeline is append-only history: entries about parties and links go with the tables they describe.
    op.execute(f"DELETE FROM ticket_event WHERE type IN ({NEW_EVENTS})")  # noqa: S608 (constants above)
    _event_types(EVENTS)
    op.drop_index("ix_object_link_system", table_name="object_link")
    op.drop_table("object_link")
    op.drop_index(
        "uq_contact_party_correspondent", table_name="contact_party", postgresql_where=sa.text("correspondent")
    )
    op.drop_index("ix_contact_party_citizen_id", table_name="contact_party")
    op.drop_index("ix_contact_party_contact_id", table_name="contact_party")
    op.drop_table("contact_party")
