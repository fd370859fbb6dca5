"""One PostgreSQL per test run; every test runs inside a transaction that is rolled back afterwards."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from genk3600.app import create_app
from genk3600.audit import trail
from genk3600.config import Settings
from genk3600.db import Database, async_url, embedded_database_url, migrate, start_embedded_postgres
from genk3600.kit.clock import FixedClock, SystemClock
from tests import factories

TEST_DATABASE = "genk3600_test"
TEMPLATE_DATABASE = "genk3600_template"


@pytest.fixture(scope="session")
def run_dir() -> Iterator[Path]:
    """This run's own folder for database servers. Not pytest's numbered tmp folders: when several runs go at
    once (two checkouts), a newer run prunes older numbered folders, and a live server's data went with them."""
    path = Path(tempfile.mkdtemp(prefix="genk3600-tests-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url(run_dir: Path) -> Iterator[URL]:
    """GENK3600_TEST_DATABASE_URL if set (the tests own that database), else an embedded server."""
    external = os.environ.get("GENK3600_TEST_DATABASE_URL")
    if external:
        yield async_url(external)
        return
    server = start_embedded_postgres(run_dir / "pg", cleanup_mode="delete")
    yield embedded_database_url(server, TEST_DATABASE)
    server.cleanup()


@pytest.fixture(scope="session")
def settings(database_url: URL, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        env="dev",
        database_url=database_url.render_as_string(hide_password=False),
        data_dir=tmp_path_factory.mktemp("data"),
    )


@pytest.fixture(scope="session")
async def engine(database_url: URL, settings: Settings) -> AsyncIterator[AsyncEngine]:
    await migrate(database_url, settings)
    engine = create_async_engine(database_url)
    yield engine
    await engine.dispose()


async def _admin(database_url: URL, statement: str) -> None:
    engine = create_async_engine(database_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
async def template_url(database_url: URL, settings: Settings) -> AsyncIterator[URL]:
    """A migrated database with no open connections, copied by tests that need real commits."""
    await _admin(database_url, f"DROP DATABASE IF EXISTS {TEMPLATE_DATABASE}")
    await _admin(database_url, f"CREATE DATABASE {TEMPLATE_DATABASE}")
    url = database_url.set(database=TEMPLATE_DATABASE)
    await migrate(url, settings)
    yield url
    await _admin(database_url, f"DROP DATABASE IF EXISTS {TEMPLATE_DATABASE} WITH (FORCE)")


@pytest.fixture
async def scratch_url(database_url: URL, template_url: URL) -> AsyncIterator[URL]:
    """A fresh database of its own (from the template), for concurrency tests across real connections."""
    name = f"genk3600_scratch_{uuid.uuid4().hex[:12]}"
    await _admin(database_url, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DATABASE}")
    yield database_url.set(database=name)
    await _admin(database_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def clock() -> FixedClock:
    """The test's clock, which the `app` and `scratch_app` fixtures use: it starts at the moment the test starts
    and stands still until the test sets or advances it. Tests state times relative to `clock.now()` (or set it),
    so they pass on any date; `make test-anyday` runs them at awkward ones."""
    return FixedClock(SystemClock().now())


@pytest.fixture
async def scratch_app(
    settings: Settings, scratch_url: URL, clock: FixedClock
) -> AsyncIterator[tuple[FastAPI, Database]]:
    """The app on a scratch database with a real pool: every request commits for real."""
    database = Database.connect(scratch_url, pool_size=25)
    app = create_app(settings, clock=clock)
    app.state.db = database
    yield app, database
    await database.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        outer = await connection.begin()
        yield connection
        await outer.rollback()


@pytest.fixture
def sessions(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    # Commits inside the app and the factories only release savepoints of the outer transaction.
    sessions = async_sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    trail.install(sessions)
    return sessions


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


@pytest.fixture
def app(
    settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> FastAPI:
    app = create_app(settings, clock=clock)
    # The real get_session dependency runs; only its session factory is bound to the test transaction.
    app.state.db = Database(engine, sessions)
    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        yield client


@pytest.fixture
async def world(session: AsyncSession) -> factories.World:
    """A small organisation: contact centre, two departments, an OCMW service, categories, staff."""
    return await factories.small_world(session)


@pytest.fixture
async def admin_headers(session: AsyncSession) -> dict[str, str]:
    key = await factories.api_key(session, "admin-test", ["admin", "contacts:write", "tickets:read", "tickets:write"])
    return {"X-API-Key": key}


@pytest.fixture
async def writer_headers(session: AsyncSession) -> dict[str, str]:
    key = await factories.api_key(session, "writer-test", ["contacts:write", "tickets:read"])
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]
