"""The visibility condition the hot paths compile once (VISIBLE_TO_VIEWER, the principal as bind parameters)
lets exactly the tickets through that `visible_tickets(viewer)` does, for every kind of principal."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.principal import Membership, Principal, staff_scopes, system_principal
from genk3600.kit.clock import FixedClock
from genk3600.models import AccessGrant, Citizen, Contact, Participation, Staff, Ticket, Unit
from genk3600.models.enums import Position
from genk3600.privacy.visibility import VISIBLE_TO_VIEWER, viewer_parameters, visible_tickets
from tests import factories
from tests.factories import World

NUMBERS = iter(range(990_001, 999_999))


async def _ticket(session: AsyncSession, unit: Unit, confidentiality: str, **fields: object) -> Ticket:
    ticket = Ticket(
        reference=f"G3600-2026-{next(NUMBERS):06d}",
        subject="Vraag",
        owning_unit_id=unit.id,
        confidentiality=confidentiality,
        **fields,
    )
    session.add(ticket)
    await session.flush()
    return ticket


def _staff(staff: Staff, *seats: tuple[Unit, Position]) -> Principal:
    positions = {position for _, position in seats}
    memberships = tuple(Membership(unit.id, position) for unit, position in seats)
    return Principal("staff", staff.id, staff.full_name, staff_scopes(positions), memberships)


async def test_the_bound_condition_agrees_with_visible_tickets(
    session: AsyncSession, world: World, clock: FixedClock
) -> None:
    back_office = await factories.staff(session, "bo@genk.example", world.omgeving, "back_office")
    case_worker = await factories.staff(session, "cw@genk.example", world.sociale_dienst, "case_worker")
    stranger = await factories.staff(session, "bz@genk.example", world.burgerzaken, "back_office")
    supervisor = await factories.staff(session, "sup@genk.example", world.contact_centre, "supervisor")
    client = await factories.citizen(session, email="client@example.org", case_worker_id=case_worker.id)

    await _ticket(session, world.omgeving, "normal")
    await _ticket(session, world.burgerzaken, "normal", assignee_staff_id=back_office.id)
    await _ticket(session, world.sociale_dienst, "social")
    await _ticket(session, world.sociale_dienst, "social", citizen_id=client.id)
    took_part = await _ticket(session, world.burgerzaken, "normal")
    contact = Contact(
        ticket_id=took_part.id, channel="phone", language="nl", body="x", occurred_at=clock.now(), actor_name="Test"
    )
    session.add(contact)
    await session.flush()
    session.add(Participation(contact_id=contact.id, staff_id=stranger.id, role="informing"))
    granted = await _ticket(session, world.sociale_dienst, "social")
    expired = await _ticket(session, world.sociale_dienst, "social")
    session.add_all(
        [
            AccessGrant(
                ticket_id=granted.id,
                staff_id=supervisor.id,
                reason="Burger belt in nood, dossierhouder afwezig.",
                expires_at=clock.now() + timedelta(hours=1),
            ),
            AccessGrant(
                ticket_id=expired.id,
                staff_id=supervisor.id,
                reason="Burger belt in nood, dossierhouder afwezig.",
                granted_at=clock.now() - timedelta(hours=2),
                expires_at=clock.now() - timedelta(hours=1),
            ),
        ]
    )
    await session.flush()

    principals = [
        system_principal("sweeper"),
        Principal("api_client", 1, "city system", frozenset()),
        Principal("api_client", 2, "ocmw system", frozenset(), unit_id=world.sociale_dienst.id),
        Principal("api_client", 3, "omgeving system", frozenset(), unit_id=world.omgeving.id),
        _staff(world.agent, (world.contact_centre, Position.agent)),  # the front office
        _staff(back_office, (world.omgeving, Position.back_office)),
        _staff(case_worker, (world.sociale_dienst, Position.case_worker)),
        _staff(stranger, (world.burgerzaken, Position.back_office)),
        _staff(supervisor, (world.contact_centre, Position.supervisor)),
        Principal("staff", 987_654, "nobody", frozenset()),
    ]
    seen_counts = set()
    for viewer in principals:
        by_viewer = set((await session.scalars(select(Ticket.id).where(visible_tickets(viewer)))).all())
        bound = select(Ticket.id).where(VISIBLE_TO_VIEWER)
        by_parameters = set((await session.scalars(bound, viewer_parameters(viewer))).all())
        assert by_parameters == by_viewer, viewer
        seen_counts.add(len(by_viewer))
    assert len(seen_counts) >= 4  # the principals do see different things
    assert await session.scalar(select(Citizen.case_worker_id).where(Citizen.id == client.id)) == case_worker.id
