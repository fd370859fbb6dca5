from __future__ import annotations

import re

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.models import Citizen, Contact, Ticket, TicketEvent, Unit
from tests import factories
from tests.factories import World, assert_problem, web_contact


async def test_web_contact_opens_ticket_with_created_event(
    client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]
) -> None:
    response = await client.post("/v1/contacts", json=web_contact(), headers=writer_headers)

    assert response.status_code == 201, response.text
    body = response.json()
    ticket, contact = body["ticket"], body["contact"]
    assert re.fullmatch(r"G3600-\d{4}-\d{6}", ticket["reference"])
    assert response.headers["location"] == f"/v1/contacts/{contact['id']}"
    assert ticket["owning_unit"] == "omgeving"
    assert ticket["category"] == "waste.pickup"
    assert ticket["priority"] == "low"  # the category's default
    assert ticket["status"] == "new"
    assert ticket["citizen"]["email"] == "jan.janssens@example.org"
    assert contact["ticket"] == ticket["reference"]
    assert contact["channel_details"]["form_id"] == "melding-afval"
    # Recorded as it happened: it cannot have occurred after it was recorded.
    assert contact["occurred_at"] == contact["created_at"]
    assert contact["recorded_by"] == {
        "kind": "api_client",
        "id": contact["recorded_by"]["id"],
        "name": "writer-test (API)",
    }

    fetched = await client.get(f"/v1/tickets/{ticket['reference']}", headers=writer_headers)
    assert fetched.status_code == 200
    detail = fetched.json()
    assert detail.pop("roles") == []  # recorded by a city system: nobody has played a role yet
    assert (detail.pop("parties"), detail.pop("links")) == ([], [])  # nobody else involved, nothing linked
    assert detail.pop("household") is None  # a key without `citizens:lookup` is shown no relatives
    assert detail == ticket

    events = await client.get(f"/v1/tickets/{ticket['reference']}/events", headers=writer_headers)
    assert events.status_code == 200
    created, routed = events.json()["items"]
    assert routed["type"] == "routed"
    assert routed["summary"] == "no rule matched: category waste.pickup → Omgeving (the category's default unit)"
    assert created["type"] == "created"
    assert created["data"]["contact_id"] == contact["id"]
    assert created["data"]["owning_unit"] == "omgeving"
    assert "Omgeving" in created["summary"]

    again = await client.get(f"/v1/contacts/{contact['id']}", headers=writer_headers)
    assert again.json() == contact


async def test_phone_contact_normalises_numbers_and_keeps_call_facts(
    client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]
) -> None:
    payload = {
        "channel": "phone",
        "category": "civil.id_card",
        "summary": "Vraagt wanneer de nieuwe identiteitskaart klaar is.\nBelt later terug.",
        "call_id": "pbx-1",
        "caller_number": "089 65 36 00",
        "called_number": "3600",
        "started_at": "2026-11-23T09:12:00+01:00",
        "ended_at": "2026-11-23T09:16:30+01:00",
        "citizen": {"national_number": "85.07.30-033.28", "preferred_language": "fr"},
    }
    response = await client.post("/v1/contacts", json=payload, headers=writer_headers)

    assert response.status_code == 201, response.text
    contact, ticket = response.json()["contact"], response.json()["ticket"]
    assert contact["channel_details"]["caller_number"] == "+3289653600"
    assert contact["channel_details"]["duration_seconds"] == 270
    assert contact["occurred_at"] == "2026-11-23T08:12:00Z"
    assert contact["language"] == "fr"  # the citizen's preferred language
    assert ticket["subject"] == "Vraagt wanneer de nieuwe identiteitskaart klaar is."
    assert ticket["owning_unit"] == "burgerzaken"
    assert ticket["citizen"]["national_number_masked"] == "xx.xx.xx-xxx.28"
    assert "85073003328" not in response.text


async def test_withheld_caller_number_is_a_fact_not_an_error(
    client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]
) -> None:
    payload = {"channel": "phone", "summary": "Anonieme vraag over afval", "caller_number": "anonymous"}
    response = await client.post("/v1/contacts", json=payload, headers=writer_headers)

    assert response.status_code == 201, response.text
    assert response.json()["contact"]["channel_details"]["caller_number"] == "withheld"
    assert response.json()["ticket"]["owning_unit"] == "contact_centre"  # no category: front office keeps it
    assert response.json()["ticket"]["citizen"] is None


async def test_same_citizen_is_matched_not_duplicated(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    first = await client.post("/v1/contacts", json=web_contact(), headers=writer_headers)
    by_email = web_contact(citizen={"email": "JAN.JANSSENS@example.org", "phone": "0470 12 34 56"})
    second = await client.post("/v1/contacts", json=by_email, headers=writer_headers)
    by_phone = web_contact(citizen={"phone": "+32 470 12 34 56"})
    third = await client.post("/v1/contacts", json=by_phone, headers=writer_headers)

    ids = {r.json()["contact"]["citizen_id"] for r in (first, second, third)}
    assert len(ids) == 1
    assert await factories.count(session, Citizen) == 1
    assert third.json()["ticket"]["citizen"]["phone"] == "+32470123456"


async def test_different_national_numbers_are_never_merged_by_email(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    shared = "gezin@example.org"
    one = web_contact(citizen={"email": shared, "national_number": "85073003328"})
    other = web_contact(citizen={"email": shared, "national_number": "17073003384"})
    assert (await client.post("/v1/contacts", json=one, headers=writer_headers)).status_code == 201
    assert (await client.post("/v1/contacts", json=other, headers=writer_headers)).status_code == 201

    assert await factories.count(session, Citizen) == 2


async def test_invalid_fields_are_all_listed(
    client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]
) -> None:
    payload = web_contact(
        subject="",
        category="NotACode",
        citizen={"national_number": "85073003329", "email": "not-an-email"},
        colour="blue",
    )
    response = await client.post("/v1/contacts", json=payload, headers=writer_headers)

    problem = assert_problem(response, 422)
    fields = {error["field"] for error in problem["errors"]}
    assert {
        "body.web.subject",
        "body.web.category",
        "body.web.citizen.national_number",
        "body.web.citizen.email",
        "body.web.colour",
    } <= fields
    assert "85073003329" not in response.text  # personal data is not echoed back


async def test_bad_json_and_wrong_types(
    client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]
) -> None:
    malformed = await client.post(
        "/v1/contacts",
        content=b'{"channel": "web",',
        headers={**writer_headers, "content-type": "application/json"},
    )
    assert assert_problem(malformed, 400)["title"] == "Malformed JSON"

    wrong_types = await client.post(
        "/v1/contacts", json={"channel": "web", "subject": 12, "body": ["x"]}, headers=writer_headers
    )
    problem = assert_problem(wrong_types, 422)
    assert {"body.web.subject", "body.web.body"} <= {error["field"] for error in problem["errors"]}

    unknown_channel = await client.post("/v1/contacts", json={"channel": "fax"}, headers=writer_headers)
    assert_problem(unknown_channel, 422)

    not_an_object = await client.post("/v1/contacts", json=[1, 2], headers=writer_headers)
    assert_problem(not_an_object, 422)


async def test_future_and_naive_timestamps_are_refused(
    client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]
) -> None:
    naive = {"channel": "phone", "summary": "x", "started_at": "2026-01-01T10:00:00"}
    future = {"channel": "phone", "summary": "x", "started_at": "2999-01-01T10:00:00Z"}
    backwards = {
        "channel": "phone",
        "summary": "x",
        "started_at": "2026-01-01T10:00:00Z",
        "ended_at": "2026-01-01T09:00:00Z",
    }
    for payload in (naive, future, backwards):
        assert_problem(await client.post("/v1/contacts", json=payload, headers=writer_headers), 422)


async def test_unknown_category_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    response = await client.post("/v1/contacts", json=web_contact(category="no.such_thing"), headers=writer_headers)

    problem = assert_problem(response, 422)
    assert "no.such_thing" in problem["detail"]
    for model in (Ticket, Contact, Citizen, TicketEvent):
        assert await factories.count(session, model) == 0


async def test_failure_after_writes_leaves_no_rows_behind(
    client: httpx.AsyncClient, session: AsyncSession, writer_headers: dict[str, str]
) -> None:
    # No contact-centre unit exists: the citizen is registered first, then the contact cannot be owned.
    await factories.unit(session, "omgeving")
    response = await client.post(
        "/v1/contacts",
        json=web_contact(category=None, citizen={"email": "x@example.org"}),
        headers=writer_headers,
    )

    problem = assert_problem(response, 422)
    assert "contact_centre" in problem["detail"]
    for model in (Citizen, Ticket, Contact, TicketEvent):
        assert await factories.count(session, model) == 0
    assert await factories.count(session, Unit) == 1


async def test_reference_numbers_are_unique(
    client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]
) -> None:
    references = set()
    for _ in range(5):
        response = await client.post("/v1/contacts", json=web_contact(citizen=None), headers=writer_headers)
        references.add(response.json()["ticket"]["reference"])
    assert len(references) == 5


async def test_unknown_contact_is_404(client: httpx.AsyncClient, writer_headers: dict[str, str]) -> None:
    assert_problem(await client.get("/v1/contacts/987654321", headers=writer_headers), 404)
