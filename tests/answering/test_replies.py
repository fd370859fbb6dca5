"""Answers to the citizen: by mail through the real sender and SMTP sink, threaded both ways, in the citizen's
language with the role in words; decision authority; canned answers with a safe preview; bad input."""

from __future__ import annotations

from email.header import decode_header, make_header
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.db import Database
from genk3600.kit.clock import FixedClock
from genk3600.models import (
    CategoryDecider,
    Citizen,
    Contact,
    OutboundMail,
    Participation,
    Reply,
    ReplyTemplate,
    ReplyTemplateVersion,
    Ticket,
    TicketEvent,
)
from genk3600.notifications.sender import send_once
from tests import factories
from tests.factories import World, assert_problem, bearer, web_contact
from tests.notifications.test_sender import Sink, sink  # noqa: F401 - the SMTP sink fixture

MAIL = {"content-type": "message/rfc822"}
TEXTS = {
    "nl": "Uw nieuwe identiteitskaart ligt klaar bij {unit_name}. Vermeld {reference} aan het loket.",
    "fr": "Votre nouvelle carte d'identité est prête chez {unit_name}. Mentionnez {reference} au guichet.",
    "en": "Your new identity card is ready at {unit_name}. Mention {reference} at the desk.",
    "de": "Ihr neuer Personalausweis liegt bei {unit_name} bereit. Nennen Sie {reference} am Schalter.",
}
WRITTEN = (Contact, Reply, OutboundMail, Participation, TicketEvent, ReplyTemplate, ReplyTemplateVersion)


async def _counts(session: AsyncSession) -> dict[str, int]:
    return {model.__name__: await factories.count(session, model) for model in WRITTEN}


async def _decider(session: AsyncSession, world: World) -> dict[str, Any]:
    """A back-office employee of Burgerzaken, which holds decision authority for identity cards."""
    session.add(CategoryDecider(category_id=world.id_card.id, unit_id=world.burgerzaken.id))
    return {"staff": await factories.staff(session, "bo.burgerzaken@genk.example", world.burgerzaken, "back_office")}


async def _template(client: httpx.AsyncClient, admin: dict[str, str], **overrides: Any) -> dict[str, Any]:
    body = {"name": "Identiteitskaart klaar", "category": "civil.id_card", "texts": TEXTS, **overrides}
    response = await client.post("/v1/reply-templates", json=body, headers=admin)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_a_mailed_decision_threads_both_ways_in_the_citizens_language(
    scratch_app: tuple[FastAPI, Database],
    settings: Settings,
    sink: tuple[Sink, int],  # noqa: F811
    clock: FixedClock,
) -> None:
    app, database = scratch_app
    handler, port = sink
    async with database.sessions.begin() as session:
        world = await factories.small_world(session)
        decider = (await _decider(session, world))["staff"]
        session.add(Citizen(email="marie.dubois@example.be", given_name="Marie", family_name="Dubois",
                            preferred_language="fr"))  # fmt: skip
        key = await factories.api_key(session, "gateway", ["admin", "contacts:write", "tickets:read"])
    gateway = {"X-API-Key": key}
    staff = bearer(settings, clock, decider.email)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        question = (
            b"From: Marie Dubois <marie.dubois@example.be>\r\nTo: 3600@genk.example\r\n"
            b"Subject: Nouvelle carte d'identite\r\nMessage-ID: <q-1@example.be>\r\n"
            b"References: <older-0@example.be>\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n\r\nMa carte est-elle prete ?\r\n"
        )
        first = await client.post("/v1/intake/mail", content=question, headers={**gateway, **MAIL})
        assert first.status_code == 201, first.text
        reference, code = first.json()["ticket"]["reference"], first.json()["access_code"]
        async with database.sessions.begin() as session:  # as an agent would: categorised, handed to Burgerzaken
            await session.execute(
                update(Ticket)
                .where(Ticket.reference == reference)
                .values(category_id=world.id_card.id, owning_unit_id=world.burgerzaken.id)
            )
        template = await _template(client, gateway)

        body = {"medium": "mail", "role": "deciding", "template_id": template["id"], "note": "Kaart besteld."}
        preview = await client.post(f"/v1/tickets/{reference}/replies/preview", json=body, headers=staff)
        assert preview.status_code == 200, preview.text
        sent = await client.post(f"/v1/tickets/{reference}/replies", json=body, headers=staff)
        assert sent.status_code == 201, sent.text
        answer = sent.json()
        assert answer["message"] == preview.json()["message"]
        assert answer["recipient"] == {"name": "Marie Dubois", "email": "marie.dubois@example.be", "language": "fr"}
        assert answer["role_sentence"] == "Ceci est une décision du service Burgerzaken."
        assert answer["mail"]["in_reply_to"] == "q-1@example.be"
        assert answer["template"] == {"id": template["id"], "version": 1}

        relay = settings.model_copy(update={"smtp_relay_host": "127.0.0.1", "smtp_relay_port": port})
        assert (await send_once(database.sessions, relay, clock)).sent == 2  # the acknowledgement and the answer
        [mailed] = [message for message in handler.received if message["In-Reply-To"]]
        assert mailed["To"] == "marie.dubois@example.be"
        assert mailed["Message-ID"] == f"<{answer['mail']['message_id']}>"
        assert mailed["In-Reply-To"] == "<q-1@example.be>"
        assert mailed["References"] == "<older-0@example.be> <q-1@example.be>"
        assert str(make_header(decode_header(mailed["Subject"]))) == f"Réponse à votre demande [{reference}]"
        assert mailed["Content-Language"] == "fr"
        assert mailed["Auto-Submitted"] is None  # a person's answer, not a robot's
        text = mailed.get_payload(decode=True).decode()
        assert text.startswith("Chère Madame, Cher Monsieur Marie Dubois,")
        assert f"Votre nouvelle carte d'identité est prête chez Burgerzaken. Mentionnez {reference}" in text
        assert "Ceci est une décision du service Burgerzaken." in text
        assert "Kaart besteld" not in text  # the note is for colleagues

        # The citizen answers our answer; their client keeps only In-Reply-To.
        again = (
            f"From: marie.dubois@example.be\r\nTo: 3600@genk.example\r\nSubject: Re: merci\r\n"
            f"Message-ID: <q-2@example.be>\r\nIn-Reply-To: {mailed['Message-ID']}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nMerci, je passerai lundi.\r\n"
        ).encode()
        threaded = await client.post("/v1/intake/mail", content=again, headers={**gateway, **MAIL})
        assert threaded.json()["outcome"] == "threaded", threaded.text
        assert threaded.json()["ticket"]["reference"] == reference

        status = await client.get(f"/v1/public/tickets/{reference}", params={"code": code})
        latest = status.json()["latest_answer"]
        assert latest["role"] == "Ceci est une décision du service Burgerzaken."
        assert latest["text"].startswith("Votre nouvelle carte d'identité est prête")
        assert latest["given"].startswith("Nous vous avons répondu par e-mail le ")
        events = (await client.get(f"/v1/tickets/{reference}/events", headers=staff)).json()["items"]
        feed = await client.get("/v1/events", params={"types": "ticket.replied"}, headers=gateway)
        assert feed.status_code == 200, feed.text
        [published] = feed.json()["items"]
        assert published["ticket"] == reference
        assert published["data"]["role"] == "deciding"
        assert "Votre nouvelle carte" not in feed.text  # events carry codes and ids, not the answer's words
    replied = [event for event in events if event["type"] == "replied"]
    assert [event["data"]["role"] for event in replied] == ["deciding"]
    async with database.sessions() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket is not None
        assert ticket.first_responded_at == clock.now()
        assert await session.scalar(select(func.count()).select_from(Reply)) == 1


@pytest.mark.parametrize(
    ("position", "unit", "category", "slug"),
    [
        ("agent", "burgerzaken", "civil.id_card", "role-not-for-position"),
        # Omgeving owns waste tickets, but only Burgerzaken may decide on them here.
        ("back_office", "omgeving", "waste.pickup", "authority-missing"),
    ],
)
async def test_a_decision_without_authority_is_refused_and_writes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    admin_headers: dict[str, str],
    clock: FixedClock,
    position: str,
    unit: str,
    category: str,
    slug: str,
) -> None:
    await _decider(session, world)
    session.add(CategoryDecider(category_id=world.waste.id, unit_id=world.burgerzaken.id))
    staff = await factories.staff(session, "someone@genk.example", getattr(world, unit), position)
    created = await client.post("/v1/contacts", json=web_contact(category=category), headers=admin_headers)
    reference = created.json()["ticket"]["reference"]
    before = await _counts(session)

    for path in ("replies/preview", "replies"):
        response = await client.post(
            f"/v1/tickets/{reference}/{path}",
            json={"medium": "mail", "role": "deciding", "text": "U krijgt de kaart."},
            headers=bearer(settings, clock, staff.email),
        )
        problem = assert_problem(response, 403)
        assert problem["type"].endswith(f"/{slug}")

    assert await _counts(session) == before


async def test_canned_answers_are_versioned_checked_and_previewed(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    template = await _template(client, admin_headers)
    assert template["version"] == 1
    path = f"/v1/reply-templates/{template['id']}"
    read = await client.get(path, headers=bearer(settings, clock, world.agent.email))
    assert read.headers["ETag"] == '"1"' or read.headers["ETag"].endswith('1"')
    changed = {"name": "Identiteitskaart klaar", "category": "civil.id_card",
               "texts": {**TEXTS, "nl": "Beste {citizen_name}, uw kaart ligt klaar ({category_name})."}}  # fmt: skip
    assert_problem(await client.put(path, json=changed, headers=admin_headers), 428)
    assert_problem(await client.put(path, json=changed, headers={**admin_headers, "If-Match": '"7"'}), 412)
    saved = await client.put(path, json=changed, headers={**admin_headers, "If-Match": read.headers["ETag"]})
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 2
    history = (await client.get(f"{path}/versions", headers=admin_headers)).json()["items"]
    assert [(item["version"], item["texts"]["nl"], item["saved_by"]) for item in history] == [
        (1, TEXTS["nl"], "admin-test (API)"),
        (2, changed["texts"]["nl"], "admin-test (API)"),
    ]

    offered = await client.get(
        "/v1/reply-templates", params={"category": "civil.id_card"}, headers=bearer(settings, clock, world.agent.email)
    )
    assert [item["name"] for item in offered.json()["items"]] == ["Identiteitskaart klaar"]
    elsewhere = await client.get("/v1/reply-templates", params={"category": "waste.pickup"}, headers=admin_headers)
    assert elsewhere.json()["items"] == []

    created = await client.post("/v1/contacts", json=web_contact(category="civil.id_card"), headers=admin_headers)
    reference = created.json()["ticket"]["reference"]
    before = await _counts(session)
    preview = await client.post(
        f"/v1/tickets/{reference}/replies/preview",
        json={"medium": "mail", "template_id": template["id"]},
        headers=bearer(settings, clock, world.agent.email),
    )
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["text"] == "Beste Jan Janssens, uw kaart ligt klaar (civil.id_card)."
    assert shown["role_sentence"] == "Dit is informatie, geen beslissing."
    assert shown["subject"] == f"Antwoord op uw vraag [{reference}]"
    assert shown["template"] == {"id": template["id"], "version": 2}
    assert "Dit is informatie, geen beslissing." in shown["message"]
    assert await _counts(session) == before


@pytest.mark.parametrize(
    "text",
    ["Uw kaart {reference.__class__}", "Uw kaart {secret}", "Uw kaart {", "Uw {reference!r}", "Uw {reference:>9999}"],
)
async def test_a_template_with_unsafe_placeholders_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str], text: str
) -> None:
    before = await _counts(session)
    body = {"name": "Onveilig", "category": None, "texts": {**TEXTS, "fr": text}}
    problem = assert_problem(await client.post("/v1/reply-templates", json=body, headers=admin_headers), 422)
    assert problem["type"].endswith("/bad-placeholders")
    assert problem["language"] == "fr"
    assert await _counts(session) == before


@pytest.mark.parametrize(
    ("body", "slug"),
    [
        ({}, "validation-failed"),
        ({"medium": "mail"}, "validation-failed"),
        ({"medium": "fax", "text": "x"}, "validation-failed"),
        ({"medium": "letter", "text": "x", "to_address": "jan.janssens@example.org"}, "validation-failed"),
        ({"medium": "mail", "text": "x", "to_address": "iemand.anders@example.org"}, "recipient-not-on-ticket"),
        ({"medium": "mail", "template_id": 999999}, "unknown-reply-template"),
    ],
)
async def test_bad_input_is_a_problem_and_writes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    admin_headers: dict[str, str],
    clock: FixedClock,
    body: dict[str, Any],
    slug: str,
) -> None:
    created = await client.post("/v1/contacts", json=web_contact(), headers=admin_headers)
    reference = created.json()["ticket"]["reference"]
    before = await _counts(session)
    response = await client.post(
        f"/v1/tickets/{reference}/replies", json=body, headers=bearer(settings, clock, world.agent.email)
    )
    problem = assert_problem(response, 422)
    assert problem["type"].endswith(f"/{slug}"), problem
    assert await _counts(session) == before


async def test_without_an_address_a_letter_answers_and_the_status_page_says_so(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    contact = web_contact(citizen={"phone": "+32 89 65 43 21", "given_name": "Jan", "family_name": "Peeters"})
    created = (await client.post("/v1/contacts", json=contact, headers=admin_headers)).json()
    reference = created["ticket"]["reference"]
    agent = bearer(settings, clock, world.agent.email)
    by_mail = await client.post(f"/v1/tickets/{reference}/replies", json={"medium": "mail", "text": "x"}, headers=agent)
    assert assert_problem(by_mail, 422)["type"].endswith("/no-mail-address")

    words = "Het grofvuil wordt opgehaald op dinsdag 15 december."
    letter = await client.post(
        f"/v1/tickets/{reference}/replies",
        json={"medium": "letter", "text": words, "note": "Intern: ophaalronde verschoven."},
        headers=agent,
    )
    assert letter.status_code == 201, letter.text
    assert letter.json()["mail"] is None
    assert await factories.count(session, OutboundMail) == 0
    recorded = await session.get(Contact, letter.json()["contact_id"])
    assert recorded is not None
    assert (recorded.channel, recorded.direction, recorded.body) == ("letter", "outbound", words)

    status = (await client.get(f"/v1/public/tickets/{reference}", params={"code": created["access_code"]})).json()
    assert status["latest_answer"]["text"] == words
    assert status["latest_answer"]["role"] == "Dit is informatie, geen beslissing."
    assert status["latest_answer"]["given"].startswith("Wij hebben u een brief gestuurd op ")
    assert "Intern" not in str(status)


async def test_an_answer_on_a_social_case_stays_with_those_who_see_it(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    created = (
        await client.post("/v1/contacts", json=web_contact(category="social.living_wage"), headers=admin_headers)
    ).json()
    reference = created["contact"]["ticket"]
    answer = {"medium": "mail", "text": "Uw leefloon wordt vanaf januari uitbetaald."}
    outsider = bearer(settings, clock, world.agent.email)
    assert_problem(await client.post(f"/v1/tickets/{reference}/replies", json=answer, headers=outsider), 404)
    assert_problem(await client.post(f"/v1/tickets/{reference}/replies/preview", json=answer, headers=outsider), 404)

    case_worker = await factories.staff(session, "mw@genk.example", world.sociale_dienst, "case_worker")
    sent = await client.post(
        f"/v1/tickets/{reference}/replies", json=answer, headers=bearer(settings, clock, case_worker.email)
    )
    assert sent.status_code == 201, sent.text
    status = (await client.get(f"/v1/public/tickets/{reference}", params={"code": created["access_code"]})).json()
    assert status["latest_answer"] is None  # a social case says its one sentence, nothing more
    assert "leefloon" not in str(status)


async def test_another_address_only_if_the_ticket_carries_it_and_a_retry_answers_once(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    created = await client.post("/v1/contacts", json=web_contact(), headers=admin_headers)
    reference = created.json()["ticket"]["reference"]
    # The citizen's daughter writes about her father's question, quoting its reference.
    mail = (
        f"From: An Janssens <an.janssens@example.org>\r\nTo: 3600@genk.example\r\n"
        f"Subject: Re: [{reference}] grofvuil van mijn vader\r\nMessage-ID: <dochter-1@example.org>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nHet staat er nog steeds.\r\n"
    ).encode()
    threaded = await client.post("/v1/intake/mail", content=mail, headers={**admin_headers, **MAIL})
    assert threaded.json()["outcome"] == "threaded", threaded.text

    agent = {**bearer(settings, clock, world.agent.email), "Idempotency-Key": "antwoord-dochter-1"}
    answer = {"medium": "mail", "text": "Het grofvuil wordt morgen opgehaald.", "to_address": "AN.JANSSENS@example.org"}
    first = await client.post(f"/v1/tickets/{reference}/replies", json=answer, headers=agent)
    assert first.status_code == 201, first.text
    again = await client.post(f"/v1/tickets/{reference}/replies", json=answer, headers=agent)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["recipient"] == {"name": None, "email": "an.janssens@example.org", "language": "nl"}
    assert first.json()["mail"]["in_reply_to"] == "dochter-1@example.org"
    [queued] = (await session.scalars(select(OutboundMail).where(OutboundMail.purpose == "reply"))).all()
    assert queued.to_address == "an.janssens@example.org"
    assert queued.body.startswith("Dag,")
    assert await factories.count(session, Reply) == 1


async def test_a_representative_chosen_as_correspondent_gets_the_answer(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    """The daughter calls for her mother and the mother chose her as correspondent: the answer goes to the
    daughter, in the daughter's language; the mother's own address stays possible when asked for."""
    daughter = {
        "role": "representative",
        "relationship": "family_member",
        "name": "Lotte Janssens",
        "email": "lotte.janssens@example.org",
        "language": "fr",
        "correspondent": True,
    }
    contact = web_contact(parties=[daughter])
    created = await client.post("/v1/contacts", json=contact, headers=admin_headers)
    assert created.status_code == 201, created.text
    assert {party["role"] for party in created.json()["parties"]} == {"subject", "representative"}
    reference = created.json()["ticket"]["reference"]
    agent = bearer(settings, clock, world.agent.email)
    answer = {"medium": "mail", "role": "informing", "text": "Le ramassage aura lieu mardi."}
    preview = await client.post(f"/v1/tickets/{reference}/replies/preview", json=answer, headers=agent)
    assert preview.status_code == 200, preview.text
    assert preview.json()["recipient"]["email"] == "lotte.janssens@example.org"
    assert "Ceci est une information" in preview.json()["role_sentence"]  # the daughter reads French

    sent = await client.post(f"/v1/tickets/{reference}/replies", json=answer, headers=agent)
    assert sent.status_code == 201, sent.text
    message_id = sent.json()["mail"]["message_id"]
    mail = await session.scalar(select(OutboundMail).where(OutboundMail.message_id == message_id))
    assert mail is not None
    assert mail.to_address == "lotte.janssens@example.org"

    # The citizen's own registered address is one the ticket carries, so an agent may still choose it.
    to_mother = {**answer, "to_address": "jan.janssens@example.org"}
    direct = await client.post(f"/v1/tickets/{reference}/replies/preview", json=to_mother, headers=agent)
    assert direct.status_code == 200, direct.text
    assert direct.json()["recipient"]["email"] == "jan.janssens@example.org"
