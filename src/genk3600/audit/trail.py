"""The audit trail, written in the same transaction as what it records.

Writes are captured centrally: after each flush, every inserted, updated or deleted ORM row becomes an
audit entry for the acting principal (set per request by authentication, per job by the job). Reads of
social (OCMW) content are recorded explicitly by the services that show it.
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterable
from contextvars import ContextVar
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, UOWTransaction

from genk3600.auth.principal import Principal, system_principal
from genk3600.middleware import client_address_var, request_id_var
from genk3600.models import AuditEntry, Base
from genk3600.models.enums import Confidentiality

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
}


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


def _plain(value: Any) -> Any:
    """JSON-safe form of a column value."""
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


def _changes(row: Base, action: str) -> dict[str, Any]:
    state = inspect(row)
    changed: dict[str, Any] = {}
    for attribute in state.mapper.column_attrs:
        key = attribute.key
        history = state.attrs[key].history
        if action == "update" and not history.has_changes():
            continue
        if key in _REDACTED:
            changed[key] = "<redacted>"
            continue
        if action == "update":
            changed[key] = {"from": [_plain(v) for v in history.deleted], "to": [_plain(v) for v in history.added]}
        elif action == "insert":
            changed[key] = _plain(state.attrs[key].value)
    return changed


def _entry(row: Base, action: str) -> dict[str, Any] | None:
    table = row.__tablename__
    if table in _NOT_AUDITED:
        return None
    # In after_flush new rows carry their keys but no identity yet: read the key columns themselves.
    identity = inspect(row).mapper.primary_key_from_instance(row)
    return {
        **_actor_fields(),
        "action": action,
        "target_type": table,
        "target_id": ",".join(str(part) for part in identity) if any(p is not None for p in identity) else None,
        "changes": _changes(row, action) if action != "delete" else {},
        "request_id": request_id_var.get(),
        "client_address": client_address_var.get(),
    }


@event.listens_for(Session, "after_flush")
def _audit_flush(session: Session, flush_context: UOWTransaction) -> None:
    rows = [
        *(_entry(row, "insert") for row in session.new if isinstance(row, Base)),
        *(_entry(row, "update") for row in session.dirty if isinstance(row, Base) and session.is_modified(row)),
        *(_entry(row, "delete") for row in session.deleted if isinstance(row, Base)),
    ]
    entries = [row for row in rows if row is not None]
    if entries:
        session.connection().execute(insert(AuditEntry), entries)


async def audit_read(session: Any, viewer: Principal, target_type: str, target_id: str, confidentiality: str) -> None:
    """Record that `viewer` saw social content (normal content is not logged on read)."""
    if confidentiality != Confidentiality.social.value:
        return
    token = actor_var.set(viewer)
    try:
        values = _actor_fields()
    finally:
        actor_var.reset(token)
    await session.execute(
        insert(AuditEntry).values(
            **values,
            action="read",
            target_type=target_type,
            target_id=target_id,
            request_id=request_id_var.get(),
            client_address=client_address_var.get(),
        )
    )


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
    token = actor_var.set(viewer)
    try:
        values = _actor_fields()
    finally:
        actor_var.reset(token)
    await session.execute(
        insert(AuditEntry).values(
            **values,
            action="read",
            target_type=target_type,
            target_id=",".join(str(ticket_id) for ticket_id in social) or None,
            changes={"via": via, "social_ticket_ids": social, **(details or {})},
            request_id=request_id_var.get(),
            client_address=client_address_var.get(),
        )
    )


async def audit_act(
    session: Any, action: str, target_type: str, target_id: str, reason: str, changes: dict[str, Any]
) -> None:
    """Record an act that is more than its row writes (an erasure, a legal hold) with its reason."""
    await session.execute(
        insert(AuditEntry).values(
            **_actor_fields(),
            action=action,
            target_type=target_type,
            target_id=target_id,
            reason=reason,
            changes=changes,
            request_id=request_id_var.get(),
            client_address=client_address_var.get(),
        )
    )


async def as_actor(name: str, job: Coroutine[Any, Any, None]) -> None:
    """Run a background job with its own name on the audit trail."""
    actor_var.set(system_principal(name))
    await job
