"""Retention: the job erases exactly the free text that is due, once, and leaves held citizens alone."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.models import AuditEntry, Category, Citizen, Contact, ContactParty, Ticket
from genk3600.privacy.retention import retention_once
from tests import factories
from tests.factories import World, web_contact


async def _ticket(client: httpx.AsyncClient, headers: dict[str, str], **overrides: object) -> str:
    created = await client.post("/v1/contacts", json=web_contact(**overrides), headers=headers)
    assert created.status_code == 201, created.text
    reference: str = created.json()["ticket"]["reference"]
    return reference


async def _bodies(session: AsyncSession) -> dict[str, str]:
    statement = (
        select(Ticket.reference, Contact.body)
        .join(Contact, Contact.ticket_id == Ticket.id)
        .execution_options(populate_existing=True)
    )
    return {str(row[0]): str(row[1]) for row in (await session.execute(statement)).all()}


async def test_retention_erases_what_is_due_and_nothing_else(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    await session.execute(update(Category).where(Category.id == world.waste.id).values(retention_days=30))
    now = clock.now()
    long_ago, recently = now - timedelta(days=40), now - timedelta(days=10)
    # Who called on the citizen's behalf is personal data too: it goes with the contact's free text.
    daughter = {
        "role": "representative",
        "relationship": "family_member",
        "name": "Lotte Janssens",
        "phone": "0470 12 34 56",
    }
    due = await _ticket(client, writer_headers, citizen=None, parties=[daughter])
    fresh = await _ticket(client, writer_headers, citizen=None, parties=[daughter])
    still_open = await _ticket(client, writer_headers, citizen=None)
    kept_category = await _ticket(client, writer_headers, citizen=None, category="civil.id_card")
    held = await _ticket(client, writer_headers, citizen={"email": "held@example.org"})
    await factories.set_status(session, due, "closed", resolved_at=long_ago)
    await factories.set_status(session, fresh, "resolved", resolved_at=recently)
    await factories.set_status(session, kept_category, "closed", resolved_at=long_ago)
    await factories.set_status(session, held, "closed", resolved_at=long_ago)
    await session.execute(update(Citizen).where(Citizen.email == "held@example.org").values(legal_hold=True))
    await session.flush()

    assert await retention_once(sessions, settings, now, batch=1) == 1

    bodies = await _bodies(session)
    assert bodies[due] == "[erased]"
    original = web_contact()["body"]
    assert {bodies[ref] for ref in (fresh, still_open, kept_category, held)} == {original}
    erased_ticket = await session.scalar(
        select(Ticket).where(Ticket.reference == due).execution_options(populate_existing=True)
    )
    assert erased_ticket is not None
    assert erased_ticket.subject == "[erased]"
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "erase"))
    assert entry is not None
    assert (entry.actor_name, entry.target_id) == ("Retention job", str(erased_ticket.id))
    parties = (
        await session.execute(
            select(Ticket.reference, ContactParty.name, ContactParty.phone)
            .join(Contact, Contact.ticket_id == Ticket.id)
            .join(ContactParty, ContactParty.contact_id == Contact.id)
            .execution_options(populate_existing=True)
        )
    ).all()
    assert {(row[0], row[1], row[2]) for row in parties} == {
        (due, "[erased]", None),
        (fresh, "Lotte Janssens", "+32470123456"),
    }
    # Done is done: the next run finds nothing, and the ticket itself (statistics) is still there.
    assert await retention_once(sessions, settings, now) == 0
    assert await factories.count(session, Ticket) == 5


async def test_batch_must_be_positive(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    with pytest.raises(ValueError, match="batch"):
        await retention_once(sessions, settings, factories.OPENED_AT, batch=0)
