"""City systems that call the API with a key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
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


class IdempotencyKey(Base):
    """A creating POST's key and its first response; a retry with the same key gets that response again."""

    __tablename__ = "idempotency_key"
    __table_args__ = (Index("ix_idempotency_key_expires_at", "expires_at"),)

    principal: Mapped[str] = mapped_column(Text, primary_key=True)  # "api_client:7" or "staff:12"
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(Text)  # sha256 of method, path and body
    status_code: Mapped[int | None] = mapped_column(Integer)  # NULL while the first request is running
    response: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    headers: Mapped[dict[str, str]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RateLimitBucket(Base):
    """Hits per key per fixed window, shared by all replicas (the public status page is rate-limited)."""

    __tablename__ = "rate_limit_bucket"
    __table_args__ = (Index("ix_rate_limit_bucket_window_start", "window_start"),)

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, server_default=text("0"))
