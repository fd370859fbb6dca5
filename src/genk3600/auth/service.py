"""Authentication: turn a credential into a Principal; manage API clients."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth import repository
from genk3600.auth.errors import InvalidCredentials
from genk3600.auth.keys import (
    display_prefix,
    generate_api_key,
    hash_api_key,
    looks_like_api_key,
)
from genk3600.auth.principal import Membership, Principal, staff_scopes
from genk3600.auth.tokens import verify_staff_token
from genk3600.config import Settings
from genk3600.errors import Conflict
from genk3600.i18n.catalogue import P_
from genk3600.kit.clock import Clock
from genk3600.models import ApiClient
from genk3600.models.enums import Position, Scope
from genk3600.units.errors import UnknownUnit
from genk3600.units.repository import unit_by_code

LAST_USED_RESOLUTION = timedelta(minutes=5)


async def authenticate(session: AsyncSession, settings: Settings, clock: Clock, credential: str) -> Principal:
    """Resolve an API key or a staff bearer token to the caller."""
    if looks_like_api_key(credential):
        return await _authenticate_api_key(session, clock, credential)
    return await _authenticate_staff(session, settings, clock, credential)


async def _authenticate_api_key(session: AsyncSession, clock: Clock, key: str) -> Principal:
    client = await repository.api_client_by_key_hash(session, hash_api_key(key))
    if client is None or not client.active:
        raise InvalidCredentials(P_("The API key is unknown or has been revoked."))
    now = clock.now()
    # The row just read says whether the stamp is stale: a fresh one costs no statement at all.
    if client.last_used_at is None or client.last_used_at < now - LAST_USED_RESOLUTION:
        await repository.touch_api_client(session, client.id, now, now - LAST_USED_RESOLUTION)
    return Principal(
        kind="api_client",
        id=client.id,
        name=client.name,
        scopes=frozenset(Scope(scope) for scope in client.scopes),
        unit_id=client.unit_id,
    )


async def _authenticate_staff(session: AsyncSession, settings: Settings, clock: Clock, token: str) -> Principal:
    claims = await verify_staff_token(settings, token, clock.now())
    email = claims.get("email")
    # Only a provider-verified address may stand in for a subject not linked yet (`true`, not a truthy string).
    verified = email if isinstance(email, str) and claims.get("email_verified") is True else None
    staff = await repository.staff_for_token(session, str(claims["sub"]), verified)
    if staff is None or not staff.active:
        raise InvalidCredentials(P_("The token is valid, but no active staff member matches it."))
    memberships = tuple(Membership(unit_id, Position(position)) for unit_id, position in staff.memberships)
    return Principal(
        kind="staff",
        id=staff.id,
        name=staff.full_name,
        email=staff.email,
        scopes=staff_scopes({m.position for m in memberships}),
        memberships=memberships,
    )


async def create_api_client(
    session: AsyncSession,
    name: str,
    scopes: list[Scope],
    unit_code: str | None = None,
    key: str | None = None,
) -> tuple[ApiClient, str]:
    """Register a city system; returns the client and its key, which is shown once and stored hashed."""
    if await repository.api_client_by_name(session, name) is not None:
        raise Conflict(P_("An API client named {name!r} already exists."), params={"name": name})
    unit_id = None
    if unit_code is not None:
        unit = await unit_by_code(session, unit_code)
        if unit is None:
            raise UnknownUnit(unit_code)
        unit_id = unit.id
    key = key or generate_api_key()
    client = ApiClient(
        name=name,
        key_prefix=display_prefix(key),
        key_hash=hash_api_key(key),
        scopes=sorted({scope.value for scope in scopes}),
        unit_id=unit_id,
    )
    session.add(client)
    await session.flush()
    return client, key
