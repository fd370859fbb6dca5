"""Tickets, the contacts about them, who played which role, and the append-only timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Sequence,
    SmallInteger,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, Unmapped, column_property, mapped_column, relationship, unmapped_column

from genk3600.kit.reference import REFERENCE_PATTERN
from genk3600.models.base import Base, IdMixin, TimestampMixin, all_of, one_of
from genk3600.models.category import Category
from genk3600.models.citizen import Citizen
from genk3600.models.enums import (
    OPEN_STATUSES,
    CallState,
    Channel,
    Confidentiality,
    ContactFlag,
    Direction,
    EscalationReason,
    Language,
    OutboundMailStatus,
    Priority,
    Role,
    TicketEventType,
    TicketFlag,
    TicketStatus,
)
from genk3600.models.organisation import Staff, Unit

# Numbers for references; unique, not gap-free (the issue allows gaps, a sequence never blocks writers).
ticket_number_seq = Sequence("ticket_number_seq", metadata=Base.metadata)
ONE_ACTOR_AT_MOST = "num_nonnulls(actor_staff_id, actor_api_client_id) <= 1"
# genk3600_search_vector() is defined by the migration 0008_ticket_search (stemmed per language, unaccented).
TICKET_SEARCH_VECTOR = "genk3600_search_vector(language, subject, NULL)"
CONTACT_SEARCH_VECTOR = "genk3600_search_vector(language, subject, body)"

# The queue order and the open statuses as constant SQL, shared by the queue indexes and the queue queries:
# a partial or expression index serves a query only when the query repeats its predicate and expression
# with constants rather than bound parameters (a prepared statement's generic plan cannot prove that
# `status IN ($1, $2)` implies the index predicate). The rank is array_position(), not CASE: alembic check
# compares index expressions as text, and PostgreSQL prints a CASE over several lines.
QUEUE_PRIORITY_ORDER: tuple[str, ...] = (
    Priority.urgent.value,
    Priority.high.value,
    Priority.normal.value,
    Priority.low.value,
)
QUEUE_PRIORITY_ARRAY_SQL = "ARRAY[" + ", ".join(f"'{priority}'" for priority in QUEUE_PRIORITY_ORDER) + "]"
QUEUE_RANK_SQL = f"array_position({QUEUE_PRIORITY_ARRAY_SQL}, priority) - 1"  # 0 = urgent
OPEN_STATUS_SQL = "status IN (" + ", ".join(f"'{status}'" for status in OPEN_STATUSES) + ")"
CLAIMABLE_SQL = f"status = '{TicketStatus.new.value}' AND assignee_staff_id IS NULL"
FLAGGED_SQL = "flags <> '{}'::text[]"


class ActorMixin:
    """Who did it: a staff member or an API client (neither: the system), with a name snapshot."""

    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    actor_api_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_client.id", ondelete="RESTRICT"))
    actor_name: Mapped[str] = mapped_column(Text)


class Ticket(IdMixin, TimestampMixin, Base):
    __tablename__ = "ticket"
    __table_args__ = (
        one_of("status", TicketStatus),
        one_of("priority", Priority),
        one_of("confidentiality", Confidentiality),
        one_of("language", Language),
        all_of("flags", TicketFlag),
        CheckConstraint(f"reference ~ '{REFERENCE_PATTERN}'", name="reference_format"),
        CheckConstraint("tier BETWEEN 1 AND 3", name="tier_range"),
        Index("ix_ticket_owning_unit_id_status", "owning_unit_id", "status"),
        Index("ix_ticket_category_id", "category_id"),
        Index("ix_ticket_citizen_id", "citizen_id"),
        Index("ix_ticket_assignee_staff_id", "assignee_staff_id"),
        Index("ix_ticket_status", "status"),
        Index(
            "ix_ticket_next_sla_check_at", "next_sla_check_at", postgresql_where=text("next_sla_check_at IS NOT NULL")
        ),
        Index("ix_ticket_search_vector", "search_vector", postgresql_using="gin"),
        # A unit's queue page and the next claimable ticket, in queue order (queues/repository.py), so a
        # LIMIT reads only the rows it returns instead of sorting the unit's open tickets.
        Index(
            "ix_ticket_queue_order",
            "owning_unit_id",
            text(f"({QUEUE_RANK_SQL})"),
            "resolution_due_at",
            "id",
            postgresql_where=text(OPEN_STATUS_SQL),
        ),
        Index(
            "ix_ticket_claimable_order",
            "owning_unit_id",
            text(f"({QUEUE_RANK_SQL})"),
            "resolution_due_at",
            "id",
            postgresql_where=text(CLAIMABLE_SQL),
        ),
        # The few flagged tickets, for `GET /v1/tickets?flag=` (repeat the predicate to use it).
        Index("ix_ticket_flagged", "id", postgresql_where=text(FLAGGED_SQL)),
    )

    # Numbered inside the ticket's own INSERT (tickets.repository.new_reference); FetchedValue (no DDL) makes the
    # ORM read it back with that INSERT's RETURNING instead of a SELECT of its own.
    reference: Mapped[str] = mapped_column(Text, unique=True, server_default=FetchedValue())
    status: Mapped[str] = mapped_column(Text, server_default=text("'new'"))
    priority: Mapped[str] = mapped_column(Text, server_default=text("'normal'"))
    subject: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(Text, server_default=text("'nl'"))
    confidentiality: Mapped[str] = mapped_column(Text, server_default=text("'normal'"))
    tier: Mapped[int] = mapped_column(SmallInteger, server_default=text("1"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id", ondelete="RESTRICT"))
    owning_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    assignee_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    first_response_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policy.id", ondelete="RESTRICT"))
    routing_rule_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("routing_rule_version.id", ondelete="RESTRICT")
    )
    # The SLA clock stops while we wait on the citizen; deadlines move by the paused business time.
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_warned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_breached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the sweeper must look next (warning or deadline); NULL = nothing to watch. Indexed, so a
    # sweep costs what is due, not what exists.
    next_sla_check_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The citizen's access code for the public status page, kept only as a keyed hash.
    access_code_hash: Mapped[str | None] = mapped_column(Text)
    # Optimistic concurrency: the ETag; every UPDATE checks and bumps it.
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    # What needs a person's eye (TicketFlag), e.g. a call-back that could not reach the citizen.
    flags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    # Full-text search (search/): computed by PostgreSQL; not mapped, so no write reads it back.
    search_vector: Unmapped[str | None] = unmapped_column(TSVECTOR, Computed(TICKET_SEARCH_VECTOR, persisted=True))

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}  # noqa: RUF012

    category: Mapped[Category | None] = relationship(lazy="raise")
    citizen: Mapped[Citizen | None] = relationship(lazy="raise")
    owning_unit: Mapped[Unit] = relationship(lazy="raise")
    assignee: Mapped[Staff | None] = relationship(lazy="raise")


class Contact(IdMixin, ActorMixin, Base):
    """One interaction on one channel. Immutable once recorded, except for its participations."""

    __tablename__ = "contact"
    __table_args__ = (
        one_of("channel", Channel),
        one_of("direction", Direction),
        CheckConstraint(ONE_ACTOR_AT_MOST, name="one_actor"),
        one_of("language", Language),
        all_of("flags", ContactFlag),
        UniqueConstraint("channel", "external_id"),
        Index("ix_contact_ticket_id", "ticket_id"),
        Index("ix_contact_citizen_id", "citizen_id"),
        Index("ix_contact_flags", "flags", postgresql_using="gin"),
        Index("ix_contact_search_vector", "search_vector", postgresql_using="gin"),
    )

    # NULL only while a contact cannot or must not open a ticket: auto-replies, calls awaiting the agent.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="RESTRICT"))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id", ondelete="RESTRICT"))
    channel: Mapped[str] = mapped_column(Text)
    # The channel's own id (Message-ID, PBX call id): recording the same one twice is refused.
    external_id: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    direction: Mapped[str] = mapped_column(Text, server_default=text("'inbound'"))
    language: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # Channel facts (call id and numbers, form id, desk ...): shape depends on the channel.
    channel_details: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The contact's outcome (NULL: not recorded): did it reach the citizen, and did it answer their question
    # at this first contact (first-contact resolution, reports/). Settable at intake and afterwards.
    reached_citizen: Mapped[bool | None] = mapped_column(Boolean)
    answered_at_first_contact: Mapped[bool | None] = mapped_column(Boolean)
    search_vector: Unmapped[str | None] = unmapped_column(TSVECTOR, Computed(CONTACT_SEARCH_VECTOR, persisted=True))

    ticket: Mapped[Ticket | None] = relationship(lazy="raise")
    citizen: Mapped[Citizen | None] = relationship(lazy="raise")
    attachments: Mapped[list[ContactAttachment]] = relationship(
        lazy="raise", order_by="ContactAttachment.id", back_populates="contact"
    )


class ContactAttachment(IdMixin, Base):
    """A file that came with a contact (mail attachment). Content above the size cap is not kept."""

    __tablename__ = "contact_attachment"
    __table_args__ = (
        CheckConstraint("size >= 0", name="size_not_negative"),
        Index("ix_contact_attachment_contact_id", "contact_id"),
    )

    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="RESTRICT"))
    filename: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(Text)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # Listing attachments must not load their bytes; this says whether there are any.
    content_stored: Mapped[bool] = column_property(cast(Any, content).column.is_not(None))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    contact: Mapped[Contact] = relationship(lazy="raise", back_populates="attachments")


class Call(IdMixin, TimestampMixin, Base):
    """A phone call as the PBX reports it; it becomes a contact when it ends."""

    __tablename__ = "call"
    __table_args__ = (one_of("state", CallState),)

    call_id: Mapped[str] = mapped_column(Text, unique=True)
    state: Mapped[str] = mapped_column(Text)
    caller_number: Mapped[str | None] = mapped_column(Text)
    called_number: Mapped[str | None] = mapped_column(Text)
    agent_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    ringing_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="RESTRICT"))


class Escalation(IdMixin, ActorMixin, Base):
    """A hand-off to another unit or person, up (escalation) or back (return to the front office)."""

    __tablename__ = "escalation"
    __table_args__ = (
        one_of("reason", EscalationReason),
        # Only advice or a decision can be asked of another unit.
        CheckConstraint("requested_role IN ('advising', 'deciding')", name="requested_role_advice_or_decision"),
        CheckConstraint("to_tier BETWEEN 1 AND 3 AND from_tier BETWEEN 1 AND 3", name="tier_range"),
        CheckConstraint(ONE_ACTOR_AT_MOST, name="one_actor"),
        Index("ix_escalation_ticket_id", "ticket_id"),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="RESTRICT"))
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    to_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    from_tier: Mapped[int] = mapped_column(SmallInteger)
    to_tier: Mapped[int] = mapped_column(SmallInteger)
    reason: Mapped[str] = mapped_column(Text)
    requested_role: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Participation(IdMixin, Base):
    """Which role a staff member played in a contact."""

    __tablename__ = "participation"
    __table_args__ = (
        one_of("role", Role),
        UniqueConstraint("contact_id", "staff_id", "role"),
        Index("ix_participation_staff_id", "staff_id"),
    )

    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="RESTRICT"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    role: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TicketEvent(IdMixin, ActorMixin, Base):
    """Append-only timeline entry of a ticket."""

    __tablename__ = "ticket_event"
    __table_args__ = (
        one_of("type", TicketEventType),
        CheckConstraint(ONE_ACTOR_AT_MOST, name="one_actor"),
        Index("ix_ticket_event_ticket_id_id", "ticket_id", "id"),
        CheckConstraint("code ~ '^[a-z][a-z_.]*$'", name="code_format"),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="RESTRICT"))
    type: Mapped[str] = mapped_column(Text)
    # The text is a message code plus parameters, rendered in the reader's language (genk3600/i18n/texts.py);
    # `summary` is the English sentence of entries written before texts had a code (code `legacy`).
    code: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    summary: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OutboundMail(IdMixin, Base):
    """A message to a citizen (e.g. an acknowledgement), written in the business transaction and sent by a job."""

    __tablename__ = "outbound_mail"
    __table_args__ = (
        one_of("status", OutboundMailStatus),
        one_of("language", Language),
        Index("ix_outbound_mail_next_attempt_at", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("ix_outbound_mail_ticket_id", "ticket_id"),
    )

    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="RESTRICT"))
    purpose: Mapped[str] = mapped_column(Text)  # e.g. "acknowledgement"
    to_address: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(Text, unique=True)  # replies thread back through it
    # Threading with the citizen's own mail (answering/): the message answered and its thread, without <>.
    in_reply_to: Mapped[str | None] = mapped_column(Text)
    references: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    status: Mapped[str] = mapped_column(Text, server_default=text("'pending'"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # An iCalendar object sent along as `invite.ics` (appointments/): a confirmation, move, cancel or reminder.
    calendar: Mapped[str | None] = mapped_column(Text)
