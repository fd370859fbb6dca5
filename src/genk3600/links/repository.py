"""All queries of links to other systems' objects: Core writes with their audit entries, JSON reads that a
ticket's detail aggregates into its own statement, and the ticket filter's condition."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, delete, exists, func, insert, or_, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from genk3600.audit import trail
from genk3600.models import Contact, ObjectLink, Ticket
from genk3600.parties.repository import actor_kind

_TABLE = cast(Table, ObjectLink.__table__)
_INSERT = insert(_TABLE).returning(_TABLE.c.id, sort_by_parameter_order=True)
_ADD = upsert(_TABLE).on_conflict_do_nothing().returning(_TABLE.c.id)


def link_json(link: Any, reference: Any) -> Any:
    """One link as a JSON object with LinkOut's fields (links/schemas.link_fields)."""
    return func.json_build_object(
        "id", link.id, "ticket", reference, "contact_id", link.contact_id, "system", link.system,
        "object_type", link.object_type, "object_id", link.object_id, "url", link.url,
        "actor_kind", actor_kind(link), "actor_id", func.coalesce(link.actor_staff_id, link.actor_api_client_id),
        "actor_name", link.actor_name, "created_at", link.created_at,
    )  # fmt: skip


def _on_ticket(link: Any, ticket_id: Any) -> ColumnElement[bool]:
    """The link is on the ticket itself or on one of its contacts."""
    return or_(
        link.ticket_id == ticket_id,
        # Correlated to the enclosing query's ticket when `ticket_id` is its column (never a FROM of its own).
        link.contact_id.in_(
            select(Contact.id).where(Contact.ticket_id == ticket_id).correlate(Ticket).scalar_subquery()
        ),
    )


def links_of_ticket_json() -> Any:
    """A scalar subquery correlated to Ticket: its links and its contacts' links as one JSON array, oldest first."""
    link = aliased(ObjectLink)
    return (
        select(func.json_agg(aggregate_order_by(link_json(link, Ticket.reference), link.id)))
        .select_from(link)
        .where(_on_ticket(link, Ticket.id))
        .correlate(Ticket)
        .scalar_subquery()
    )


def refers_to(system: Any, object_type: Any, object_id: Any) -> ColumnElement[bool]:
    """The WHERE condition on Ticket: it, or one of its contacts, links to such an object. Each part is a value,
    a bind parameter (for statements compiled once, as the search's) or None for any."""
    link = aliased(ObjectLink)
    matches = [
        column == value
        for column, value in ((link.system, system), (link.object_type, object_type), (link.object_id, object_id))
        if value is not None
    ]
    return exists(select(link.id).where(_on_ticket(link, Ticket.id), and_(*matches)))


_LINK = aliased(ObjectLink)
_HOLDER = aliased(Contact)
_LIST = (
    select(link_json(_LINK, Ticket.reference).label("link"))
    .select_from(_LINK)
    .outerjoin(_HOLDER, _HOLDER.id == _LINK.contact_id)
    .outerjoin(Ticket, Ticket.id == func.coalesce(_LINK.ticket_id, _HOLDER.ticket_id))
)


async def links_of_ticket(session: AsyncSession, ticket_id: int) -> list[dict[str, Any]]:
    statement = _LIST.where(_on_ticket(_LINK, ticket_id)).order_by(_LINK.id)
    return [row.link for row in await session.execute(statement)]


async def links_of_contact(session: AsyncSession, contact_id: int) -> list[dict[str, Any]]:
    statement = _LIST.where(_LINK.contact_id == contact_id).order_by(_LINK.id)
    return [row.link for row in await session.execute(statement)]


async def links_by_ids(session: AsyncSession, link_ids: Sequence[int]) -> list[dict[str, Any]]:
    statement = _LIST.where(_LINK.id.in_(link_ids)).order_by(_LINK.id)
    return [row.link for row in await session.execute(statement)]


async def insert_links(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert links (distinct, column values with the actor) in one statement, with their audit entries."""
    if not rows:
        return []
    ids = list((await session.scalars(_INSERT, [dict(row) for row in rows])).all())
    await trail.record_writes(
        session, [trail.inserted(_TABLE.name, id_, row) for id_, row in zip(ids, rows, strict=True)]
    )
    return ids


async def add_link(session: AsyncSession, row: Mapping[str, Any]) -> int | None:
    """Insert one link; None when its holder already refers to that object (nothing written)."""
    link_id: int | None = await session.scalar(_ADD, dict(row))
    if link_id is not None:
        await trail.record_writes(session, [trail.inserted(_TABLE.name, link_id, row)])
    return link_id


async def delete_link(
    session: AsyncSession, link_id: int, *, ticket_id: int | None = None, contact_id: int | None = None
) -> dict[str, Any] | None:
    """Remove a link of this ticket (or of one of its contacts) or of this contact, with its audit entry; what
    it was, or None if there is no such link there."""
    holder = _on_ticket(ObjectLink, ticket_id) if ticket_id is not None else ObjectLink.contact_id == contact_id
    removed = (
        await session.execute(
            delete(ObjectLink)
            .where(ObjectLink.id == link_id, holder)
            .returning(
                ObjectLink.id,
                ObjectLink.contact_id,
                ObjectLink.system,
                ObjectLink.object_type,
                ObjectLink.object_id,
                ObjectLink.url,
            )
        )
    ).first()
    if removed is None:
        return None
    await trail.record_writes(session, [trail.deleted(_TABLE.name, removed.id)])
    return {
        "link_id": removed.id,
        "contact_id": removed.contact_id,
        "system": removed.system,
        "object_type": removed.object_type,
        "object_id": removed.object_id,
        "url": removed.url,
    }
