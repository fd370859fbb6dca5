"""FastAPI dependencies: every /v1 route declares the scope it needs through `require`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.audit.trail import actor_var
from genk3600.auth.errors import MissingCredentials, MissingScope
from genk3600.auth.keys import looks_like_api_key
from genk3600.auth.principal import Principal
from genk3600.auth.ratelimit import count_api_key_request
from genk3600.auth.service import authenticate
from genk3600.config import Settings
from genk3600.db import Session
from genk3600.i18n.catalogue import P_
from genk3600.kit.clock import Clock
from genk3600.models.enums import Scope

bearer = HTTPBearer(
    auto_error=False,
    description=("A city system's API key (`g3600_…`) or a staff member's JWT from the city's identity provider."),
)
api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="A city system's API key, as an alternative header."
)


# async: a plain `def` dependency would be run in the thread pool, a thread hop on every request.
async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(get_app_settings)]


async def get_app_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


# The app's one clock (`create_app(clock=...)`); routers pass it on to services instead of reading the time.
AppClock = Annotated[Clock, Depends(get_app_clock)]


async def current_principal(
    request: Request,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    authorization: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    api_key: Annotated[str | None, Depends(api_key_header)],
) -> Principal:
    return await authenticated(request, session, settings, clock, authorization, api_key)


async def authenticated(
    request: Request,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    authorization: HTTPAuthorizationCredentials | None,
    api_key: str | None,
) -> Principal:
    """The caller, from the bearer token or the X-API-Key header (what `current_principal` answers)."""
    credential = authorization.credentials if authorization else api_key
    if not credential:
        raise MissingCredentials(
            P_("Send an API key (Authorization: Bearer g3600_… or X-API-Key) or a staff bearer token.")
        )
    if looks_like_api_key(credential):
        await count_api_key_request(request, settings, clock, credential)
    principal = await authenticate(session, settings, clock, credential)
    # Every row this request writes is audited as this principal's act.
    actor_var.set(principal)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(scope: Scope) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets the call through only with `scope`."""

    async def check(principal: CurrentPrincipal) -> Principal:
        return with_scope(principal, scope)

    return check


def with_scope(principal: Principal, scope: Scope) -> Principal:
    if not principal.has(scope):
        raise MissingScope(
            P_("This operation needs the '{scope}' scope, which your credentials lack."),
            params={"scope": scope.value},
        )
    return principal


ContactWriter = Annotated[Principal, Depends(require(Scope.contacts_write))]
TicketReader = Annotated[Principal, Depends(require(Scope.tickets_read))]
TicketWriter = Annotated[Principal, Depends(require(Scope.tickets_write))]
Admin = Annotated[Principal, Depends(require(Scope.admin))]
Auditor = Annotated[Principal, Depends(require(Scope.audit_read))]
SubjectAccess = Annotated[Principal, Depends(require(Scope.citizens_export))]
Steward = Annotated[Principal, Depends(require(Scope.citizens_merge))]
