"""The privacy regression suite, generated from the OpenAPI spec.

A social (OCMW) case carries canary texts: one in what the case says (ticket subject, contact bodies, mail
subject), one in who the citizen is (names). Every operation in the spec is then called by every principal
that must not read the case, with inputs that point at it (its reference, contact, citizen, call id,
Message-ID, unit, category, words of its text), and neither canary may appear in any response body or header,
nor in any log line. A new operation joins the suite by being in the spec; it only needs an input here when the
generic one (the spec's example, or nothing) would not point at the case.

Each call runs in a savepoint that is rolled back afterwards, so one principal's write (a break-the-glass,
a new rule) never changes what the next call sees.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from genk3600.config import Settings
from genk3600.db import Database
from genk3600.events.delivery import fan_out_once
from genk3600.kit.clock import FixedClock
from genk3600.models import ApiClient, Citizen, Ticket, WebhookDelivery
from genk3600.models.enums import TicketEventType
from tests import factories
from tests.factories import World, bearer

CASE_CANARY = "Kanariezaak7F3C"  # what the case says: only those with a need to know may read it
PERSON_CANARY = "Kanariepersoon9D1"  # who the citizen is: staff may identify a caller, machines and strangers not
CITIZEN_EMAIL = "client.ocmw@example.org"
CITIZEN_PHONE = "+32 89 11 22 33"
MESSAGE_ID = "<canary-1@example.org>"
CALL_ID = "pbx-canary-1"
TEXT_WORD = "deurwaarder"
LINK_SYSTEM = "ocmw-dossiers"
EVERY_TICKET_EVENT = [f"ticket.{kind.value}" for kind in TicketEventType]  # a word of the case's text, for search


@dataclass
class Case:
    reference: str
    contact_id: int
    citizen_id: int
    ocmw_headers: dict[str, str]
    callback_id: int
    relation_id: int
    representation_id: int
    appointment_id: int
    appointment_starts_at: str


@dataclass
class Principal:
    name: str
    headers: dict[str, str]
    may_identify_citizens: bool


def _mail(subject: str, message_id: str, body: str, **headers: str) -> bytes:
    lines = [
        f"From: Client <{CITIZEN_EMAIL}>",
        "To: 3600@genk.example",
        f"Subject: {subject}",
        f"Message-ID: {message_id}",
        "Date: Mon, 23 Nov 2026 10:15:00 +0100",
        *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()),
        "Content-Type: text/plain; charset=utf-8",
        "",
        body,
        "",
    ]
    return "\r\n".join(lines).encode()


async def _social_case(client: httpx.AsyncClient, session: AsyncSession, world: World) -> Case:
    """The case, recorded as the OCMW's own system would: a web form, a mail reply and an ended call."""
    key = await factories.api_key(session, "ocmw-system", ["contacts:write", "tickets:read", "tickets:write"])
    await session.execute(
        update(ApiClient).where(ApiClient.name == "ocmw-system").values(unit_id=world.sociale_dienst.id)
    )
    await session.commit()  # the app reads the key on its own connection where tests commit for real
    ocmw = {"X-API-Key": key}
    contact = {
        "channel": "web",
        "category": "social.living_wage",
        "subject": f"Leefloon en schulden {CASE_CANARY}",
        "body": f"Ik heb een brief van de {TEXT_WORD} gekregen. {CASE_CANARY}",
        "citizen": {
            "email": CITIZEN_EMAIL,
            "phone": CITIZEN_PHONE,
            "given_name": PERSON_CANARY,
            "family_name": PERSON_CANARY,
        },
        # Who called on the citizen's behalf, and the case in the OCMW's own system: as need-to-know as the rest.
        "parties": [
            {
                "role": "representative",
                "relationship": "family_member",
                "name": PERSON_CANARY,
                "email": "canary.vertegenwoordiger@example.org",
                "correspondent": True,
            }
        ],
        "links": [{"system": LINK_SYSTEM, "object_type": "dossier", "object_id": f"SD-{CASE_CANARY}"}],
    }
    created = await client.post("/v1/contacts", json=contact, headers=ocmw)
    assert created.status_code == 201, created.text
    reference = created.json()["ticket"]["reference"]
    mail = _mail(f"Re: [{reference}] {CASE_CANARY}", MESSAGE_ID, f"Extra uitleg {CASE_CANARY}")
    threaded = await client.post("/v1/intake/mail", content=mail, headers={**ocmw, "Content-Type": "message/rfc822"})
    assert threaded.status_code == 201, threaded.text
    assert threaded.json()["ticket"]["reference"] == reference
    for event in ("ringing", "answered", "ended"):
        call = {"event": event, "call_id": CALL_ID, "caller_number": CITIZEN_PHONE, "called_number": "3600"}
        answered = await client.post("/v1/intake/phone/events", json=call, headers=ocmw)
        assert answered.status_code in {200, 201}, answered.text
    # The case worker's answer (mailed, so also on the outbound queue), in the case's own words.
    case_worker = await factories.staff(session, "mw.canary@genk.example", world.sociale_dienst, "case_worker")
    await session.commit()
    answer = {"medium": "mail", "text": f"Antwoord over uw schulden {CASE_CANARY}", "staff_id": case_worker.id}
    answered = await client.post(f"/v1/tickets/{reference}/replies", json=answer, headers=ocmw)
    assert answered.status_code == 201, answered.text
    citizen = await session.scalar(select(Citizen).where(Citizen.email == CITIZEN_EMAIL))
    assert citizen is not None
    callback = {
        "ticket": reference,
        "phone": CITIZEN_PHONE,
        "question": f"Uitleg over de schulden {CASE_CANARY}",
        "postal_address": f"Kanaalstraat 1, 3600 Genk {PERSON_CANARY}",
    }
    asked = await client.post("/v1/callbacks", json=callback, headers=ocmw)
    assert asked.status_code == 201, asked.text
    # Her son, who represents her: a household names people, it must not carry the case to anyone.
    son = await factories.citizen(session, email="zoon.canary@example.org", given_name="Zoon")
    await session.commit()
    related = await client.post(
        f"/v1/citizens/{citizen.id}/relations", json={"related_citizen_id": son.id, "kind": "child"}, headers=ocmw
    )
    assert related.status_code == 201, related.text
    consent = {
        "representative_citizen_id": son.id,
        "kind": "informal_carer",
        "scopes": ["all"],
        "first_day": "2026-01-01",
        "source": "signed_consent",
    }
    represented = await client.post(f"/v1/citizens/{citizen.id}/representations", json=consent, headers=ocmw)
    assert represented.status_code == 201, represented.text
    # A home visit by the case worker, with the citizen's representative (appointments/).
    admin = {"X-API-Key": await factories.api_key(session, "canary-admin", ["admin"])}
    await session.commit()
    kind = {"name": "Huisbezoek", "unit": world.sociale_dienst.code, "category_prefix": "social.",
            "duration_minutes": 60, "home_visit": True, "citizen_bookable": True}  # fmt: skip
    assert (await client.put("/v1/appointment-kinds/social.home_visit", json=kind, headers=admin)).is_success
    every_day = {"windows": [{"weekday": day, "opens": "00:00", "closes": "23:00"} for day in range(7)]}
    made = await client.put(f"/v1/staff/{case_worker.id}/availability", json=every_day, headers=admin)
    assert made.is_success, made.text
    slots = await client.get(
        f"/v1/tickets/{reference}/appointment-slots", params={"kind": "social.home_visit"}, headers=ocmw
    )
    starts_at = slots.json()["items"][0]["starts_at"]
    visit = {"ticket": reference, "kind": "social.home_visit", "starts_at": starts_at, "staff_id": case_worker.id,
             "address": f"Kanaalstraat 1, 3600 Genk {CASE_CANARY}", "note": f"Schulden {CASE_CANARY}",
             "representative": {"name": PERSON_CANARY, "relationship": "dochter"}}  # fmt: skip
    booked = await client.post("/v1/appointments", json=visit, headers=ocmw)
    assert booked.status_code == 201, booked.text
    # Visible to its owners: the canaries are really there, so their absence elsewhere means something.
    own = await client.get(f"/v1/tickets/{reference}", headers=ocmw)
    assert CASE_CANARY in own.text
    assert [link["object_id"] for link in own.json()["links"]] == [f"SD-{CASE_CANARY}"]
    assert PERSON_CANARY in [party["name"] for party in own.json()["parties"]]
    return Case(
        reference,
        created.json()["contact"]["id"],
        citizen.id,
        ocmw,
        asked.json()["id"],
        related.json()["id"],
        represented.json()["id"],
        booked.json()["id"],
        starts_at,
    )


async def _principals(session: AsyncSession, settings: Settings, world: World, clock: FixedClock) -> list[Principal]:
    """Everyone who must not read the case. Staff may identify a citizen (the agent's screen pop); keys that
    were not made for lookups, and anonymous callers, may not."""
    back_office = await factories.staff(session, "bo.burgerzaken@genk.example", world.burgerzaken, "back_office")
    supervisor = await factories.staff(session, "sup.omgeving@genk.example", world.omgeving, "supervisor")
    every_key_scope = ["admin", "contacts:write", "tickets:read", "tickets:write", "audit:read", "reports:read"]
    return [
        Principal("contact-centre agent", bearer(settings, clock, world.agent.email), True),
        Principal("contact-centre admin", bearer(settings, clock, world.admin.email), True),
        Principal("back office of another unit", bearer(settings, clock, back_office.email), True),
        Principal("supervisor of another unit", bearer(settings, clock, supervisor.email), True),
        Principal("admin key", {"X-API-Key": await factories.api_key(session, "admin-key", every_key_scope)}, False),
        Principal(
            "writer key",
            {"X-API-Key": await factories.api_key(session, "writer-key", ["contacts:write", "tickets:read"])},
            False,
        ),
        Principal("reports key", {"X-API-Key": await factories.api_key(session, "reports", ["reports:read"])}, False),
        Principal("anonymous", {}, False),
    ]


def _path_values(case: Case, world: World) -> dict[str, str]:
    return {
        "reference": case.reference,
        "contact_id": str(case.contact_id),
        "citizen_id": str(case.citizen_id),
        "unit_code": world.sociale_dienst.code,
        "category_code": world.living_wage.code,
        "report_name": "volumes",
        "callback_id": str(case.callback_id),
        "relation_id": str(case.relation_id),
        "representation_id": str(case.representation_id),
        # No merge exists: undoing one answers 404 to whoever may call it, and nothing of the case.
        "merge_id": "1",
        "appointment_id": str(case.appointment_id),
        "kind_code": "social.home_visit",
    }


def _path(path: str, values: dict[str, str], world: World) -> str:
    # `{code}` names a category under /v1/categories, a policy under /v1/sla, and a unit elsewhere.
    code = world.living_wage.code if path.startswith("/v1/categories") else world.sociale_dienst.code
    for name, value in {**values, "code": code}.items():
        path = path.replace("{" + name + "}", value)
    # Every other id (rule, hours, day, subscription, staff) points at the first row of its kind.
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + "1" + path[end + 1 :]
    return path


def _query(operation: dict[str, Any], world: World) -> dict[str, str]:
    chosen = {
        "q": TEXT_WORD,
        "email": CITIZEN_EMAIL,
        "phone": CITIZEN_PHONE,
        "name": PERSON_CANARY[:8],
        "unit": world.sociale_dienst.code,
        "category": world.living_wage.code,
        "format": "csv",
        "limit": "200",
        "code": "WRONG-CODE",
        "object_system": LINK_SYSTEM,
        "object_type": "dossier",
    }
    names = {parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == "query"}
    return {name: value for name, value in chosen.items() if name in names}


def _bodies(operation_id: str, case: Case, world: World, spec_example: Any) -> list[dict[str, Any]]:
    """Request bodies that point at the case, per operation; the spec's example (or nothing) otherwise."""
    follow_up = {
        "channel": "web",
        "category": world.living_wage.code,
        "subject": "Nog een vraag",
        "body": "Hoe ver staat het?",
    }
    by_operation: dict[str, list[dict[str, Any]]] = {
        "record_contact": [
            {**follow_up, "citizen": {"email": CITIZEN_EMAIL}},
            {**follow_up, "citizen": {"phone": CITIZEN_PHONE}},
            {**follow_up, "channel": "phone", "call_id": CALL_ID, "citizen": {"phone": CITIZEN_PHONE}},
        ],
        "record_call_event": [
            {"event": "ended", "call_id": CALL_ID},
            {"event": "ringing", "call_id": "pbx-new-2", "caller_number": CITIZEN_PHONE},
        ],
        "record_participation": [{"role": "informing", "note": "Informatie gegeven."}],
        "change_ticket": [{"priority": "low"}],
        "escalate_ticket": [
            {"to_unit": world.burgerzaken.code, "reason": "needs_expertise", "requested_role": "advising"}
        ],
        "break_glass": [{"reason": "Burger in crisis aan de balie, maatschappelijk werker afwezig."}],
        "simulate_routing": [{"contact": {"channel": "web", "category": world.living_wage.code, "subject": "x"}}],
        "replay_routing": [{"days": 30}],
        "create_webhook": [
            {
                "url": "https://hooks.example.org/x",
                "event_types": EVERY_TICKET_EVENT,
                "unit": world.sociale_dienst.code,
            },
            {"url": "https://hooks.example.org/y", "event_types": EVERY_TICKET_EVENT},
        ],
        "erase_citizen": [{"reason": "Verzoek van de burger."}],
        "create_callback": [
            {"ticket": case.reference, "phone": "089 65 44 11", "question": "Terugbellen?"},
            {"contact_id": case.contact_id, "phone": "089 65 44 11", "question": "Terugbellen?"},
        ],
        "record_callback_attempt": [{"outcome": "no_answer"}, {"outcome": "wrong_number"}],
        "set_contact_outcome": [{"reached_citizen": True}],
        "book_appointment": [
            {
                "ticket": case.reference,
                "kind": "social.home_visit",
                "starts_at": case.appointment_starts_at,
                "staff_id": 1,
                "address": "Stadsplein 1",
            },
        ],
        "move_appointment": [{"starts_at": case.appointment_starts_at}],
        "cancel_appointment": [{"reason": "Ziek."}],
        "record_appointment_outcome": [{"outcome": "held"}, {"outcome": "no_show"}],
        "book_public_appointment": [{"kind": "social.home_visit", "starts_at": case.appointment_starts_at}],
        "set_citizen_legal_hold": [{"legal_hold": True, "reason": "Lopende procedure."}],
        # An answer on the case (its preview names the citizen and quotes the canned answer), to its citizen or
        # to the address the case's mail came from.
        "send_reply": [
            {"medium": "mail", "text": "Antwoord."},
            {"medium": "mail", "text": "Antwoord.", "to": CITIZEN_EMAIL},
            {"medium": "letter", "text": "Antwoord.", "staff_id": 1},
        ],
        "preview_reply": [{"medium": "mail", "text": "Antwoord."}, {"medium": "phone", "text": "Antwoord."}],
    }
    if operation_id in by_operation:
        return by_operation[operation_id]
    return [spec_example if isinstance(spec_example, dict) else {}]


def _mails(case: Case) -> list[bytes]:
    """Raw mails that point at the case: a reply by reference, a reply by header, a repeated Message-ID."""
    return [
        _mail(f"Re: [{case.reference}] vraag", "<other-1@example.org>", "Hoe ver staat het?"),
        _mail("Re: vraag", "<other-2@example.org>", "Hoe ver staat het?", In_Reply_To=MESSAGE_ID),
        _mail("Vraag", MESSAGE_ID, "Hoe ver staat het?"),
    ]


def _example(operation: dict[str, Any]) -> Any:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    examples = content.get("examples")
    if examples:
        return next(iter(examples.values())).get("value")
    return content.get("example")


def _leaks(response: httpx.Response, principal: Principal) -> list[str]:
    seen = response.text + "\n" + "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    found = [CASE_CANARY] if CASE_CANARY in seen else []
    if not principal.may_identify_citizens and PERSON_CANARY in seen:
        found.append(PERSON_CANARY)
    return found


async def test_no_operation_shows_a_social_case_to_anyone_out_of_sight(
    app: FastAPI,
    client: httpx.AsyncClient,
    connection: AsyncConnection,
    session: AsyncSession,
    settings: Settings,
    world: World,
    caplog: pytest.LogCaptureFixture,
    clock: FixedClock,
) -> None:
    case = await _social_case(client, session, world)
    principals = await _principals(session, settings, world, clock)
    values = _path_values(case, world)
    failures: list[str] = []
    calls = 0
    caplog.set_level(logging.DEBUG)
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            url = _path(path, values, world)
            params = _query(operation, world)
            headers = {"If-Match": '"1"'} if method == "patch" else {}
            if operation["operationId"] == "record_mail":
                requests = [{"content": raw, "headers": {"Content-Type": "message/rfc822"}} for raw in _mails(case)]
            elif method in {"post", "put", "patch"}:
                bodies = _bodies(operation["operationId"], case, world, _example(operation))
                requests = [{"json": body} for body in bodies]
            else:
                requests = [{}]
            for principal in principals:
                for request in requests:
                    savepoint = await connection.begin_nested()
                    try:
                        response = await client.request(
                            method.upper(),
                            url,
                            params=params,
                            headers={**headers, **request.pop("headers", {}), **principal.headers},
                            **request,
                        )
                    finally:
                        await savepoint.rollback()
                    calls += 1
                    leaked = _leaks(response, principal)
                    if leaked:
                        failures.append(
                            f"{operation['operationId']} ({method.upper()} {url}) as {principal.name}: "
                            f"{response.status_code} shows {', '.join(leaked)}"
                        )
                    if response.status_code >= 500:
                        failures.append(f"{operation['operationId']} as {principal.name}: {response.status_code}")
    logged = [record.getMessage() + (record.exc_text or "") for record in caplog.records]
    failures += [f"log line: {line[:200]}" for line in logged if CASE_CANARY in line or PERSON_CANARY in line]
    assert calls > 3 * len(principals) * 20  # every operation was really called
    assert failures == [], "\n".join(failures)


async def test_feed_and_webhook_deliveries_show_no_social_case_to_an_admin_subscriber(
    scratch_app: tuple[FastAPI, Database],
    settings: Settings,
    clock: FixedClock,
) -> None:
    """With real commits (the feed serves only committed events): the feed page and the deliveries queued for
    an admin's webhook carry nothing of a case the admin cannot read."""
    app, database = scratch_app
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        async with database.sessions() as session:
            world = await factories.small_world(session)
            admin = {
                "X-API-Key": await factories.api_key(session, "feed-admin", ["admin", "tickets:read", "contacts:write"])
            }
            back_office = await factories.staff(
                session, "bo.burgerzaken@genk.example", world.burgerzaken, "back_office"
            )
            await session.commit()
            case = await _social_case(client, session, world)
        normal = await client.post("/v1/contacts", json=factories.web_contact(citizen=None), headers=admin)
        assert normal.status_code == 201, normal.text
        feed = await client.get("/v1/events", params={"limit": 200}, headers=admin)
        assert feed.status_code == 200, feed.text
        assert feed.json()["items"], "the feed shows the other events, so its silence on the case means something"
        assert CASE_CANARY not in feed.text
        assert case.reference not in feed.text
        for member in (world.agent, back_office):
            staff_feed = await client.get(
                "/v1/events", params={"limit": 200}, headers=bearer(settings, clock, member.email)
            )
            assert staff_feed.status_code == 200, staff_feed.text
            assert case.reference not in staff_feed.text, f"{member.email} reads events of a case out of sight"
        social_unit = {
            "url": "https://hooks.example.org/ocmw",
            "event_types": EVERY_TICKET_EVENT,
            "unit": "sociale_dienst",
        }
        refused = await client.post("/v1/webhooks", json=social_unit, headers=admin)
        assert refused.status_code == 422, "a subscription may not name a unit its creator cannot read"
        created = await client.post(
            "/v1/webhooks",
            json={"url": "https://hooks.example.org/all", "event_types": EVERY_TICKET_EVENT},
            headers=admin,
        )
        assert created.status_code == 201, created.text
        replay = await client.post(f"/v1/webhooks/{created.json()['id']}/replay", headers=admin)
        assert replay.status_code == 202, replay.text
        await fan_out_once(database.sessions, clock.now())
        async with database.sessions() as session:
            ticket_id = await session.scalar(select(Ticket.id).where(Ticket.reference == case.reference))
            queued = (await session.execute(select(WebhookDelivery.ticket_id))).scalars().all()
        assert queued, "the normal ticket's events are queued, so the case's absence means something"
        assert ticket_id not in queued
