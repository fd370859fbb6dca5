"""Find the citizen a contact is from, or register them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.citizens import repository
from genk3600.citizens.identifiers import masked_national_number, national_number_hash
from genk3600.citizens.schemas import CitizenIdentification
from genk3600.models import Citizen
from genk3600.models.enums import Language


async def match_or_register(session: AsyncSession, secret: bytes, who: CitizenIdentification) -> Citizen:
    """Match by national number, then e-mail, then phone; fill in what we did not know yet."""
    digest = national_number_hash(secret, who.national_number) if who.national_number else None
    citizen = None
    if digest:
        citizen = await repository.citizen_by_national_number_hash(session, digest)
    if citizen is None and who.email:
        citizen = await repository.citizen_by_email(session, who.email)
        # An e-mail match must not merge two different registered people.
        if citizen is not None and digest and citizen.national_number_hash not in (None, digest):
            citizen = None
    if citizen is None and who.phone:
        citizen = await repository.citizen_by_phone(session, who.phone)
        if citizen is not None and digest and citizen.national_number_hash not in (None, digest):
            citizen = None
    if citizen is None:
        citizen = Citizen(preferred_language=(who.preferred_language or Language.nl).value)
        session.add(citizen)
    _complete(citizen, who, digest)
    await session.flush()
    return citizen


def _complete(citizen: Citizen, who: CitizenIdentification, digest: str | None) -> None:
    if digest and who.national_number and citizen.national_number_hash is None:
        citizen.national_number_hash = digest
        citizen.national_number_masked = masked_national_number(who.national_number)
    citizen.email = citizen.email or who.email
    citizen.phone = citizen.phone or who.phone
    citizen.given_name = citizen.given_name or who.given_name
    citizen.family_name = citizen.family_name or who.family_name
    if who.preferred_language is not None:
        citizen.preferred_language = who.preferred_language.value
