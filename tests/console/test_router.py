"""The console's own endpoints over HTTP: who-am-I, the agent's calls, dev sign-in, the static pages."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.app import create_app
from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.models import Ticket
from tests import factories
from tests.factories import World, assert_problem, bearer, web_contact


async def test_who_am_i_names_the_units_to_show(
    client: httpx.AsyncClient, settings: Settings, world: World, clock: FixedClock
) -> None:
    response = await client.get("/v1/me", headers=bearer(settings, clock, world.agent.email))
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["kind"] == "staff"
    assert me["staff_id"] == world.agent.id
    assert me["email"] == world.agent.email
    centre = {
        "unit": "contact_centre",
        "unit_name": world.contact_centre.name,
        "position": "agent",
        "position_name": "Agent",
    }
    assert me["memberships"] == [centre]
    assert "contacts:write" in me["scopes"]


async def test_my_calls_pop_the_caller_and_leave_out_other_and_ended_calls(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    created = await client.post(
        "/v1/contacts",
        json=web_contact(citizen={"phone": "089 30 30 30", "given_name": "Mira", "family_name": "Claes"}),
        headers=writer_headers,
    )
    assert created.status_code == 201, created.text
    colleague = await factories.staff(session, "collega@genk.example", world.contact_centre, "agent")
    events = [
        {"event": "ringing", "call_id": "c-mine", "caller_number": "+32 89 30 30 30", "agent": world.agent.email},
        {"event": "answered", "call_id": "c-over", "caller_number": "089 11 11 11", "agent": world.agent.email},
        {"event": "ended", "call_id": "c-over"},
        {"event": "ringing", "call_id": "c-theirs", "caller_number": "089 30 30 30", "agent": colleague.email},
    ]
    for event in events:
        answer = await client.post("/v1/intake/phone/events", json=event, headers=writer_headers)
        assert answer.status_code == 200, answer.text

    response = await client.get("/v1/me/calls", headers=bearer(settings, clock, world.agent.email))
    assert response.status_code == 200, response.text
    calls = response.json()["items"]
    assert [call["call_id"] for call in calls] == ["c-mine"]
    (match,) = calls[0]["screen_pop"]["matches"]
    assert match["citizen"]["family_name"] == "Claes"
    assert [ticket["reference"] for ticket in match["open_tickets"]] == [created.json()["ticket"]["reference"]]

    ended = await client.get("/v1/me/calls?state=ended", headers=bearer(settings, clock, world.agent.email))
    assert [call["call_id"] for call in ended.json()["items"]] == ["c-over"]


async def test_my_calls_need_a_staff_member(client: httpx.AsyncClient, writer_headers: dict[str, str]) -> None:
    response = await client.get("/v1/me/calls", headers=writer_headers)
    problem = assert_problem(response, 422)
    assert "API client" in problem["detail"]


async def test_dev_sign_in_lists_staff_and_mints_a_working_token(client: httpx.AsyncClient, world: World) -> None:
    listed = await client.get("/console/dev/staff")
    assert listed.status_code == 200, listed.text
    emails = {member["email"] for member in listed.json()["items"]}
    assert {world.agent.email, world.admin.email} <= emails

    minted = await client.post("/console/dev/tokens", json={"email": world.agent.email.upper()})
    assert minted.status_code == 200, minted.text
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {minted.json()['token']}"})
    assert me.json()["email"] == world.agent.email

    unknown = await client.post("/console/dev/tokens", json={"email": "nobody@genk.example"})
    assert_problem(unknown, 422)


@pytest.fixture
def production_app(settings: Settings, app: FastAPI) -> FastAPI:
    production = create_app(Settings(env="production", secret_key="p" * 40, database_url=settings.database_url))
    production.state.db = app.state.db
    return production


async def test_dev_sign_in_does_not_exist_outside_dev_mode(production_app: FastAPI, world: World) -> None:
    transport = httpx.ASGITransport(app=production_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        assert_problem(await client.get("/console/dev/staff"), 404)
        assert_problem(await client.post("/console/dev/tokens", json={"email": world.admin.email}), 404)
        # The console itself is served in production too.
        assert (await client.get("/console/")).status_code == 200


async def test_console_and_status_pages_are_served_but_not_in_the_spec(client: httpx.AsyncClient, app: FastAPI) -> None:
    index = await client.get("/console/")
    assert index.status_code == 200
    assert index.headers["content-type"].startswith("text/html")
    assert '<main id="main"' in index.text
    assert "default-src 'self'" in index.headers["content-security-policy"]
    script = await client.get("/console/js/app.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    chart = await client.get("/console/vendor/chart.umd.min.js")
    assert chart.status_code == 200
    assert len(chart.content) > 100_000
    status = await client.get("/status?ref=G3600-2026-000001&code=abc&lang=nl")
    assert status.status_code == 200
    assert '<html lang="nl">' in status.text
    assert "frame-ancestors 'none'" in status.headers["content-security-policy"]
    paths = app.openapi()["paths"]
    assert not [path for path in paths if path.startswith(("/console", "/status"))]
    assert_problem(await client.get("/console/nothing-here.js"), 404)


async def test_choices_offer_categories_with_synonyms_and_units_instead_of_codes(
    client: httpx.AsyncClient, settings: Settings, world: World, clock: FixedClock
) -> None:
    response = await client.get("/v1/me/choices", headers=bearer(settings, clock, world.agent.email))
    assert response.status_code == 200, response.text
    choices = response.json()
    by_code = {category["code"]: category for category in choices["categories"]}
    assert "identiteitskaart" in by_code["civil.id_card"]["synonyms"]
    assert by_code["social.living_wage"]["social"] is True
    assert by_code["civil.id_card"]["owning_unit_name"] == world.burgerzaken.name
    assert {"code": "burgerzaken", "name": world.burgerzaken.name, "kind": "department"} in choices["units"]


async def test_choices_name_units_and_categories_in_the_readers_language(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    world.burgerzaken.names = {"nl": world.burgerzaken.name, "fr": "Affaires civiles"}
    world.id_card.names = {"nl": world.id_card.name, "fr": "Carte d'identité"}
    await session.flush()
    headers = {**bearer(settings, clock, world.agent.email), "Accept-Language": "fr-BE,fr;q=0.9"}

    response = await client.get("/v1/me/choices", headers=headers)

    assert response.status_code == 200, response.text
    choices = response.json()
    id_card = next(category for category in choices["categories"] if category["code"] == "civil.id_card")
    assert (id_card["name"], id_card["owning_unit_name"]) == ("Carte d'identité", "Affaires civiles")
    assert world.id_card.name in id_card["synonyms"]  # the Dutch name still finds it
    assert {"code": "burgerzaken", "name": "Affaires civiles", "kind": "department"} in choices["units"]


async def test_the_screen_pop_shows_recent_closed_tickets_across_departments(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    citizen = {"phone": "089 30 30 31", "given_name": "Mira", "family_name": "Claes"}
    created = await client.post("/v1/contacts", json=web_contact(citizen=citizen), headers=writer_headers)
    assert created.status_code == 201, created.text
    reference = created.json()["ticket"]["reference"]
    await session.execute(update(Ticket).where(Ticket.reference == reference).values(status="resolved"))
    pop = await client.get(
        "/v1/citizens/lookup", params={"phone": "+32 89 30 30 31"}, headers=bearer(settings, clock, world.agent.email)
    )
    assert pop.status_code == 200, pop.text
    (match,) = pop.json()["matches"]
    assert match["open_tickets"] == []
    assert [hint["reference"] for hint in match["recent_closed_tickets"]] == [reference]
    assert match["recent_closed_tickets"][0]["subject"] == "Grofvuil niet opgehaald"
