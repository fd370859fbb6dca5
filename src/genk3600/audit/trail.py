"""The audit trail, written in the same transaction as what it records.

The only writer of audit entries. Writes are captured for the acting principal (set per request by
authentication, per job by the job): ORM rows by a flush listener, `install`ed on each session factory;
rows written with Core statements (the jobs' set-based writes) by their writer calling `record_writes`,
the batch form the listener uses too. Reads of social (OCMW) content are recorded explicitly by the
services that show it.
"""

from __future__ import annotations

import json
from collections.abc import Coroutine, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from typing import cast as typing_cast

from sqlalchemy import (
    BigInteger,
    DateTime,
    Table,
    Text,
    bindparam,
    case,
    cast,
    column,
    event,
    func,
    insert,
    inspect,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

from genk3600.auth.principal import Principal, system_principal
from genk3600.kit import at_commit
from genk3600.middleware import client_address_var, request_id_var
from genk3600.models import AuditEntry, Base
from genk3600.models.enums import Confidentiality
from genk3600.reference import cache as reference_cache

actor_var: ContextVar[Principal | None] = ContextVar("audit_actor", default=None)

# Bookkeeping rows that are not anybody's act (and the trail itself).
_NOT_AUDITED = {"audit_entry", "idempotency_key", "rate_limit_bucket", "outbox_event", "webhook_delivery"}
# Personal data and secrets stay out of the trail's change lists: the trail says *that* they changed.
# Personal data too: an erased citizen must not live on in an append-only trail that cannot be erased.
_REDACTED = {
    "key_hash",
    "secret",
    "access_code_hash",
    "national_number_hash",
    "national_number_masked",
    "content",
    "body",
    "subject",
    "given_name",
    "family_name",
    "email",
    "phone",
    "channel_details",
    "filename",
    "to_address",
    "caller_number",
    "question",
    "postal_address",
    "representative_name",
    "source_reference",
}


_TABLE = typing_cast(Table, AuditEntry.__table__)
_COLUMNS = (
    "actor_kind",
    "actor_id",
    "actor_name",
    "actor_positions",
    "action",
    "target_type",
    "target_id",
    "changes",
    "reason",
    "request_id",
    "client_address",
)
# Any number of entries in one INSERT … SELECT from ONE JSON array of the entries (objects keyed by column; a
# missing key or null is NULL), expanded in order: one statement, built once. One parameter encoded in one
# `json.dumps` call: with one array per column the driver checked every element of every array (#16).
_ROWS = (
    func.jsonb_array_elements(cast(bindparam("audit_entries", type_=Text), JSONB))
    .table_valued(column("value", JSONB), with_ordinality="n")
    .render_derived("entry")
)


def _field(name: str) -> Any:
    key: Any = literal_column(f"'{name}'")
    if name == "changes":
        # The entry's changes (None, or no key: the column's empty object).
        return func.coalesce(
            func.nullif(_ROWS.c.value.op("->")(key), literal_column("'null'::jsonb")), literal({}, JSONB)
        )
    text = _ROWS.c.value.op("->>")(key)
    return cast(text, BigInteger) if name == "actor_id" else text


_INSERT = insert(_TABLE).from_select(list(_COLUMNS), select(*(_field(name) for name in _COLUMNS)).order_by(_ROWS.c.n))
AUDIT = "audit"


def _parameters(entries: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    # Entries hold JSON-safe values only (scalars, `_plain` changes): the whole list in one call.
    return {"audit_entries": json.dumps(entries, ensure_ascii=False)}


def _write_collected(session: Session, entries: list[dict[str, Any]]) -> None:
    session.connection().execute(_INSERT, _parameters(entries))


at_commit.register(AUDIT, _write_collected, at_commit.Part(_INSERT, _parameters))


async def _store(session: AsyncSession, entries: list[dict[str, Any]]) -> None:
    """Entries of this transaction: kept for its commit where the session collects, else written now."""
    if entries and not at_commit.add(session, AUDIT, entries):
        await session.execute(_INSERT, _parameters(entries))


def _actor_fields() -> dict[str, Any]:
    actor = actor_var.get()
    if actor is None:
        return {"actor_kind": "system", "actor_id": None, "actor_name": "unknown", "actor_positions": None}
    positions = ",".join(sorted({m.position.value for m in actor.memberships})) or None
    return {
        "actor_kind": actor.kind,
        "actor_id": actor.id if actor.kind != "system" else None,
        "actor_name": actor.display_name,
        "actor_positions": positions,
    }


# Exact types first: set-based writers (the SLA sweeper) pass thousands of values per batch through `_plain`.
_SCALARS = frozenset({type(None), bool, int, float, str})


def _plain(value: Any) -> Any:
    """JSON-safe form of a column value."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        return {str(key): item if type(item) in _SCALARS else _plain(item) for key, item in value.items()}
    if kind is datetime:
        return value.isoformat()
    if kind is list:  # an update's {"from": [...], "to": [...]}
        return [item if type(item) in _SCALARS else _plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Write:
    """One row written: what the trail records of it (changes as given, redacted and made JSON-safe there)."""

    action: str  # insert, update, delete
    target_type: str  # the table
    target_id: str | None
    changes: Mapping[str, Any]


def inserted(table: str, row_id: object, values: Mapping[str, Any]) -> Write:
    """A row inserted with these column values."""
    return Write("insert", table, _key(row_id), {"id": row_id, **values})


def updated(table: str, row_id: object, before: Mapping[str, Any], after: Mapping[str, Any]) -> Write:
    """A row updated: the columns written, each from its value `before` (when known) to `after`."""
    changes = {
        column: {"from": [before[column]] if column in before else [], "to": [value]} for column, value in after.items()
    }
    return Write("update", table, _key(row_id), changes)


def deleted(table: str, row_id: object) -> Write:
    return Write("delete", table, _key(row_id), {})


def _key(row_id: object) -> str | None:
    return None if row_id is None else str(row_id)


REDACTED = "<redacted>"


def _redacted(write: Write) -> dict[str, Any]:
    # A scalar is its own JSON-safe form: most of a new row's ~30 columns, so `_plain` is not called for them.
    return {
        key: REDACTED if key in _REDACTED else value if type(value) in _SCALARS else _plain(value)
        for key, value in write.changes.items()
    }


def _entries(writes: Iterable[Write]) -> list[dict[str, Any]]:
    actor = _actor_fields()
    request_id, client_address = request_id_var.get(), client_address_var.get()
    return [
        {
            **actor,
            "action": write.action,
            "target_type": write.target_type,
            "target_id": write.target_id,
            "changes": _redacted(write),
            "request_id": request_id,
            "client_address": client_address,
        }
        for write in writes
        if write.target_type not in _NOT_AUDITED
    ]


# --- inside one statement --------------------------------------------------------------------------------------
# A hot write that is a single statement (a CTE: the claim of queues/repository.py) writes its audit entries in
# that same statement: their targets' ids are only known inside it. The statement selects what each entry is
# (action, target type and id, changes as JSONB, already free of redacted fields); the actor, the request and
# the client come as bind parameters from `statement_parameters`.
STATEMENT_COLUMNS = ("action", "target_type", "target_id", "changes")
_ACTOR_PARAMETERS: dict[str, Any] = {
    "actor_kind": Text,
    "actor_id": BigInteger,
    "actor_name": Text,
    "actor_positions": Text,
    "request_id": Text,
    "client_address": Text,
}


def insert_from(entries: Any) -> Any:
    """The INSERT of one audit entry per row of `entries` (a subquery or CTE with STATEMENT_COLUMNS and `n`, the
    order), by the actor of `statement_parameters`: for a data-modifying CTE, compiled once by its caller."""
    names = [*_ACTOR_PARAMETERS, *STATEMENT_COLUMNS]
    actor: list[Any] = [bindparam(f"audit_{name}", type_=kind) for name, kind in _ACTOR_PARAMETERS.items()]
    return insert(_TABLE).from_select(
        names, select(*actor, *(entries.c[name] for name in STATEMENT_COLUMNS)).order_by(entries.c.n)
    )


def inserted_changes(rows: Any, names: Sequence[str]) -> Any:
    """What `inserted` records of a row (every column, personal data and secrets redacted), as SQL: JSONB of the
    columns `names` of `rows` (an INSERT's RETURNING as a CTE), for the entries `insert_from` writes."""
    pairs: list[Any] = []
    for name in names:
        value = rows.c[name]
        if name in _REDACTED:
            value = literal(REDACTED, Text)
        elif isinstance(value.type, DateTime):
            value = _isoformat(value)
        pairs += [literal(name, Text), value]
    return func.jsonb_build_object(*pairs)


def _isoformat(moment: Any) -> Any:
    """A timestamp as `_plain` spells it (Python's `isoformat` of the UTC value the driver returns), not as
    PostgreSQL's JSON does (which drops the trailing zeros of the fraction): one spelling on the trail."""
    utc = func.timezone(literal("UTC", Text), moment)
    fraction = case(
        # Written into the SQL, not bound: an empty string is no value for a pgbench variable (bench/ceiling.py).
        (func.extract("microseconds", moment) % 1_000_000 == 0, literal_column("''", Text)),
        else_=func.to_char(utc, literal(".US", Text)),
    )
    return func.to_char(utc, literal('YYYY-MM-DD"T"HH24:MI:SS', Text)).concat(fraction).concat("+00:00")


def statement_parameters(viewer: Principal | None = None) -> dict[str, Any]:
    """The bind parameters of `insert_from`: the current actor (or `viewer`, for a read on someone's behalf)."""
    if viewer is None:
        fields = _actor_fields()
    else:
        token = actor_var.set(viewer)
        try:
            fields = _actor_fields()
        finally:
            actor_var.reset(token)
    fields.update(request_id=request_id_var.get(), client_address=client_address_var.get())
    return {f"audit_{name}": fields[name] for name in _ACTOR_PARAMETERS}


async def record_writes(session: AsyncSession, writes: Sequence[Write]) -> None:
    """The audit entries of rows written with Core statements (bulk and set-based writes, which the ORM's
    flush does not see): one multi-row INSERT for all of them, by the current actor."""
    await _store(session, _entries(writes))


def _orm_write(row: Base, action: str) -> Write:
    state = inspect(row)
    # In after_flush new rows carry their keys but no identity yet: read the key columns themselves.
    identity = state.mapper.primary_key_from_instance(row)
    target_id = ",".join(str(part) for part in identity) if any(p is not None for p in identity) else None
    changes: dict[str, Any] = {}
    if action != "delete":
        for attribute in state.mapper.column_attrs:
            key = attribute.key
            history = state.attrs[key].history
            if action == "update":
                if history.has_changes():
                    changes[key] = {"from": list(history.deleted), "to": list(history.added)}
            else:
                changes[key] = state.attrs[key].value
    return Write(action, row.__tablename__, target_id, changes)


def _audit_flush(session: Session, flush_context: UOWTransaction) -> None:
    """After each flush, every inserted, updated or deleted ORM row becomes an audit entry."""
    writes = [
        *(_orm_write(row, "insert") for row in session.new if isinstance(row, Base)),
        *(_orm_write(row, "update") for row in session.dirty if isinstance(row, Base) and session.is_modified(row)),
        *(_orm_write(row, "delete") for row in session.deleted if isinstance(row, Base)),
    ]
    entries = _entries(writes)
    if entries and not at_commit.add(session, AUDIT, entries):
        _write_collected(session, entries)


class AuditedSession(Session):
    """The session class of every session factory the trail is installed on (see `install`)."""


def install(factory: async_sessionmaker[Any] | sessionmaker[Any]) -> None:
    """Put the audit trail on every session `factory` makes: each ORM flush writes its audit entries.

    Called where session factories are made (db.Database, the tests' fixtures). Core statements are not
    seen by a flush; their writers call `record_writes` themselves.
    """
    if isinstance(factory, async_sessionmaker):
        current = factory.kw.get("sync_session_class")
        if current is not None and not issubclass(current, AuditedSession):
            raise TypeError(f"cannot audit sessions of class {current.__name__}")
        factory.configure(sync_session_class=AuditedSession)
        target: Any = AuditedSession
    else:
        target = factory
    if not event.contains(target, "after_flush", _audit_flush):
        event.listen(target, "after_flush", _audit_flush)
    # The same sessions collect their audit and outbox rows for the commit, and notice their own writes of
    # reference data (which the in-process cache must not answer for in that transaction).
    at_commit.install(target)
    reference_cache.install(target)


async def audit_read(session: Any, viewer: Principal, target_type: str, target_id: str, confidentiality: str) -> None:
    """Record that `viewer` saw social content (normal content is not logged on read)."""
    if confidentiality != Confidentiality.social.value:
        return
    await _store(session, [_read_entry(viewer, target_type, target_id)])


def _read_entry(viewer: Principal, target_type: str, target_id: str | None, **more: Any) -> dict[str, Any]:
    """A read by `viewer` (not the request's actor: a job or a stream may read on someone's behalf)."""
    token = actor_var.set(viewer)
    try:
        values = _actor_fields()
    finally:
        actor_var.reset(token)
    return {
        **values,
        "action": "read",
        "target_type": target_type,
        "target_id": target_id,
        "request_id": request_id_var.get(),
        "client_address": client_address_var.get(),
        **more,
    }


async def audit_reads(
    session: Any,
    viewer: Principal,
    via: str,
    tickets: Iterable[tuple[int, str]],
    *,
    always: bool = False,
    target_type: str = "ticket",
    details: dict[str, Any] | None = None,
) -> None:
    """Record in one entry that `viewer` saw the social tickets among `tickets` ((id, confidentiality) pairs)
    in one answer — a list page, a search, a queue, a lookup, an export; nothing if none is social, unless
    `always` (a lookup is on the record even when it shows no social content)."""
    social = sorted({ticket_id for ticket_id, confidentiality in tickets if confidentiality == Confidentiality.social})
    if not social and not always:
        return
    target_id = ",".join(str(ticket_id) for ticket_id in social) or None
    changes = {"via": via, "social_ticket_ids": social, **(details or {})}
    await _store(session, [_read_entry(viewer, target_type, target_id, changes=changes)])


async def audit_act(
    session: Any, action: str, target_type: str, target_id: str, reason: str, changes: dict[str, Any]
) -> None:
    """Record an act that is more than its row writes (an erasure, a legal hold) with its reason."""
    entry = {
        **_actor_fields(),
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "reason": reason,
        "changes": _plain(changes),
        "request_id": request_id_var.get(),
        "client_address": client_address_var.get(),
    }
    await _store(session, [entry])


async def as_actor(name: str, job: Coroutine[Any, Any, None]) -> None:
    """Run a background job with its own name on the audit trail."""
    actor_var.set(system_principal(name))
    await job
