"""Batches written side by side: a batch that fails leaves the ones after it unwritten, as when they were written
one by one; one import at a time (a second one waits for the import lock, held for a whole run, then goes on)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from genk3600.config import Settings
from genk3600.db import Database
from genk3600.imports import repository, service
from genk3600.imports.service import Importer
from genk3600.models import AuditEntry, Contact, TicketEvent
from genk3600.tickets import timeline


def _lines(count: int) -> list[tuple[int, str]]:
    record = {"channel": "web", "occurred_at": "2019-03-04T09:12:00+01:00", "body": "Vraag over de openingsuren."}
    return [(n, json.dumps({**record, "external_id": f"crm-lock-{n}"})) for n in range(1, count + 1)]


async def _count(database: Database, model: type[Any], *where: Any) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def _contacts(database: Database) -> int:
    return await _count(database, Contact)


async def test_a_failing_batch_leaves_the_later_ones_unwritten(
    database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    insert_history_from = timeline.insert_history_from

    async def failing_for_line_3(session: Any, entries: Any, parameters: dict[str, Any], *rest: Any) -> None:
        if 3 in parameters["lines"]:
            raise RuntimeError("the database went away")
        await insert_history_from(session, entries, parameters, *rest)

    monkeypatch.setattr(service.timeline, "insert_history_from", failing_for_line_3)
    importer = Importer(database, settings, "history.ndjson", lambda _n, _why: None, batch_size=2)
    with pytest.raises(RuntimeError, match="went away"):
        await importer.run(_lines(8))

    assert await _contacts(database) == 2  # lines 1 and 2; the batches of lines 3-8 were written beside them
    assert await _count(database, TicketEvent) == 4
    assert await _count(database, AuditEntry, AuditEntry.action == "import") == 1

    monkeypatch.setattr(service.timeline, "insert_history_from", insert_history_from)
    again = Importer(database, settings, "history.ndjson", lambda _n, _why: None, batch_size=2)
    report = await again.run(_lines(8))

    assert (report.imported, report.already_imported) == (6, 2)
    assert await _contacts(database) == 8


async def test_an_import_waits_while_another_holds_the_lock(
    database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "LOCK_POLL_SECONDS", 0.05)
    async with database.engine.connect() as connection:
        other = await connection.execution_options(isolation_level="AUTOCOMMIT")
        assert await repository.try_lock_imports(other)
        importer = Importer(database, settings, "history.ndjson", lambda _n, _why: None, batch_size=2)
        running = asyncio.create_task(importer.run(_lines(5)))
        await asyncio.sleep(0.5)

        assert not running.done()
        assert await _contacts(database) == 0

        await repository.unlock_imports(other)
        report = await asyncio.wait_for(running, timeout=60)

    assert report.imported == 5
    assert await _contacts(database) == 5
    async with database.engine.connect() as connection:  # released at the end of the run
        free = await connection.execution_options(isolation_level="AUTOCOMMIT")
        assert await repository.try_lock_imports(free)
        await repository.unlock_imports(free)
