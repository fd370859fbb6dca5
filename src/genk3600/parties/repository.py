"""All queries of contact parties. Writes are Core statements (one multi-row INSERT for the parties of a contact
at intake) with their audit entries; reads build each party as one JSON object, so a ticket's detail can
aggregate them into its own single statement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import BigInteger, Table, bindparam, case, delete, exists, func, insert, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from genk3600.audit import trail
from genk3600.auth.principal import Principal
from genk3600.models import Citizen, Contact, ContactParty, Ticket
from genk3600.privacy.visibility import visible_contacts

_TABLE = cast(Table, ContactParty.__table__)
_INSERT = insert(_TABLE).returning(_TABLE.c.id, sort_by_parameter_order=True)


@dataclass(frozen=True)
class ContactFacts:
    """What writing a party needs of its contact: the ticket it is on, and how confidential that is."""

    id: int
    channel: str
    ticket_id: int | None
    confidentiality: str | None


def actor_kind(row: Any) -> Any:
    """`staff`, `api_client` or `system`, from an ActorMixin table's columns (as ActorOut names them)."""
    return case(
        (row.actor_staff_id.is_not(None), literal("staff")),
        (row.actor_api_client_id.is_not(None), literal("api_client")),
        else_=literal("system"),
    )


def party_json(party: Any, reference: Any) -> Any:
    """One party as a JSON object with PartyOut's fields (parties/schemas.party_fields): what was recorded about
    the party, never what the register holds about a citizen it names (the register is read by those allowed
    to look citizens up, not through a party)."""
    return func.json_build_object(
        "id", party.id, "contact_id", party.contact_id, "ticket", reference, "kind", party.kind,
        "role", party.role, "relationship", party.relationship, "citizen_id", party.citizen_id,
        "name", party.name, "organisation_name", party.organisation_name,
        "enterprise_number", party.enterprise_number, "email", party.email, "phone", party.phone,
        "language", party.language, "correspondent", party.correspondent, "actor_kind", actor_kind(party),
        "actor_id", func.coalesce(party.actor_staff_id, party.actor_api_client_id), "actor_name", party.actor_name,
        "created_at", party.created_at,
    )  # fmt: skip


def parties_of_ticket_json() -> Any:
    """A scalar subquery correlated to Ticket: the parties of all its contacts as one JSON array, oldest first."""
    party, contact = aliased(ContactParty), aliased(Contact)
    return (
        select(func.json_agg(aggregate_order_by(party_json(party, Ticket.reference), party.id)))
        .select_from(party)
        .join(contact, contact.id == party.contact_id)
        .where(contact.ticket_id == Ticket.id)
        .correlate(Ticket)
        .scalar_subquery()
    )


async def contact_facts(session: AsyncSession, contact_id: int, viewer: Principal) -> ContactFacts | None:
    """The contact, if `viewer` may see it (out of sight answers like unknown)."""
    # An alias: the visibility condition's own subquery on Ticket must correlate to the contact, not to this join.
    ticket = aliased(Ticket)
    row = (
        await session.execute(
            select(Contact.id, Contact.channel, Contact.ticket_id, ticket.confidentiality)
            .outerjoin(ticket, ticket.id == Contact.ticket_id)
            .where(Contact.id == contact_id, visible_contacts(viewer))
        )
    ).first()
    return ContactFacts(row.id, row.channel, row.ticket_id, row.confidentiality) if row else None


async def citizen_exists(session: AsyncSession, citizen_id: int) -> bool:
    return bool(await session.scalar(select(exists().where(Citizen.id == citizen_id))))


async def has_correspondent(session: AsyncSession, contact_id: int) -> bool:
    condition = exists().where(ContactParty.contact_id == contact_id, ContactParty.correspondent)
    return bool(await session.scalar(select(condition)))


async def insert_parties(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert parties (column values, actor included) in one statement, with their audit entries; their ids."""
    if not rows:
        return []
    ids = list((await session.scalars(_INSERT, [dict(row) for row in rows])).all())
    await trail.record_writes(
        session, [trail.inserted(_TABLE.name, id_, row) for id_, row in zip(ids, rows, strict=True)]
    )
    return ids


_PARTY = aliased(ContactParty)
_LIST = (
    select(party_json(_PARTY, Ticket.reference).label("party"))
    .select_from(_PARTY)
    .join(Contact, Contact.id == _PARTY.contact_id)
    .outerjoin(Ticket, Ticket.id == Contact.ticket_id)
)


async def parties_of_contact(session: AsyncSession, contact_id: int) -> list[dict[str, Any]]:
    statement = _LIST.where(_PARTY.contact_id == contact_id).order_by(_PARTY.id)
    return [_decoded(row.party) for row in await session.execute(statement)]


async def parties_by_ids(session: AsyncSession, party_ids: Sequence[int]) -> list[dict[str, Any]]:
    statement = _LIST.where(_PARTY.id.in_(party_ids)).order_by(_PARTY.id)
    return [_decoded(row.party) for row in await session.execute(statement)]


def _decoded(value: Any) -> dict[str, Any]:
    # JSON arrives decoded: the asyncpg dialect registers a json codec on every connection.
    return cast(dict[str, Any], value)


async def delete_party(session: AsyncSession, contact_id: int, party_id: int) -> dict[str, Any] | None:
    """Remove the contact's party (with its audit entry); what it was, or None if the contact has no such party."""
    removed = (
        await session.execute(
            delete(ContactParty)
            .where(ContactParty.id == party_id, ContactParty.contact_id == contact_id)
            .returning(ContactParty.id, ContactParty.kind, ContactParty.role, ContactParty.relationship)
        )
    ).first()
    if removed is None:
        return None
    await trail.record_writes(session, [trail.deleted(_TABLE.name, removed.id)])
    return {"party_id": removed.id, "kind": removed.kind, "role": removed.role, "relationship": removed.relationship}


_TICKET_ID = bindparam("ticket_id", type_=BigInteger)
# Here a known citizen's name, e-mail and language do come from the register: the answer goes to the replies
# feature of a ticket its caller holds, not to an API response.
_CORRESPONDENT = (
    select(
        ContactParty.id,
        ContactParty.role,
        ContactParty.relationship,
        func.coalesce(
            ContactParty.name,
            func.nullif(func.concat_ws(" ", Citizen.given_name, Citizen.family_name), ""),
            ContactParty.organisation_name,
        ).label("name"),
        func.coalesce(ContactParty.email, Citizen.email).label("email"),
        func.coalesce(ContactParty.phone, Citizen.phone).label("phone"),
        func.coalesce(ContactParty.language, Citizen.preferred_language, Ticket.language).label("language"),
    )
    .select_from(ContactParty)
    .join(Contact, Contact.id == ContactParty.contact_id)
    .join(Ticket, Ticket.id == Contact.ticket_id)
    .outerjoin(Citizen, Citizen.id == ContactParty.citizen_id)
    .where(Contact.ticket_id == _TICKET_ID, ContactParty.correspondent)
    .order_by(ContactParty.id.desc())
    .limit(1)
)


async def correspondent_of_ticket(session: AsyncSession, ticket_id: int) -> Any:
    """The newest party marked correspondent on the ticket's contacts (a row), or None."""
    return (await session.execute(_CORRESPONDENT, {"ticket_id": ticket_id})).first()
