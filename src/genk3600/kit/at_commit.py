"""Rows a transaction collects and writes just before it commits: one multi-row statement per kind.

Audit entries and outbox events are facts about the transaction's other writes: nothing in a request reads
them before they are committed, so writing them one statement per act only costs round trips. A session that
`collects` (the request's session, the jobs' sessions) keeps them here and writes each kind in one
statement from `before_commit`; a session that does not (the tests' factories, scripts) writes at once.

The kinds' writers stay the only writers of their records (audit/trail.py, events/outbox.py): they
`register` the function that writes their collected rows. A savepoint that rolls back drops what was
collected inside it; a rollback or a closed session drops everything. A reader of those tables in the same
session calls `write_pending` first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

COLLECT = "genk3600.collect"
_PENDING = "genk3600.pending"
_MARKS = "genk3600.pending_marks"

# kind -> writer of the collected rows on the session's connection, in registration order.
Writer = Callable[[Session, list[Any]], None]
_writers: dict[str, Writer] = {}


def register(kind: str, writer: Writer) -> None:
    _writers[kind] = writer


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
    for kind, writer in _writers.items():
        rows = pending.get(kind)
        if rows:
            writer(session, rows)


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
