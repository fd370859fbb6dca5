"""Links to other systems' objects: added at intake and afterwards, removed, filtered on, and in the events."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.models import ObjectLink, OutboxEvent
from tests import factories
from tests.factories import World, assert_problem, web_contact

CASE = {
    "system": "ocmw-dossiers",
    "object_type": "dossier",
    "object_id": "SD/2026/04711",
    "url": "https://dossiers.ocmw.genk.example/dossier/SD-2026-04711",
}
PERMIT = {"system": "omgevingsloket", "object_type": "omgevingsvergunning", "object_id": "OMV_2026047113"}
LIGHT = {"system": "fluvius-openbare-verlichting", "object_type": "lichtpunt", "object_id": "GNK-014562"}


async def _ticket(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/contacts", json=web_contact(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    recorded: dict[str, Any] = response.json()
    return recorded


def _refs(page: httpx.Response) -> list[str]:
    assert page.status_code == 200, page.text
    return [item["reference"] for item in page.json()["items"]]


async def test_links_at_intake_and_afterwards_are_on_the_ticket_and_filter_it(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    light = await _ticket(client, admin_headers, subject="Straatlamp kapot", links=[LIGHT, LIGHT])
    assert [link["object_id"] for link in light["links"]] == ["GNK-014562"]  # the same object twice: once
    assert light["links"][0]["contact_id"] == light["contact_id"]
    assert light["links"][0]["ticket"] == light["ticket"]["reference"]
    permit = await _ticket(client, admin_headers, citizen={"email": "els.claes@example.org"})
    reference = permit["ticket"]["reference"]
    added = await client.post(f"/v1/tickets/{reference}/links", json=PERMIT, headers=admin_headers)
    assert added.status_code == 201, added.text
    assert added.json()["contact_id"] is None
    assert added.json()["url"] is None
    on_contact = await client.post(f"/v1/contacts/{permit['contact_id']}/links", json=CASE, headers=admin_headers)
    assert on_contact.status_code == 201, on_contact.text
    assert on_contact.json()["url"] == CASE["url"]
    assert_problem(await client.post(f"/v1/tickets/{reference}/links", json=PERMIT, headers=admin_headers), 409)

    detail = (await client.get(f"/v1/tickets/{reference}", headers=admin_headers)).json()
    assert [(link["system"], link["contact_id"]) for link in detail["links"]] == [
        ("omgevingsloket", None),
        ("ocmw-dossiers", permit["contact_id"]),
    ]
    listed = (await client.get(f"/v1/tickets/{reference}/links", headers=admin_headers)).json()
    assert listed["items"] == detail["links"]
    on_the_contact = (await client.get(f"/v1/contacts/{permit['contact_id']}/links", headers=admin_headers)).json()
    assert [link["system"] for link in on_the_contact["items"]] == ["ocmw-dossiers"]

    def tickets(**params: str) -> Any:
        return client.get("/v1/tickets", params=params, headers=admin_headers)

    assert _refs(await tickets(object_system="omgevingsloket")) == [reference]
    assert _refs(await tickets(object_system="ocmw-dossiers", object_id="SD/2026/04711")) == [reference]
    assert _refs(await tickets(object_type="lichtpunt")) == [light["ticket"]["reference"]]
    assert _refs(await tickets(object_system="ocmw-dossiers", object_id="SD/2026/99999")) == []
    assert _refs(await tickets(object_type="lichtpunt", status="new")) == [light["ticket"]["reference"]]
    assert len(_refs(await tickets())) == 2

    # Removing: the ticket's own link by the ticket, the contact's by either path.
    link_id = added.json()["id"]
    assert (await client.delete(f"/v1/tickets/{reference}/links/{link_id}", headers=admin_headers)).status_code == 204
    assert_problem(await client.delete(f"/v1/tickets/{reference}/links/{link_id}", headers=admin_headers), 404)
    other = light["links"][0]["id"]  # a link of another ticket's contact
    assert_problem(await client.delete(f"/v1/tickets/{reference}/links/{other}", headers=admin_headers), 404)
    gone = await client.delete(
        f"/v1/contacts/{permit['contact_id']}/links/{on_contact.json()['id']}", headers=admin_headers
    )
    assert gone.status_code == 204
    assert _refs(await tickets(object_system="omgevingsloket")) == []
    assert (await session.scalars(select(ObjectLink.object_id))).all() == ["GNK-014562"]

    # Every change is an event carrying the link; the feed and webhooks send exactly these payloads.
    events = (
        await session.scalars(
            select(OutboxEvent).where(OutboxEvent.type.like("ticket.link_%")).order_by(OutboxEvent.id)
        )
    ).all()
    assert [(event.type, event.payload["object_id"]) for event in events] == [
        ("ticket.link_added", "GNK-014562"),
        ("ticket.link_added", "OMV_2026047113"),
        ("ticket.link_added", "SD/2026/04711"),
        ("ticket.link_removed", "OMV_2026047113"),
        ("ticket.link_removed", "SD/2026/04711"),
    ]
    assert events[2].payload == {
        "link_id": on_contact.json()["id"],
        "contact_id": permit["contact_id"],
        **CASE,
    }
    timeline = (
        await client.get(f"/v1/tickets/{reference}/events", headers={**admin_headers, "Accept-Language": "nl"})
    ).json()
    assert "Gekoppeld aan omgevingsvergunning OMV_2026047113 in omgevingsloket." in [
        item["summary"] for item in timeline["items"]
    ]


async def test_invalid_links_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    reference = (await _ticket(client, admin_headers))["ticket"]["reference"]
    for bad, field in (
        ({**CASE, "url": "ftp://dossiers.example/1"}, "body.url"),
        ({**CASE, "url": "javascript:alert(1)"}, "body.url"),
        ({**CASE, "system": "OCMW Dossiers"}, "body.system"),
        ({**CASE, "object_id": ""}, "body.object_id"),
    ):
        problem = assert_problem(
            await client.post(f"/v1/tickets/{reference}/links", json=bad, headers=admin_headers), 422
        )
        assert field in [error["field"] for error in problem["errors"]]
    assert_problem(await client.post("/v1/tickets/G3600-2026-999999/links", json=CASE, headers=admin_headers), 404)
    assert_problem(await client.post("/v1/contacts/999999/links", json=CASE, headers=admin_headers), 404)
    assert await factories.count(session, ObjectLink) == 0


async def test_search_narrowed_to_tickets_linked_to_an_object(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    linked = await _ticket(client, admin_headers, links=[PERMIT])
    other = await _ticket(client, admin_headers, citizen={"email": "els.claes@example.org"})

    def search(**params: str) -> Any:
        return client.get("/v1/search/tickets", params={"q": "grofvuil", **params}, headers=admin_headers)

    assert set(_refs(await search())) == {linked["ticket"]["reference"], other["ticket"]["reference"]}
    assert _refs(await search(object_system="omgevingsloket")) == [linked["ticket"]["reference"]]
    assert _refs(await search(object_id="OMV_2026047113", object_type="omgevingsvergunning")) == [
        linked["ticket"]["reference"]
    ]
    assert _refs(await search(object_system="ocmw-dossiers")) == []
