"""Units, staff and their memberships: who works where, in which position."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from genk3600.models.base import Base, IdMixin, TimestampMixin, all_of, one_of
from genk3600.models.enums import FRONT_OFFICE_UNIT_KINDS, Language, Position, UnitKind

CODE_PATTERN = r"^[a-z][a-z0-9_]*$"
# Names per language: an object whose keys are languages (genk3600/i18n/texts.py renders with them).
NAMES_SHAPE = "jsonb_typeof(names) = 'object' AND (names - ARRAY['nl', 'fr', 'en', 'de']) = '{}'::jsonb"


def _front_office_by_kind(context: DefaultExecutionContext) -> bool:
    """A unit inserted without saying is front office when its kind is a front-office desk (single-row inserts;
    multi-row VALUES inserts name the flag themselves, as the demo seed does)."""
    parameters: dict[str, object] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return parameters.get("kind") in FRONT_OFFICE_UNIT_KINDS


class Unit(IdMixin, TimestampMixin, Base):
    """An organisational unit: city department, OCMW service or front-office desk; units form a tree."""

    __tablename__ = "unit"
    __table_args__ = (
        one_of("kind", UnitKind),
        CheckConstraint(NAMES_SHAPE, name="names_shape"),
        CheckConstraint(f"code ~ '{CODE_PATTERN}'", name="code_format"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        Index("ix_unit_parent_id", "parent_id"),
    )

    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    # The name per language ({"nl": …, "fr": …, "en": …, "de": …}, any subset); `name` is the fallback.
    names: Mapped[dict[str, str]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    kind: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # One front door: staff of a front-office unit read every normal ticket of every department.
    front_office: Mapped[bool] = mapped_column(Boolean, default=_front_office_by_kind, server_default=text("false"))

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
