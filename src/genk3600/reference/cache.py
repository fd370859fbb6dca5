"""Reference data in process: units, categories with their deciders, routing rules, SLA policies, API keys, staff.

What is cached is loaded once per version of the reference data (migration 0018: a trigger moves the version
on with every change and sends `NOTIFY genk3600_reference, '<table>'` when that change commits).

- **Which version.** A transaction reads the version row once, the first time it needs reference data, and
  uses what was loaded for that version (or loads it in its own transaction). A replica that listens
  (`listen`, run by the app's lifespan) skips that read while no notification came and the last check is
  younger than `RECHECK_SECONDS`: a missed notification serves stale data for that long at most, and a lost
  listening connection puts every transaction back on the read.
- **Transaction-aware.** The version is a sequence value kept in a row: a transaction that changed reference
  data sees its own new version (never handed out to anybody else, even if it rolls back) and loads what it
  wrote; the others keep the committed one. A session that writes reference data after its version was read
  bypasses the cache for the rest of its transaction.
- **Never shared mutable state.** Cached ORM rows are loaded by a session of their own and never belong to
  a request's session: a request gets its own copy with `attach` (a merge without a query), or, on the intake's
  hot path, reads the shared row and gives a new row its id only (`NewTicket.by_id`): nothing merged, nothing
  changed, the shared row never hung on a row of the request's session.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from genk3600.models import ReferenceVersion

log = logging.getLogger(__name__)

CHANNEL = "genk3600_reference"
RECHECK_SECONDS = 5.0
REFERENCE_TABLES = frozenset(
    {
        "unit",
        "category",
        "category_decider",
        "routing_rule",
        "routing_rule_version",
        "sla_policy",
        "opening_hours",
        "closing_day",
        "api_client",
        "classifier_model",  # migration 0027: a new model is served once it commits
        "staff",  # migration 0028: staff sign in from the cache (auth/repository.staff_for_token)
        "staff_membership",
    }
)
_VERSION = "genk3600.reference_version"
_DIRTY = "genk3600.reference_written"
# With the database's name: one process may serve several databases (the tests' scratch copies of one
# template), whose version sequences start alike.
_READ_VERSION = select(func.current_database(), ReferenceVersion.version).where(ReferenceVersion.id == 1)

T = TypeVar("T")


class ReferenceCache:
    def __init__(self) -> None:
        self.version: tuple[str, int] | None = None
        self.values: dict[str, Any] = {}
        # Set by the listener: notifications arrive, so a checked version stays good until one does.
        self.listening = False
        self.checked_at = 0.0

    def clear(self) -> None:
        self.version = None
        self.values = {}

    def notified(self) -> None:
        self.checked_at = 0.0  # the next transaction reads the version again

    def _trusted(self) -> bool:
        return self.listening and self.version is not None and time.monotonic() - self.checked_at < RECHECK_SECONDS

    async def _version(self, session: AsyncSession) -> tuple[str, int]:
        info = session.info
        version: tuple[str, int] | None = info.get(_VERSION)
        if version is not None:
            return version
        if self._trusted() and self.version is not None:
            version = self.version
        else:
            database, number = (await session.execute(_READ_VERSION)).one()
            version = (database, number)
            if version != self.version:
                self.version, self.values = version, {}
            self.checked_at = time.monotonic()
        info[_VERSION] = version
        return version

    async def get(self, session: AsyncSession, kind: str, load: Callable[[Session], T]) -> T:
        """`kind` as of this transaction's reference version; `load` reads it (on a session of its own)."""
        if session.info.get(_DIRTY):
            return await session.run_sync(_loaded, load)
        version = await self._version(session)
        values = self.values
        if kind in values:
            value: T = values[kind]
            return value
        value = await session.run_sync(_loaded, load)
        if version == self.version:
            values[kind] = value
        return value


def _loaded(session: Session, load: Callable[[Session], T]) -> T:
    # Rows of their own, outside the request's identity map, on the same connection (its transaction).
    with Session(bind=session.connection(), expire_on_commit=False, autoflush=False) as own:
        return load(own)


CACHE = ReferenceCache()


def attach(session: AsyncSession, row: T) -> T:
    """The request's own copy of a cached ORM row (and of its loaded relationships), without a query."""
    merged: T = session.sync_session.merge(row, load=False)
    return merged


# --- transaction awareness -----------------------------------------------------------------------------------
def _after_flush(session: Session, flush_context: UOWTransaction) -> None:
    if not session.info.get(_DIRTY):
        for row in (*session.new, *session.dirty, *session.deleted):
            if getattr(row, "__tablename__", None) in REFERENCE_TABLES:
                session.info[_DIRTY] = True
                return


def _do_orm_execute(state: ORMExecuteState) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and not state.session.info.get(_DIRTY):
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in REFERENCE_TABLES:
            state.session.info[_DIRTY] = True


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_VERSION, None)
        session.info.pop(_DIRTY, None)


def install(target: Any) -> None:
    """Make sessions of `target` (a Session class or sessionmaker) see their own reference writes."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("do_orm_execute", _do_orm_execute),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)


# --- notifications -------------------------------------------------------------------------------------------
async def listen(engine: AsyncEngine, retry_seconds: float = 5.0) -> None:
    """Follow `NOTIFY genk3600_reference` on a connection of its own until cancelled; reconnect when it drops."""
    while True:
        try:
            async with engine.connect() as connection:
                raw = await connection.get_raw_connection()
                driver: Any = raw.driver_connection
                lost = asyncio.Event()
                driver.add_termination_listener(lambda _connection, lost=lost: lost.set())
                await driver.add_listener(CHANNEL, lambda *_args: CACHE.notified())
                CACHE.notified()  # whatever changed while nobody listened
                CACHE.listening = True
                try:
                    await lost.wait()
                finally:
                    CACHE.listening = False
                    await connection.invalidate()  # not back to the pool with a listener on it
        except asyncio.CancelledError:
            CACHE.listening = False
            raise
        except Exception:  # the database is away: transactions read the version meanwhile
            CACHE.listening = False
            log.warning("Reference cache: not listening for changes; retrying in %s s", retry_seconds, exc_info=True)
        await asyncio.sleep(retry_seconds)
