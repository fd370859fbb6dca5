"""One front door: front-office staff read every normal ticket of every department; social stays need-to-know.

Asserted on content: a canary planted in the social ticket's subject, body and citizen name never shows in
what a front-office agent gets back, on any read path.
"""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from tests import factories
from tests.factories import World, assert_problem, bearer, web_contact

CANARY = "Zwaluwstaart"  # in the social ticket only


def _clean(response: httpx.Response) -> None:
    assert CANARY.lower() not in response.text.lower()
    assert all(CANARY.lower() not in value.lower() for value in response.headers.values())


async def _tickets(client: httpx.AsyncClient, writer_headers: dict[str, str]) -> tuple[dict[str, object], str]:
    """A normal ticket owned by Omgeving (recorded by a city system) and a social one with the canary."""
    waste = await client.post(
        "/v1/contacts", json=web_contact(subject="Grofvuil Molenstraat", citizen=None), headers=writer_headers
    )
    assert waste.status_code == 201, waste.text
    social = web_contact(
        category="social.living_wage",
        subject=f"Leefloon {CANARY}",
        body=f"Vertrouwelijk verhaal {CANARY}.",
        citizen={"email": "canary@example.org", "given_name": CANARY, "family_name": CANARY},
    )
    created = await client.post("/v1/contacts", json=social, headers=writer_headers)
    assert created.status_code == 201, created.text
    return waste.json(), created.json()["contact"]["ticket"]


async def test_front_office_staff_read_every_normal_ticket_but_no_social_one(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    waste, social_ref = await _tickets(client, writer_headers)
    waste_ref = waste["ticket"]["reference"]  # type: ignore[index]
    contact_id = waste["contact"]["id"]  # type: ignore[index]
    desk = await factories.unit(session, "snelbalie", "quick_desk", world.contact_centre)
    desk_agent = await factories.staff(session, "desk.agent@genk.example", desk, "agent")

    for agent in (world.agent, desk_agent):  # contact centre and quick desk
        headers = bearer(settings, clock, agent.email)
        got = await client.get(f"/v1/tickets/{waste_ref}", headers=headers)
        assert got.status_code == 200, got.text  # was 404: owned by Omgeving
        assert got.json()["owning_unit"] == "omgeving"
        assert got.json()["status"] == "new"
        listed = await client.get("/v1/tickets", params={"limit": 200}, headers=headers)
        assert [t["reference"] for t in listed.json()["items"]] == [waste_ref]
        _clean(listed)
        timeline = await client.get(f"/v1/tickets/{waste_ref}/events", headers=headers)
        assert timeline.status_code == 200
        assert {event["type"] for event in timeline.json()["items"]} >= {"created", "routed"}
        roles = await client.get(f"/v1/contacts/{contact_id}/participations", headers=headers)
        assert roles.status_code == 200, roles.text
        assert (await client.get(f"/v1/contacts/{contact_id}", headers=headers)).status_code == 200
        found = await client.get("/v1/search/tickets", params={"q": "grofvuil"}, headers=headers)
        assert [t["reference"] for t in found.json()["items"]] == [waste_ref]
        for query in ("leefloon", CANARY):
            searched = await client.get("/v1/search/tickets", params={"q": query}, headers=headers)
            assert searched.json()["items"] == []
            _clean(searched)
        for path in (f"/v1/tickets/{social_ref}", f"/v1/tickets/{social_ref}/events"):
            hidden = await client.get(path, headers=headers)
            assert_problem(hidden, 404)
            _clean(hidden)
        flagged = await client.get("/v1/contacts", params={"limit": 200}, headers=headers)
        _clean(flagged)


async def test_back_office_staff_keep_the_unit_rule(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    waste, _social_ref = await _tickets(client, writer_headers)
    clerk = await factories.staff(session, "clerk@genk.example", world.burgerzaken, "agent")
    headers = bearer(settings, clock, clerk.email)
    assert_problem(await client.get(f"/v1/tickets/{waste['ticket']['reference']}", headers=headers), 404)  # type: ignore[index]
    assert (await client.get("/v1/tickets", headers=headers)).json()["items"] == []


async def test_front_office_flag_defaults_from_the_kind_and_can_be_set(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    async def create(code: str, kind: str, **extra: object) -> dict[str, object]:
        response = await client.post(
            "/v1/units",
            json={"code": code, "name": code, "kind": kind, "parent": "stad", **extra},
            headers=admin_headers,
        )
        assert response.status_code == 201, response.text
        body: dict[str, object] = response.json()
        return body

    assert (await create("onthaal", "reception"))["front_office"] is True
    assert (await create("financien", "department"))["front_office"] is False
    assert (await create("infopunt", "department", front_office=True))["front_office"] is True
    assert (await client.get("/v1/units/infopunt", headers=admin_headers)).json()["front_office"] is True

    # Staff of a department flagged front office read other departments' normal tickets too.
    waste = await client.post("/v1/contacts", json=web_contact(citizen=None), headers=admin_headers)
    infopunt = await factories.unit(session, "infopunt_2", "department", world.contact_centre)
    infopunt.front_office = True
    await session.flush()
    helper = await factories.staff(session, "info@genk.example", infopunt, "agent")
    got = await client.get(
        f"/v1/tickets/{waste.json()['ticket']['reference']}", headers=bearer(settings, clock, helper.email)
    )
    assert got.status_code == 200
