"""GET /v1/tickets/{reference} reads the ticket in one statement (tickets/repository.py); what it answers is,
byte for byte, what the ORM objects gave before: the same JSON and the same ETag, for every kind of ticket."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.households.service import active_households
from genk3600.kit.clock import FixedClock
from genk3600.models import Ticket
from genk3600.participation.service import roles_on_ticket
from genk3600.tickets import repository
from genk3600.tickets.schemas import TicketDetailOut, TicketOut, etag
from tests import factories
from tests.factories import World, web_contact
from tests.participation import new_contact, participate, staff_headers


async def _as_the_orm_gives_it(
    session: AsyncSession, reference: str, clock: FixedClock, reads_register: bool
) -> TicketDetailOut:
    session.expunge_all()
    ticket = await repository.ticket_by_reference_unchecked(session, reference)
    assert ticket is not None
    out = TicketOut.of(ticket)
    # The citizen's household as the screen pop reads it (its own statement), for readers of the register.
    households = await active_households(session, clock, [ticket.citizen_id] if ticket.citizen_id else [])
    household = households.get(ticket.citizen_id) if reads_register and ticket.citizen_id else None
    return TicketDetailOut(**out.model_dump(), roles=await roles_on_ticket(session, ticket.id), household=household)


async def test_the_detail_is_byte_identical_to_the_orm_rendering(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
    writer_headers: dict[str, str],
) -> None:
    case_worker = await factories.staff(session, "cw@genk.example", world.sociale_dienst, "case_worker")
    await factories.staff(session, "bo@genk.example", world.burgerzaken, "back_office")
    agent, ocmw = staff_headers(settings, clock, world.agent), staff_headers(settings, clock, case_worker)
    references: list[str] = []

    # Normal, with a citizen, no roles.
    created = await client.post("/v1/contacts", json=web_contact(), headers=admin_headers)
    references.append(created.json()["ticket"]["reference"])
    # Anonymous, with roles: two people, one with a note (and a name with non-ASCII letters).
    contact_id, reference = await new_contact(client, writer_headers, subject="Vraag over de kermis à Genk")
    assert (await participate(client, agent, contact_id, "registering")).status_code == 201
    assert (
        await participate(client, ocmw, contact_id, "advising", note="Premie mogelijk — zie dossier.")
    ).status_code == 201
    references.append(reference)
    # Escalated to another unit (tier 2) and assigned there.
    contact_id, reference = await new_contact(client, writer_headers, category="civil.id_card")
    body = {"to_unit": "burgerzaken", "reason": "needs_decision", "requested_role": "deciding", "note": "Beslissing."}
    escalated = await client.post(f"/v1/tickets/{reference}/escalations", json=body, headers=admin_headers)
    assert escalated.status_code == 201, escalated.text
    references.append(reference)
    # Social (OCMW), with a citizen, read by its case worker's unit.
    social = web_contact(
        category="social.living_wage", citizen={"email": "leefloon@example.org", "phone": "089 65 36 00"}
    )
    assert (await client.post("/v1/contacts", json=social, headers=admin_headers)).status_code == 201
    social_reference = await session.scalar(select(Ticket.reference).order_by(Ticket.id.desc()).limit(1))
    assert social_reference is not None
    references.append(social_reference)

    compared: set[str] = set()
    with_roles = 0
    for reference in references:
        readers = [admin_headers, ocmw] if reference != social_reference else [ocmw]
        for headers in readers:
            answer = await client.get(f"/v1/tickets/{reference}", headers=headers)
            if answer.status_code == 404:  # out of this reader's sight
                continue
            assert answer.status_code == 200, answer.text
            expected = await _as_the_orm_gives_it(session, reference, clock, headers is ocmw)
            assert answer.content == expected.model_dump_json().encode(), reference
            assert answer.headers["etag"] == etag(expected.version)
            compared.add(reference)
            with_roles += bool(expected.roles)
    assert compared == set(references)
    assert with_roles >= 2
    assert (await client.get(f"/v1/tickets/{social_reference}", headers=ocmw)).json()["confidentiality"] == "social"
