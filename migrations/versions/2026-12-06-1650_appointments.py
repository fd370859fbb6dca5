"""Appointments and home visits (issue 20, Maatzorg).

- `appointment_kind`: what a unit offers to book (length, fitting categories, home visit with travel time,
  bookable by citizens).
- `availability`, `availability_exception`: weekly bookable time of staff and desks, and leave or training.
- `appointment`: a booked slot for a ticket; btree_gist exclusion constraints keep one staff member's or desk's
  blocked time (travel included) from overlapping, so concurrent bookings of one slot cannot both succeed.
- `staff_calendar_feed`: the hashed token of a staff member's iCalendar feed.
- `outbound_mail.calendar`: the iCalendar attachment of an appointment mail.
- the timeline's types gain the appointment entries.

Revision ID: 0025_appointments
Revises: 0024_callbacks
Create Date: 2026-12-06 16:50:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0025_appointments"
down_revision: str | None = "0024_callbacks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The timeline types as 0024_callbacks left them.
EVENTS = (
    "'created', 'contact_added', 'routed', 'assigned', 'escalated', 'status_changed', 'participation_recorded', "
    "'note', 'merged', 'sla_warning', 'sla_breach', 'mail_bounced', "
    "'party_added', 'party_removed', 'link_added', 'link_removed', 'replied', 'offer', "
    "'callback_created', 'callback_assigned', 'callback_attempt_recorded', 'callback_completed', "
    "'callback_failed', 'callback_cancelled', 'callback_letter_sent'"
)
APPOINTMENT_EVENTS = (
    "'appointment_booked', 'appointment_moved', 'appointment_cancelled', 'appointment_held', 'appointment_no_show'"
)
ONE_ACTOR = "num_nonnulls(actor_staff_id, actor_api_client_id) <= 1"
ONE_RESOURCE = "num_nonnulls(staff_id, desk_unit_id) = 1"
NAMES_SHAPE = "jsonb_typeof(names) = 'object' AND (names - ARRAY['nl', 'fr', 'en', 'de']) = '{}'::jsonb"
BLOCKING = "status <> 'cancelled'"
REMINDER_DUE = "status = 'booked' AND reminder_sent_at IS NULL AND reminder_due_at IS NOT NULL"


def _fk(table: str, column: str, target: str, ondelete: str = "RESTRICT") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    # Trusted since PostgreSQL 13: the database owner may create it. Equality on bigint inside a GiST index.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.drop_constraint(op.f("ck_ticket_event_type"), "ticket_event", type_="check")
    op.create_check_constraint(
        op.f("ck_ticket_event_type"), "ticket_event", f"type IN ({EVENTS}, {APPOINTMENT_EVENTS})"
    )
    op.add_column("outbound_mail", sa.Column("calendar", sa.Text(), nullable=True))

    op.create_table(
        "appointment_kind",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("names", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("category_prefix", sa.Text(), nullable=True),
        sa.Column("duration_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("home_visit", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("travel_minutes", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("citizen_bookable", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("code ~ '^[a-z][a-z0-9_.-]*$'", name=op.f("ck_appointment_kind_code_format")),
        sa.CheckConstraint("duration_minutes BETWEEN 5 AND 480", name=op.f("ck_appointment_kind_duration_range")),
        sa.CheckConstraint("travel_minutes BETWEEN 0 AND 240", name=op.f("ck_appointment_kind_travel_range")),
        sa.CheckConstraint("home_visit OR travel_minutes = 0", name=op.f("ck_appointment_kind_travel_only_for_visits")),
        sa.CheckConstraint(NAMES_SHAPE, name=op.f("ck_appointment_kind_names_shape")),
        _fk("appointment_kind", "unit_id", "unit"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_kind")),
        sa.UniqueConstraint("code", name=op.f("uq_appointment_kind_code")),
    )
    op.create_index("ix_appointment_kind_unit_id", "appointment_kind", ["unit_id"], unique=False)

    op.create_table(
        "availability",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=True),
        sa.Column("desk_unit_id", sa.BigInteger(), nullable=True),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_availability_weekday_range")),
        sa.CheckConstraint("closes > opens", name=op.f("ck_availability_closes_after_opens")),
        sa.CheckConstraint(ONE_RESOURCE, name=op.f("ck_availability_one_resource")),
        sa.CheckConstraint(
            "last_day IS NULL OR first_day IS NULL OR last_day >= first_day", name=op.f("ck_availability_period")
        ),
        _fk("availability", "unit_id", "unit"),
        _fk("availability", "staff_id", "staff"),
        _fk("availability", "desk_unit_id", "unit"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability")),
    )
    for column in ("staff_id", "desk_unit_id", "unit_id"):
        op.create_index(f"ix_availability_{column}", "availability", [column], unique=False)

    op.create_table(
        "availability_exception",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=True),
        sa.Column("desk_unit_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("reason IN ('leave', 'training', 'other')", name=op.f("ck_availability_exception_reason")),
        sa.CheckConstraint("until > since", name=op.f("ck_availability_exception_until_after_since")),
        sa.CheckConstraint(ONE_RESOURCE, name=op.f("ck_availability_exception_one_resource")),
        _fk("availability_exception", "staff_id", "staff"),
        _fk("availability_exception", "desk_unit_id", "unit"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_exception")),
    )
    for column in ("staff_id", "desk_unit_id"):
        op.create_index(f"ix_availability_exception_{column}", "availability_exception", [column], unique=False)

    op.create_table(
        "appointment",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("kind_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=True),
        sa.Column("desk_unit_id", sa.BigInteger(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'booked'"), nullable=False),
        sa.Column("home_visit", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("travel_before_minutes", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("travel_after_minutes", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("booked_via", sa.Text(), server_default=sa.text("'staff'"), nullable=False),
        sa.Column("representative_name", sa.Text(), nullable=True),
        sa.Column("representative_relationship", sa.Text(), nullable=True),
        sa.Column("representative_contact", sa.Text(), nullable=True),
        sa.Column("representative_citizen_id", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("uid", sa.Text(), nullable=False),
        sa.Column("sequence", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("reminder_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contact_id", sa.BigInteger(), nullable=True),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("actor_staff_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_api_client_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ('booked', 'cancelled', 'held', 'no_show')", name=op.f("ck_appointment_status")),
        sa.CheckConstraint("language IN ('nl', 'fr', 'en', 'de')", name=op.f("ck_appointment_language")),
        sa.CheckConstraint("booked_via IN ('staff', 'citizen')", name=op.f("ck_appointment_booked_via")),
        sa.CheckConstraint(ONE_ACTOR, name=op.f("ck_appointment_one_actor")),
        sa.CheckConstraint(ONE_RESOURCE, name=op.f("ck_appointment_one_resource")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_appointment_ends_after_starts")),
        sa.CheckConstraint(
            "travel_before_minutes >= 0 AND travel_after_minutes >= 0", name=op.f("ck_appointment_travel_range")
        ),
        sa.CheckConstraint(
            "NOT home_visit OR (address IS NOT NULL AND staff_id IS NOT NULL)",
            name=op.f("ck_appointment_visit_address"),
        ),
        postgresql.ExcludeConstraint(
            (sa.column("staff_id"), "="),
            (sa.column("blocked"), "&&"),
            name="ex_appointment_staff_overlap",
            using="gist",
            where=sa.text(BLOCKING),
        ),
        postgresql.ExcludeConstraint(
            (sa.column("desk_unit_id"), "="),
            (sa.column("blocked"), "&&"),
            name="ex_appointment_desk_overlap",
            using="gist",
            where=sa.text(BLOCKING),
        ),
        _fk("appointment", "ticket_id", "ticket"),
        sa.ForeignKeyConstraint(
            ["kind_id"],
            ["appointment_kind.id"],
            name=op.f("fk_appointment_kind_id_appointment_kind"),
            ondelete="RESTRICT",
        ),
        _fk("appointment", "unit_id", "unit"),
        _fk("appointment", "staff_id", "staff"),
        _fk("appointment", "desk_unit_id", "unit"),
        _fk("appointment", "representative_citizen_id", "citizen", "SET NULL"),
        _fk("appointment", "contact_id", "contact"),
        _fk("appointment", "actor_staff_id", "staff"),
        _fk("appointment", "actor_api_client_id", "api_client"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment")),
        sa.UniqueConstraint("uid", name=op.f("uq_appointment_uid")),
    )
    op.create_index("ix_appointment_ticket_id", "appointment", ["ticket_id"], unique=False)
    op.create_index("ix_appointment_kind_id", "appointment", ["kind_id"], unique=False)
    op.create_index(
        "ix_appointment_reminder_due",
        "appointment",
        ["reminder_due_at"],
        unique=False,
        postgresql_where=sa.text(REMINDER_DUE),
    )

    op.create_table(
        "staff_calendar_feed",
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        _fk("staff_calendar_feed", "staff_id", "staff", "CASCADE"),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff_calendar_feed")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_calendar_feed_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("staff_calendar_feed")
    for index in ("ix_appointment_reminder_due", "ix_appointment_kind_id", "ix_appointment_ticket_id"):
        op.drop_index(index, table_name="appointment")
    op.drop_table("appointment")
    op.drop_table("availability_exception")
    op.drop_table("availability")
    op.drop_index("ix_appointment_kind_unit_id", table_name="appointment_kind")
    op.drop_table("appointment_kind")
    op.drop_column("outbound_mail", "calendar")
    # The timeline is append-only history: a database with appointment entries cannot go back without them.
    op.execute(f"DELETE FROM ticket_event WHERE type IN ({APPOINTMENT_EVENTS})")  # noqa: S608 - constants
    op.drop_constraint(op.f("ck_ticket_event_type"), "ticket_event", type_="check")
    op.create_check_constraint(op.f("ck_ticket_event_type"), "ticket_event", f"type IN ({EVENTS})")
