from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.models import Category, Staff, Unit
from tests import factories
from tests.factories import World, assert_problem


async def test_units_create_get_list(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    root = await client.post(
        "/v1/units", json={"code": "stad", "name": "Stad Genk", "kind": "department"}, headers=admin_headers
    )
    assert root.status_code == 201, root.text
    child = await client.post(
        "/v1/units",
        json={"code": "burgerzaken", "name": "Burgerzaken", "kind": "department", "parent": "stad"},
        headers=admin_headers,
    )
    assert child.status_code == 201
    assert child.headers["location"] == "/v1/units/burgerzaken"
    assert child.json()["parent"] == "stad"
    assert (await client.get("/v1/units/burgerzaken", headers=admin_headers)).json() == child.json()
    listed = (await client.get("/v1/units", headers=admin_headers)).json()
    assert [unit["code"] for unit in listed["items"]] == ["stad", "burgerzaken"]


async def test_unit_errors(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    before = await factories.count(session, Unit)
    duplicate = {"code": "omgeving", "name": "Nog eens", "kind": "department"}
    assert_problem(await client.post("/v1/units", json=duplicate, headers=admin_headers), 409)
    orphan = {"code": "wees", "name": "Wees", "kind": "department", "parent": "nergens"}
    assert (
        "nergens" in assert_problem(await client.post("/v1/units", json=orphan, headers=admin_headers), 422)["detail"]
    )
    bad = {"code": "Has Spaces", "name": "", "kind": "castle"}
    problem = assert_problem(await client.post("/v1/units", json=bad, headers=admin_headers), 422)
    assert {"body.code", "body.name", "body.kind"} <= {error["field"] for error in problem["errors"]}
    assert_problem(await client.get("/v1/units/nergens", headers=admin_headers), 404)
    assert await factories.count(session, Unit) == before


async def test_staff_create_with_memberships(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    payload = {
        "email": "Els.Claes@Genk.example",
        "full_name": "Els Claes",
        "languages": ["nl", "fr", "nl"],
        "memberships": [
            {"unit": "sociale_dienst", "position": "case_worker"},
            {"unit": "contact_centre", "position": "agent"},
        ],
    }
    response = await client.post("/v1/staff", json=payload, headers=admin_headers)
    assert response.status_code == 201, response.text
    staff = response.json()
    assert staff["email"] == "els.claes@genk.example"
    assert staff["languages"] == ["nl", "fr"]
    assert {(m["unit"], m["position"]) for m in staff["memberships"]} == {
        ("sociale_dienst", "case_worker"),
        ("contact_centre", "agent"),
    }
    assert (await client.get(f"/v1/staff/{staff['id']}", headers=admin_headers)).json() == staff


async def test_staff_errors_write_nothing(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    before = await factories.count(session, Staff)
    unknown_unit = {
        "email": "a@genk.example",
        "full_name": "A",
        "memberships": [{"unit": "nergens", "position": "agent"}],
    }
    assert_problem(await client.post("/v1/staff", json=unknown_unit, headers=admin_headers), 422)
    duplicate = {"email": world.agent.email.upper(), "full_name": "Dubbel"}
    assert_problem(await client.post("/v1/staff", json=duplicate, headers=admin_headers), 409)
    twice = {
        "email": "b@genk.example",
        "full_name": "B",
        "memberships": [{"unit": "omgeving", "position": "agent"}, {"unit": "omgeving", "position": "admin"}],
    }
    assert_problem(await client.post("/v1/staff", json=twice, headers=admin_headers), 422)
    assert_problem(await client.get("/v1/staff/424242", headers=admin_headers), 404)
    assert await factories.count(session, Staff) == before


async def test_categories(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    payload = {
        "code": "social.energy_support",
        "name": "Energiesteun",
        "owning_unit": "sociale_dienst",
        "confidentiality": "social",
        "default_priority": "urgent",
    }
    response = await client.post("/v1/categories", json=payload, headers=admin_headers)
    assert response.status_code == 201, response.text
    assert response.json()["owning_unit"] == "sociale_dienst"
    assert (await client.get("/v1/categories/social.energy_support", headers=admin_headers)).json() == response.json()

    before = await factories.count(session, Category)
    assert_problem(await client.post("/v1/categories", json=payload, headers=admin_headers), 409)
    assert_problem(
        await client.post(
            "/v1/categories", json={**payload, "code": "x.y", "owning_unit": "nergens"}, headers=admin_headers
        ),
        422,
    )
    assert_problem(await client.post("/v1/categories", json={**payload, "code": "nodot"}, headers=admin_headers), 422)
    assert_problem(await client.get("/v1/categories/no.such", headers=admin_headers), 404)
    assert await factories.count(session, Category) == before

    codes: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/categories", params=params, headers=admin_headers)).json()
        codes += [category["code"] for category in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert codes == ["waste.pickup", "civil.id_card", "social.living_wage", "social.energy_support"]


async def test_staff_absence(client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]) -> None:
    changed = await client.patch(
        f"/v1/staff/{world.agent.id}", json={"absent": True, "languages": ["nl", "fr"]}, headers=admin_headers
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["absent"], changed.json()["languages"]) == (True, ["nl", "fr"])
    assert_problem(await client.patch("/v1/staff/424242", json={"absent": True}, headers=admin_headers), 404)


async def test_oidc_subject_belongs_to_one_staff_member(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    linked = await client.patch(
        f"/v1/staff/{world.agent.id}", json={"oidc_subject": "idp-agent"}, headers=admin_headers
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["oidc_subject"] == "idp-agent"
    before = await factories.count(session, Staff)
    taken = {"email": "nieuw@genk.example", "full_name": "Nieuw", "oidc_subject": "idp-agent"}
    assert (
        "OIDC subject"
        in assert_problem(await client.post("/v1/staff", json=taken, headers=admin_headers), 409)["detail"]
    )
    assert await factories.count(session, Staff) == before
    # Updating someone else to a subject already linked is refused too; the agent keeps theirs.
    stolen = await client.patch(
        f"/v1/staff/{world.admin.id}", json={"oidc_subject": "idp-agent"}, headers=admin_headers
    )
    assert "OIDC subject" in assert_problem(stolen, 409)["detail"]
    # Setting one's own subject again is no conflict; null unlinks; an empty subject is no identity.
    again = await client.patch(f"/v1/staff/{world.agent.id}", json={"oidc_subject": "idp-agent"}, headers=admin_headers)
    assert again.status_code == 200, again.text
    blank = await client.patch(f"/v1/staff/{world.agent.id}", json={"oidc_subject": ""}, headers=admin_headers)
    assert_problem(blank, 422)
    unlinked = await client.patch(f"/v1/staff/{world.agent.id}", json={"oidc_subject": None}, headers=admin_headers)
    assert unlinked.json()["oidc_subject"] is None
    moved = await client.patch(f"/v1/staff/{world.admin.id}", json={"oidc_subject": "idp-agent"}, headers=admin_headers)
    assert moved.json()["oidc_subject"] == "idp-agent"
