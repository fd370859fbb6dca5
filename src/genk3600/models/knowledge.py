"""Agent knowledge: the product catalogue (versioned entries, linked to categories) and the stored category
classifiers (versioned models trained on the city's own resolved tickets)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from genk3600.models.base import Base, IdMixin, TimestampMixin

PRODUCT_CODE_PATTERN = r"^[a-z0-9][a-z0-9-]{1,99}$"
# `texts` holds one object per language (nl, fr, en, de) with the entry's texts in that language.
TEXTS_SHAPE = "jsonb_typeof(texts) = 'object' AND (texts - ARRAY['nl', 'fr', 'en', 'de']) = '{}'::jsonb"
SYNONYMS_SHAPE = "jsonb_typeof(synonyms) = 'object' AND (synonyms - ARRAY['nl', 'fr', 'en', 'de']) = '{}'::jsonb"


class Product(IdMixin, TimestampMixin, Base):
    """A product or service of the city or the OCMW as it is now (its current version)."""

    __tablename__ = "product"
    __table_args__ = (
        CheckConstraint(TEXTS_SHAPE, name="texts_shape"),
        CheckConstraint(SYNONYMS_SHAPE, name="synonyms_shape"),
        CheckConstraint(f"code ~ '{PRODUCT_CODE_PATTERN}'", name="code_format"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_product_search_vector", "search_vector", postgresql_using="gin"),
        Index("ix_product_desk_unit_id", "desk_unit_id"),
    )

    code: Mapped[str] = mapped_column(Text, unique=True)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    # {"nl": {"name", "description", "what_to_bring", "cost", "delivery_time"}, "fr": {…}, …}
    texts: Mapped[dict[str, dict[str, str]]] = mapped_column(JSONB)
    # {"nl": ["eID", …], "fr": […]}: the words citizens use, found by the search as the name is.
    synonyms: Mapped[dict[str, list[str]]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    web_page: Mapped[str | None] = mapped_column(Text)
    # Where the citizen goes (its opening hours are shown); NULL: the first category's owning unit.
    desk_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    # The entry's identifier in the Flemish product catalogue (IPDC), when it came from there.
    ipdc_id: Mapped[str | None] = mapped_column(Text, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    search_vector: Mapped[str | None] = mapped_column(
        TSVECTOR, Computed("genk3600_product_vector(texts, synonyms)", persisted=True)
    )


class ProductCategory(Base):
    """A category a product belongs to: its deciders are who decides on the product."""

    __tablename__ = "product_category"
    __table_args__ = (Index("ix_product_category_category_id", "category_id"),)

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class ProductVersion(IdMixin, Base):
    """Every version of a product as it was written, the current one included. Never updated."""

    __tablename__ = "product_version"
    __table_args__ = (
        UniqueConstraint("product_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)
    actor_name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ClassifierModel(IdMixin, Base):
    """A trained category classifier; the newest version serves. Written only by `genk3600 train-classifier`.

    `content` is an `.npz` archive of plain arrays (no pickles) and `signature` its HMAC under the service's
    secret key: the service loads only models it wrote itself (see suggestions/model.py).
    """

    __tablename__ = "classifier_model"
    __table_args__ = (CheckConstraint("version >= 1", name="version_positive"),)

    version: Mapped[int] = mapped_column(Integer, unique=True)
    format: Mapped[str] = mapped_column(Text)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[str] = mapped_column(Text)
    classes: Mapped[list[str]] = mapped_column(JSONB)
    ticket_count: Mapped[int] = mapped_column(Integer)
    # Training facts and figures: the newest ticket used, accuracy on a held-out time split, parameters.
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    actor_name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
