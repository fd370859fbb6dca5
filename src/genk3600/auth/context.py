"""One dependency for a hot route's whole request context: its transaction, the settings, the clock and the
caller with the scope the route needs (#16).

Elsewhere these are five to eight dependencies (`Session` with its `RequestDeadline`, `AppSettings`,
`AppClock`, `current_principal`, `require(scope)`), and FastAPI's bookkeeping per dependency (cache keys,
scope checks, an exit-stack entry per generator) was about a tenth of a web intake's CPU. This one async
generator does what they do, in the same order: the request's database deadline, its session (the
autocommitting one for AUTOCOMMIT_OPERATIONS), the caller from the bearer token or X-API-Key (rate limit and
audit actor included), the scope check; then, once the endpoint has returned, the commit, before the response
leaves (`scope="function"`), or the rollback on any error. The bearer and X-API-Key security schemes stay
dependencies of their own, so the route's OpenAPI security is what it was.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.dependencies import api_key_header, authenticated, bearer, with_scope
from genk3600.auth.principal import Principal
from genk3600.config import Settings
from genk3600.db import deadline_of, request_transaction
from genk3600.kit.clock import Clock
from genk3600.models.enums import Scope


@dataclass(frozen=True, slots=True)
class RequestContext:
    session: AsyncSession
    settings: Settings
    clock: Clock
    principal: Principal


def context_requiring(scope: Scope | None) -> Callable[..., AsyncIterator[RequestContext]]:
    """The request's context, letting the call through only with `scope` (as `require(scope)` does); with None,
    any authenticated caller (as `CurrentPrincipal` does)."""

    async def context(
        request: Request,
        authorization: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
        api_key: Annotated[str | None, Depends(api_key_header)],
    ) -> AsyncIterator[RequestContext]:
        state = request.app.state
        settings: Settings = state.settings
        clock: Clock = state.clock
        async with deadline_of(request), request_transaction(request) as session:
            principal = await authenticated(request, session, settings, clock, authorization, api_key)
            yield RequestContext(session, settings, clock, principal if scope is None else with_scope(principal, scope))

    return context


# scope="function", as `Session`: the commit runs when the endpoint returns, before the response is sent.
ContactWriting = Annotated[RequestContext, Depends(context_requiring(Scope.contacts_write), scope="function")]
TicketReading = Annotated[RequestContext, Depends(context_requiring(Scope.tickets_read), scope="function")]
# Any authenticated caller, the route deciding what it lets them do (claim-next: staff only).
Caller = Annotated[RequestContext, Depends(context_requiring(None), scope="function")]
