"""The one place that reads the wall clock, so time is always aware and UTC.

Everything else is given a `Clock`: the app holds one (`app.state.clock`, the `AppClock` dependency), jobs and
services take it as a parameter, and tests pass a `FixedClock` so they pass on any date.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, aware and in UTC."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A clock that stands still until it is set or advanced (tests, replays)."""

    def __init__(self, moment: datetime) -> None:
        self._moment = _aware_utc(moment)

    def now(self) -> datetime:
        return self._moment

    def set(self, moment: datetime) -> None:
        self._moment = _aware_utc(moment)

    def advance(self, delta: timedelta | None = None, /, **parts: float) -> datetime:
        """Move forward by `delta` or by keyword parts (`advance(minutes=5)`); returns the new now."""
        self._moment += (delta or timedelta()) + timedelta(**parts)
        return self._moment

    def __repr__(self) -> str:
        return f"FixedClock({self._moment.isoformat()})"


def _aware_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a clock keeps aware datetimes only")
    return moment.astimezone(UTC)


SYSTEM_CLOCK = SystemClock()

# Pydantic validators cannot take dependencies, yet some compare a field with "now" (a contact may not lie in
# the future). The app puts its clock here for each request (RequestContextMiddleware); outside a request the
# wall clock applies.
clock_var: ContextVar[Clock] = ContextVar("clock", default=SYSTEM_CLOCK)


def context_now() -> datetime:
    """Now by the clock of the current request (for validators only; everything else is passed a clock)."""
    return clock_var.get().now()
