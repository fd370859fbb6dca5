"""Citizens: the people we serve. National numbers are kept only as a keyed hash and a masked form."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from genk3600.models.base import Base, IdMixin, TimestampMixin, one_of
from genk3600.models.enums import Language


class Citizen(IdMixin, TimestampMixin, Base):
    __tablename__ = "citizen"
    __table_args__ = (
        one_of("preferred_language", Language),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint(r"phone ~ '^\+[1-9][0-9]{6,14}$'", name="phone_e164"),
        CheckConstraint(
            "(national_number_hash IS NULL) = (national_number_masked IS NULL)", name="national_number_pair"
        ),
        Index("ix_citizen_email", "email"),
        Index("ix_citizen_phone", "phone"),
        Index("ix_citizen_case_worker_id", "case_worker_id"),
        Index("ix_citizen_merged_into_id", "merged_into_id"),
        CheckConstraint("merged_into_id <> id", name="not_merged_into_itself"),
    )

    national_number_hash: Mapped[str | None] = mapped_column(Text, unique=True)
    national_number_masked: Mapped[str | None] = mapped_column(Text)
    given_name: Mapped[str | None] = mapped_column(Text)
    family_name: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    preferred_language: Mapped[str] = mapped_column(Text, server_default=text("'nl'"))
    # The OCMW case worker who follows this citizen (maatzorg: the same person every time).
    case_worker_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    # Erasure and retention leave this citizen's data alone while a legal hold is set.
    legal_hold: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    legal_hold_reason: Mapped[str | None] = mapped_column(Text)
    # Set while this record is merged into another (identity/): the survivor answers for the person, this row
    # stays as it was (except a national number the survivor took over) so lookups by its e-mail or phone still
    # lead to the survivor and an un-merge can give it back its rows.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id", ondelete="RESTRICT"))
