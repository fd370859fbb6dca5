"""Need-to-know: who sees which ticket, and that out of sight answers exactly like unknown."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.models import ApiClient
from tests import factories
from tests.factories import World, assert_problem, bearer, web_contact


async def _references(client: httpx.AsyncClient, headers: dict[str, str]) -> set[str]:
    page = (await client.get("/v1/tickets", params={"limit": 200}, headers=headers)).json()
    return {ticket["reference"] for ticket in page["items"]}


async def test_staff_see_their_units_their_work_and_nothing_else(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    waste = (await client.post("/v1/contacts", json=web_contact(citizen=None), headers=writer_headers)).json()
    social = web_contact(category="social.living_wage", subject="Leefloon", citizen=None)
    social_ref = (await client.post("/v1/contacts", json=social, headers=writer_headers)).json()["contact"]["ticket"]
    waste_ref = waste["ticket"]["reference"]

    omgeving_staff = await factories.staff(session, "bo.omgeving@genk.example", world.omgeving, "back_office")
    ocmw_staff = await factories.staff(session, "mw.ocmw@genk.example", world.sociale_dienst, "case_worker")
    stranger = await factories.staff(session, "bo.burgerzaken@genk.example", world.burgerzaken, "back_office")

    assert await _references(client, bearer(settings, clock, omgeving_staff.email)) == {waste_ref}
    assert await _references(client, bearer(settings, clock, ocmw_staff.email)) == {social_ref}
    assert await _references(client, bearer(settings, clock, stranger.email)) == set()
    assert await _references(client, writer_headers) == {waste_ref}  # a city system: normal tickets only

    for hidden, who in ((waste_ref, stranger), (social_ref, omgeving_staff)):
        out_of_sight = await client.get(f"/v1/tickets/{hidden}", headers=bearer(settings, clock, who.email))
        unknown = await client.get("/v1/tickets/G3600-2026-999999", headers=bearer(settings, clock, who.email))
        assert_problem(out_of_sight, 404)
        assert out_of_sight.json()["title"] == unknown.json()["title"]
        assert out_of_sight.json()["detail"] == f"There is no ticket with reference {hidden!r}."
    patch = await client.patch(
        f"/v1/tickets/{social_ref}",
        json={"priority": "low"},
        headers={**bearer(settings, clock, stranger.email), "If-Match": '"1"'},
    )
    assert_problem(patch, 404)
    contact_id = waste["contact"]["id"]
    assert_problem(await client.get(f"/v1/contacts/{contact_id}", headers=bearer(settings, clock, stranger.email)), 404)


async def test_taking_part_and_unit_restricted_clients(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    # A back-office member: front-office staff see every normal ticket anyway (tests/privacy/test_front_door.py).
    clerk = await factories.staff(session, "clerk.burgerzaken@genk.example", world.burgerzaken, "back_office")
    agent = bearer(settings, clock, clerk.email)
    mine = (await client.post("/v1/contacts", json=web_contact(citizen=None), headers=agent)).json()
    others = (await client.post("/v1/contacts", json=web_contact(citizen=None), headers=writer_headers)).json()
    visible = await _references(client, agent)
    assert mine["ticket"]["reference"] in visible  # the clerk registered it
    assert others["ticket"]["reference"] not in visible

    ocmw_key = await factories.api_key(session, "ocmw-system", ["tickets:read", "contacts:write"])
    client_row = await session.get(
        ApiClient, (await session.scalars(factories.select(ApiClient.id).where(ApiClient.name == "ocmw-system"))).one()
    )
    assert client_row is not None
    client_row.unit_id = world.sociale_dienst.id
    await session.flush()
    social = web_contact(category="social.living_wage", citizen=None)
    ref = (await client.post("/v1/contacts", json=social, headers=writer_headers)).json()["contact"]["ticket"]
    assert await _references(client, {"X-API-Key": ocmw_key}) == {ref}
