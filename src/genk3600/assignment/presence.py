"""Presence as the decision sees it: what the staff member set, unless their console fell silent or a call
holds them. Pure, so expiry is judged on the injected clock and tested without waiting."""

from __future__ import annotations

from datetime import datetime, timedelta

from genk3600.models.enums import PresenceStatus


def effective_presence(
    status: str | None, heartbeat_at: datetime | None, in_call: bool, now: datetime, ttl: timedelta
) -> PresenceStatus:
    """Offline without a heartbeat within `ttl`; busy while a call rings or is answered; else as set."""
    if status is None or heartbeat_at is None or heartbeat_at + ttl <= now:
        return PresenceStatus.offline
    if status == PresenceStatus.offline.value:
        return PresenceStatus.offline
    if in_call:
        return PresenceStatus.busy
    return PresenceStatus(status)


def expires_at(heartbeat_at: datetime | None, ttl: timedelta) -> datetime | None:
    return heartbeat_at + ttl if heartbeat_at is not None else None
