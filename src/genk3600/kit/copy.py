"""COPY into a table inside the session's transaction: the bulk path of writers that take thousands of rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


async def copy_records(
    session: AsyncSession, table: str, columns: Sequence[str], records: Sequence[Sequence[Any]]
) -> None:
    """COPY `records` into `table` on this session's connection, i.e. inside its transaction."""
    if not records:
        return
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if driver is None:  # an open connection always has its asyncpg connection
        raise RuntimeError("the session's connection has no driver connection")
    await driver.copy_records_to_table(table, records=records, columns=list(columns))


def copy_json(value: dict[str, Any]) -> str:
    """JSONB values go to COPY as text (the connection's jsonb codec takes strings)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
