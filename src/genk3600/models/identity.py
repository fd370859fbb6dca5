"""One person, one record: merges of citizen records and pairs found not to be duplicates (genk3600/identity/)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genk3600.models.base import Base, IdMixin, TimestampMixin
from genk3600.models.ticket import ONE_ACTOR_AT_MOST, ActorMixin


class CitizenMerge(IdMixin, ActorMixin, TimestampMixin, Base):
    """The merged record's rows moved to the survivor, with exactly which rows (so an un-merge moves those back)
    and what the survivor took over from the merged record. The actor columns say who merged."""

    __tablename__ = "citizen_merge"
    __table_args__ = (
        CheckConstraint("survivor_citizen_id <> merged_citizen_id", name="two_citizens"),
        CheckConstraint(ONE_ACTOR_AT_MOST, name="one_actor"),
        CheckConstraint("(unmerged_at IS NULL) = (unmerged_by_name IS NULL)", name="unmerged_by_someone"),
        CheckConstraint(
            "(national_number_hash IS NULL) = (national_number_masked IS NULL)", name="national_number_pair"
        ),
        Index("ix_citizen_merge_survivor_citizen_id", "survivor_citizen_id"),
        # A record is merged into one survivor at a time.
        Index(
            "uq_citizen_merge_merged_citizen_id_active",
            "merged_citizen_id",
            unique=True,
            postgresql_where=text("unmerged_at IS NULL"),
        ),
    )

    survivor_citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id", ondelete="RESTRICT"))
    merged_citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text)
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # {"ticket.citizen_id": [ids], ...}: the rows this merge moved, per (table, column) of identity/moves.py.
    moved: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # The survivor's fields that were empty and took the merged record's value (given_name, email,
    # national_number, case_worker_id ...): an un-merge empties them again where they still hold that value.
    taken_over: Mapped[list[str]] = mapped_column(ARRAY(Text))
    # The household rows (relations, representations) the merge re-pointed or dropped, as
    # households.service.HouseholdMove.as_json(): their own undo, since a pair may not be related to itself.
    household_move: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # The merged record's national number while the survivor holds it (the column is unique): given back on
    # un-merge. A keyed hash and a masked form, like on the citizen row; erased with the citizen.
    national_number_hash: Mapped[str | None] = mapped_column(Text)
    national_number_masked: Mapped[str | None] = mapped_column(Text)
    unmerged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    unmerged_by_name: Mapped[str | None] = mapped_column(Text)
    unmerge_reason: Mapped[str | None] = mapped_column(Text)


class DuplicateDismissal(IdMixin, ActorMixin, Base):
    """Two citizen records someone decided are different people: the pair no longer shows as a candidate."""

    __tablename__ = "duplicate_dismissal"
    __table_args__ = (
        # Stored once per pair, the lower id first.
        CheckConstraint("citizen_id < other_citizen_id", name="ordered_pair"),
        CheckConstraint(ONE_ACTOR_AT_MOST, name="one_actor"),
        UniqueConstraint("citizen_id", "other_citizen_id"),
        Index("ix_duplicate_dismissal_other_citizen_id", "other_citizen_id"),
    )

    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id", ondelete="RESTRICT"))
    other_citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
