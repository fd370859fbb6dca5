"""Units, staff and their memberships: who works where, in which position."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from genk3600.models.base import Base, IdMixin, TimestampMixin, all_of, one_of
from genk3600.models.enums import Language, Position, UnitKind

CODE_PATTERN = r"^[a-z][a-z0-9_]*$"


class Unit(IdMixin, TimestampMixin, Base):
    """An organisational unit: city department, OCMW service or front-office desk; units form a tree."""

    __tablename__ = "unit"
    __table_args__ = (
        one_of("kind", UnitKind),
        CheckConstraint(f"code ~ '{CODE_PATTERN}'", name="code_format"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        Index("ix_unit_parent_id", "parent_id"),
    )

    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))

    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id", lazy="raise")


class Staff(IdMixin, TimestampMixin, Base):
    """A person who handles contacts."""

    __tablename__ = "staff"
    __table_args__ = (
        all_of("languages", Language),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint("btrim(oidc_subject) <> ''", name="oidc_subject_not_blank"),
    )

    email: Mapped[str] = mapped_column(Text, unique=True)
    full_name: Mapped[str] = mapped_column(Text)
    languages: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("ARRAY['nl']::text[]"))
    oidc_subject: Mapped[str | None] = mapped_column(Text, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # Absent case workers' tickets go to their unit's queue instead (continuity rules).
    absent: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))

    memberships: Mapped[list[StaffMembership]] = relationship(
        back_populates="staff", lazy="raise", order_by="StaffMembership.id"
    )


class StaffMembership(IdMixin, TimestampMixin, Base):
    """A staff member's position in one unit."""

    __tablename__ = "staff_membership"
    __table_args__ = (
        one_of("position", Position),
        UniqueConstraint("staff_id", "unit_id"),
        Index("ix_staff_membership_unit_id", "unit_id"),
    )

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    position: Mapped[str] = mapped_column(Text)

    staff: Mapped[Staff] = relationship(back_populates="memberships", lazy="raise")
    unit: Mapped[Unit] = relationship(lazy="raise")
