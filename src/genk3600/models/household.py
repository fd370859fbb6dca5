"""Households and representatives (maatzorg: families as partners).

`citizen_relation` says how two citizens are related; `representation` who may act for a citizen, on what
ground, for what (the consent's scopes) and for how long. Both point at citizens only through plain `citizen_id`
columns, so merging two citizens moves them with one UPDATE per column; neither widens anyone's sight of the
other person's tickets (social need-to-know is decided by the ticket, never by the family).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Text, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from genk3600.models.base import Base, IdMixin, TimestampMixin, all_of, one_of
from genk3600.models.enums import ConsentScope, ConsentSource, RepresentationKind
from genk3600.models.ticket import ONE_ACTOR_AT_MOST, ActorMixin

# Stored once per pair: `child` is kept as the inverse `parent` row, and the symmetric kinds with the lower
# citizen id first, so one fact has one row and reads turn it round for the other side (households/service.py).
STORED_RELATION_KINDS = "kind IN ('partner', 'parent', 'household_member')"
SYMMETRIC_IN_ORDER = "kind = 'parent' OR citizen_id < related_citizen_id"


class CitizenRelation(IdMixin, ActorMixin, TimestampMixin, Base):
    """`related_citizen_id` is `kind` of `citizen_id` (a parent row: the related citizen is the citizen's parent),
    from `first_day` to `last_day` when known."""

    __tablename__ = "citizen_relation"
    __table_args__ = (
        CheckConstraint(STORED_RELATION_KINDS, name="kind"),
        CheckConstraint(SYMMETRIC_IN_ORDER, name="symmetric_in_order"),
        CheckConstraint("citizen_id <> related_citizen_id", name="two_people"),
        CheckConstraint("last_day IS NULL OR first_day IS NULL OR last_day >= first_day", name="period"),
        CheckConstraint(ONE_ACTOR_AT_MOST, name="one_actor"),
        Index("ix_citizen_relation_citizen_id", "citizen_id"),
        Index("ix_citizen_relation_related_citizen_id", "related_citizen_id"),
        # One current fact per pair and kind; an ended one may be recorded again.
        Index(
            "uq_citizen_relation_current",
            "citizen_id",
            "related_citizen_id",
            "kind",
            unique=True,
            postgresql_where=text("last_day IS NULL"),
        ),
    )

    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id", ondelete="RESTRICT"))
    related_citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(Text)
    first_day: Mapped[date | None] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)


class Representation(IdMixin, ActorMixin, TimestampMixin, Base):
    """Someone who may act for `citizen_id`: a known citizen (`representative_citizen_id`) or a person or office
    by name, on the ground of `kind`, within `scopes`, from `first_day` to `last_day` (inclusive), resting on
    `source` (`source_reference`: the court order's or consent form's number)."""

    __tablename__ = "representation"
    __table_args__ = (
        one_of("kind", RepresentationKind),
        one_of("source", ConsentSource),
        all_of("scopes", ConsentScope),
        CheckConstraint("cardinality(scopes) >= 1", name="some_scope"),
        CheckConstraint("num_nonnulls(representative_citizen_id, representative_name) >= 1", name="identified"),
        CheckConstraint("citizen_id <> representative_citizen_id", name="two_people"),
        CheckConstraint("last_day IS NULL OR last_day >= first_day", name="period"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(ONE_ACTOR_AT_MOST, name="one_actor"),
        Index("ix_representation_citizen_id", "citizen_id"),
        Index("ix_representation_representative_citizen_id", "representative_citizen_id"),
    )

    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id", ondelete="RESTRICT"))
    representative_citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id", ondelete="RESTRICT"))
    # A representative outside the register (a lawyer acting as bewindvoerder), or the office they work for.
    representative_name: Mapped[str | None] = mapped_column(Text)
    organisation_name: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    source_reference: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
