"""Call-back requests (terugbelverzoeken) and their attempts: genk3600/callbacks/."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, SmallInteger, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from genk3600.models.base import Base, IdMixin, TimestampMixin, one_of
from genk3600.models.enums import CallbackOutcome, CallbackStatus, CitizenNotice, Language
from genk3600.models.organisation import Staff, Unit
from genk3600.models.ticket import ONE_ACTOR_AT_MOST, ActorMixin, Ticket

# E.164, as citizens' numbers are stored; NULL once erased (GDPR).
PHONE_E164 = r"^\+[1-9][0-9]{6,14}$"
OPEN_CALLBACK_SQL = f"status = '{CallbackStatus.open.value}'"


class CallbackRequest(IdMixin, ActorMixin, TimestampMixin, Base):
    """A request to call a citizen back about a ticket, for a unit or a person, due on the unit's calendar.

    The actor columns say who asked for it; the attempts say who called, when, with what outcome.
    """

    __tablename__ = "callback_request"
    __table_args__ = (
        one_of("status", CallbackStatus),
        one_of("language", Language),
        one_of("citizen_notice", CitizenNotice),
        CheckConstraint(ONE_ACTOR_AT_MOST, name="one_actor"),
        CheckConstraint(f"phone ~ '{PHONE_E164}'", name="phone_e164"),
        CheckConstraint("window_end IS NULL OR window_start IS NULL OR window_end > window_start", name="window"),
        CheckConstraint("max_attempts BETWEEN 1 AND 20 AND attempts >= 0", name="attempts_range"),
        CheckConstraint(f"(status = '{CallbackStatus.open.value}') = (closed_at IS NULL)", name="closed_when_done"),
        Index("ix_callback_request_ticket_id", "ticket_id"),
        Index("ix_callback_request_contact_id", "contact_id"),
        # A unit's open call-backs in due order (its call-back list and the next one to claim).
        Index("ix_callback_request_open_due", "unit_id", "due_at", "id", postgresql_where=text(OPEN_CALLBACK_SQL)),
        Index("ix_callback_request_assignee_staff_id", "assignee_staff_id", postgresql_where=text(OPEN_CALLBACK_SQL)),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="RESTRICT"))
    # The contact it was asked from, if any (the call in which the citizen asked to be called back).
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="RESTRICT"))
    # Whose list it is on and whose calendar sets `due_at`; a person's request is on their unit's list too.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    # The person who calls back: named at the request, or whoever claims it from the unit's list.
    assignee_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    phone: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(Text)
    question: Mapped[str] = mapped_column(Text)
    # When the citizen prefers to be called (either end may be open).
    window_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(Text, server_default=text("'open'"))
    # Failed attempts after which it closes as failed (the setting when it was asked).
    max_attempts: Mapped[int] = mapped_column(SmallInteger)
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    # Where a letter can go if the citizen cannot be reached and has no e-mail address.
    postal_address: Mapped[str | None] = mapped_column(Text)
    # On failure: how the citizen hears from us, the mail queued for it, when the letter went.
    citizen_notice: Mapped[str | None] = mapped_column(Text)
    outbound_mail_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_mail.id", ondelete="RESTRICT"))
    letter_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    ticket: Mapped[Ticket] = relationship(lazy="raise")
    unit: Mapped[Unit] = relationship(lazy="raise")
    assignee: Mapped[Staff | None] = relationship(lazy="raise", foreign_keys=[assignee_staff_id])
    attempt_rows: Mapped[list[CallbackAttempt]] = relationship(
        lazy="raise", order_by="CallbackAttempt.id", back_populates="callback"
    )


class CallbackAttempt(IdMixin, ActorMixin, Base):
    """One try to reach the citizen: its outcome, when, and who called (the actor)."""

    __tablename__ = "callback_attempt"
    __table_args__ = (
        one_of("outcome", CallbackOutcome),
        CheckConstraint(ONE_ACTOR_AT_MOST, name="one_actor"),
        Index("ix_callback_attempt_callback_id", "callback_id"),
    )

    callback_id: Mapped[int] = mapped_column(ForeignKey("callback_request.id", ondelete="RESTRICT"))
    outcome: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    callback: Mapped[CallbackRequest] = relationship(lazy="raise", back_populates="attempt_rows")
