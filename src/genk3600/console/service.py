"""Who is signed in, which calls ring at their phone, and the dev-mode sign-in of demo staff."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.principal import Principal
from genk3600.auth.tokens import issue_dev_token
from genk3600.categories.synonyms import SYNONYMS
from genk3600.citizens.service import LookupQuery, lookup
from genk3600.config import Settings
from genk3600.console import repository
from genk3600.console.schemas import (
    AgentCall,
    AgentCallList,
    CategoryChoice,
    ChoiceLists,
    DemoStaff,
    DemoStaffList,
    DevTokenOut,
    MeOut,
    UnitChoice,
    UnitMembership,
)
from genk3600.contacts.schemas import WITHHELD
from genk3600.errors import NotFound, UnprocessableInput
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import localised_name
from genk3600.kit.clock import Clock
from genk3600.models.enums import CallState, Confidentiality, Language, UnitKind

DEV_TOKEN_TTL = timedelta(hours=8)


async def who_am_i(session: AsyncSession, principal: Principal, language: Language = Language.en) -> MeOut:
    """The caller's identity and units, so the console knows which queues to show."""
    units = await repository.units_by_ids(session, {m.unit_id for m in principal.memberships})
    memberships = [
        UnitMembership.of(
            units[m.unit_id].code, units[m.unit_id].name, units[m.unit_id].names, m.position.value, language
        )
        for m in principal.memberships
        if m.unit_id in units
    ]
    return MeOut(
        kind=principal.kind,
        name=principal.name,
        email=principal.email,
        staff_id=principal.staff_id,
        memberships=memberships,
        scopes=sorted(principal.scopes, key=lambda scope: scope.value),
    )


async def calls_of_agent(
    session: AsyncSession, settings: Settings, clock: Clock, principal: Principal, states: Sequence[CallState]
) -> AgentCallList:
    """Calls the PBX put through to this staff member, each with its screen pop."""
    if principal.staff_id is None:
        raise UnprocessableInput(P_("Only a signed-in staff member has calls; an API client has no phone."))
    calls = await repository.open_calls_of_agent(session, principal.staff_id, [state.value for state in states])
    items = []
    for call in calls:
        pop = None
        if call.caller_number and call.caller_number != WITHHELD:
            pop = await lookup(session, settings.secret, clock, principal, LookupQuery(phone=call.caller_number))
        items.append(
            AgentCall(
                call_id=call.call_id,
                state=CallState(call.state),
                caller_number=call.caller_number,
                called_number=call.called_number,
                ringing_at=call.ringing_at,
                answered_at=call.answered_at,
                screen_pop=pop,
            )
        )
    return AgentCallList(items=items)


async def choice_lists(session: AsyncSession, language: Language) -> ChoiceLists:
    """Active categories (with their synonyms) and units, named in the reader's language, for the pick lists."""
    categories = await repository.active_categories(session)
    units = await repository.active_units(session)
    return ChoiceLists(
        categories=[
            CategoryChoice(
                code=category.code,
                name=localised_name(category.name, category.names, language),
                # The canonical (Dutch) name stays findable: "identiteitskaart" in a French console too.
                synonyms=_unique([*SYNONYMS.get(category.code, ()), category.name]),
                owning_unit_name=localised_name(category.owning_unit.name, category.owning_unit.names, language),
                social=category.confidentiality == Confidentiality.social,
            )
            for category in categories
        ],
        units=[
            UnitChoice(code=unit.code, name=localised_name(unit.name, unit.names, language), kind=UnitKind(unit.kind))
            for unit in units
        ],
    )


def _unique(words: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(words))


def _require_dev_mode(settings: Settings) -> None:
    # Outside dev mode these routes do not exist as far as a client can tell.
    if not settings.dev_mode:
        raise NotFound(P_("There is nothing at this address."))


async def demo_staff(session: AsyncSession, settings: Settings, language: Language = Language.en) -> DemoStaffList:
    """Dev mode only: every active staff member, for the console's sign-in picker."""
    _require_dev_mode(settings)
    staff = await repository.active_staff_with_units(session)
    return DemoStaffList(
        items=[
            DemoStaff(
                email=member.email,
                full_name=member.full_name,
                memberships=[
                    UnitMembership.of(m.unit.code, m.unit.name, m.unit.names, m.position, language)
                    for m in member.memberships
                ],
            )
            for member in staff
        ]
    )


async def dev_token(session: AsyncSession, settings: Settings, clock: Clock, email: str) -> DevTokenOut:
    """Dev mode only: a signed staff token for a demo staff member, as `genk3600 dev-token` prints."""
    _require_dev_mode(settings)
    staff = await repository.active_staff_by_email(session, email)
    if staff is None:
        raise UnprocessableInput(P_("No active staff member has the e-mail {email!r}."), params={"email": email})
    token = issue_dev_token(settings, clock, email.lower(), DEV_TOKEN_TTL, subject=staff.oidc_subject)
    return DevTokenOut(token=token, expires_in_seconds=int(DEV_TOKEN_TTL.total_seconds()))
