from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Text,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from genk3600.auth.principal import Principal
from genk3600.kit.prepared import Prepared
from genk3600.models import Call, Citizen, Contact, ContactParty, OutboundMail, Participation, Ticket, TicketEvent
from genk3600.models.enums import OPEN_STATUSES
from genk3600.privacy.visibility import visible_tickets

# Enough to tell "one" from "several" without reading every namesake.
CANDIDATE_LIMIT = 2
# A screen pop finds the caller, it does not browse the register: at most this many people per lookup.
LOOKUP_LIMIT = 10
HISTORY_LIMIT = 5  # closed tickets per citizen in the screen pop: the recent past, not the archive


def follow_up_lock(citizen_id: Any, category_id: Any) -> Any:
    """The transaction's lock on one citizen's contacts about one category, as SQL of their ids: two contacts of a
    citizen arriving at once would otherwise both find no open ticket and open one each
    (tickets/repository.open_ticket_for). Its key is `follow-up:<citizen id>:<category id>`.

    Every identification takes it before it writes the citizen row (`citizens.service.identify`): a contact that
    took it in its lookup and then updates the row, beside one that updated the row first and then waits for the
    lock, would deadlock."""
    key = literal("follow-up:", Text).concat(cast(citizen_id, Text)).concat(":").concat(cast(category_id, Text))
    return func.pg_advisory_xact_lock(func.hashtextextended(key, literal_column("3600")))


# Built once (kit/prepared.py): a contact of a known citizen on a category locks their follow-ups.
_FOLLOW_UP_LOCK = Prepared.of(
    select(follow_up_lock(bindparam("citizen_id", type_=BigInteger), bindparam("category_id", type_=BigInteger)))
)


async def lock_follow_ups(session: AsyncSession, citizen_id: int, category_id: int) -> None:
    """`follow_up_lock` on its own, for the identifications whose lookup does not take it."""
    await _FOLLOW_UP_LOCK.fetch(session, citizen_id=citizen_id, category_id=category_id)


async def citizen_by_national_number_hash(session: AsyncSession, digest: str) -> Citizen | None:
    return await session.scalar(select(Citizen).where(Citizen.national_number_hash == digest))


# Built once: every contact identified by e-mail looks its citizen up.
_BY_EMAIL = (
    select(Citizen)
    .where(Citizen.email == bindparam("email", type_=Text), Citizen.merged_into_id.is_(None))
    .order_by(Citizen.id)
    .limit(bindparam("limit", type_=Integer))
)


# The same with the follow-up lock of each candidate (ordered by id, so two lookups lock in the same order): the web
# intake's lookup costs no round trip of its own for the lock.
_BY_EMAIL_LOCKING = _BY_EMAIL.add_columns(
    follow_up_lock(Citizen.id, bindparam("follow_up_category_id", type_=BigInteger))
)


async def citizens_by_email(
    session: AsyncSession, email: str, limit: int = CANDIDATE_LIMIT, *, follow_up_category_id: int | None = None
) -> Sequence[Citizen]:
    """The live citizens with this e-mail address; with `follow_up_category_id`, each one's `follow_up_lock` on that
    category taken by the same statement."""
    if follow_up_category_id is None:
        return (await session.scalars(_BY_EMAIL, {"email": email, "limit": limit})).all()
    parameters = {"email": email, "limit": limit, "follow_up_category_id": follow_up_category_id}
    return [row[0] for row in (await session.execute(_BY_EMAIL_LOCKING, parameters)).all()]


async def citizens_by_phone(session: AsyncSession, phone: str, limit: int = CANDIDATE_LIMIT) -> Sequence[Citizen]:
    statement = (
        select(Citizen)
        .where(Citizen.phone == phone, Citizen.merged_into_id.is_(None))
        .order_by(Citizen.id)
        .limit(limit)
    )
    return (await session.scalars(statement)).all()


async def citizens_by_name(session: AsyncSession, name: str, limit: int = LOOKUP_LIMIT) -> Sequence[Citizen]:
    pattern = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    full_name = func.concat_ws(" ", Citizen.given_name, Citizen.family_name)
    statement = (
        select(Citizen)
        .where(or_(full_name.ilike(pattern), Citizen.family_name.ilike(pattern)), Citizen.merged_into_id.is_(None))
        .order_by(Citizen.family_name, Citizen.given_name, Citizen.id)
        .limit(limit)
    )
    return (await session.scalars(statement)).all()


async def merged_records_by(
    session: AsyncSession, *, email: str | None, phone: str | None, limit: int = CANDIDATE_LIMIT
) -> Sequence[Citizen]:
    """Records merged into another that hold this e-mail or phone: they lead to their survivor (identity/)."""
    conditions = [*([Citizen.email == email] if email else []), *([Citizen.phone == phone] if phone else [])]
    if not conditions:
        return []
    statement = (
        select(Citizen).where(or_(*conditions), Citizen.merged_into_id.is_not(None)).order_by(Citizen.id).limit(limit)
    )
    return (await session.scalars(statement)).all()


async def survivor_of(session: AsyncSession, citizen: Citizen) -> Citizen:
    """The live record a merged one leads to, at the end of its chain (A into B into C: C)."""
    seen = {citizen.id}
    while citizen.merged_into_id is not None and citizen.merged_into_id not in seen:
        following = await citizen_by_id(session, citizen.merged_into_id)
        if following is None:
            break
        seen.add(following.id)
        citizen = following
    return citizen


async def open_tickets_of(
    session: AsyncSession, citizen_ids: Sequence[int], viewer: Principal
) -> list[tuple[Ticket, bool]]:
    """The citizens' open tickets, each with whether `viewer` could GET it (the same visibility condition)."""
    statement = (
        select(Ticket, visible_tickets(viewer).label("visible"))
        .options(selectinload(Ticket.owning_unit))
        .where(Ticket.citizen_id.in_(citizen_ids), Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.id.desc())
    )
    return [(ticket, bool(visible)) for ticket, visible in (await session.execute(statement)).all()]


async def closed_tickets_of(
    session: AsyncSession, citizen_ids: Sequence[int], viewer: Principal
) -> list[tuple[Ticket, bool]]:
    """Each citizen's latest HISTORY_LIMIT resolved or closed tickets, with whether `viewer` could GET each."""
    ranked = (
        select(
            Ticket.id,
            func.row_number().over(partition_by=Ticket.citizen_id, order_by=Ticket.id.desc()).label("rank"),
        )
        .where(Ticket.citizen_id.in_(citizen_ids), Ticket.status.not_in(OPEN_STATUSES))
        .subquery()
    )
    statement = (
        select(Ticket, visible_tickets(viewer).label("visible"))
        .options(selectinload(Ticket.owning_unit))
        .join(ranked, ranked.c.id == Ticket.id)
        .where(ranked.c.rank <= HISTORY_LIMIT)
        .order_by(Ticket.id.desc())
    )
    return [(ticket, bool(visible)) for ticket, visible in (await session.execute(statement)).all()]


# --- GDPR -----------------------------------------------------------------------------------------------


async def citizen_by_id(session: AsyncSession, citizen_id: int, *, lock: bool = False) -> Citizen | None:
    statement = select(Citizen).where(Citizen.id == citizen_id)
    if lock:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def contacts_of_citizen(session: AsyncSession, citizen_id: int) -> Sequence[Contact]:
    """The citizen's own contacts, with attachment metadata (not their bytes)."""
    statement = (
        select(Contact)
        .options(selectinload(Contact.attachments))
        .where(Contact.citizen_id == citizen_id)
        .order_by(Contact.id)
    )
    return (await session.scalars(statement)).all()


async def contacts_of_tickets(session: AsyncSession, ticket_ids: Sequence[int]) -> Sequence[Contact]:
    statement = (
        select(Contact)
        .options(selectinload(Contact.attachments))
        .where(Contact.ticket_id.in_(ticket_ids))
        .order_by(Contact.id)
    )
    return (await session.scalars(statement)).all()


async def tickets_of_citizen(session: AsyncSession, citizen_id: int) -> Sequence[Ticket]:
    statement = select(Ticket).where(Ticket.citizen_id == citizen_id).order_by(Ticket.id)
    return (await session.scalars(statement)).all()


async def events_of_tickets(session: AsyncSession, ticket_ids: Sequence[int]) -> Sequence[TicketEvent]:
    statement = select(TicketEvent).where(TicketEvent.ticket_id.in_(ticket_ids)).order_by(TicketEvent.id)
    return (await session.scalars(statement)).all()


async def participations_of_tickets(
    session: AsyncSession, ticket_ids: Sequence[int]
) -> Sequence[tuple[int, Participation]]:
    """(ticket id, participation) for every role played in a contact about these tickets."""
    statement = (
        select(Contact.ticket_id, Participation)
        .join(Contact, Contact.id == Participation.contact_id)
        .where(Contact.ticket_id.in_(ticket_ids))
        .order_by(Participation.id)
    )
    rows = (await session.execute(statement)).all()
    return [(int(ticket_id or 0), participation) for ticket_id, participation in rows]


async def parties_of_contacts_or_citizen(
    session: AsyncSession, contact_ids: Sequence[int], citizen_id: int | None = None
) -> Sequence[ContactParty]:
    """The parties of these contacts, and those naming the citizen (when given) on any contact."""
    condition: ColumnElement[bool] = ContactParty.contact_id.in_(contact_ids)
    if citizen_id is not None:
        condition = or_(condition, ContactParty.citizen_id == citizen_id)
    return (await session.scalars(select(ContactParty).where(condition).order_by(ContactParty.id))).all()


async def calls_of_contacts(session: AsyncSession, contact_ids: Sequence[int]) -> Sequence[Call]:
    return (await session.scalars(select(Call).where(Call.contact_id.in_(contact_ids)))).all()


async def outbound_mails_of_tickets(session: AsyncSession, ticket_ids: Sequence[int]) -> Sequence[OutboundMail]:
    return (await session.scalars(select(OutboundMail).where(OutboundMail.ticket_id.in_(ticket_ids)))).all()
