"""Routing rules as data: a rule has immutable versions; tickets keep the version that routed them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genk3600.models.base import Base, IdMixin


class RoutingRule(IdMixin, Base):
    """The stable identity of a rule across its versions."""

    __tablename__ = "routing_rule"

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RoutingRuleVersion(IdMixin, Base):
    """One version of a rule. Never updated except to mark it no longer current."""

    __tablename__ = "routing_rule_version"
    __table_args__ = (
        UniqueConstraint("rule_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        # At most one current version per rule.
        Index("uq_routing_rule_version_current", "rule_id", unique=True, postgresql_where=text("current")),
    )

    rule_id: Mapped[int] = mapped_column(ForeignKey("routing_rule.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean)
    current: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONB)
    actions: Mapped[dict[str, Any]] = mapped_column(JSONB)
    actor_name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
