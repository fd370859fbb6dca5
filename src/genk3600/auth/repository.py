from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, true, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from genk3600.models import ApiClient, Staff, StaffMembership
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
    # Written at most every few minutes, so reads do not turn into a write per request. The request that stamps
    # the row holds it (and, through the reference trigger, the reference version) until it commits; concurrent
    # requests of the same key that saw the same stale stamp skip it instead of queueing behind that request.
    # Only a row actually locked here is updated: an UPDATE that matches nothing still fires the statement trigger.
    stale = await session.scalar(
        select(ApiClient.id)
        .where(ApiClient.id == client_id)
        .where(or_(ApiClient.last_used_at.is_(None), ApiClient.last_used_at < stale_before))
        .with_for_update(key_share=True, skip_locked=True)
    )
    if stale is not None:
        await session.execute(update(ApiClient).where(ApiClient.id == client_id).values(last_used_at=now))


@dataclass(frozen=True)
class StaffSignIn:
    """What signing a staff member in needs: who they are and their memberships (unit id, position)."""

    id: int
    full_name: str
    email: str
    oidc_subject: str | None
    active: bool
    memberships: tuple[tuple[int, str], ...]  # in membership order


@dataclass(frozen=True)
class _StaffBook:
    """Every staff member with their memberships, by linked subject and by e-mail (those without a subject)."""

    by_subject: dict[str, StaffSignIn]
    unlinked_by_email: dict[str, list[StaffSignIn]]  # in id order


def _staff_book(session: Session) -> _StaffBook:
    memberships = (
        select(
            func.array_agg(aggregate_order_by(StaffMembership.unit_id, StaffMembership.id)),
            func.array_agg(aggregate_order_by(StaffMembership.position, StaffMembership.id)),
        )
        .where(StaffMembership.staff_id == Staff.id)
        .correlate(Staff)
        .lateral("memberships")
    )
    rows = session.execute(
        select(
            Staff.id,
            Staff.full_name,
            Staff.email,
            Staff.oidc_subject,
            Staff.active,
            memberships.c[0].label("unit_ids"),
            memberships.c[1].label("positions"),
        )
        .select_from(Staff)
        .join(memberships, true())
        .order_by(Staff.id)
    )
    book = _StaffBook({}, {})
    for row in rows:
        staff = StaffSignIn(
            row.id,
            row.full_name,
            row.email,
            row.oidc_subject,
            row.active,
            tuple(zip(row.unit_ids or (), row.positions or (), strict=True)),
        )
        if staff.oidc_subject is not None:
            book.by_subject[staff.oidc_subject] = staff
        else:
            book.unlinked_by_email.setdefault(staff.email, []).append(staff)
    return book


async def staff_for_token(session: AsyncSession, subject: str, verified_email: str | None) -> StaffSignIn | None:
    """The staff member linked to the token's `sub`; failing that, and only for an e-mail address the identity
    provider verified, the staff member with that e-mail who has no linked subject yet. From the in-process
    reference cache (migration 0028: every change of staff or memberships moves the reference version on), so
    signing in costs no statement while the version holds."""
    # A linked subject is the identity: another `sub` with the same e-mail (a second account at the provider,
    # an address reused later) must not sign in as that person. No verified e-mail: nobody by e-mail.
    book: _StaffBook = await CACHE.get(session, "staff_sign_in", _staff_book)
    linked = book.by_subject.get(subject)
    if linked is not None:
        return linked
    if not verified_email:
        return None
    unlinked = book.unlinked_by_email.get(verified_email.lower())
    return unlinked[0] if unlinked else None
