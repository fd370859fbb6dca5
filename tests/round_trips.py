"""Counting what one request sends to PostgreSQL, for the round-trip budgets of the hot paths (DESIGN.md: hot
paths have a CPU budget).

Counted on an app with a real pool (`scratch_app`), so that what the tests' shared rolled-back connection hides
is seen: pooled checkouts, their liveness checks, BEGIN, COMMIT and ROLLBACK. SQL statements are counted as
SQLAlchemy sends them; transaction control and pings as asyncpg sends them (its query loggers see
`Connection.execute` and `fetchrow`, which is how it begins, ends and pings, not the prepared statements
SQLAlchemy runs, so nothing is counted twice).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class RoundTrips:
    statements: list[str] = field(default_factory=list)
    control: list[str] = field(default_factory=list)  # BEGIN, COMMIT, ROLLBACK, pings (";")
    checkouts: int = 0

    @property
    def total(self) -> int:
        return len(self.statements) + len(self.control)

    def __str__(self) -> str:
        lines = [f"{self.checkouts} checkouts, {self.total} round trips:", *self.control, *self.statements]
        return "\n\n".join(lines)


class Counter:
    """Attached to an engine before its pool holds connections, so every connection is watched; counts only
    inside `measure()`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.seen: RoundTrips | None = None
        sync_engine = engine.sync_engine
        event.listen(sync_engine, "before_cursor_execute", self._statement)
        event.listen(sync_engine.pool, "checkout", self._checkout)
        # asyncpg's own commands (BEGIN, COMMIT, ROLLBACK, the pre-ping's ";"), on every new connection.
        event.listen(sync_engine.pool, "connect", self._connect)

    def _statement(self, conn: Any, cursor: Any, sql: str, parameters: Any, context: Any, executemany: bool) -> None:
        if self.seen is not None and not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):
            self.seen.statements.append(sql)

    def _checkout(self, dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if self.seen is not None:
            self.seen.checkouts += 1

    def _connect(self, dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(self._control)

    def _control(self, record: Any) -> None:
        if self.seen is not None:
            self.seen.control.append(record.query)

    @asynccontextmanager
    async def measure(self) -> AsyncIterator[RoundTrips]:
        self.seen = seen = RoundTrips()
        try:
            yield seen
            await asyncio.sleep(0)  # asyncpg hands query log records over with call_soon
            await asyncio.sleep(0)
        finally:
            self.seen = None
