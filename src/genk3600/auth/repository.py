from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, selectinload

from genk3600.models import ApiClient, Staff
from genk3600.reference.cache import CACHE


async def api_client_by_key_hash(session: AsyncSession, key_hash: str) -> ApiClient | None:
    """The API client of a key, from the in-process reference cache (shared: read it, never change it)."""
    clients: dict[str, ApiClient] = await CACHE.get(session, "api_clients", _api_clients)
    return clients.get(key_hash)


def _api_clients(session: Session) -> dict[str, ApiClient]:
    return {client.key_hash: client for client in session.scalars(select(ApiClient))}


async def api_client_by_name(session: AsyncSession, name: str) -> ApiClient | None:
    return await session.scalar(select(ApiClient).where(ApiClient.name == name))


async def touch_api_client(session: AsyncSession, client_id: int, now: datetime, stale_before: datetime) -> None:
    # Written at most every few minutes, so reads do not turn into a write per request.
    await session.execute(
        update(ApiClient)
        .where(ApiClient.id == client_id)
        .where(or_(ApiClient.last_used_at.is_(None), ApiClient.last_used_at < stale_before))
        .values(last_used_at=now)
    )


async def staff_for_token(session: AsyncSession, subject: str, verified_email: str | None) -> Staff | None:
    """The staff member linked to the token's `sub`; failing that, and only for an e-mail address the identity
    provider verified, the staff member with that e-mail who has no linked subject yet."""
    # A linked subject is the identity: another `sub` with the same e-mail (a second account at the provider,
    # an address reused later) must not sign in as that person.
    conditions = [Staff.oidc_subject == subject]
    if verified_email:
        conditions.append(and_(Staff.email == verified_email.lower(), Staff.oidc_subject.is_(None)))
    rows = await session.scalars(
        select(Staff).options(selectinload(Staff.memberships)).where(or_(*conditions)).order_by(Staff.id)
    )
    matches = list(rows)
    by_subject = [staff for staff in matches if staff.oidc_subject == subject]
    preferred = by_subject or matches
    return preferred[0] if preferred else None
