"""Presence as the decision sees it: what the staff member set, unless their console fell silent or a call or
an appointment holds them. Pure, so expiry is judged on the injected clock and tested without waiting."""

from __future__ import annotations

from datetime import datetime, timedelta

from genk3600.models.enums import PresenceStatus


def effective_presence(
    status: str | None, heartbeat_at: datetime | None, occupied: bool, now: datetime, ttl: timedelta
) -> PresenceStatus:
    """Offline without a heartbeat within `ttl`; busy while `occupied` (a call rings or is answered, or an
    appointment or home visit of theirs is under way, travel included); else as set."""
    if status is None or heartbeat_at is None or heartbeat_at + ttl <= now:
        return PresenceStatus.offline
    if status == PresenceStatus.offline.value:
        return PresenceStatus.offline
    if occupied:
        return PresenceStatus.busy
    return PresenceStatus(status)


def expires_at(heartbeat_at: datetime | None, ttl: timedelta) -> datetime | None:
    return heartbeat_at + ttl if heartbeat_at is not None else None
