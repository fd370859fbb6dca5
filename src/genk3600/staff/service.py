"""Administration of staff members and their positions in units."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.i18n.catalogue import P_
from genk3600.kit.pagination import PageParams, page_of
from genk3600.models import Staff, StaffMembership
from genk3600.models.enums import Language
from genk3600.staff import repository
from genk3600.staff.errors import StaffExists, StaffNotFound
from genk3600.staff.schemas import StaffChange, StaffIn, StaffOut, StaffPage
from genk3600.units.errors import UnknownUnit
from genk3600.units.repository import units_by_codes


async def create_staff(session: AsyncSession, data: StaffIn, language: Language = Language.en) -> StaffOut:
    """Add a staff member with positions in existing units."""
    if await repository.staff_by_email(session, data.email) is not None:
        raise StaffExists(
            P_("A staff member with e-mail {email!r} already exists."), params={"email": data.email}, email=data.email
        )
    if data.oidc_subject is not None:
        await _subject_free(session, data.oidc_subject)
    units = await units_by_codes(session, {membership.unit for membership in data.memberships})
    for membership in data.memberships:
        if membership.unit not in units:
            raise UnknownUnit(membership.unit)
    staff = Staff(
        email=data.email,
        full_name=data.full_name,
        languages=[language.value for language in data.languages],
        oidc_subject=data.oidc_subject,
        memberships=[StaffMembership(unit=units[m.unit], position=m.position.value) for m in data.memberships],
    )
    session.add(staff)
    await session.flush()
    return await get_staff(session, staff.id, language)


async def change_staff(
    session: AsyncSession, staff_id: int, change: StaffChange, language: Language = Language.en
) -> StaffOut:
    """Mark someone absent or back, (in)active, or change their languages."""
    staff = await repository.staff_by_id(session, staff_id)
    if staff is None:
        raise StaffNotFound(staff_id)
    if change.absent is not None:
        staff.absent = change.absent
    if change.active is not None:
        staff.active = change.active
    if change.languages is not None:
        staff.languages = list(dict.fromkeys(language.value for language in change.languages))
    if "oidc_subject" in change.model_fields_set and change.oidc_subject != staff.oidc_subject:
        if change.oidc_subject is not None:
            await _subject_free(session, change.oidc_subject)
        staff.oidc_subject = change.oidc_subject
    await session.flush()
    return StaffOut.of(staff, language)


async def _subject_free(session: AsyncSession, subject: str) -> None:
    # The unique constraint backs this up for a concurrent admin (its IntegrityError is a 409 too).
    if await repository.staff_by_oidc_subject(session, subject) is not None:
        raise StaffExists(P_("Another staff member is already linked to that OIDC subject."))


async def get_staff(session: AsyncSession, staff_id: int, language: Language = Language.en) -> StaffOut:
    """One staff member with their units."""
    staff = await repository.staff_by_id(session, staff_id)
    if staff is None:
        raise StaffNotFound(staff_id)
    return StaffOut.of(staff, language)


async def list_staff(session: AsyncSession, params: PageParams, language: Language = Language.en) -> StaffPage:
    """All staff, oldest first."""
    rows = await repository.list_staff(session, params)
    return page_of(StaffPage, rows, params, lambda staff: staff.id, lambda staff: StaffOut.of(staff, language))
