"""The version of the reference data (migration 0018): moved on by a trigger on every change, read by the
in-process cache (reference/cache.py) to know whether what it holds is current."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Sequence, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from genk3600.models.base import Base

reference_version_seq = Sequence("reference_version_seq", metadata=Base.metadata)


class ReferenceVersion(Base):
    __tablename__ = "reference_version"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
