"""Category suggestions over HTTP, from a model trained inside the test on a small fixed history."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.principal import system_principal
from genk3600.auth.service import create_api_client
from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.models import ClassifierModel
from genk3600.models.enums import Scope
from genk3600.suggestions.service import train_and_store
from tests import factories
from tests.knowledge import catalogue_world, resolved_history

Headers = dict[str, str]
TRAINER = system_principal("train-classifier")


async def _trained(session: AsyncSession, settings: Settings, clock: FixedClock) -> factories.World:
    world = await catalogue_world(session)
    await resolved_history(session, world)
    await train_and_store(session, settings, clock, TRAINER)
    return world


async def _suggest(client: httpx.AsyncClient, headers: Headers, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/v1/suggestions/categories", json=body, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_stolen_id_card_suggests_the_id_card_with_its_reasons(
    session: AsyncSession, client: httpx.AsyncClient, settings: Settings, clock: FixedClock
) -> None:
    world = await _trained(session, settings, clock)
    agent = {**factories.bearer(settings, clock, world.agent.email), "Accept-Language": "nl"}

    result = await _suggest(client, agent, {"text": "mijn identiteitskaart is gestolen"})

    top = result["suggestions"][0]
    assert top["category"] == "civil.id_card"
    assert top["name"] == "Identiteitskaart"
    assert top["confidence"] > 0.5
    assert "identiteitskaart" in [reason["word"] for reason in top["reasons"]]
    assert all(reason["weight"] > 0 for reason in top["reasons"])
    assert result["model_version"] == 1
    assert len(result["suggestions"]) <= 3


async def test_french_text_is_understood(
    session: AsyncSession, client: httpx.AsyncClient, settings: Settings, clock: FixedClock, admin_headers: Headers
) -> None:
    await _trained(session, settings, clock)

    result = await _suggest(
        client, {**admin_headers, "Accept-Language": "fr"}, {"subject": "Carte d'identité", "text": "Elle est volée"}
    )

    assert result["suggestions"][0]["category"] == "civil.id_card"
    assert result["suggestions"][0]["name"] == "Carte d'identité"
    assert "Carte" in [reason["word"] for reason in result["suggestions"][0]["reasons"]]


async def test_high_confidence_preselects_the_top_category(
    session: AsyncSession, client: httpx.AsyncClient, settings: Settings, clock: FixedClock, admin_headers: Headers
) -> None:
    await _trained(session, settings, clock)

    clear = await _suggest(
        client, admin_headers, {"subject": "Grofvuil niet opgehaald", "text": "Het grofvuil werd niet opgehaald"}
    )
    vague = await _suggest(client, admin_headers, {"text": "Goedemiddag, zeg eens"})

    assert clear["suggestions"][0]["category"] == "waste.pickup"
    assert clear["preselect"] == "waste.pickup"
    assert vague["preselect"] is None
    assert all(suggestion["reasons"] == [] for suggestion in vague["suggestions"])


async def test_a_social_category_is_suggested_only_to_whom_may_see_it(
    session: AsyncSession, client: httpx.AsyncClient, settings: Settings, clock: FixedClock, writer_headers: Headers
) -> None:
    world = await _trained(session, settings, clock)
    social_worker = await factories.staff(session, "maatschappelijk.werker@genk.example", world.sociale_dienst)
    _client, ocmw_key = await create_api_client(
        session, "ocmw-desk", [Scope.contacts_write], unit_code=world.sociale_dienst.code
    )
    asked = {"text": "Ik wil een leefloon aanvragen bij het OCMW, ik heb geen inkomen meer"}

    agent = await client.post(
        "/v1/suggestions/categories", json=asked, headers=factories.bearer(settings, clock, world.agent.email)
    )
    system = await client.post("/v1/suggestions/categories", json=asked, headers=writer_headers)
    worker = await _suggest(client, factories.bearer(settings, clock, social_worker.email), asked)
    ocmw_system = await _suggest(client, {"X-API-Key": ocmw_key}, asked)

    for outsider in (agent, system):
        assert outsider.status_code == 200
        assert "social.living_wage" not in outsider.text
        assert "Social.Living_Wage" not in outsider.text.title()
        assert "leefloon" not in outsider.text.lower()  # not even as a reason for another category
        assert all(not suggestion["social"] for suggestion in outsider.json()["suggestions"])
        assert outsider.json()["preselect"] is None  # the confidences stay the model's own: low here
    assert worker["suggestions"][0]["category"] == "social.living_wage"
    assert "leefloon" in [reason["word"] for reason in worker["suggestions"][0]["reasons"]]
    assert ocmw_system["suggestions"][0]["category"] == "social.living_wage"


async def test_a_newly_stored_model_serves_at_once(
    session: AsyncSession, client: httpx.AsyncClient, settings: Settings, clock: FixedClock, admin_headers: Headers
) -> None:
    await _trained(session, settings, clock)
    first = await _suggest(client, admin_headers, {"text": "identiteitskaart"})

    await train_and_store(session, settings, clock, TRAINER)
    second = await _suggest(client, admin_headers, {"text": "identiteitskaart"})
    models = await client.get("/v1/suggestions/models", headers=admin_headers)

    assert (first["model_version"], second["model_version"]) == (1, 2)
    assert [model["version"] for model in models.json()["items"]] == [2, 1]
    assert models.json()["items"][0]["ticket_count"] == 24
    assert "content" not in models.text


async def test_a_model_this_service_did_not_sign_is_not_served(
    session: AsyncSession, client: httpx.AsyncClient, settings: Settings, clock: FixedClock, admin_headers: Headers
) -> None:
    await _trained(session, settings, clock)
    forged = ClassifierModel(
        version=2, format="genk3600-tfidf-logreg-v1", content=b"not a model", signature="0" * 64, classes=["a", "b"],
        ticket_count=1, actor_name="someone else",
    )  # fmt: skip
    session.add(forged)
    await session.flush()

    result = await _suggest(client, admin_headers, {"text": "identiteitskaart"})

    assert result == {"model_version": None, "suggestions": [], "preselect": None, "preselect_threshold": 0.6}


async def test_without_a_model_there_is_nothing_to_suggest(
    session: AsyncSession, client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    await catalogue_world(session)

    result = await _suggest(client, admin_headers, {"text": "identiteitskaart"})

    assert result["model_version"] is None
    assert result["suggestions"] == []


async def test_bad_input_is_a_problem(session: AsyncSession, client: httpx.AsyncClient, admin_headers: Headers) -> None:
    bodies: list[Any] = [{}, {"subject": "  ", "text": ""}, {"text": "x" * 20_001}, {"text": "a", "extra": 1}, []]

    answers = [await client.post("/v1/suggestions/categories", json=body, headers=admin_headers) for body in bodies]

    for answer in answers:
        factories.assert_problem(answer, 422)


async def test_the_routing_dry_run_uses_the_suggestion_only_when_asked(
    session: AsyncSession, client: httpx.AsyncClient, settings: Settings, clock: FixedClock, admin_headers: Headers
) -> None:
    await _trained(session, settings, clock)
    contact = {"channel": "phone", "subject": "Identiteitskaart gestolen", "body": "Mijn identiteitskaart is weg."}

    plain = await client.post("/v1/routing/simulate", json={"contact": contact}, headers=admin_headers)
    asked = await client.post(
        "/v1/routing/simulate", json={"contact": contact, "use_suggested_category": True}, headers=admin_headers
    )

    assert plain.status_code == asked.status_code == 200, plain.text + asked.text
    assert plain.json()["suggested_category"] is None
    assert plain.json()["owning_unit"] != "burgerzaken"
    assert asked.json()["owning_unit"] == "burgerzaken"
    suggested = asked.json()["suggested_category"]
    assert suggested["category"] == "civil.id_card"
    assert "identiteitskaart" in [word.lower() for word in suggested["reasons"]]
