"""Statements of the hot paths, compiled once at import (DESIGN.md: hot paths have a CPU budget)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Prepared:
    """A statement compiled once, at import, for asyncpg: its SQL and the order of its bind parameters.

    Built with SQLAlchemy Core from the ORM tables (one schema source), executed as SQL text with bind
    parameters on the session's connection: no statement building, cache-key computation or ORM loading per
    request. Results come back as plain rows (JSON decoded by the asyncpg dialect's codec).
    """

    sql: str
    names: tuple[str, ...]
    constants: dict[str, Any]  # the values the statement itself binds (JSON keys, enum values)

    @classmethod
    def of(cls, statement: Any) -> Prepared:
        compiled = statement.compile(dialect=PGDialect_asyncpg())  # type: ignore[no-untyped-call]
        names = tuple(compiled.positiontup or ())
        constants = {name: value for name, value in compiled.params.items() if value is not None}
        return cls(str(compiled), names, constants)

    async def fetch(self, session: AsyncSession, **values: Any) -> Any:
        """The rows, executed on the session's connection (within its transaction) with no SQL built per call."""
        values = {**self.constants, **values}
        # A list, not a generator: a generator is resumed once per value, on every statement of the hot paths.
        parameters = tuple([values[name] for name in self.names])
        # One hop to SQLAlchemy's synchronous side for both the connection and the statement, not one for each.
        return await session.run_sync(_execute, self.sql, parameters)


def _execute(session: Session, sql: str, parameters: tuple[Any, ...]) -> Any:
    """The buffered result, as `AsyncConnection.exec_driver_sql` would hand it back."""
    return session.connection().exec_driver_sql(sql, parameters)
