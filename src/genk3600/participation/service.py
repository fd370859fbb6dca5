"""Participations: which role a staff member played in a contact, and who may play which role.

Authority is data, in two tables:
- `ROLES_BY_POSITION` (here): the roles each position may play. Front-office positions and administrators
  inform and register; back-office staff and case workers may also advise and decide.
- `category_decider` (database, admin API): the units that may decide on a category. Deciding needs a
  membership in one of those units *with a position that may decide*. Authority is not inherited down the
  unit tree: a decision mandate is given to a unit by name, so granting it to a parent must not silently
  extend it to every sub-service. List each unit that may decide.

Who may record a role for whom: staff record their own role; a supervisor may also record the role of a
member of a unit they supervise; API clients (and the system) must name the staff member.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.principal import Principal
from genk3600.categories.errors import CategoryNotFound
from genk3600.contacts.errors import ContactNotFound
from genk3600.errors import AndList, Phrase, Words
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import Message, render_message
from genk3600.models import Contact, Ticket
from genk3600.models.enums import Language, Position, Role, TicketEventType
from genk3600.participation import repository
from genk3600.participation.errors import (
    AuthorityMissing,
    DecisionNeedsCategory,
    NotTheirSupervisor,
    ParticipationExists,
    RoleNotForPosition,
    StaffRequired,
    UnknownStaff,
)
from genk3600.participation.repository import ParticipationRow, Seat, StaffFacts, UnitRef
from genk3600.participation.schemas import (
    DecidersIn,
    DecidersOut,
    ParticipationIn,
    ParticipationList,
    ParticipationOut,
    RoleOnTicket,
    StaffRef,
)
from genk3600.tickets import timeline
from genk3600.units.errors import UnknownUnit

_FRONT_OFFICE = frozenset({Role.informing, Role.registering})
_ALL_ROLES = frozenset(Role)

ROLES_BY_POSITION: Mapping[Position, frozenset[Role]] = MappingProxyType(
    {
        Position.agent: _FRONT_OFFICE,
        Position.supervisor: _FRONT_OFFICE,
        Position.admin: _FRONT_OFFICE,  # administering the system is not a mandate to advise or decide
        Position.back_office: _ALL_ROLES,  # deciding also needs the unit's authority for the category
        Position.case_worker: _ALL_ROLES,
    }
)


# The words of the 403 for a role a position does not play ("Front-office agents inform and register; advice
# comes from back-office staff or case workers."): catalogue texts, so it reads in the reader's language.
POSITION_PLURALS: Mapping[Position, str] = MappingProxyType(
    {
        Position.agent: P_("front-office agents"),
        Position.supervisor: P_("front-office supervisors"),
        Position.admin: P_("administrators"),
        Position.back_office: P_("back-office staff"),
        Position.case_worker: P_("case workers"),
    }
)
ROLE_VERBS: Mapping[Role, str] = MappingProxyType(
    {
        Role.informing: P_("inform"),
        Role.registering: P_("register"),
        Role.advising: P_("advise"),
        Role.deciding: P_("decide"),
    }
)
ROLE_SOURCES: Mapping[Role, str] = MappingProxyType(
    {
        Role.informing: P_("information comes"),
        Role.registering: P_("registration comes"),
        Role.advising: P_("advice comes"),
        Role.deciding: P_("decisions come"),
    }
)


class _Capitalised:
    """Words that open a sentence."""

    def __init__(self, words: Words) -> None:
        self.words = words

    def __call__(self, language: Language) -> str:
        text = self.words(language)
        return text[:1].upper() + text[1:]


def role_text(position: Position | None, role: Role) -> Message:
    """The role in one sentence for staff, as stored: "An Agent registered the facts."."""
    return Message(f"role.{role.value}", {"who": position.value if position is not None else None})


def role_explanation(position: Position | None, role: Role, language: Language = Language.en) -> str:
    """The role in one sentence for staff, in `language`."""
    return render_message(role_text(position, role), language)


def event_text(position: Position | None, role: Role, channel: str) -> Message:
    """The timeline line: "An Agent registered the facts of a phone contact."."""
    who = position.value if position is not None else None
    return Message(f"participation.{role.value}", {"who": who, "contact": channel})


def positions_for(role: Role) -> list[Position]:
    return [position for position in Position if role in ROLES_BY_POSITION[position]]


def _unit_names(units: Sequence[UnitRef]) -> AndList:
    return AndList([f"{unit.name} ({unit.code})" for unit in units])


def _not_for_position(staff: StaffFacts, role: Role, seats: Sequence[Seat]) -> RoleNotForPosition:
    positions = list(dict.fromkeys(seat.position for seat in seats))
    allowed = [r for r in Role if any(r in ROLES_BY_POSITION[p] for p in positions)]
    params: dict[str, Any]
    if not positions:
        detail = P_("{staff} holds no position in any unit, so cannot play a role in a contact.")
        params = {"staff": staff.full_name}
    else:
        detail = (
            P_(
                "{who} {can}; {source} from {by}. Deciding also needs a unit with decision authority for the "
                "ticket's category."
            )
            if role is Role.deciding
            else P_("{who} {can}; {source} from {by}.")
        )
        params = {
            "who": _Capitalised(AndList([Phrase(POSITION_PLURALS[p]) for p in positions])),
            "can": AndList([Phrase(ROLE_VERBS[r]) for r in allowed]),
            "source": Phrase(ROLE_SOURCES[role]),
            "by": AndList([Phrase(POSITION_PLURALS[p]) for p in positions_for(role)], AndList.OR),
        }
    return RoleNotForPosition(
        detail,
        params,
        role=role.value,
        positions=[p.value for p in positions],
        allowed_roles=[r.value for r in allowed],
    )


def authorising_seat(staff: StaffFacts, role: Role, category: str | None, deciders: Sequence[UnitRef]) -> Seat:
    """The membership that lets `staff` play `role`, or the 403 saying why none does.

    `category` and `deciders` matter only for `deciding`: the ticket's category code (None: no category)
    and the units holding decision authority for it.
    """
    seats: Sequence[Seat] = staff.seats
    if role is Role.deciding:
        if category is None:
            raise DecisionNeedsCategory()
        if not deciders:
            raise AuthorityMissing(
                P_(
                    "No unit holds decision authority for {category} yet; an administrator names the units that "
                    "may decide with PUT /v1/categories/{category}/deciders."
                ),
                allowed_units=[],
                category=category,
                params={"category": category},
            )
        decider_ids = {unit.id for unit in deciders}
        seats = [seat for seat in staff.seats if seat.unit.id in decider_ids]
        if not seats:
            raise AuthorityMissing(
                P_("Only staff of {units} may decide on {category} tickets; {staff} does not belong to it.")
                if len(deciders) == 1
                else P_(
                    "Only staff of {units} may decide on {category} tickets; {staff} does not belong to any of them."
                ),
                allowed_units=[unit.code for unit in deciders],
                category=category,
                params={"units": _unit_names(deciders), "category": category, "staff": staff.full_name},
            )
    for seat in seats:
        if role in ROLES_BY_POSITION[seat.position]:
            return seat
    raise _not_for_position(staff, role, seats)


def _named_staff_id(actor: Principal, data: ParticipationIn) -> int:
    if actor.kind != "staff":
        if data.staff_id is None:
            raise StaffRequired()
        return data.staff_id
    staff_id = data.staff_id or actor.id
    if staff_id != actor.id and not any(m.position is Position.supervisor for m in actor.memberships):
        raise NotTheirSupervisor(staff_id)
    return staff_id


async def _staff_playing(session: AsyncSession, actor: Principal, data: ParticipationIn) -> StaffFacts:
    """Whose role this is, after checking that the actor may record it for them."""
    staff_id = _named_staff_id(actor, data)
    staff = await repository.staff_facts(session, staff_id)
    if staff is None or not staff.active:
        raise UnknownStaff(staff_id)
    if actor.kind == "staff" and staff.id != actor.id:
        supervised = {m.unit_id for m in actor.memberships if m.position is Position.supervisor}
        if not supervised & {seat.unit.id for seat in staff.seats}:
            raise NotTheirSupervisor(staff_id)
    return staff


async def _ticket_of(session: AsyncSession, contact: Contact) -> Ticket | None:
    if contact.ticket_id is None:
        return None
    return await repository.ticket_by_id(session, contact.ticket_id)


async def record_participation(
    session: AsyncSession,
    actor: Principal,
    contact: Contact,
    data: ParticipationIn,
    language: Language = Language.en,
) -> ParticipationOut:
    """Record the role a staff member played in a contact, if their position and unit allow it."""
    if contact.id is None or inspect(contact).modified:
        await session.flush()  # inline callers: the contact (and its ticket_id) must be in the database
    staff = await _staff_playing(session, actor, data)
    ticket = await _ticket_of(session, contact)
    category: str | None = None
    deciders: list[UnitRef] = []
    if data.role is Role.deciding and ticket is not None and ticket.category_id is not None:
        category = await repository.category_code(session, ticket.category_id)
        deciders = await repository.decider_units(session, ticket.category_id)
    seat = authorising_seat(staff, data.role, category, deciders)
    participation_id = await repository.insert_participation(session, contact.id, staff.id, data.role, data.note)
    if participation_id is None:
        raise ParticipationExists(contact.id, staff.id, data.role.value)
    if ticket is not None:
        await timeline.record_event(
            session,
            ticket,
            actor,
            TicketEventType.participation_recorded,
            event_text(seat.position, data.role, contact.channel),
            {"contact_id": contact.id, "staff_id": staff.id, "role": data.role.value},
        )
    row = await repository.participation_by_id(session, participation_id)
    if row is None:  # inserted above in this transaction, so only a bug can get here
        raise RuntimeError(f"participation {participation_id} vanished within its own transaction")
    return _out(row, language)


async def record_for_contact(
    session: AsyncSession, actor: Principal, contact_id: int, data: ParticipationIn, language: Language = Language.en
) -> ParticipationOut:
    """The POST: the contact by id (404 if unknown), then `record_participation`."""
    contact = await repository.contact_by_id(session, contact_id, actor)
    if contact is None:
        raise ContactNotFound(contact_id)
    return await record_participation(session, actor, contact, data, language)


async def list_participations(
    session: AsyncSession, contact_id: int, viewer: Principal, language: Language = Language.en
) -> ParticipationList:
    """Every role recorded on a contact, oldest first."""
    if not await repository.contact_exists(session, contact_id, viewer):
        raise ContactNotFound(contact_id)
    rows = await repository.participations_of_contact(session, contact_id)
    return ParticipationList(items=[_out(row, language) for row in rows])


async def unattributed_contacts(session: AsyncSession, ticket_id: int) -> list[int]:
    """Ids of the ticket's contacts without any participation, oldest first."""
    return await repository.unattributed_contact_ids(session, ticket_id)


async def roles_on_ticket(
    session: AsyncSession, ticket_id: int, language: Language = Language.en
) -> list[RoleOnTicket]:
    """Who did what in which role on the ticket's contacts, oldest first."""
    rows = await repository.participations_on_ticket(session, ticket_id)
    return [
        RoleOnTicket(
            contact_id=row.contact_id,
            channel=row.channel,
            staff_id=row.staff_id,
            staff_name=row.staff_name,
            units=row.units,
            role=Role(row.role),
            role_explanation=_explanation(row, language),
            note=row.note,
            created_at=row.created_at,
        )
        for row in rows
    ]


def roles_from_json(items: Sequence[Mapping[str, Any]] | None, language: Language = Language.en) -> list[RoleOnTicket]:
    """`roles_on_ticket` from the JSON array a hot-path statement aggregates (tickets/repository.py): objects with
    contact_id, channel, staff_id, staff_name, units, positions, role, note and created_at, oldest first."""
    return [
        RoleOnTicket(
            contact_id=item["contact_id"],
            channel=item["channel"],
            staff_id=item["staff_id"],
            staff_name=item["staff_name"],
            units=item["units"] or [],
            role=Role(item["role"]),
            role_explanation=_explain(item["role"], item["positions"] or [], language),
            note=item["note"],
            created_at=item["created_at"],
        )
        for item in items or ()
    ]


def _explanation(row: ParticipationRow, language: Language) -> str:
    return _explain(row.role, row.positions, language)


def _explain(played: str, positions: Sequence[str], language: Language) -> str:
    # Positions are not stored per participation: name the first current position that may play the role.
    role = Role(played)
    position = next(
        (Position(p) for p in positions if role in ROLES_BY_POSITION[Position(p)]),
        None,
    )
    return role_explanation(position, role, language)


def _out(row: ParticipationRow, language: Language = Language.en) -> ParticipationOut:
    return ParticipationOut(
        id=row.id,
        contact_id=row.contact_id,
        ticket=row.ticket_reference,
        staff=StaffRef(id=row.staff_id, full_name=row.staff_name, units=row.units),
        role=Role(row.role),
        role_explanation=_explanation(row, language),
        note=row.note,
        created_at=row.created_at,
    )


async def get_deciders(session: AsyncSession, code: str) -> DecidersOut:
    """The units that may decide on a category."""
    category = await repository.category_by_code(session, code)
    if category is None:
        raise CategoryNotFound(code)
    units = await repository.decider_units(session, category.id)
    return DecidersOut(category=category.code, units=[unit.code for unit in units])


async def set_deciders(session: AsyncSession, code: str, data: DecidersIn) -> DecidersOut:
    """Replace the set of units that may decide on a category; every unit must exist and be active."""
    category = await repository.lock_category(session, code)
    if category is None:
        raise CategoryNotFound(code)
    units = await repository.active_units_by_codes(session, data.units)
    known = {unit.code for unit in units}
    missing = [unit_code for unit_code in data.units if unit_code not in known]
    if missing:
        raise UnknownUnit(*missing, active=True)
    await repository.replace_deciders(session, category.id, [unit.id for unit in units])
    return DecidersOut(category=category.code, units=[unit.code for unit in units])


async def seat_for_role(
    session: AsyncSession, actor: Principal, ticket: Ticket, data: ParticipationIn
) -> tuple[StaffFacts, Seat]:
    """Who would play `data.role` on a contact of `ticket` and in which membership, or the 403 that
    `record_participation` would answer; writes nothing (answering/ checks before it writes an answer)."""
    staff = await _staff_playing(session, actor, data)
    category: str | None = None
    deciders: list[UnitRef] = []
    if data.role is Role.deciding and ticket.category_id is not None:
        category = await repository.category_code(session, ticket.category_id)
        deciders = await repository.decider_units(session, ticket.category_id)
    return staff, authorising_seat(staff, data.role, category, deciders)
