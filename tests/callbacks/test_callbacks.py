"""Call-back requests through the API: asked, listed, claimed, attempted until reached or failed (flag, mail or
letter), with timeline, events and audit; bad input is a problem and writes nothing.

The clock stands on Monday 23 November 2026, 09:00 in Genk (08:00Z). Genk's default hours: 08:30-12:00 and
13:00-16:30 on weekdays, Thursdays also 16:30-19:00; one working day is 420 business minutes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.console.stream import touched_queues
from genk3600.kit.clock import FixedClock
from genk3600.models import (
    AuditEntry,
    CallbackAttempt,
    CallbackRequest,
    ClosingDay,
    OutboundMail,
    OutboxEvent,
    Ticket,
    TicketEvent,
)
from tests import factories
from tests.factories import World, assert_problem, bearer, web_contact

MONDAY_9 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Brussels


@pytest.fixture(autouse=True)
def monday(clock: FixedClock) -> None:
    clock.set(MONDAY_9)


async def _ticket(client: httpx.AsyncClient, headers: dict[str, str], **citizen: Any) -> str:
    body = web_contact(citizen=citizen or {"email": "jan.janssens@example.org", "preferred_language": "nl"})
    created = await client.post("/v1/contacts", json=body, headers=headers)
    assert created.status_code == 201, created.text
    reference: str = created.json()["ticket"]["reference"]
    return reference


async def _ask(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> httpx.Response:
    return await client.post(
        "/v1/callbacks",
        json={"phone": "089 65 44 11", "question": "Wanneer wordt het opgehaald?", **body},
        headers=headers,
    )


async def _count(session: AsyncSession, model: type[Any]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _types(session: AsyncSession, reference: str) -> list[str]:
    ticket_id = await session.scalar(select(Ticket.id).where(Ticket.reference == reference))
    rows = await session.scalars(
        select(TicketEvent.type).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    )
    return list(rows)


async def test_a_request_is_due_a_working_day_later_on_the_units_list_and_on_the_timeline(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    agent = bearer(settings, clock, world.agent.email)
    reference = await _ticket(client, agent)

    asked = await _ask(client, agent, ticket=reference, unit="omgeving")

    assert asked.status_code == 201, asked.text
    callback = asked.json()
    assert asked.headers["Location"] == f"/v1/callbacks/{callback['id']}"
    assert callback["phone"] == "+3289654411"
    assert callback["phone_display"] == "+32 89 65 44 11"
    assert (callback["unit"], callback["status"], callback["assignee"]) == ("omgeving", "open", None)
    # 09:00-12:00 and 13:00-16:30 (390 minutes), then 30 minutes on Tuesday from 08:30.
    assert callback["due_at"] == "2026-11-24T08:00:00Z"
    assert (callback["language"], callback["max_attempts"], callback["attempts_made"]) == ("nl", 3, 0)
    assert callback["requested_by"]["name"] == world.agent.full_name

    listed = await client.get("/v1/queues/omgeving/callbacks", headers=agent)
    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()["items"]] == [callback["id"]]
    assert listed.json()["items"][0]["deadline_colour"] == "green"
    events = await client.get(f"/v1/tickets/{reference}/events", headers={**agent, "Accept-Language": "nl"})
    entry = events.json()["items"][-1]
    assert entry["type"] == "callback_created"
    assert entry["summary"].startswith(f"Terugbelverzoek van {world.agent.full_name}: Omgeving belt de burger terug")
    assert entry["data"]["callback_id"] == callback["id"]
    event = await session.scalar(select(OutboxEvent).order_by(OutboxEvent.id.desc()).limit(1))
    assert event is not None
    assert event.type == "ticket.callback_created"
    assert "question" not in event.payload
    assert "+3289654411" not in str(event.payload)
    audited = await session.scalar(
        select(AuditEntry).where(AuditEntry.target_type == "callback_request", AuditEntry.action == "insert")
    )
    assert audited is not None
    assert audited.changes["phone"] == audited.changes["question"] == "<redacted>"


async def test_the_due_time_skips_the_units_closing_day_and_keeps_to_the_citizens_window(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    agent = bearer(settings, clock, world.agent.email)
    reference = await _ticket(client, agent)
    session.add(ClosingDay(unit_id=world.omgeving.id, day=date(2026, 11, 24), reason="Personeelsfeest"))
    await session.flush()

    closed_tuesday = await _ask(client, agent, ticket=reference, unit="omgeving")
    other_unit = await _ask(client, agent, ticket=reference, unit="contact_centre")
    # From Thursday 14:00: 14:00-19:00 (the evening opening follows on), then 120 minutes on Friday from 08:30.
    thursday = await _ask(client, agent, ticket=reference, window_start="2026-11-26T14:00:00+01:00")
    short_window = await _ask(
        client,
        agent,
        ticket=reference,
        window_start="2026-11-26T14:00:00+01:00",
        window_end="2026-11-26T17:00:00+01:00",
    )

    assert closed_tuesday.json()["due_at"] == "2026-11-25T08:00:00Z"  # Wednesday 09:00: Tuesday is closed
    assert other_unit.json()["due_at"] == "2026-11-24T08:00:00Z"  # the contact centre is open on Tuesday
    assert thursday.json()["due_at"] == "2026-11-27T09:30:00Z"  # Friday 10:30
    assert short_window.json()["due_at"] == "2026-11-26T16:00:00Z"  # the window's end, 17:00
    assert short_window.json()["unit"] == "omgeving"  # the ticket's owner by default


async def test_attempts_until_the_flag_and_the_mail_then_a_later_call_back_clears_the_flag(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    agent = bearer(settings, clock, world.agent.email)
    reference = await _ticket(client, agent, email="marie.dubois@example.be", preferred_language="fr")
    callback = (await _ask(client, agent, ticket=reference, unit="contact_centre")).json()
    assert callback["language"] == "fr"  # the citizen's
    path = f"/v1/callbacks/{callback['id']}/attempts"

    first = await client.post(path, json={"outcome": "no_answer"}, headers=agent)
    clock.advance(hours=2)
    second = await client.post(path, json={"outcome": "voicemail_left", "note": "Ingesproken."}, headers=agent)
    assert first.status_code == second.status_code == 201, second.text
    assert second.json()["status"] == "open"
    assert second.json()["assignee"]["full_name"] == world.agent.full_name  # calling took it
    assert (await client.get(f"/v1/tickets/{reference}", headers=agent)).json()["flags"] == []
    assert await _count(session, OutboundMail) == 1  # the acknowledgement only

    clock.advance(hours=20)
    agent = bearer(settings, clock, world.agent.email)  # the next morning's token
    third = await client.post(path, json={"outcome": "no_answer"}, headers=agent)
    assert third.status_code == 201, third.text

    done = third.json()
    assert (done["status"], done["attempts_made"], done["citizen_notice"]) == ("failed", 3, "mail")
    assert [attempt["outcome"] for attempt in done["attempts"]] == ["no_answer", "voicemail_left", "no_answer"]
    assert done["closed_at"] == "2026-11-24T06:00:00Z"
    ticket = (await client.get(f"/v1/tickets/{reference}", headers=agent)).json()
    assert ticket["flags"] == ["callback_failed"]
    flagged = await client.get("/v1/tickets", params={"flag": "callback_failed"}, headers=agent)
    assert [item["reference"] for item in flagged.json()["items"]] == [reference]
    mail = await session.scalar(select(OutboundMail).where(OutboundMail.purpose == "callback_failed"))
    assert mail is not None
    assert (mail.to_address, mail.language) == ("marie.dubois@example.be", "fr")
    assert mail.subject == f"Nous n'avons pas pu vous joindre par téléphone [{reference}]"
    assert "Nous vous avons appelé au +32 89 65 44 11" in mail.body
    assert [kind for kind in await _types(session, reference) if kind.startswith("callback_")] == [
        "callback_created",
        "callback_attempt_recorded",
        "callback_attempt_recorded",
        "callback_attempt_recorded",
        "callback_failed",
    ]
    events = (await session.scalars(select(OutboxEvent.type).order_by(OutboxEvent.id))).all()
    assert events[-2:] == ["ticket.callback_attempt_recorded", "ticket.callback_failed"]
    timeline = await client.get(f"/v1/tickets/{reference}/events", headers={**agent, "Accept-Language": "nl"})
    summaries = [item["summary"] for item in timeline.json()["items"]]
    assert summaries[-2] == f"Terugbelpoging 3 van maximaal 3 door {world.agent.full_name}: niet opgenomen."
    assert "de burger kreeg een e-mail" in summaries[-1]

    # Closed: nothing more is recorded on it.
    attempts_before = await _count(session, CallbackAttempt)
    late = await client.post(path, json={"outcome": "reached"}, headers=agent)
    assert assert_problem(late, 409)["type"].endswith("/callback-closed")
    assert await _count(session, CallbackAttempt) == attempts_before

    # A new request that reaches the citizen takes the flag away.
    again = (await _ask(client, agent, ticket=reference, unit="contact_centre")).json()
    reached = await client.post(f"/v1/callbacks/{again['id']}/attempts", json={"outcome": "reached"}, headers=agent)
    assert reached.json()["status"] == "completed"
    assert (await client.get(f"/v1/tickets/{reference}", headers=agent)).json()["flags"] == []
    assert (await _types(session, reference))[-2:] == ["callback_attempt_recorded", "callback_completed"]


async def test_a_wrong_number_fails_at_once_and_without_e_mail_leaves_a_letter_task(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    agent = bearer(settings, clock, world.agent.email)
    reference = await _ticket(client, agent, phone="+32 89 30 30 30")
    asked = await _ask(client, agent, ticket=reference, unit="contact_centre", postal_address="Stadsplein 1, 3600 Genk")
    callback_id = asked.json()["id"]

    failed = await client.post(f"/v1/callbacks/{callback_id}/attempts", json={"outcome": "wrong_number"}, headers=agent)

    assert (failed.json()["status"], failed.json()["citizen_notice"]) == ("failed", "letter")
    assert await _count(session, OutboundMail) == 0
    pending = await client.get("/v1/callbacks", params={"letter_pending": "true"}, headers=agent)
    assert [item["id"] for item in pending.json()["items"]] == [callback_id]
    sent = await client.post(f"/v1/callbacks/{callback_id}/letter-sent", json={"note": "Verstuurd."}, headers=agent)
    assert sent.status_code == 200, sent.text
    assert sent.json()["letter_sent_at"] == "2026-11-23T08:00:00Z"
    assert (await client.get("/v1/callbacks", params={"letter_pending": "true"}, headers=agent)).json()["items"] == []
    twice = await client.post(f"/v1/callbacks/{callback_id}/letter-sent", json={}, headers=agent)
    assert assert_problem(twice, 409)["type"].endswith("/no-letter-to-send")
    assert (await _types(session, reference))[-3:] == [
        "callback_attempt_recorded",
        "callback_failed",
        "callback_letter_sent",
    ]

    no_address = await _ask(client, agent, ticket=reference, unit="contact_centre")
    left = await client.post(
        f"/v1/callbacks/{no_address.json()['id']}/attempts", json={"outcome": "wrong_number"}, headers=agent
    )
    assert left.json()["citizen_notice"] == "none"


async def test_claiming_takes_the_earliest_due_request_nobody_has(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    agent = bearer(settings, clock, world.agent.email)
    colleague = await factories.staff(session, "co.llega@genk.example", world.contact_centre)
    reference = await _ticket(client, agent)
    later = (await _ask(client, agent, ticket=reference, unit="contact_centre")).json()
    sooner = (
        await _ask(client, agent, ticket=reference, unit="contact_centre", window_end="2026-11-23T12:00:00+01:00")
    ).json()
    mine = (await _ask(client, agent, ticket=reference, staff_id=colleague.id)).json()
    assert (mine["unit"], mine["assignee"]["id"]) == ("contact_centre", colleague.id)

    claimed = await client.post("/v1/queues/contact_centre/callbacks/claim", headers=agent)
    assert claimed.status_code == 200, claimed.text
    assert (claimed.json()["id"], claimed.json()["assignee"]["id"]) == (sooner["id"], world.agent.id)
    assert (await client.post("/v1/queues/contact_centre/callbacks/claim", headers=agent)).json()["id"] == later["id"]
    empty = await client.post("/v1/queues/contact_centre/callbacks/claim", headers=agent)
    assert assert_problem(empty, 404)["type"].endswith("/callback-queue-empty")

    own = await client.get(
        "/v1/queues/contact_centre/callbacks",
        params={"assignee": "me"},
        headers=bearer(settings, clock, colleague.email),
    )
    assert [item["id"] for item in own.json()["items"]] == [mine["id"]]
    outsider = await factories.staff(session, "bo.omgeving@genk.example", world.omgeving, "back_office")
    refused = await client.post(
        "/v1/queues/contact_centre/callbacks/claim", headers=bearer(settings, clock, outsider.email)
    )
    assert assert_problem(refused, 403)["type"].endswith("/not-in-unit")
    machine = {"X-API-Key": await factories.api_key(session, "pbx", ["tickets:read", "tickets:write"])}
    assert assert_problem(await client.post("/v1/queues/contact_centre/callbacks/claim", headers=machine), 403)
    types = await _types(session, reference)
    assert types.count("callback_assigned") == 2


async def test_a_request_from_the_call_in_which_it_was_asked(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    agent = bearer(settings, clock, world.agent.email)
    call = {
        "channel": "phone",
        "category": "civil.id_card",
        "summary": "Vraagt naar zijn kaart.",
        "call_id": "pbx-cb-1",
    }
    recorded = (await client.post("/v1/contacts", json=call, headers=agent)).json()

    asked = await _ask(client, agent, contact_id=recorded["contact_id"], staff_id=None)

    assert asked.status_code == 201, asked.text
    assert (asked.json()["ticket"], asked.json()["contact_id"]) == (
        recorded["ticket"]["reference"],
        recorded["contact_id"],
    )
    assert asked.json()["unit"] == "burgerzaken"  # the ticket's owner
    # A call the PBX reported that the agent has not summarised yet is on no ticket: nothing to call back about.
    ended = {"event": "ended", "call_id": "pbx-cb-2", "caller_number": "089 65 44 11"}
    pending = (await client.post("/v1/intake/phone/events", json=ended, headers=agent)).json()
    refused = await _ask(client, agent, contact_id=pending["contact_id"])
    assert assert_problem(refused, 409)["type"].endswith("/contact-not-on-ticket")


async def test_whoever_calls_back_must_be_able_to_read_the_ticket(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    agent = bearer(settings, clock, world.agent.email)
    reference = await _ticket(client, agent)  # owned by Omgeving
    clerk = await factories.staff(session, "bo.burgerzaken@genk.example", world.burgerzaken, "back_office")

    for body in ({"unit": "burgerzaken"}, {"staff_id": clerk.id}):
        refused = await _ask(client, agent, ticket=reference, **body)
        assert assert_problem(refused, 422)["type"].endswith("/target-cannot-see-ticket"), body
    assert await _count(session, CallbackRequest) == 0


async def test_a_social_case_request_is_seen_only_by_those_who_see_the_case(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    worker = await factories.staff(session, "mw@genk.example", world.sociale_dienst, "case_worker")
    ocmw = bearer(settings, clock, worker.email)
    agent = bearer(settings, clock, world.agent.email)
    social = web_contact(category="social.living_wage", subject="Leefloon", citizen={"email": "client@example.org"})
    reference = (await client.post("/v1/contacts", json=social, headers=ocmw)).json()["contact"]["ticket"]

    # The contact centre does not read the case, so it can neither be asked to call back nor ask about it.
    to_front = await _ask(client, ocmw, ticket=reference, unit="contact_centre")
    assert assert_problem(to_front, 422)["type"].endswith("/social-stays-in-ocmw")
    # The city's root unit reads everything below it, the OCMW included; still, a social case stays in the OCMW.
    to_root = await _ask(client, ocmw, ticket=reference, unit="stad")
    assert assert_problem(to_root, 422)["type"].endswith("/social-stays-in-ocmw")
    assert assert_problem(await _ask(client, agent, ticket=reference), 422)["type"].endswith(
        "/unknown-callback-subject"
    )
    asked = await _ask(client, ocmw, ticket=reference, question="Uitleg over het leefloon.")
    assert asked.status_code == 201, asked.text
    callback_id = asked.json()["id"]

    for method, path, body in (
        ("GET", f"/v1/callbacks/{callback_id}", None),
        ("POST", f"/v1/callbacks/{callback_id}/attempts", {"outcome": "reached"}),
        ("POST", f"/v1/callbacks/{callback_id}/cancel", {"reason": "x"}),
        ("POST", f"/v1/callbacks/{callback_id}/letter-sent", {}),
    ):
        hidden = await client.request(method, path, json=body, headers=agent)
        assert assert_problem(hidden, 404)["type"].endswith("/callback-not-found"), path
    for path in ("/v1/callbacks", "/v1/queues/sociale_dienst/callbacks"):
        listed = await client.get(path, headers=agent)
        assert listed.status_code == 200, path
        assert listed.json()["items"] == [], path
        assert "leefloon" not in listed.text.lower()
    assert assert_problem(await client.post("/v1/queues/sociale_dienst/callbacks/claim", headers=agent), 403)

    seen = await client.get(f"/v1/callbacks/{callback_id}", headers=ocmw)
    assert seen.status_code == 200
    read = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "read", AuditEntry.target_type == "callback_request")
    )
    assert read is not None
    assert read.target_id == str(callback_id)
    cancelled = await client.post(
        f"/v1/callbacks/{callback_id}/cancel", json={"reason": "Zelf langsgekomen."}, headers=ocmw
    )
    assert cancelled.json()["status"] == "cancelled"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "12345"}, "body.phone"),
        ({"phone": "+32 89 65"}, "body.phone"),
        ({"question": ""}, "body.question"),
        ({"contact_id": 1}, "body"),  # both ticket and contact
        ({"ticket": None}, "body"),  # neither
        ({"window_start": "2026-11-24T12:00:00Z", "window_end": "2026-11-24T10:00:00Z"}, "body"),
        ({"window_start": "2026-11-24T12:00:00"}, "body.window_start"),  # no offset
        ({"language": "es"}, "body.language"),
        ({"unknown": 1}, "body.unknown"),
    ],
)
async def test_bad_input_is_a_problem_and_writes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    clock: FixedClock,
    body: dict[str, Any],
    field: str,
) -> None:
    agent = bearer(settings, clock, world.agent.email)
    reference = await _ticket(client, agent)
    entries, events = await _count(session, TicketEvent), await _count(session, OutboxEvent)

    answer = await _ask(client, agent, **{"ticket": reference, **body})

    problem = assert_problem(answer, 422)
    assert field in [error["field"] for error in problem["errors"]], problem
    assert await _count(session, CallbackRequest) == 0
    assert (await _count(session, TicketEvent), await _count(session, OutboxEvent)) == (entries, events)


async def test_references_that_do_not_fit_are_problems_and_write_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    agent = bearer(settings, clock, world.agent.email)
    reference = await _ticket(client, agent)
    entries = await _count(session, TicketEvent)
    cases = [
        ({"ticket": "G3600-2026-999999"}, 422, "unknown-callback-subject"),
        ({"contact_id": 999_999}, 422, "unknown-callback-subject"),
        ({"ticket": reference, "unit": "nergens"}, 422, "unknown-callback-target"),
        ({"ticket": reference, "staff_id": 999_999}, 422, "unknown-callback-target"),
        ({"ticket": reference, "unit": "omgeving", "staff_id": world.agent.id}, 422, "unknown-callback-target"),
        ({"ticket": reference, "window_end": "2026-11-23T08:30:00+01:00"}, 422, "callback-window-over"),
    ]
    for body, status, slug in cases:
        answer = await _ask(client, agent, **body)
        assert assert_problem(answer, status)["type"].endswith(f"/{slug}"), body
    writer = {"X-API-Key": await factories.api_key(session, "reader", ["tickets:read", "contacts:write"])}
    assert_problem(await _ask(client, writer, ticket=reference), 403)
    assert_problem(await _ask(client, {}, ticket=reference), 401)
    callback_id = (await _ask(client, agent, ticket=reference)).json()["id"]
    path = f"/v1/callbacks/{callback_id}/attempts"
    for body in ({"outcome": "busy"}, {"outcome": "reached", "attempted_at": "2026-11-23T09:00:00Z"}, {}):
        assert_problem(await client.post(path, json=body, headers=agent), 422)
    before = await client.post(path, json={"outcome": "reached", "attempted_at": "2026-11-22T09:00:00Z"}, headers=agent)
    assert assert_problem(before, 422)["type"].endswith("/attempt-before-request")
    assert await _count(session, CallbackAttempt) == 0
    assert await _count(session, TicketEvent) == entries + 1  # only the request that was made
    assert_problem(await client.get("/v1/callbacks/999999", headers=agent), 404)
    assert_problem(await client.get("/v1/queues/nergens/callbacks", headers=agent), 404)
    assert_problem(await client.get("/v1/queues/omgeving/callbacks", params={"cursor": "nonsense"}, headers=agent), 400)


async def test_contact_outcome_at_intake_and_afterwards(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    agent = bearer(settings, clock, world.agent.email)
    call = {
        "channel": "phone",
        "category": "civil.id_card",
        "summary": "Vraagt naar de openingsuren.",
        "reached_citizen": True,
        "answered_at_first_contact": True,
    }
    recorded = (await client.post("/v1/contacts", json=call, headers=agent)).json()
    contact_id = recorded["contact_id"]
    assert (recorded["contact"]["reached_citizen"], recorded["contact"]["answered_at_first_contact"]) == (True, True)

    changed = await client.patch(
        f"/v1/contacts/{contact_id}/outcome", json={"answered_at_first_contact": False}, headers=agent
    )

    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        "contact_id": contact_id,
        "ticket": recorded["ticket"]["reference"],
        "reached_citizen": True,
        "answered_at_first_contact": False,
    }
    shown = (await client.get(f"/v1/contacts/{contact_id}", headers=agent)).json()
    assert (shown["reached_citizen"], shown["answered_at_first_contact"]) == (True, False)
    timeline = await client.get(
        f"/v1/tickets/{recorded['ticket']['reference']}/events", headers={**agent, "Accept-Language": "nl"}
    )
    assert timeline.json()["items"][-1]["summary"] == (
        f"Resultaat van een telefoongesprek genoteerd door {world.agent.full_name}: burger bereikt; "
        "vraag niet beantwoord bij het eerste contact."
    )
    assert_problem(await client.patch(f"/v1/contacts/{contact_id}/outcome", json={}, headers=agent), 422)
    assert_problem(
        await client.patch(f"/v1/contacts/{contact_id}/outcome", json={"reached_citizen": "ja"}, headers=agent), 422
    )
    assert_problem(
        await client.patch("/v1/contacts/999999/outcome", json={"reached_citizen": True}, headers=agent), 404
    )


async def test_the_citizens_export_holds_their_call_backs_and_erasure_removes_number_question_and_notes(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    agent = bearer(settings, clock, world.agent.email)
    dpo = {"X-API-Key": await factories.api_key(session, "dpo", ["citizens:export"])}
    reference = await _ticket(client, agent, email="els.peeters@example.org")
    asked = await _ask(
        client, agent, ticket=reference, unit="contact_centre", postal_address="Molenstraat 12, 3600 Genk"
    )
    tried = await client.post(
        f"/v1/callbacks/{asked.json()['id']}/attempts",
        json={"outcome": "no_answer", "note": "Bel na 17 u."},
        headers=agent,
    )
    assert tried.status_code == 201, tried.text
    citizen_id = (await client.get(f"/v1/tickets/{reference}", headers=agent)).json()["citizen"]["id"]

    exported = await client.get(f"/v1/citizens/{citizen_id}/export", headers=dpo)
    assert exported.status_code == 200, exported.text
    [callback] = exported.json()["tickets"][0]["callbacks"]
    assert (callback["phone"], callback["postal_address"]) == ("+3289654411", "Molenstraat 12, 3600 Genk")
    assert [attempt["note"] for attempt in callback["attempts"]] == ["Bel na 17 u."]

    erased = await client.post(
        f"/v1/citizens/{citizen_id}/erasure", json={"reason": "Vraag van de burger."}, headers=dpo
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["callbacks"] == 1
    row = await session.scalar(select(CallbackRequest).execution_options(populate_existing=True))
    assert row is not None
    assert (row.phone, row.question, row.postal_address) == (None, "[erased]", "[erased]")
    note = await session.scalar(select(CallbackAttempt.note).execution_options(populate_existing=True))
    assert note == "[erased]"


def test_a_call_back_event_refreshes_the_list_of_the_unit_that_calls_back() -> None:
    units = {1: "contact_centre", 2: "omgeving"}
    # The ticket is owned by Omgeving; the request is for the contact centre: both consoles redraw.
    assert touched_queues(2, {"callback_id": 5, "callback_unit_id": 1}, units) == ["contact_centre", "omgeving"]
    assert touched_queues(2, {}, units) == ["omgeving"]
