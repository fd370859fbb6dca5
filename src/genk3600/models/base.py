"""Declarative base, naming convention and column helpers shared by every table."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Identity, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Fetch server-side defaults (ids, timestamps) with RETURNING, so async code never lazy-loads them.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012


class IdMixin:
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True, sort_order=-10)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), sort_order=90)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), sort_order=91
    )


def one_of(column: str, values: type[StrEnum], name: str | None = None) -> CheckConstraint:
    """CHECK that a text column holds one of an enum's values (enums are text + CHECK, see DESIGN.md)."""
    allowed = ", ".join(f"'{member.value}'" for member in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name or column)


def all_of(column: str, values: type[StrEnum], name: str | None = None) -> CheckConstraint:
    """CHECK that a text[] column only holds an enum's values."""
    allowed = ", ".join(f"'{member.value}'" for member in values)
    return CheckConstraint(f"{column} <@ ARRAY[{allowed}]::text[]", name=name or column)
