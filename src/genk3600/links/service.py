"""Links to other systems' objects on tickets and contacts. Every added or removed link is a timeline entry,
so its event (with system, type, id and URL) reaches the feed and the webhooks of those who may see the ticket."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.audit.trail import audit_read
from genk3600.auth.principal import Principal
from genk3600.contacts.errors import ContactNotFound
from genk3600.errors import Phrase
from genk3600.i18n.texts import Message
from genk3600.links import repository
from genk3600.links.errors import LinkExists, LinkNotFound, contact_holder, ticket_holder
from genk3600.links.schemas import LinkIn, LinkList, LinkOut, link_fields
from genk3600.models.enums import TicketEventType
from genk3600.parties.repository import ContactFacts, contact_facts
from genk3600.tickets import repository as ticket_repository
from genk3600.tickets import timeline
from genk3600.tickets.errors import TicketNotFound


def _row(actor: Principal, link: LinkIn, *, ticket_id: int | None, contact_id: int | None) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "contact_id": contact_id,
        "system": link.system,
        "object_type": link.object_type,
        "object_id": link.object_id,
        "url": str(link.url) if link.url else None,
        "actor_staff_id": actor.staff_id,
        "actor_api_client_id": actor.api_client_id,
        "actor_name": actor.display_name,
    }


def _entry(kind: TicketEventType, code: str, facts: dict[str, Any]) -> timeline.TimelineEntry:
    params = {"system": facts["system"], "object_type": facts["object_type"], "object_id": facts["object_id"]}
    return timeline.TimelineEntry(kind, Message(code, params), facts)


def _added(link_id: int, row: dict[str, Any]) -> timeline.TimelineEntry:
    facts = {key: row[key] for key in ("contact_id", "system", "object_type", "object_id", "url")}
    return _entry(TicketEventType.link_added, "ticket.link_added", {"link_id": link_id, **facts})


def _distinct(links: Sequence[LinkIn]) -> list[LinkIn]:
    seen: dict[tuple[str, str, str], LinkIn] = {}
    for link in links:
        seen.setdefault((link.system, link.object_type, link.object_id), link)
    return list(seen.values())


async def record_at_intake(
    session: AsyncSession, actor: Principal, contact_id: int, ticket_id: int | None, links: Sequence[LinkIn]
) -> list[LinkOut]:
    """The links given with a contact at intake, on that contact (the same object twice is kept once)."""
    if not links:
        return []
    rows = [_row(actor, link, ticket_id=None, contact_id=contact_id) for link in _distinct(links)]
    ids = await repository.insert_links(session, rows)
    if ticket_id is not None:
        await timeline.record_many(
            session, actor, [(ticket_id, _added(i, row)) for i, row in zip(ids, rows, strict=True)]
        )
    return [LinkOut(**link_fields(item)) for item in await repository.links_by_ids(session, ids)]


async def _add(
    session: AsyncSession, actor: Principal, holder: Phrase, row: dict[str, Any], ticket_id: int | None
) -> LinkOut:
    link_id = await repository.add_link(session, row)
    if link_id is None:
        raise LinkExists(holder, row["system"], row["object_type"], row["object_id"])
    if ticket_id is not None:
        await timeline.record_many(session, actor, [(ticket_id, _added(link_id, row))])
    [item] = await repository.links_by_ids(session, [link_id])
    return LinkOut(**link_fields(item))


async def _contact(session: AsyncSession, contact_id: int, viewer: Principal) -> ContactFacts:
    contact = await contact_facts(session, contact_id, viewer)
    if contact is None:
        raise ContactNotFound(contact_id)
    return contact


async def add_ticket_link(session: AsyncSession, actor: Principal, reference: str, data: LinkIn) -> LinkOut:
    """Link a ticket the actor may see to an object elsewhere."""
    ticket = await ticket_repository.ticket_by_reference(session, reference, actor)
    if ticket is None:
        raise TicketNotFound(reference)
    row = _row(actor, data, ticket_id=ticket.id, contact_id=None)
    return await _add(session, actor, ticket_holder(reference), row, ticket.id)


async def add_contact_link(session: AsyncSession, actor: Principal, contact_id: int, data: LinkIn) -> LinkOut:
    """Link a contact the actor may see to an object elsewhere."""
    contact = await _contact(session, contact_id, actor)
    row = _row(actor, data, ticket_id=None, contact_id=contact.id)
    return await _add(session, actor, contact_holder(contact_id), row, contact.ticket_id)


async def remove_ticket_link(session: AsyncSession, actor: Principal, reference: str, link_id: int) -> None:
    """Remove a link of the ticket or of one of its contacts."""
    ticket = await ticket_repository.ticket_by_reference(session, reference, actor)
    if ticket is None:
        raise TicketNotFound(reference)
    removed = await repository.delete_link(session, link_id, ticket_id=ticket.id)
    if removed is None:
        raise LinkNotFound(ticket_holder(reference), link_id)
    entry = _entry(TicketEventType.link_removed, "ticket.link_removed", removed)
    await timeline.record_many(session, actor, [(ticket.id, entry)])


async def remove_contact_link(session: AsyncSession, actor: Principal, contact_id: int, link_id: int) -> None:
    """Remove a link of the contact."""
    contact = await _contact(session, contact_id, actor)
    removed = await repository.delete_link(session, link_id, contact_id=contact.id)
    if removed is None:
        raise LinkNotFound(contact_holder(contact_id), link_id)
    if contact.ticket_id is not None:
        entry = _entry(TicketEventType.link_removed, "ticket.link_removed", removed)
        await timeline.record_many(session, actor, [(contact.ticket_id, entry)])


async def list_ticket_links(session: AsyncSession, viewer: Principal, reference: str) -> LinkList:
    """The links of a ticket and of its contacts, oldest first."""
    ticket = await ticket_repository.ticket_by_reference(session, reference, viewer)
    if ticket is None:
        raise TicketNotFound(reference)
    await audit_read(session, viewer, "object_link", str(ticket.id), ticket.confidentiality)
    items = await repository.links_of_ticket(session, ticket.id)
    return LinkList(items=[LinkOut(**link_fields(item)) for item in items])


async def list_contact_links(session: AsyncSession, viewer: Principal, contact_id: int) -> LinkList:
    """The links of one contact, oldest first."""
    contact = await _contact(session, contact_id, viewer)
    if contact.confidentiality is not None:
        await audit_read(session, viewer, "object_link", f"contact:{contact.id}", contact.confidentiality)
    items = await repository.links_of_contact(session, contact.id)
    return LinkList(items=[LinkOut(**link_fields(item)) for item in items])


def links_from_json(items: Sequence[dict[str, Any]] | None) -> list[LinkOut]:
    """LinkOut from the JSON array a ticket's detail statement aggregates (tickets/repository.py)."""
    return [LinkOut(**link_fields(item)) for item in items or ()]
