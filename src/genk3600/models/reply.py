"""Answers to citizens (replies) and the canned answers staff write them from (reply templates)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, Text, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genk3600.models.base import Base, IdMixin, TimestampMixin, one_of
from genk3600.models.enums import Language, ReplyMedium, Role
from genk3600.models.ticket import ONE_ACTOR_AT_MOST, ActorMixin

# A template holds its text in every language a citizen may prefer: an answer is never sent in another one.
TEXTS_SHAPE = (
    "jsonb_typeof(texts) = 'object' AND texts ?& ARRAY['nl', 'fr', 'en', 'de'] "
    "AND (texts - ARRAY['nl', 'fr', 'en', 'de']) = '{}'::jsonb"
)


class ReplyTemplate(IdMixin, TimestampMixin, Base):
    """A canned answer, per category (or for any), in nl, fr, en and de, with placeholders. Every change makes
    a new version; the earlier ones stay in reply_template_version."""

    __tablename__ = "reply_template"
    __table_args__ = (
        CheckConstraint(TEXTS_SHAPE, name="texts_shape"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_reply_template_category_id", "category_id"),
    )

    name: Mapped[str] = mapped_column(Text, unique=True)
    # NULL: offered on tickets of every category.
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"))
    texts: Mapped[dict[str, str]] = mapped_column(JSONB)
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))


class ReplyTemplateVersion(IdMixin, ActorMixin, Base):
    """One version of a template as it was saved, by whom: the history a reply's `template_version` points at."""

    __tablename__ = "reply_template_version"
    __table_args__ = (
        UniqueConstraint("template_id", "version"),
        CheckConstraint(ONE_ACTOR_AT_MOST, name="one_actor"),
    )

    template_id: Mapped[int] = mapped_column(ForeignKey("reply_template.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"))
    texts: Mapped[dict[str, Any]] = mapped_column(JSONB)
    active: Mapped[bool] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Reply(IdMixin, Base):
    """An answer to the citizen: the outbound contact that carries it, in which role, from which unit.

    The words themselves live on the contact (its body: the answer as the citizen reads it) and, for mail, on
    the outbound message; this row says what kind of answer it is, so the status page and reports can tell an
    answer from any other outbound contact (a call-back attempt, say).
    """

    __tablename__ = "reply"
    __table_args__ = (
        one_of("medium", ReplyMedium),
        one_of("role", Role),
        one_of("language", Language),
        Index("ix_reply_ticket_id_id", "ticket_id", "id"),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="RESTRICT"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="RESTRICT"), unique=True)
    medium: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(Text)
    # The unit in whose name the staff member answered (the membership that authorised the role).
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    template_id: Mapped[int | None] = mapped_column(ForeignKey("reply_template.id", ondelete="RESTRICT"))
    template_version: Mapped[int | None] = mapped_column(Integer)
    outbound_mail_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbound_mail.id", ondelete="RESTRICT"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
