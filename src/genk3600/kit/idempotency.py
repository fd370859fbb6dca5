"""`Idempotency-Key` on creating POSTs: a retry gets the first response again, never a second record.

A response model may name fields in `never_stored` (a ClassVar): those are stored, and so replayed, as null.

The key is claimed inside the request's own transaction. A concurrent retry's INSERT waits on the
primary key until the first request commits (then replays its response) or rolls back (then runs itself).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, TypeVar, cast

from fastapi import Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import DateTime, Integer, Table, Text, bindparam, column, func, literal_column, null, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session as SyncSession

from genk3600.auth.dependencies import AppClock, AppSettings, CurrentPrincipal
from genk3600.auth.principal import Principal
from genk3600.config import Settings
from genk3600.db import Session
from genk3600.errors import Conflict
from genk3600.i18n.catalogue import P_
from genk3600.kit import at_commit
from genk3600.kit.clock import Clock
from genk3600.kit.prepared import Prepared
from genk3600.models import IdempotencyKey

REPLAYED_HEADER = "Idempotent-Replayed"
RECORD = "idempotency"
_Record = tuple[str, str, int, dict[str, Any], dict[str, str]]  # principal, key, status, response, headers

# The responses to remember (any number, one statement, built once): one array per column, unnested.
_RECORDS = (
    func.unnest(
        bindparam("i_principal", type_=ARRAY(Text)),
        bindparam("i_key", type_=ARRAY(Text)),
        bindparam("i_status_code", type_=ARRAY(Integer)),
        bindparam("i_response", type_=ARRAY(Text)),
        bindparam("i_headers", type_=ARRAY(Text)),
    )
    .table_valued(
        column("principal", Text),
        column("key", Text),
        column("status_code", Integer),
        column("response", Text),
        column("headers", Text),
    )
    .render_derived("record")
)
_IDEMPOTENCY_KEY = cast(Table, IdempotencyKey.__table__)
_REMEMBER = (
    update(_IDEMPOTENCY_KEY)
    .where(_IDEMPOTENCY_KEY.c.principal == _RECORDS.c.principal, _IDEMPOTENCY_KEY.c.key == _RECORDS.c.key)
    .values(
        status_code=_RECORDS.c.status_code,
        response=sql_cast(_RECORDS.c.response, JSONB),
        headers=sql_cast(_RECORDS.c.headers, JSONB),
    )
)


def _parameters(records: list[_Record]) -> dict[str, list[Any]]:
    return {
        "i_principal": [record[0] for record in records],
        "i_key": [record[1] for record in records],
        "i_status_code": [record[2] for record in records],
        "i_response": [json.dumps(record[3]) for record in records],
        "i_headers": [json.dumps(record[4]) for record in records],
    }


def _write_records(session: SyncSession, records: list[_Record]) -> None:
    session.connection().execute(_REMEMBER, _parameters(records))


at_commit.register(RECORD, _write_records, at_commit.Part(_REMEMBER, _parameters))


def _claim_statement() -> Prepared:
    """One statement, built once: a new key is inserted, an expired one is taken over as if new, a live one is
    left alone (no row returned). A concurrent first request's row lock makes this wait until it commits."""
    claim = insert(IdempotencyKey).values(
        principal=bindparam("principal", type_=Text),
        key=bindparam("key", type_=Text),
        fingerprint=bindparam("fingerprint", type_=Text),
        expires_at=bindparam("expires_at", type_=DateTime(timezone=True)),
    )
    return Prepared.of(
        claim.on_conflict_do_update(
            index_elements=[IdempotencyKey.principal, IdempotencyKey.key],
            set_={
                "fingerprint": claim.excluded.fingerprint,
                "expires_at": claim.excluded.expires_at,
                "status_code": null(),
                "response": null(),
                "headers": literal_column("'{}'::jsonb"),
                "created_at": func.now(),
            },
            where=IdempotencyKey.expires_at < bindparam("now", type_=DateTime(timezone=True)),
        ).returning(IdempotencyKey.key)
    )


_CLAIM = _claim_statement()
ModelT = TypeVar("ModelT", bound=BaseModel)


class IdempotencyKeyReused(Conflict):
    title = "Idempotency key reused"
    slug = "idempotency-key-reused"


@dataclass
class Idempotency:
    session: AsyncSession
    principal: str
    key: str | None
    fingerprint: str
    ttl: timedelta
    clock: Clock

    async def replay(self) -> JSONResponse | None:
        """The stored response if this key was used before; None if this request is the first."""
        if self.key is None:
            return None
        now = self.clock.now()
        claimed = (
            await _CLAIM.fetch(
                self.session,
                principal=self.principal,
                key=self.key,
                fingerprint=self.fingerprint,
                expires_at=now + self.ttl,
                now=now,
            )
        ).first()
        if claimed is not None:
            return None
        # A retry (the rare path) builds its statement here; the first request does not pay for it.
        where = (IdempotencyKey.principal == self.principal, IdempotencyKey.key == self.key)
        earlier = await self.session.scalar(select(IdempotencyKey).where(*where))
        if earlier is None or earlier.fingerprint != self.fingerprint:
            raise IdempotencyKeyReused(
                P_("This Idempotency-Key was already used for a different request; use a new key for new data.")
            )
        if earlier.status_code is None or earlier.response is None:
            raise IdempotencyKeyReused(P_("The first request with this Idempotency-Key is still being processed."))
        headers = {**earlier.headers, REPLAYED_HEADER: "true"}
        return JSONResponse(earlier.response, status_code=earlier.status_code, headers=headers)

    async def create(
        self,
        response: Response,
        produce: Callable[[], Awaitable[ModelT]],
        location: Callable[[ModelT], str] | None = None,
        status_code: Callable[[ModelT], int] | int = 201,
    ) -> ModelT | JSONResponse:
        """The whole creating-POST dance: replay a known key, or produce, set Location, and remember."""
        if (replayed := await self.replay()) is not None:
            return replayed
        created = await produce()
        response.status_code = status_code(created) if callable(status_code) else status_code
        headers = {}
        if location is not None:
            headers["Location"] = response.headers["Location"] = location(created)
        await self.remember(response.status_code, created, headers)
        return created

    async def remember(self, status_code: int, body: BaseModel, headers: dict[str, str] | None = None) -> None:
        """Store the response so that retries with this key replay it."""
        if self.key is None:
            return
        response: dict[str, Any] = body.model_dump(mode="json")
        # Secrets shown once (a citizen's access code) are not kept in clear here either: a replay shows null.
        for name in getattr(body, "never_stored", ()):
            if name in response:
                response[name] = None
        record = (self.principal, self.key, status_code, response, headers or {})
        # Written at the commit with the transaction's audit entries and outbox events, in one statement.
        if not at_commit.add(self.session, RECORD, [record]):
            await self.session.run_sync(_write_records, [record])


IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Any unique string (e.g. a UUID). A retry with the same key and body returns the "
        "first response (with `Idempotent-Replayed: true`); the same key with another body answers 409.",
    ),
]


async def idempotency(
    request: Request,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    principal: CurrentPrincipal,
    key: IdempotencyKeyHeader = None,
) -> Idempotency:
    return await idempotency_of(request, session, settings, clock, principal, key)


async def idempotency_of(
    request: Request, session: AsyncSession, settings: Settings, clock: Clock, principal: Principal, key: str | None
) -> Idempotency:
    """The guard for this request (what the `IdempotencyGuard` dependency gives), for a route that takes the
    Idempotency-Key header itself (`IdempotencyKeyHeader`)."""
    body = await request.body()
    fingerprint = hashlib.sha256(b"\n".join([request.method.encode(), request.url.path.encode(), body])).hexdigest()
    return Idempotency(
        session=session,
        principal=f"{principal.kind}:{principal.id}",
        key=key,
        fingerprint=fingerprint,
        ttl=timedelta(hours=settings.idempotency_ttl_hours),
        clock=clock,
    )


IdempotencyGuard = Annotated[Idempotency, Depends(idempotency)]
