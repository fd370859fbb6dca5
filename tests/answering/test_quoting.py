"""Canned answers quoting the product catalogue: filled per language at preview and send, never with a gap."""

from __future__ import annotations

from email.header import decode_header, make_header
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.answering.placeholders import CATALOGUE
from genk3600.config import Settings
from genk3600.db import Database
from genk3600.kit.clock import FixedClock
from genk3600.models import Citizen, Ticket
from genk3600.notifications.sender import send_once
from tests import factories
from tests.answering.test_replies import MAIL, _counts
from tests.factories import World, assert_problem, bearer, web_contact
from tests.knowledge import BULKY_WASTE, ID_CARD, catalogue_world
from tests.notifications.test_sender import Sink, sink  # noqa: F401 - the SMTP sink fixture

QUOTING = {
    "nl": "{product_name}: breng mee: {what_to_bring} Kosten: {cost}. Klaar: {delivery_time}. Zie {web_page}. "
    "Loket: {opening_hours}.",
    "fr": "{product_name} : apportez {what_to_bring} Coût : {cost}. Délai : {delivery_time}. Voir {web_page}. "
    "Guichet : {opening_hours}.",
    "en": "{product_name}: bring {what_to_bring} Cost: {cost}. Ready: {delivery_time}. See {web_page}.",
    "de": "{product_name}: bringen Sie {what_to_bring} mit. Kosten: {cost}. Siehe {web_page}.",
}


async def _quoting_template(client: httpx.AsyncClient, admin: dict[str, str], category: str | None) -> int:
    body = {"name": "Wat meebrengen", "category": category, "texts": QUOTING}
    response = await client.post("/v1/reply-templates", json=body, headers=admin)
    assert response.status_code == 201, response.text
    template_id: int = response.json()["id"]
    return template_id


async def _entries(client: httpx.AsyncClient, admin: dict[str, str], *entries: dict[str, Any]) -> None:
    for entry in entries:
        response = await client.post("/v1/products", json=entry, headers=admin)
        assert response.status_code == 201, response.text


async def test_a_dutch_preview_quotes_the_entry_of_the_tickets_category(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    world = await catalogue_world(session)
    # Also linked to the ID card, but as its second category (and first by code): the ID card's own entry wins.
    aside = {
        "code": "aaa-bijlage",
        "texts": {"nl": {"name": "Bijlage"}},
        "categories": ["waste.pickup", "civil.id_card"],
    }
    await _entries(client, admin_headers, ID_CARD, BULKY_WASTE, aside)
    template_id = await _quoting_template(client, admin_headers, "civil.id_card")
    created = await client.post("/v1/contacts", json=web_contact(category="civil.id_card"), headers=admin_headers)
    reference = created.json()["ticket"]["reference"]
    before = await _counts(session)

    preview = await client.post(
        f"/v1/tickets/{reference}/replies/preview",
        json={"medium": "mail", "template_id": template_id},
        headers=bearer(settings, clock, world.agent.email),
    )

    assert preview.status_code == 200, preview.text
    assert preview.json()["text"] == (
        "Identiteitskaart aanvragen: breng mee: Het attest van diefstal van de politie en een recente pasfoto. "
        "Kosten: € 20,00. Klaar: Ongeveer 3 weken. Zie https://www.genk.be/identiteitskaart. "
        "Loket: maandag 08:30-12:30; woensdag 13:30-19:00."
    )
    assert await _counts(session) == before


async def test_a_french_answer_quotes_the_entry_in_french_through_the_smtp_sink(
    scratch_app: tuple[FastAPI, Database],
    settings: Settings,
    sink: tuple[Sink, int],  # noqa: F811
    clock: FixedClock,
) -> None:
    app, database = scratch_app
    handler, port = sink
    async with database.sessions.begin() as session:
        world = await catalogue_world(session)
        decider = await factories.staff(session, "bo.burgerzaken@genk.example", world.burgerzaken, "back_office")
        session.add(Citizen(email="marie.dubois@example.be", given_name="Marie", family_name="Dubois",
                            preferred_language="fr"))  # fmt: skip
        key = await factories.api_key(session, "gateway", ["admin", "contacts:write", "tickets:read"])
    gateway = {"X-API-Key": key}
    staff = bearer(settings, clock, decider.email)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        question = (
            b"From: Marie Dubois <marie.dubois@example.be>\r\nTo: 3600@genk.example\r\n"
            b"Subject: Carte d'identite volee\r\nMessage-ID: <q-1@example.be>\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n\r\nQue dois-je apporter ?\r\n"
        )
        first = await client.post("/v1/intake/mail", content=question, headers={**gateway, **MAIL})
        assert first.status_code == 201, first.text
        reference = first.json()["ticket"]["reference"]
        async with database.sessions.begin() as session:
            await session.execute(
                update(Ticket)
                .where(Ticket.reference == reference)
                .values(category_id=world.id_card.id, owning_unit_id=world.burgerzaken.id)
            )
        await _entries(client, gateway, ID_CARD)
        template_id = await _quoting_template(client, gateway, None)

        body = {"medium": "mail", "role": "informing", "template_id": template_id}
        preview = await client.post(f"/v1/tickets/{reference}/replies/preview", json=body, headers=staff)
        assert preview.status_code == 200, preview.text
        sent = await client.post(f"/v1/tickets/{reference}/replies", json=body, headers=staff)
        assert sent.status_code == 201, sent.text
        assert sent.json()["message"] == preview.json()["message"]

        relay = settings.model_copy(update={"smtp_relay_host": "127.0.0.1", "smtp_relay_port": port})
        assert (await send_once(database.sessions, relay, clock)).sent == 2  # the acknowledgement and the answer
    [mailed] = [message for message in handler.received if message["In-Reply-To"]]
    assert str(make_header(decode_header(mailed["Subject"]))) == f"Réponse à votre demande [{reference}]"
    text = mailed.get_payload(decode=True).decode()
    # French where the entry has it; the cost and delivery time fall back to Dutch as the catalogue does.
    assert (
        "Demander une carte d'identité : apportez L'attestation de vol de la police et une photo récente. "
        "Coût : € 20,00. Délai : Ongeveer 3 weken. Voir https://www.genk.be/identiteitskaart. "
        "Guichet : lundi 08:30-12:30; mercredi 13:30-19:00."
    ) in text


@pytest.mark.parametrize(
    ("category", "entries", "says"),
    [
        ("waste.pickup", (), "has no entry in the catalogue"),
        # The entry exists, but nobody wrote its cost: no "Kosten: ." in a mail.
        (
            "waste.pickup",
            (BULKY_WASTE,),
            "its entry grofvuil-ophalen has no text for {cost}, {delivery_time} and {web_page}",
        ),
        (None, (ID_CARD,), "has no entry in the catalogue"),
    ],
)
async def test_quoting_without_an_entry_is_refused_at_preview_and_send_and_writes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    admin_headers: dict[str, str],
    clock: FixedClock,
    category: str | None,
    entries: tuple[dict[str, Any], ...],
    says: str,
) -> None:
    world = await catalogue_world(session)
    await _entries(client, admin_headers, *entries)
    template_id = await _quoting_template(client, admin_headers, None)
    created = await client.post("/v1/contacts", json=web_contact(category=category), headers=admin_headers)
    reference = created.json()["ticket"]["reference"]
    agent = bearer(settings, clock, world.agent.email)
    before = await _counts(session)

    for path in (f"/v1/tickets/{reference}/replies/preview", f"/v1/tickets/{reference}/replies"):
        response = await client.post(path, json={"medium": "mail", "template_id": template_id}, headers=agent)
        problem = assert_problem(response, 422)
        assert problem["type"].endswith("/nothing-to-quote")
        assert says in problem["detail"]
        assert "{product_name}" in problem["detail"]
    assert await _counts(session) == before


async def test_the_whitelist_still_refuses_unknown_names_and_lists_the_catalogues(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    before = await _counts(session)
    body = {"name": "Prijs", "category": None, "texts": {**QUOTING, "nl": "Het kost {product_price}."}}

    problem = assert_problem(await client.post("/v1/reply-templates", json=body, headers=admin_headers), 422)

    assert problem["type"].endswith("/bad-placeholders")
    assert "{product_price}" in problem["detail"]
    assert set(CATALOGUE) <= set(problem["allowed"])
    assert await _counts(session) == before
