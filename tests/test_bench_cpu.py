"""The benchmark's reading of PostgreSQL's CPU (bench/cpu.py) on the test suite's own server.

No timings are asserted: the test checks that the CPU of connections that ended is not lost from a reading.
"""

from __future__ import annotations

import time

import pytest
from bench import cpu
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

BACKENDS = 6


def _alive(pid: int) -> bool:
    return (cpu.PROC / str(pid)).exists()


def _wait_until_ended(pid: int) -> None:
    while _alive(pid):
        time.sleep(0.005)


def _stat(pid: int) -> list[str]:
    line = (cpu.PROC / str(pid) / "stat").read_text()
    return line[line.rindex(")") + 2 :].split()


async def _backend_pid(connection: AsyncConnection) -> int:
    return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_reading_after_a_run_keeps_the_cpu_of_the_connections_that_ended(database_url: URL) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as probe:
            backend = await _backend_pid(probe)
            if not _alive(backend):
                pytest.skip("the test database's server runs on another machine")
            postmaster = int(_stat(backend)[1])  # field 4, ppid
        _wait_until_ended(backend)  # the probe's backend is ending
        children = cpu.database_children(postmaster)
        before = cpu.machine_usage(postmaster)

        connections = [await engine.connect() for _ in range(BACKENDS)]
        pids = [await _backend_pid(connection) for connection in connections]
        assert all(int(_stat(pid)[1]) == postmaster for pid in pids)
        for connection in connections:
            await connection.execute(text("SELECT count(*) FROM generate_series(1, 300000)"))
        # What these backends have spent so far, read while they are alive.
        spent = sum((int(_stat(pid)[11]) + int(_stat(pid)[12])) * cpu.TICK_MS for pid in pids)
        for connection in connections:
            await connection.close()

        after = cpu.settled_machine_usage(postmaster, children, timeout=10)
        assert not any(_alive(pid) for pid in pids)
        assert after.database_cpu_ms - before.database_cpu_ms >= spent > 0
    finally:
        await engine.dispose()
