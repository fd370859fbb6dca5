from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.models import ClosingDay, OpeningHours, SlaPolicy
from tests import factories
from tests.factories import World, assert_problem

POLICY = {
    "code": "standard",
    "name": "Antwoord binnen 2 uur, opgelost binnen 2 werkdagen",
    "first_response_minutes": 120,
    "resolution_minutes": 960,
}


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    return await client.post(path, json=body, headers=headers)


async def test_sla_policies_create_get_list(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    created = await post(client, "/v1/sla/policies", POLICY, admin_headers)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/v1/sla/policies/standard"
    policy = created.json()
    assert policy["warning_fraction"] == 0.8
    assert policy["breach_unit"] is None

    escalating = {**POLICY, "code": "escalating", "warning_fraction": 0.5, "breach_unit": "burgerzaken"}
    second = await post(client, "/v1/sla/policies", escalating, admin_headers)
    assert second.status_code == 201, second.text
    assert second.json()["breach_unit"] == "burgerzaken"

    assert (await client.get("/v1/sla/policies/standard", headers=admin_headers)).json() == policy
    first_page = (await client.get("/v1/sla/policies?limit=1", headers=admin_headers)).json()
    assert [p["code"] for p in first_page["items"]] == ["standard"]
    rest = await client.get(f"/v1/sla/policies?limit=1&cursor={first_page['next_cursor']}", headers=admin_headers)
    assert [p["code"] for p in rest.json()["items"]] == ["escalating"]
    assert rest.json()["next_cursor"] is None


async def test_sla_policy_errors_write_nothing(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    assert (await post(client, "/v1/sla/policies", POLICY, admin_headers)).status_code == 201
    before = await factories.count(session, SlaPolicy)

    duplicate = assert_problem(await post(client, "/v1/sla/policies", POLICY, admin_headers), 409)
    assert "standard" in duplicate["detail"]
    unknown_unit = {**POLICY, "code": "other", "breach_unit": "nergens"}
    assert (
        "nergens" in assert_problem(await post(client, "/v1/sla/policies", unknown_unit, admin_headers), 422)["detail"]
    )
    bad = {**POLICY, "code": "Bad Code", "first_response_minutes": 0, "warning_fraction": 1.0}
    problem = assert_problem(await post(client, "/v1/sla/policies", bad, admin_headers), 422)
    assert {"body.code", "body.first_response_minutes", "body.warning_fraction"} <= {
        e["field"] for e in problem["errors"]
    }
    slower_answer = {**POLICY, "code": "odd", "first_response_minutes": 1000}
    problem = assert_problem(await post(client, "/v1/sla/policies", slower_answer, admin_headers), 422)
    assert "first_response_minutes must not exceed resolution_minutes" in problem["errors"][0]["message"]
    assert_problem(await client.get("/v1/sla/policies/nergens", headers=admin_headers), 404)
    assert await factories.count(session, SlaPolicy) == before


async def test_admin_scope_is_required(client: httpx.AsyncClient, writer_headers: dict[str, str]) -> None:
    assert_problem(await client.get("/v1/sla/policies", headers=writer_headers), 403)
    assert_problem(await post(client, "/v1/calendar/closing-days", {"day": "2026-07-11", "reason": "x"}, {}), 401)


async def test_opening_hours_create_list_get_delete(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    city = await post(
        client, "/v1/calendar/opening-hours", {"weekday": 0, "opens": "08:30", "closes": "12:00"}, admin_headers
    )
    assert city.status_code == 201, city.text
    assert city.json() == {
        "id": city.json()["id"],
        "unit": None,
        "weekday": 0,
        "opens": "08:30:00",
        "closes": "12:00:00",
    }
    assert city.headers["location"] == f"/v1/calendar/opening-hours/{city.json()['id']}"
    own = await post(
        client,
        "/v1/calendar/opening-hours",
        {"unit": "burgerzaken", "weekday": 3, "opens": "13:00", "closes": "19:00"},
        admin_headers,
    )
    assert own.status_code == 201, own.text
    assert own.json()["unit"] == "burgerzaken"

    listed = (await client.get("/v1/calendar/opening-hours", headers=admin_headers)).json()
    assert [(h["unit"], h["weekday"]) for h in listed["items"]] == [(None, 0), ("burgerzaken", 3)]
    location = own.headers["location"]
    assert (await client.get(location, headers=admin_headers)).json() == own.json()
    assert (await client.delete(location, headers=admin_headers)).status_code == 204
    assert_problem(await client.get(location, headers=admin_headers), 404)
    assert_problem(await client.delete(location, headers=admin_headers), 404)


async def test_opening_hours_validation(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    path = "/v1/calendar/opening-hours"
    backwards = assert_problem(
        await post(client, path, {"weekday": 1, "opens": "17:00", "closes": "09:00"}, admin_headers), 422
    )
    assert "closes must be after opens" in backwards["errors"][0]["message"]
    assert_problem(await post(client, path, {"weekday": 1, "opens": "09:00", "closes": "09:00"}, admin_headers), 422)
    offset = {"weekday": 1, "opens": "09:00+01:00", "closes": "17:00"}
    assert assert_problem(await post(client, path, offset, admin_headers), 422)["errors"][0]["field"] == "body.opens"
    sunday_plus_one = assert_problem(
        await post(client, path, {"weekday": 7, "opens": "09:00", "closes": "17:00"}, admin_headers), 422
    )
    assert sunday_plus_one["errors"][0]["field"] == "body.weekday"
    unknown = {"unit": "nergens", "weekday": 1, "opens": "09:00", "closes": "17:00"}
    assert_problem(await post(client, path, unknown, admin_headers), 422)
    assert await factories.count(session, OpeningHours) == 0


async def test_opening_hours_post_is_idempotent(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    body = {"unit": "omgeving", "weekday": 4, "opens": "08:30", "closes": "12:00"}
    headers = {**admin_headers, "Idempotency-Key": "hours-omgeving-friday"}
    first = await post(client, "/v1/calendar/opening-hours", body, headers)
    again = await post(client, "/v1/calendar/opening-hours", body, headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    assert await factories.count(session, OpeningHours) == 1


async def test_closing_days(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    path = "/v1/calendar/closing-days"
    city = await post(
        client, path, {"day": "2026-07-11", "reason": "Feestdag van de Vlaamse Gemeenschap"}, admin_headers
    )
    assert city.status_code == 201, city.text
    assert city.json()["unit"] is None
    assert city.headers["location"] == f"{path}/{city.json()['id']}"
    duplicate = assert_problem(
        await post(client, path, {"day": "2026-07-11", "reason": "Nog eens"}, admin_headers), 409
    )
    assert "whole city" in duplicate["detail"]
    # The same day for one unit is another entry.
    unit_day = await post(client, path, {"unit": "omgeving", "day": "2026-07-11", "reason": "Teamdag"}, admin_headers)
    assert unit_day.status_code == 201, unit_day.text
    assert_problem(
        await post(client, path, {"unit": "omgeving", "day": "2026-07-11", "reason": "x"}, admin_headers), 409
    )
    assert_problem(
        await post(client, path, {"unit": "nergens", "day": "2026-07-12", "reason": "x"}, admin_headers), 422
    )
    assert_problem(await post(client, path, {"day": "2026-02-30", "reason": "x"}, admin_headers), 422)

    listed = (await client.get(path, headers=admin_headers)).json()
    assert [(d["unit"], d["day"]) for d in listed["items"]] == [(None, "2026-07-11"), ("omgeving", "2026-07-11")]
    assert (await client.get(city.headers["location"], headers=admin_headers)).json() == city.json()
    assert (await client.delete(city.headers["location"], headers=admin_headers)).status_code == 204
    assert await factories.count(session, ClosingDay) == 1


async def test_deadline_on_a_units_calendar(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    for weekday in range(5):
        hours = {"unit": "burgerzaken", "weekday": weekday, "opens": "08:30", "closes": "17:00"}
        assert (await post(client, "/v1/calendar/opening-hours", hours, admin_headers)).status_code == 201

    path = "/v1/calendar/units/burgerzaken/deadline"
    friday = {"minutes": 120, "since": "2026-11-27T16:00:00+01:00"}
    response = await client.get(path, params=friday, headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "unit": "burgerzaken",
        "since": "2026-11-27T15:00:00Z",
        "start": "2026-11-27T15:00:00Z",
        "minutes": 120,
        "deadline": "2026-11-30T08:30:00Z",
        "local_deadline": "2026-11-30T09:30:00+01:00",
        "timezone": "Europe/Brussels",
        "hours_source": "unit",
    }
    # Omgeving has no hours of its own (and the city none): Genk's default hours.
    default = await client.get("/v1/calendar/units/omgeving/deadline", params=friday, headers=admin_headers)
    assert default.json()["hours_source"] == "default"
    assert default.json()["local_deadline"] == "2026-11-30T10:00:00+01:00"

    # A city-wide closing day on Monday moves it to Tuesday.
    assert (
        await post(client, "/v1/calendar/closing-days", {"day": "2026-11-30", "reason": "x"}, admin_headers)
    ).status_code == 201
    moved = await client.get(path, params=friday, headers=admin_headers)
    assert moved.json()["local_deadline"] == "2026-12-01T09:30:00+01:00"

    assert (await client.get(path, params={"minutes": 0}, headers=admin_headers)).status_code == 200
    naive = assert_problem(
        await client.get(path, params={"minutes": 10, "from": "2026-11-27T16:00:00"}, headers=admin_headers), 422
    )
    assert naive["errors"][0]["field"] == "query.from"
    assert_problem(await client.get(path, params={"minutes": -1}, headers=admin_headers), 422)
    assert_problem(await client.get(path, headers=admin_headers), 422)
    assert_problem(
        await client.get("/v1/calendar/units/nergens/deadline", params={"minutes": 1}, headers=admin_headers), 404
    )
