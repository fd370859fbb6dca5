"""City systems that call the API with a key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Text, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from genk3600.models.base import Base, IdMixin, TimestampMixin, all_of
from genk3600.models.enums import Scope


class ApiClient(IdMixin, TimestampMixin, Base):
    __tablename__ = "api_client"
    __table_args__ = (all_of("scopes", Scope),)

    name: Mapped[str] = mapped_column(Text, unique=True)
    # The prefix lets people recognise a key in logs; only the hash can authenticate.
    key_prefix: Mapped[str] = mapped_column(Text)
    key_hash: Mapped[str] = mapped_column(Text, unique=True)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
