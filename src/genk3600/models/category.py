"""Categories: what a question is about, with its routing defaults."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from genk3600.models.base import Base, IdMixin, TimestampMixin, one_of
from genk3600.models.enums import Confidentiality, Priority
from genk3600.models.organisation import NAMES_SHAPE, Unit

CATEGORY_CODE_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"


class Category(IdMixin, TimestampMixin, Base):
    __tablename__ = "category"
    __table_args__ = (
        one_of("confidentiality", Confidentiality),
        one_of("default_priority", Priority),
        CheckConstraint(NAMES_SHAPE, name="names_shape"),
        CheckConstraint(f"code ~ '{CATEGORY_CODE_PATTERN}'", name="code_format"),
        CheckConstraint("retention_days IS NULL OR retention_days > 0", name="retention_days_positive"),
        Index("ix_category_owning_unit_id", "owning_unit_id"),
    )

    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    # The name per language ({"nl": …, "fr": …, "en": …, "de": …}, any subset); `name` is the fallback.
    names: Mapped[dict[str, str]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    owning_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    confidentiality: Mapped[str] = mapped_column(Text, server_default=text("'normal'"))
    default_priority: Mapped[str] = mapped_column(Text, server_default=text("'normal'"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policy.id", ondelete="RESTRICT"))
    # Days after resolution/closure after which the free text of its tickets' contacts is erased; NULL = keep.
    retention_days: Mapped[int | None] = mapped_column(Integer)

    owning_unit: Mapped[Unit] = relationship(lazy="raise")


class CategoryDecider(Base):
    """A unit that holds decision authority for a category (DESIGN: deciding needs it)."""

    __tablename__ = "category_decider"
    __table_args__ = (Index("ix_category_decider_unit_id", "unit_id"),)

    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
