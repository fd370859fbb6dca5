"""Rows a transaction collects and writes just before it commits: one multi-row statement per kind.

Audit entries and outbox events are facts about the transaction's other writes: nothing in a request reads
them before they are committed, so writing them one statement per act only costs round trips. A session that
`collects` (the request's session, the jobs' sessions) keeps them here and writes each kind in one
statement from `before_commit`; a session that does not (the tests' factories, scripts) writes at once.

The kinds' writers stay the only writers of their records (audit/trail.py, events/outbox.py, the
idempotency record of kit/idempotency.py): they `register` the function that writes their collected rows,
and may also give their statement as a `Part` (a Core DML statement and its bind values for the rows): when
several kinds with parts have rows, they go out as one statement (`WITH a AS (INSERT …), b AS (INSERT …)
UPDATE …`), compiled once per combination of kinds, so a request's bookkeeping costs one round trip. A
savepoint that rolls back drops what was collected inside it; a rollback or a closed session drops
everything. A reader of those tables in the same session calls `write_pending` first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

COLLECT = "genk3600.collect"
_PENDING = "genk3600.pending"
_MARKS = "genk3600.pending_marks"

# kind -> writer of the collected rows on the session's connection, in registration order.
Writer = Callable[[Session, list[Any]], None]
_writers: dict[str, Writer] = {}


@dataclass(frozen=True)
class Part:
    """A kind's statement for the combined write: Core DML whose bind parameter names are the kind's own
    (prefixed, so that parts never share a name), and the values of those parameters for a list of rows."""

    statement: Any
    parameters: Callable[[list[Any]], dict[str, Any]]


_parts: dict[str, Part] = {}
_combined: dict[tuple[str, ...], _Combined] = {}


def register(kind: str, writer: Writer, part: Part | None = None) -> None:
    _writers[kind] = writer
    if part is not None:
        _parts[kind] = part
    _combined.clear()


@dataclass(frozen=True)
class _Combined:
    """One statement for several kinds' rows: every part but the last as a CTE of the last; its SQL compiled
    once, executed as SQL text with bind parameters (as kit/prepared.py does), each value passed through its
    type's bind processor as SQLAlchemy would (JSON to text)."""

    sql: str
    names: tuple[str, ...]
    constants: dict[str, Any]
    processors: dict[str, Callable[[Any], Any]]

    @classmethod
    def of(cls, kinds: tuple[str, ...]) -> _Combined:
        *ahead, last = (_parts[kind].statement for kind in kinds)
        statement = last.add_cte(*(part.cte(f"{kind}_rows") for kind, part in zip(kinds, ahead, strict=False)))
        compiled = statement.compile(dialect=PGDialect_asyncpg())  # type: ignore[no-untyped-call]
        names = tuple(compiled.positiontup or ())
        constants = {name: value for name, value in compiled.params.items() if value is not None}
        processors = {name: processor for name, processor in compiled._bind_processors.items() if name in names}
        return cls(str(compiled), names, constants, processors)

    def execute(self, session: Session, values: dict[str, Any]) -> None:
        values = {**self.constants, **values}
        processors = self.processors
        parameters = tuple(
            [processors[name](values[name]) if name in processors else values[name] for name in self.names]
        )
        session.connection().exec_driver_sql(self.sql, parameters)


def collect(session: Session | AsyncSession) -> None:
    """From now on, this session keeps its audit and outbox rows until it commits."""
    session.info[COLLECT] = True


def collecting(session: Session | AsyncSession) -> bool:
    return bool(session.info.get(COLLECT))


def add(session: Session | AsyncSession, kind: str, rows: list[Any]) -> bool:
    """Keep `rows` for the commit; False (nothing kept) if the session writes at once."""
    info = session.info
    if not info.get(COLLECT):
        return False
    pending: dict[str, list[Any]] = info.setdefault(_PENDING, {})
    pending.setdefault(kind, []).extend(rows)
    marks = info.get(_MARKS)
    if marks:
        # The first rows inside a savepoint: remember where it started, to drop them if it rolls back.
        for mark in marks:
            mark[1].setdefault(kind, len(pending[kind]) - len(rows))
    return True


def _write(session: Session) -> None:
    pending: dict[str, list[Any]] | None = session.info.pop(_PENDING, None)
    if not pending:
        return
    kinds = [kind for kind in _writers if pending.get(kind)]
    together = tuple(kind for kind in kinds if kind in _parts)
    if len(together) > 1:
        combined = _combined.get(together)
        if combined is None:
            combined = _combined[together] = _Combined.of(together)
        values: dict[str, Any] = {}
        for kind in together:
            values.update(_parts[kind].parameters(pending[kind]))
        combined.execute(session, values)
    else:
        together = ()
    for kind in kinds:
        if kind not in together:
            _writers[kind](session, pending[kind])


async def write_pending(session: AsyncSession) -> None:
    """Write what this session collected now, for a reader of the collected tables in the same transaction."""
    if session.info.get(_PENDING):
        await session.run_sync(_write)


def _before_commit(session: Session) -> None:
    if not session.info.get(COLLECT) or session.in_nested_transaction():
        return
    # Pending ORM changes first: their audit entries are collected by the flush.
    session.flush()
    _write(session)


def _after_transaction_create(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        # (transaction, {kind: index of its first row}) filled in by `add`.
        session.info.setdefault(_MARKS, []).append((transaction, {}))


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.nested:
        marks = session.info.get(_MARKS) or []
        for transaction, starts in marks:
            if transaction is previous:
                pending = session.info.get(_PENDING) or {}
                for kind, start in starts.items():
                    del pending.get(kind, [])[start:]
                return
    elif previous.parent is None:
        session.info.pop(_PENDING, None)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        marks = session.info.get(_MARKS) or []
        session.info[_MARKS] = [mark for mark in marks if mark[0] is not transaction]
    elif transaction.parent is None:
        # Committed (written in before_commit), rolled back or closed: nothing may outlive the transaction.
        session.info.pop(_PENDING, None)
        session.info.pop(_MARKS, None)


def install(target: Any) -> None:
    """Write collected rows on every commit of sessions of `target` (a Session class or sessionmaker)."""
    for name, listener in (
        ("before_commit", _before_commit),
        ("after_transaction_create", _after_transaction_create),
        ("after_soft_rollback", _after_soft_rollback),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)
