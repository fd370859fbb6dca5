"""Who may play which role: positions (a table), and decision authority per category (data)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.models import StaffMembership
from genk3600.models.enums import Position, Role
from genk3600.participation.service import ROLES_BY_POSITION
from tests import factories
from tests.factories import World, assert_problem
from tests.participation import new_contact, participate, set_deciders, staff_headers

# The specification, written out independently of the service's table.
ALLOWED: dict[str, set[str]] = {
    "agent": {"informing", "registering"},
    "supervisor": {"informing", "registering"},
    "admin": {"informing", "registering"},
    "back_office": {"informing", "registering", "advising", "deciding"},
    "case_worker": {"informing", "registering", "advising", "deciding"},
}
CASES = [(position, role) for position in ALLOWED for role in Role]


def test_the_table_covers_every_position_and_matches_the_specification() -> None:
    assert set(ROLES_BY_POSITION) == set(Position)
    assert {position.value: {role.value for role in roles} for position, roles in ROLES_BY_POSITION.items()} == ALLOWED


@pytest.mark.parametrize(("position", "role"), CASES, ids=[f"{p}-{r.value}" for p, r in CASES])
async def test_each_role_by_each_position(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    admin_headers: dict[str, str],
    position: str,
    role: Role,
    clock: FixedClock,
) -> None:
    # A member of the unit that holds decision authority, so only the position decides the outcome.
    member = await factories.staff(session, f"{position}.member@genk.example", world.burgerzaken, position)
    assert (await set_deciders(client, admin_headers, "civil.id_card", ["burgerzaken"])).status_code == 200
    contact_id, _ = await new_contact(client, writer_headers, category="civil.id_card")

    response = await participate(client, staff_headers(settings, clock, member), contact_id, role.value)

    if role.value in ALLOWED[position]:
        assert response.status_code == 201, response.text
        assert response.json()["role"] == role.value
        assert response.json()["staff"]["id"] == member.id
    else:
        problem = assert_problem(response, 403)
        assert problem["type"].endswith("/role-not-for-position")
        assert problem["role"] == role.value
        assert problem["positions"] == [position]
        assert problem["allowed_roles"] == ["informing", "registering"]


async def test_front_office_agent_is_told_where_advice_comes_from(
    client: httpx.AsyncClient, settings: Settings, world: World, writer_headers: dict[str, str], clock: FixedClock
) -> None:
    contact_id, _ = await new_contact(client, writer_headers)
    response = await participate(client, staff_headers(settings, clock, world.agent), contact_id, "advising")
    problem = assert_problem(response, 403)
    assert problem["detail"] == (
        "Front-office agents inform and register; advice comes from back-office staff or case workers."
    )


async def test_deciding_outside_the_authorised_units_names_them(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    outsider = await factories.staff(session, "bo.omgeving@genk.example", world.omgeving, "back_office")
    await set_deciders(client, admin_headers, "civil.id_card", ["burgerzaken", "sociale_dienst"])
    contact_id, _ = await new_contact(client, writer_headers, category="civil.id_card")

    problem = assert_problem(
        await participate(client, staff_headers(settings, clock, outsider), contact_id, "deciding"), 403
    )

    assert problem["type"].endswith("/authority-missing")
    assert problem["allowed_units"] == ["burgerzaken", "sociale_dienst"]
    assert problem["category"] == "civil.id_card"
    assert "Burgerzaken (burgerzaken) and Sociale Dienst (sociale_dienst)" in problem["detail"]
    assert "civil.id_card" in problem["detail"]


async def test_after_granting_authority_the_unit_may_decide(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    decider = await factories.staff(session, "bo.omgeving@genk.example", world.omgeving, "back_office")
    contact_id, _ = await new_contact(client, writer_headers)  # waste.pickup
    headers = staff_headers(settings, clock, decider)
    assert_problem(await participate(client, headers, contact_id, "deciding"), 403)

    assert (await set_deciders(client, admin_headers, "waste.pickup", ["omgeving"])).status_code == 200
    response = await participate(client, headers, contact_id, "deciding", note="Extra ophaling toegestaan.")

    assert response.status_code == 201, response.text
    assert response.json()["role_explanation"] == "A Back-office employee took the decision."


async def test_nobody_decides_before_an_administrator_names_the_units(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    worker = await factories.staff(session, "bo.bz@genk.example", world.burgerzaken, "back_office")
    contact_id, _ = await new_contact(client, writer_headers, category="civil.id_card")

    problem = assert_problem(
        await participate(client, staff_headers(settings, clock, worker), contact_id, "deciding"), 403
    )

    assert problem["allowed_units"] == []
    assert "PUT /v1/categories/civil.id_card/deciders" in problem["detail"]


async def test_a_ticket_without_category_has_nobody_who_may_decide(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    worker = await factories.staff(session, "cw@genk.example", world.sociale_dienst, "case_worker")
    await set_deciders(client, admin_headers, "social.living_wage", ["sociale_dienst"])
    contact_id, _ = await new_contact(client, writer_headers, category=None)

    problem = assert_problem(
        await participate(client, staff_headers(settings, clock, worker), contact_id, "deciding"), 403
    )

    assert problem["type"].endswith("/decision-needs-category")
    assert "give the ticket a category first" in problem["detail"]
    assert problem["allowed_units"] == []


@pytest.mark.parametrize("unit", ["burgerzaken", "omgeving", "sociale_dienst", "contact_centre"])
@pytest.mark.parametrize("position", ["back_office", "case_worker"])
async def test_advising_is_open_to_any_unit(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    unit: str,
    position: str,
    clock: FixedClock,
) -> None:
    adviser = await factories.staff(session, "adviser@genk.example", getattr(world, unit), position)
    contact_id, _ = await new_contact(client, writer_headers, category="civil.id_card")  # nobody may decide on it

    response = await participate(client, staff_headers(settings, clock, adviser), contact_id, "advising")

    assert response.status_code == 201, response.text
    assert response.json()["staff"]["units"] == [unit]


async def test_sub_units_do_not_inherit_decision_authority(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    counter = await factories.unit(session, "burgerzaken_loket", "department", world.burgerzaken)
    worker = await factories.staff(session, "bo.loket@genk.example", counter, "back_office")
    await set_deciders(client, admin_headers, "civil.id_card", ["burgerzaken"])
    contact_id, _ = await new_contact(client, writer_headers, category="civil.id_card")
    headers = staff_headers(settings, clock, worker)

    assert_problem(await participate(client, headers, contact_id, "deciding"), 403)
    await set_deciders(client, admin_headers, "civil.id_card", ["burgerzaken", "burgerzaken_loket"])
    assert (await participate(client, headers, contact_id, "deciding")).status_code == 201


async def test_deciding_needs_a_deciding_position_in_the_authorised_unit(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    # Agent in the deciding unit, back office elsewhere: neither membership alone carries a decision.
    staff = await factories.staff(session, "two.hats@genk.example", world.burgerzaken, "agent")
    session.add(StaffMembership(staff_id=staff.id, unit_id=world.omgeving.id, position="back_office"))
    await session.flush()
    await set_deciders(client, admin_headers, "civil.id_card", ["burgerzaken"])
    contact_id, _ = await new_contact(client, writer_headers, category="civil.id_card")
    headers = staff_headers(settings, clock, staff)

    problem = assert_problem(await participate(client, headers, contact_id, "deciding"), 403)
    assert problem["type"].endswith("/role-not-for-position")
    assert problem["positions"] == ["agent"]  # the position held in the unit that may decide
    assert problem["detail"] == (
        "Front-office agents inform and register; decisions come from back-office staff or case workers. "
        "Deciding also needs a unit with decision authority for the ticket's category."
    )

    await set_deciders(client, admin_headers, "civil.id_card", ["burgerzaken", "omgeving"])
    decided = await participate(client, headers, contact_id, "deciding")
    assert decided.status_code == 201, decided.text
    assert decided.json()["staff"]["units"] == ["burgerzaken", "omgeving"]
    assert decided.json()["role_explanation"] == "A Back-office employee took the decision."
