"""`Idempotency-Key` on creating POSTs: a retry gets the first response again, never a second record.

A response model may name fields in `never_stored` (a ClassVar): those are stored, and so replayed, as null.

The key is claimed inside the request's own transaction. A concurrent retry's INSERT waits on the
primary key until the first request commits (then replays its response) or rolls back (then runs itself).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.dependencies import AppClock, AppSettings, CurrentPrincipal
from genk3600.db import Session
from genk3600.errors import Conflict
from genk3600.i18n.catalogue import P_
from genk3600.kit.clock import Clock
from genk3600.models import IdempotencyKey

REPLAYED_HEADER = "Idempotent-Replayed"
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
        where = (IdempotencyKey.principal == self.principal, IdempotencyKey.key == self.key)
        claim = insert(IdempotencyKey).values(
            principal=self.principal, key=self.key, fingerprint=self.fingerprint, expires_at=now + self.ttl
        )
        # One statement: a new key is inserted, an expired one is taken over as if new, a live one is left
        # alone (no row returned). A concurrent first request's row lock makes this wait until it commits.
        claimed = await self.session.scalar(
            claim.on_conflict_do_update(
                index_elements=[IdempotencyKey.principal, IdempotencyKey.key],
                set_={
                    "fingerprint": claim.excluded.fingerprint,
                    "expires_at": claim.excluded.expires_at,
                    "status_code": None,
                    "response": None,
                    "headers": {},
                    "created_at": func.now(),
                },
                where=IdempotencyKey.expires_at < now,
            ).returning(IdempotencyKey.key)
        )
        if claimed is not None:
            return None
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
        await self.session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.principal == self.principal, IdempotencyKey.key == self.key)
            .values(status_code=status_code, response=response, headers=headers or {})
        )


async def idempotency(
    request: Request,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    principal: CurrentPrincipal,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            description="Any unique string (e.g. a UUID). A retry with the same key and body returns the "
            "first response (with `Idempotent-Replayed: true`); the same key with another body answers 409.",
        ),
    ] = None,
) -> Idempotency:
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
