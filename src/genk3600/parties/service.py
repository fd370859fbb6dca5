"""Parties to a contact: recording who a contact is about and who made it on their behalf, and whom replies go to.

A party is as visible as its contact (the contact's ticket decides). Naming a known citizen as a party only
points at them: it changes nobody's access to that citizen's own tickets, social cases included. A known citizen
named as the representative of another must hold a representation covering the contact (households/service.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.audit.trail import audit_read
from genk3600.auth.principal import Principal
from genk3600.contacts.errors import ContactNotFound
from genk3600.households.service import check_acting
from genk3600.i18n.texts import Message
from genk3600.models.enums import Language, PartyRole, TicketEventType
from genk3600.parties import repository
from genk3600.parties.errors import CorrespondentExists, PartyNotFound, UnknownCitizen
from genk3600.parties.repository import ContactFacts
from genk3600.parties.schemas import PartyIn, PartyList, PartyOut, party_fields
from genk3600.tickets import timeline


@dataclass(frozen=True)
class Correspondent:
    """Whom replies on a ticket go to, when the citizen chose a party for that (parties marked correspondent)."""

    party_id: int
    name: str | None
    email: str | None
    phone: str | None
    # Given with the party, else from the register for a known citizen (organisation name for a person of one).
    language: Language  # the party's, else the known citizen's preferred one, else the ticket's
    role: PartyRole
    relationship: str | None


def _row(actor: Principal, contact_id: int, party: PartyIn) -> dict[str, Any]:
    return {
        "contact_id": contact_id,
        "kind": party.kind.value,
        "role": party.role.value,
        "relationship": party.relationship.value if party.relationship else None,
        "citizen_id": party.citizen_id,
        "name": party.name,
        "organisation_name": party.organisation_name,
        "enterprise_number": party.enterprise_number,
        "email": party.email,
        "phone": party.phone,
        "language": party.language.value if party.language else None,
        "correspondent": party.correspondent,
        "actor_staff_id": actor.staff_id,
        "actor_api_client_id": actor.api_client_id,
        "actor_name": actor.display_name,
    }


def _entry(kind: TicketEventType, code: str, contact: ContactFacts, facts: dict[str, Any]) -> timeline.TimelineEntry:
    # Codes and ids only: the party's name and addresses stay in its own row (erasable), not in the timeline.
    shown = facts.get("relationship") or facts["role"]
    return timeline.TimelineEntry(kind, Message(code, {"party": shown, "contact": contact.channel}), facts)


async def _write(
    session: AsyncSession, actor: Principal, contact: ContactFacts, parties: Sequence[PartyIn]
) -> list[int]:
    for citizen_id in {party.citizen_id for party in parties if party.citizen_id is not None}:
        if not await repository.citizen_exists(session, citizen_id):
            raise UnknownCitizen(citizen_id)
    # A known citizen acts for another only within a representation that covers it on the contact's day.
    await check_acting(session, contact.id, parties)
    ids = await repository.insert_parties(session, [_row(actor, contact.id, party) for party in parties])
    if contact.ticket_id is not None:
        entries = [
            (
                contact.ticket_id,
                _entry(
                    TicketEventType.party_added,
                    "ticket.party_added",
                    contact,
                    {
                        "contact_id": contact.id,
                        "party_id": party_id,
                        "kind": party.kind.value,
                        "role": party.role.value,
                        "relationship": party.relationship.value if party.relationship else None,
                        "correspondent": party.correspondent,
                    },
                ),
            )
            for party_id, party in zip(ids, parties, strict=True)
        ]
        await timeline.record_many(session, actor, entries)
    return ids


async def record_at_intake(
    session: AsyncSession,
    actor: Principal,
    contact_id: int,
    channel: str,
    ticket_id: int | None,
    citizen_id: int | None,
    parties: Sequence[PartyIn],
) -> list[PartyOut]:
    """The parties given with a contact at intake. When none is the `subject` and intake identified a citizen,
    that citizen is added as the subject, so the record names both who called and whom it is about."""
    if not parties:
        return []
    if citizen_id is not None and not any(party.role is PartyRole.subject for party in parties):
        parties = [PartyIn(role=PartyRole.subject, citizen_id=citizen_id), *parties]
    contact = ContactFacts(contact_id, channel, ticket_id, None)
    ids = await _write(session, actor, contact, parties)
    return [PartyOut(**party_fields(item)) for item in await repository.parties_by_ids(session, ids)]


async def _contact(session: AsyncSession, contact_id: int, viewer: Principal) -> ContactFacts:
    contact = await repository.contact_facts(session, contact_id, viewer)
    if contact is None:
        raise ContactNotFound(contact_id)
    return contact


async def add_party(session: AsyncSession, actor: Principal, contact_id: int, data: PartyIn) -> PartyOut:
    """Name a party to a contact the actor may see; on its ticket's timeline (without the party's name)."""
    contact = await _contact(session, contact_id, actor)
    if data.correspondent and await repository.has_correspondent(session, contact.id):
        raise CorrespondentExists(contact.id)
    [party_id] = await _write(session, actor, contact, [data])
    [item] = await repository.parties_by_ids(session, [party_id])
    return PartyOut(**party_fields(item))


async def remove_party(session: AsyncSession, actor: Principal, contact_id: int, party_id: int) -> None:
    """Remove a party named by mistake; the timeline keeps that it was removed (not who it was)."""
    contact = await _contact(session, contact_id, actor)
    removed = await repository.delete_party(session, contact.id, party_id)
    if removed is None:
        raise PartyNotFound(contact_id, party_id)
    if contact.ticket_id is not None:
        entry = _entry(
            TicketEventType.party_removed, "ticket.party_removed", contact, {"contact_id": contact.id, **removed}
        )
        await timeline.record_many(session, actor, [(contact.ticket_id, entry)])


async def list_parties(session: AsyncSession, viewer: Principal, contact_id: int) -> PartyList:
    """The parties of a contact the viewer may see, oldest first; reading those of a social case is audited."""
    contact = await _contact(session, contact_id, viewer)
    if contact.confidentiality is not None:
        await audit_read(session, viewer, "contact_party", str(contact.id), contact.confidentiality)
    items = await repository.parties_of_contact(session, contact.id)
    return PartyList(items=[PartyOut(**party_fields(item)) for item in items])


def parties_from_json(items: Sequence[dict[str, Any]] | None) -> list[PartyOut]:
    """PartyOut from the JSON array a ticket's detail statement aggregates (tickets/repository.py)."""
    return [PartyOut(**party_fields(item)) for item in items or ()]


async def correspondent_for_ticket(session: AsyncSession, ticket_id: int) -> Correspondent | None:
    """The party replies on this ticket go to: the newest party marked correspondent on its contacts, or None
    (replies then go to the ticket's citizen as before). No visibility check: callers act on a ticket they
    already hold."""
    row = await repository.correspondent_of_ticket(session, ticket_id)
    if row is None:
        return None
    return Correspondent(
        party_id=row.id,
        name=row.name,
        email=row.email,
        phone=row.phone,
        language=Language(row.language),
        role=PartyRole(row.role),
        relationship=row.relationship,
    )
