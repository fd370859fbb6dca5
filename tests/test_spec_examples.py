"""Response and request examples for the spec, recorded from a tour of the API over Genk's demo organisation.

Integrators read the examples before anything else, so they are real answers of this server, not prose: the
tour below calls every operation the way a Genk integrator or agent would (Dutch data, the demo's units,
staff and categories, a fixed Monday morning), and the first successful answer of each operation (and its
request body) becomes that operation's example in the spec (`src/genk3600/docs/examples.json`, merged into
the document by `kit/openapi.py`; examples written in the code win).

- `make examples` re-records the file (this test with `GENK3600_RECORD_EXAMPLES=1`), then `make openapi`.
- In every `make test` the tour runs again and must reach every operation that has a JSON answer, and the
  committed file must hold exactly the operations the tour reaches: a new operation fails here until the
  tour calls it and its example is recorded. test_openapi_quality.py validates every example against its
  schema, so an example that no longer fits the answer's shape fails there.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from genk3600.auth.principal import system_principal
from genk3600.auth.tokens import issue_dev_token
from genk3600.config import Settings
from genk3600.demo import ADMIN_EMAIL, AGENT_EMAIL, DEMO_DAUGHTER, DEMO_MOTHER, seed_demo
from genk3600.households.service import today
from genk3600.kit.clock import FixedClock
from genk3600.kit.openapi import EXAMPLES_PATH
from genk3600.models import Category, Citizen, Staff
from genk3600.suggestions.service import train_and_store
from tests import factories
from tests.knowledge import resolved_history

RECORD = os.environ.get("GENK3600_RECORD_EXAMPLES") == "1"
# Genk's integrators and agents read Dutch: the texts in the examples are in Dutch.
DUTCH = {"Accept-Language": "nl"}


class Recorder:
    """The first successful JSON answer (and JSON request body) of each operation, by operationId."""

    def __init__(self, app: FastAPI) -> None:
        # The spec's own path templates, as patterns: what an integrator's request is matched against.
        self.routes = [
            (re.compile("^" + re.sub(r"{[^}]+}", "[^/]+", path) + "$"), method.upper(), operation["operationId"])
            for path, item in app.openapi()["paths"].items()
            for method, operation in item.items()
        ]
        self.examples: dict[str, dict[str, Any]] = {}

    def operation_id(self, request: httpx.Request) -> str | None:
        # Templated paths come after literal ones of the same shape (`/v1/queues/{unit_code}/claim` vs a read).
        matches = [
            (pattern.pattern.count("[^/]+"), operation)
            for pattern, method, operation in self.routes
            if method == request.method and pattern.match(request.url.path)
        ]
        return min(matches)[1] if matches else None

    async def __call__(self, response: httpx.Response) -> None:
        await response.aread()
        operation = self.operation_id(response.request)
        if operation is None or not response.is_success:
            return
        recorded = self.examples.setdefault(operation, {"responses": {}})
        if response.content and response.headers.get("content-type", "").startswith("application/json"):
            recorded["responses"].setdefault(str(response.status_code), response.json())
        body = response.request.content
        if body and response.request.headers.get("content-type") == "application/json" and "request" not in recorded:
            recorded["request"] = json.loads(body)


Step = Callable[["Tour"], Awaitable[Any]]


class Tour:
    def __init__(self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings, clock: FixedClock):
        self.client, self.session, self.settings, self.clock = client, session, settings, clock
        self.admin: dict[str, str] = {}
        self.found: dict[str, Any] = {}

    def staff(self, email: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_dev_token(self.settings, self.clock, email)}", **DUTCH}

    async def call(self, method: str, path: str, expected: int = 200, **kwargs: Any) -> Any:
        kwargs.setdefault("headers", self.admin)
        response = await self.client.request(method, path, **kwargs)
        assert response.status_code == expected, f"{method} {path}: {response.status_code} {response.text}"
        if response.content and response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response


async def _the_front_door(t: Tour) -> None:
    """A citizen's contacts on every channel, their tickets followed and handed over."""
    web = {
        "channel": "web",
        "category": "waste.pickup",
        "subject": "Grofvuil niet opgehaald in de Stalenstraat",
        "body": "Mijn grofvuil staat er nog sinds maandag. Kan iemand het komen ophalen?",
        "form_id": "melding-afval",
        "citizen": {
            "email": "jan.janssens@example.org",
            "given_name": "Jan",
            "family_name": "Janssens",
            "phone": "+32 470 12 34 56",
        },
    }
    recorded = await t.call("POST", "/v1/contacts", 201, json=web, headers={**t.admin, "Idempotency-Key": "web-1"})
    reference = t.found["reference"] = recorded["ticket"]["reference"]
    contact_id = t.found["contact_id"] = recorded["contact_id"]
    # What the citizen sees with the code from the acknowledgement.
    code = {"code": recorded["access_code"]}
    t.found["access_code"] = recorded["access_code"]
    await t.call("GET", f"/v1/public/tickets/{reference}", params=code, headers={"Accept-Language": "nl"})
    # The citizen writes again about the same question: the contact joins the ticket.
    again = {**web, "subject": "Nog steeds niet opgehaald", "body": "Het grofvuil staat er nog.", "ticket": reference}
    await t.call("POST", "/v1/contacts", 201, json=again)
    await t.call("GET", "/v1/contacts", params={"limit": 5})
    await t.call("GET", f"/v1/contacts/{contact_id}")
    agent = t.staff(AGENT_EMAIL)
    role = {"role": "informing", "note": "Uitgelegd wanneer het grofvuil in de Stalenstraat wordt opgehaald."}
    await t.call("POST", f"/v1/contacts/{contact_id}/participations", 201, json=role, headers=agent)
    await t.call("GET", f"/v1/contacts/{contact_id}/participations", headers=agent)
    read = await t.client.get(f"/v1/tickets/{reference}", headers=t.admin)
    change = {"priority": "high", "note": "Derde melding deze maand in dezelfde straat."}
    await t.call(
        "PATCH", f"/v1/tickets/{reference}", json=change, headers={**t.admin, "If-Match": read.headers["ETag"]}
    )
    escalation = {
        "to_unit": "omgeving",
        "reason": "needs_expertise",
        "requested_role": "advising",
        "note": "Graag advies: ophaling al twee keer gemist.",
    }
    await t.call("POST", f"/v1/tickets/{reference}/escalations", 201, json=escalation)
    await t.call("GET", "/v1/tickets", params={"unit": "omgeving", "limit": 5})
    await t.call("GET", f"/v1/tickets/{reference}/events", headers={**t.admin, "Accept-Language": "nl"})
    await t.call("GET", "/v1/search/tickets", params={"q": "grofvuil Stalenstraat"})
    back_office = t.staff("stijn.lemmens@genk.example")
    await t.call("GET", "/v1/queues/omgeving", params={"limit": 5}, headers=back_office)
    counter = {
        "channel": "counter",
        "category": "civil.id_card",
        "desk": "quick_desk",
        "unit": "snelbalie",
        "subject": "Nieuwe identiteitskaart aanvragen",
        "summary": "Identiteitskaart verloren; komt een nieuwe aanvragen.",
        "citizen": {"given_name": "Fatma", "family_name": "Yilmaz", "phone": "+32 489 55 66 77"},
    }
    at_the_desk = await t.call("POST", "/v1/contacts", 201, json=counter)
    t.found["desk_reference"] = at_the_desk["ticket"]["reference"]
    claimer = t.staff("els.dewitte@genk.example")
    await t.call("POST", "/v1/queues/burgerzaken/claim", headers=claimer)


async def _parties_and_links(t: Tour) -> None:
    """The daughter who called for her mother, and the objects elsewhere the question is about."""
    contact_id, reference = t.found["contact_id"], t.found["reference"]
    daughter = {
        "role": "representative",
        "relationship": "family_member",
        "name": "Lotte Janssens",
        "phone": "0470 12 34 56",
        "email": "lotte.janssens@example.org",
        "language": "nl",
        "correspondent": True,
    }
    party = await t.call("POST", f"/v1/contacts/{contact_id}/parties", 201, json=daughter)
    await t.call("GET", f"/v1/contacts/{contact_id}/parties")
    light = {"system": "straatverlichting", "object_type": "lichtpunt", "object_id": "GNK-04711"}
    await t.call("POST", f"/v1/contacts/{contact_id}/links", 201, json=light)
    await t.call("GET", f"/v1/contacts/{contact_id}/links")
    permit = {"system": "omgevingsloket", "object_type": "omgevingsvergunning", "object_id": "OMV_2026047113"}
    link = await t.call("POST", f"/v1/tickets/{reference}/links", 201, json=permit)
    await t.call("GET", f"/v1/tickets/{reference}/links")
    await t.call("DELETE", f"/v1/tickets/{reference}/links/{link['id']}", 204)
    await t.call("DELETE", f"/v1/contacts/{contact_id}/parties/{party['id']}", 204)


async def _answering(t: Tour) -> None:
    """A canned answer for bulky waste, previewed and sent to the citizen by mail."""
    texts = {
        "nl": "Beste {citizen_name}, uw grofvuil ({reference}) wordt deze week opgehaald door de dienst {unit_name}.",
        "fr": "Madame, Monsieur {citizen_name}, vos encombrants ({reference}) seront enlevés cette semaine par le "
        "service {unit_name}.",
        "en": "Dear {citizen_name}, your bulky waste ({reference}) will be collected this week by {unit_name}.",
        "de": "Sehr geehrte(r) {citizen_name}, Ihr Sperrmüll ({reference}) wird diese Woche vom Dienst {unit_name} "
        "abgeholt.",
    }
    template = {"name": "Grofvuil deze week", "category": "waste.pickup", "texts": texts}
    created = await t.call("POST", "/v1/reply-templates", 201, json=template)
    await t.call("GET", "/v1/reply-templates", params={"category": "waste.pickup"})
    path = f"/v1/reply-templates/{created['id']}"
    read = await t.client.get(path, headers=t.admin)
    changed = {**template, "name": "Grofvuil wordt deze week opgehaald"}
    await t.call("PUT", path, json=changed, headers={**t.admin, "If-Match": read.headers["ETag"]})
    await t.call("GET", f"{path}/versions")
    reference, agent = t.found["reference"], t.staff(AGENT_EMAIL)
    answer = {"medium": "mail", "role": "informing", "template_id": created["id"]}
    await t.call("POST", f"/v1/tickets/{reference}/replies/preview", json=answer, headers=agent)
    await t.call("POST", f"/v1/tickets/{reference}/replies", 201, json=answer, headers=agent)


async def _assignment(t: Tour) -> None:
    """Omgeving switches to automatic assignment: its back office says who is available, and work is offered."""
    from genk3600.assignment.service import dispatch_once

    stijn, katrien = "stijn.lemmens@genk.example", "katrien.thys@genk.example"
    staff = await t.session.scalar(select(Staff).where(Staff.email == stijn))
    assert staff is not None
    policy = {"mode": "least_loaded", "continuity": True, "offer_timeout_seconds": 90, "decline_cooldown_seconds": 900}
    await t.call("PUT", "/v1/units/omgeving/assignment-policy", json=policy)
    await t.call("GET", "/v1/units/omgeving/assignment-policy")
    skills = {"capacity": {"phone": 3, "mail": 8}, "default_capacity": 5, "languages": ["nl", "fr"]}
    await t.call("PUT", f"/v1/staff/{staff.id}/skills", json=skills)
    await t.call("GET", f"/v1/staff/{staff.id}/skills")
    await t.call("PUT", f"/v1/staff/{staff.id}/presence", json={"status": "available"})
    await t.call("GET", f"/v1/staff/{staff.id}/presence")
    await t.call("PUT", "/v1/me/presence", json={"status": "available"}, headers=t.staff(katrien))
    await t.call("GET", "/v1/me/presence", headers=t.staff(katrien))
    await t.call("POST", "/v1/me/presence/heartbeat", headers=t.staff(katrien))
    for subject in ("Sluikstort aan de Hoogstraat", "Container niet geledigd"):
        contact = {"channel": "web", "category": "waste.pickup", "subject": subject, "body": subject + "."}
        await t.call("POST", "/v1/contacts", 201, json=contact)
    sessions = async_sessionmaker(bind=t.session.bind, join_transaction_mode="create_savepoint")
    await dispatch_once(sessions, t.settings, t.clock.now())
    offered = {}
    for email in (stijn, katrien):
        page = await t.call("GET", "/v1/me/offers", headers=t.staff(email))
        offered[email] = page["items"]
    accept, decline = offered[stijn][0], offered[katrien][0]
    await t.call("POST", f"/v1/me/offers/{accept['id']}/accept", headers=t.staff(stijn))
    await t.call("POST", f"/v1/me/offers/{decline['id']}/decline", headers=t.staff(katrien))
    await t.call("GET", "/v1/units/omgeving/assignment")


async def _knowledge(t: Tour) -> None:
    """The product catalogue at hand, and a category suggested from the citizen's words with its reasons."""
    passport = {
        "code": "reispas-aanvragen",
        "texts": {
            "nl": {
                "name": "Reispas aanvragen",
                "description": "Een internationaal paspoort voor reizen buiten de Europese Unie.",
                "what_to_bring": "Uw identiteitskaart en een recente pasfoto; voor kinderen ook een ouder.",
                "cost": "€ 75,00",
                "delivery_time": "Ongeveer 7 werkdagen",
            },
            "fr": {"name": "Demander un passeport", "what_to_bring": "Votre carte d'identité et une photo récente."},
        },
        "synonyms": {"nl": ["paspoort", "internationaal paspoort"], "fr": ["passeport"]},
        "web_page": "https://www.genk.be/reispas",
        "categories": ["civil.passport"],
        "desk_unit": "burgerzaken",
    }
    created = await t.call("POST", "/v1/products", 201, json=passport)
    await t.call("GET", "/v1/products", params={"q": "identiteitskaart gestolen"})
    path = f"/v1/products/{created['code']}"
    read = await t.client.get(path, headers=t.admin)
    changed = {**passport, "web_page": "https://www.genk.be/reispas-aanvragen"}
    await t.call("PUT", path, json=changed, headers={**t.admin, "If-Match": read.headers["ETag"]})
    await t.call("GET", f"{path}/versions")
    # A model trained on the city's own resolved tickets (here a small fixed history).
    categories = {
        category.code: category
        for category in await t.session.scalars(
            select(Category).where(Category.code.in_(["civil.id_card", "waste.pickup", "social.living_wage"]))
        )
    }
    history = SimpleNamespace(
        id_card=categories["civil.id_card"],
        waste=categories["waste.pickup"],
        living_wage=categories["social.living_wage"],
    )
    await resolved_history(t.session, cast(factories.World, history))
    await train_and_store(t.session, t.settings, t.clock, system_principal("train-classifier"))
    await t.call("GET", "/v1/suggestions/models")
    words = {"subject": "Identiteitskaart", "text": "Mijn identiteitskaart is gestolen, wat moet ik doen?"}
    await t.call("POST", "/v1/suggestions/categories", json=words, headers=t.staff(AGENT_EMAIL))


def tomorrow_at(t: Tour, hour: int) -> str:
    """Tomorrow at `hour` in Genk, as the console sends it."""
    genk = t.clock.now().astimezone(ZoneInfo("Europe/Brussels"))
    return (genk + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0).isoformat()


async def _callbacks(t: Tour) -> None:
    """The citizen asks to be called back; the contact centre tries twice, and a letter goes out when nobody
    answers a number that turns out wrong."""
    reference, agent = t.found["reference"], t.staff(AGENT_EMAIL)
    outcome = {"reached_citizen": True, "answered_at_first_contact": False}
    await t.call("PATCH", f"/v1/contacts/{t.found['contact_id']}/outcome", json=outcome)
    ask = {
        "ticket": reference,
        "unit": "contact_centre",
        "phone": "0470 12 34 56",
        "language": "nl",
        "question": "Wanneer wordt het grofvuil in de Stalenstraat opgehaald?",
        "window_start": tomorrow_at(t, 10),
        "window_end": tomorrow_at(t, 12),
    }
    asked = await t.call("POST", "/v1/callbacks", 201, json=ask)
    await t.call("GET", "/v1/callbacks", params={"ticket": reference})
    await t.call("GET", "/v1/queues/contact_centre/callbacks", headers=agent)
    claimed = await t.call("POST", "/v1/queues/contact_centre/callbacks/claim", headers=agent)
    path = f"/v1/callbacks/{claimed['id']}"
    await t.call("POST", f"{path}/attempts", 201, json={"outcome": "no_answer"}, headers=agent)
    await t.call(
        "POST", f"{path}/attempts", 201, json={"outcome": "reached", "note": "Ophaling dinsdag."}, headers=agent
    )
    await t.call("GET", f"/v1/callbacks/{asked['id']}")
    again = await t.call("POST", "/v1/callbacks", 201, json={**ask, "question": "Nog een vraag over de factuur."})
    await t.call("POST", f"/v1/callbacks/{again['id']}/cancel", json={"reason": "De burger belde zelf terug."})
    # Fatma Yilmaz left only a phone number at the desk: when it turns out wrong, she gets a letter.
    letter = {
        **ask,
        "ticket": t.found["desk_reference"],
        "unit": "contact_centre",
        "phone": "+32 489 55 66 77",
        "postal_address": "Hoogstraat 3, 3600 Genk",
        "question": "Wanneer kan ze haar nieuwe identiteitskaart ophalen?",
    }
    by_letter = await t.call("POST", "/v1/callbacks", 201, json=letter)
    await t.call("POST", f"/v1/callbacks/{by_letter['id']}/attempts", 201, json={"outcome": "wrong_number"})
    await t.call("POST", f"/v1/callbacks/{by_letter['id']}/letter-sent", json={})


async def _appointments(t: Tour) -> None:
    """Omgeving comes to look at the bulky waste: availability, free slots, a visit booked, moved, held; the
    citizen books one on the status page; a desk's hours; the staff member's calendar feed."""
    reference, clerk = t.found["reference"], "stijn.lemmens@genk.example"
    stijn = await t.session.scalar(select(Staff).where(Staff.email == clerk))
    assert stijn is not None
    visit = {
        "name": "Plaatsbezoek grofvuil",
        "names": {"fr": "Visite sur place (encombrants)", "en": "Site visit (bulky waste)"},
        "unit": "omgeving",
        "category_prefix": "waste.",
        "duration_minutes": 30,
        "home_visit": True,
        "travel_minutes": 15,
        "citizen_bookable": True,
    }
    await t.call("PUT", "/v1/appointment-kinds/waste.site_visit", json=visit)
    await t.call("GET", "/v1/appointment-kinds", params={"unit": "omgeving"})
    week = {
        "windows": [{"unit": "omgeving", "weekday": day, "opens": "09:00", "closes": "12:00"} for day in range(5)],
        "exceptions": [{"reason": "training", "starts_at": tomorrow_at(t, 9), "ends_at": tomorrow_at(t, 12)}],
    }
    await t.call("PUT", f"/v1/staff/{stijn.id}/availability", json=week)
    await t.call("GET", f"/v1/staff/{stijn.id}/availability")
    desk = {"windows": [{"weekday": 1, "opens": "13:00", "closes": "16:00"}]}
    await t.call("PUT", "/v1/units/themabalie_wonen/availability", json=desk)
    await t.call("GET", "/v1/units/themabalie_wonen/availability")
    free = await t.call(
        "GET", f"/v1/tickets/{reference}/appointment-slots", params={"kind": "waste.site_visit", "limit": 3}
    )
    first, second = free["items"][0]["starts_at"], free["items"][1]["starts_at"]
    address = "Stalenstraat 12, 3600 Genk"
    book = {"ticket": reference, "kind": "waste.site_visit", "starts_at": first, "staff_id": stijn.id,
            "address": address, "representative": {"name": "Marie Janssens", "relationship": "echtgenote"}}  # fmt: skip
    booked = await t.call("POST", "/v1/appointments", 201, json=book)
    path = f"/v1/appointments/{booked['id']}"
    await t.call("GET", "/v1/appointments", params={"ticket": reference})
    await t.call("POST", f"{path}/move", json={"starts_at": second})
    await t.call("GET", path)
    now = t.clock.now()
    t.clock.set(datetime.fromisoformat(second) + timedelta(minutes=40))
    held = {"outcome": "held", "role": "informing", "note": "Grofvuil bekeken; ophaling ingepland."}
    await t.call("POST", f"{path}/outcome", json=held, headers=t.staff(clerk))
    t.clock.set(now)
    code = {"code": t.found["access_code"]}
    public = f"/v1/public/tickets/{reference}"
    times = await t.call("GET", f"{public}/appointment-slots", params={**code, "lang": "nl"}, headers=DUTCH)
    mine = {"kind": "waste.site_visit", "starts_at": times["items"][0]["starts_at"], "address": address}
    citizens = await t.call("POST", f"{public}/appointments", 201, params=code, json=mine, headers=DUTCH)
    booked_by_citizen = await t.call("GET", "/v1/appointments", params={"ticket": reference, "status": "booked"})
    assert any(item["booked_via"] == "citizen" for item in booked_by_citizen["items"]), citizens
    cancel = {"reason": "De burger heeft het grofvuil zelf naar het recyclagepark gebracht."}
    await t.call("POST", f"/v1/appointments/{booked_by_citizen['items'][0]['id']}/cancel", json=cancel)
    feed = await t.call("POST", f"/v1/staff/{stijn.id}/calendar-feed", 201, headers=t.staff(clerk))
    await t.call("GET", f"/v1/public/staff/{stijn.id}/calendar-feed", params={"token": feed["token"]}, headers={})


async def _the_phone(t: Tour) -> None:
    call = {
        "event": "ringing",
        "call_id": "pbx-2026-11-23-0042",
        "caller_number": "+32 89 65 44 11",
        "called_number": "3600",
    }
    await t.call("POST", "/v1/intake/phone/events", json=call)
    answered = {"event": "answered", "call_id": "pbx-2026-11-23-0042", "agent": AGENT_EMAIL}
    await t.call("POST", "/v1/intake/phone/events", json=answered)
    await t.call("GET", "/v1/me/calls", headers=t.staff(AGENT_EMAIL))
    await t.call("GET", "/v1/me", headers=t.staff(AGENT_EMAIL))
    await t.call("GET", "/v1/me/choices", headers={**t.staff(AGENT_EMAIL), "Accept-Language": "nl"})
    await t.call("GET", "/v1/citizens/lookup", params={"email": "jan.janssens@example.org"})


async def _mail(t: Tour) -> None:
    mail = (
        b"From: Marie Dubois <marie.dubois@example.org>\r\nTo: 3600@genk.example\r\n"
        b"Subject: Rue endommagee devant chez moi\r\nMessage-ID: <tour-1@example.org>\r\n"
        b"Date: Mon, 23 Nov 2026 09:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Bonjour, le trottoir de la Vennestraat est abime depuis la tempete.\r\n"
    )
    raw = {**t.admin, "content-type": "message/rfc822"}
    await t.call("POST", "/v1/intake/mail", 201, content=mail, headers=raw)
    reply = (
        b"From: Jan Janssens <jan.janssens@example.org>\r\nTo: 3600@genk.example\r\n"
        b"Subject: Re: [" + t.found["reference"].encode() + b"] Grofvuil niet opgehaald\r\n"
        b"Message-ID: <tour-2@example.org>\r\nDate: Mon, 23 Nov 2026 10:15:00 +0100\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nHet grofvuil staat er vandaag nog altijd.\r\n"
    )
    await t.call("POST", "/v1/intake/mail", 201, content=reply, headers=raw)
    # The mail gateway delivers the same message twice: recognised by its Message-ID (200).
    await t.call("POST", "/v1/intake/mail", 200, content=reply, headers=raw)


async def _social_case(t: Tour) -> None:
    """A social-welfare question, and a supervisor's break-the-glass access to it."""
    social = {
        "channel": "phone",
        "category": "social.living_wage",
        "subject": "Vraag over leefloon",
        "summary": "Vraagt hoe een aanvraag voor leefloon verloopt.",
        "call_id": "pbx-2026-11-23-0050",
        "citizen": {"given_name": "Ahmed", "family_name": "El Amrani", "phone": "+32 470 98 76 54"},
    }
    recorded = await t.call("POST", "/v1/contacts", 201, json=social)
    # The PBX integration sends the same call again: recognised by its call id, nothing written twice (200).
    await t.call("POST", "/v1/contacts", 200, json=social)
    reference = recorded["contact"]["ticket"]
    glass = {"reason": "Burger in crisis aan de balie; de maatschappelijk werker is vandaag afwezig."}
    await t.call(
        "POST", f"/v1/tickets/{reference}/break-glass", 201, json=glass, headers=t.staff("veerle.geerts@genk.example")
    )


async def _the_citizen(t: Tour) -> None:
    """Subject access: the DPO exports, holds and erases a citizen's data."""
    dpo = {**DUTCH, "X-API-Key": await factories.api_key(t.session, "dpo", ["citizens:export"])}
    jan = await t.session.scalar(select(Citizen).where(Citizen.email == "jan.janssens@example.org"))
    assert jan is not None
    await t.call("GET", f"/v1/citizens/{jan.id}/export", headers=dpo)
    hold = {"hold": True, "reason": "Lopende rechtszaak over een belastingaanslag."}
    await t.call("PUT", f"/v1/citizens/{jan.id}/legal-hold", json=hold, headers=dpo)
    leaving = await factories.citizen(t.session, email="pieter.peeters@example.org", given_name="Pieter")
    erasure = {"reason": "Vraag van de burger (AVG artikel 17)."}
    await t.call("POST", f"/v1/citizens/{leaving.id}/erasure", json=erasure, headers=dpo)


async def _households(t: Tour) -> None:
    """The demo's mother and her daughter, who cares for her (mantelzorger): their household, a grandson who moved
    out, a bewindvoerder whose mandate changed and ended, and the daughter calling for her mother."""
    mother = await t.session.scalar(select(Citizen).where(Citizen.email == DEMO_MOTHER["email"]))
    daughter = await t.session.scalar(select(Citizen).where(Citizen.email == DEMO_DAUGHTER["email"]))
    assert mother is not None
    assert daughter is not None
    grandson = await factories.citizen(
        t.session, email="tom.janssens@example.org", given_name="Tom", family_name="Janssens"
    )
    agent = t.staff(AGENT_EMAIL)
    lived_with = {"related_citizen_id": grandson.id, "kind": "household_member", "first_day": "2025-02-01"}
    relation = await t.call("POST", f"/v1/citizens/{mother.id}/relations", 201, json=lived_with, headers=agent)
    moved_out = {"last_day": str(today(t.clock))}
    await t.call("POST", f"/v1/citizens/{mother.id}/relations/{relation['id']}/end", json=moved_out, headers=agent)
    administrator = {
        "representative_name": "Mr. Pieter Claes",
        "organisation_name": "Advocatenkantoor Claes",
        "kind": "legal_administrator",
        "scopes": ["information", "applications"],
        "first_day": "2026-03-15",
        "source": "court_order",
        "source_reference": "Vredegerecht Genk 26B1234",
    }
    created = await t.call("POST", f"/v1/citizens/{mother.id}/representations", 201, json=administrator, headers=agent)
    path = f"/v1/citizens/{mother.id}/representations/{created['id']}"
    read = await t.client.get(path, headers=agent)
    assert read.status_code == 200, read.text
    widened = {"scopes": ["all"], "source_reference": "Vredegerecht Genk 26B1234/2"}
    changed = await t.client.patch(path, json=widened, headers={**agent, "If-Match": read.headers["ETag"]})
    assert changed.status_code == 200, changed.text
    ended = {"last_day": str(today(t.clock))}
    await t.call("POST", f"{path}/end", json=ended, headers={**agent, "If-Match": changed.headers["ETag"]})
    await t.call("GET", f"/v1/citizens/{mother.id}/household", headers=agent)
    for_mother = {
        "channel": "phone",
        "category": "civil.id_card",
        "summary": "Lotte belt voor haar moeder: wanneer kan zij de nieuwe identiteitskaart afhalen?",
        "citizen": {"email": DEMO_MOTHER["email"]},
        "parties": [{"role": "representative", "relationship": "informal_carer", "citizen_id": daughter.id}],
    }
    await t.call("POST", "/v1/contacts", 201, json=for_mother, headers=agent)


async def _one_person_one_record(t: Tour) -> None:
    """The data steward finds the demo's duplicate pair, merges it, looks at the history and undoes the merge."""
    steward = t.staff(ADMIN_EMAIL)
    marie = await t.session.scalar(select(Citizen).where(Citizen.email == "marie.claes@example.org"))
    mari = await t.session.scalar(select(Citizen).where(Citizen.email == "mclaes.genk@example.org"))
    assert marie is not None
    assert mari is not None
    contact = {
        "channel": "web",
        "category": "civil.id_card",
        "subject": "Afspraak voor een nieuwe identiteitskaart",
        "body": "Mijn identiteitskaart vervalt volgende maand. Wanneer kan ik langskomen?",
        "form_id": "afspraak-eid",
        "citizen": {"email": "mclaes.genk@example.org"},
    }
    await t.call("POST", "/v1/contacts", 201, json=contact)
    await t.call("GET", "/v1/citizen-duplicates", params={"limit": 5}, headers=steward)
    await t.call("GET", f"/v1/citizens/{marie.id}/duplicates", headers=steward)
    merge = {"merged_citizen_id": mari.id, "reason": "Zelfde persoon: gsm-nummer en naam bevestigd aan de balie."}
    merged = await t.call("POST", f"/v1/citizens/{marie.id}/merges", 201, json=merge, headers=steward)
    await t.call("GET", f"/v1/citizens/{mari.id}/merges", headers=steward)
    await t.call("GET", f"/v1/citizen-merges/{merged['id']}", headers=steward)
    undo = {"reason": "Toch twee personen: moeder en dochter met dezelfde naam."}
    await t.call("POST", f"/v1/citizen-merges/{merged['id']}/undo", json=undo, headers=steward)
    father = await factories.citizen(t.session, given_name="Luc", family_name="Wouters", phone="+3289301010")
    son = await factories.citizen(t.session, given_name="Luc", family_name="Wouters", phone="+3289301010")
    dismissal = {
        "citizen_id": father.id,
        "other_citizen_id": son.id,
        "reason": "Vader en zoon met dezelfde naam en hetzelfde vaste nummer.",
    }
    await t.call("POST", "/v1/citizen-duplicates/dismissals", 201, json=dismissal, headers=steward)


async def _administration(t: Tour) -> None:
    unit = {"code": "cultuur", "name": "Cultuur", "kind": "department", "parent": "stad_genk"}
    await t.call("POST", "/v1/units", 201, json=unit)
    await t.call("GET", "/v1/units", params={"limit": 5})
    await t.call("GET", "/v1/units/burgerzaken", headers={**t.admin, "Accept-Language": "nl"})
    staff = {
        "email": "lotte.vos@genk.example",
        "full_name": "Lotte Vos",
        "languages": ["nl", "fr"],
        "memberships": [{"unit": "contact_centre", "position": "agent"}],
    }
    created = await t.call("POST", "/v1/staff", 201, json=staff)
    await t.call("GET", "/v1/staff", params={"limit": 5})
    await t.call("GET", f"/v1/staff/{created['id']}")
    await t.call("PATCH", f"/v1/staff/{created['id']}", json={"languages": ["nl", "fr", "en"]})
    category = {"code": "leisure.youth_camp", "name": "Speelpleinwerking", "owning_unit": "vrije_tijd"}
    await t.call("POST", "/v1/categories", 201, json=category)
    await t.call("GET", "/v1/categories", params={"limit": 5})
    await t.call("GET", "/v1/categories/civil.id_card", headers={**t.admin, "Accept-Language": "nl"})
    await t.call("GET", "/v1/categories/civil.id_card/deciders")
    await t.call("PUT", "/v1/categories/leisure.youth_camp/deciders", json={"units": ["vrije_tijd"]})


async def _routing_and_calendar(t: Tour) -> None:
    rule = {
        "name": "Straatverlichting naar Omgeving",
        "position": 15,
        "conditions": {"keywords": ["straatlamp", "verlichting"]},
        "actions": {"owning_unit": "omgeving", "priority": "normal"},
    }
    created = await t.call("POST", "/v1/routing/rules", 201, json=rule)
    await t.call("PUT", f"/v1/routing/rules/{created['id']}", json={**rule, "position": 12})
    await t.call("GET", "/v1/routing/rules")
    await t.call("GET", f"/v1/routing/rules/{created['id']}")
    sketch = {"contact": {"channel": "phone", "subject": "Straatlamp kapot in de Weg naar As"}}
    await t.call("POST", "/v1/routing/simulate", json=sketch, headers={**t.admin, "Accept-Language": "nl"})
    draft = {
        **rule,
        "conditions": {"keywords": ["grofvuil"]},
        "actions": {"owning_unit": "omgeving", "priority": "high"},
    }
    replay = {"days": 7, "rules": [draft]}
    await t.call("POST", "/v1/routing/replay", json=replay, headers={**t.admin, "Accept-Language": "nl"})
    policy = {
        "code": "balie_dringend",
        "name": "Dringend aan de balie",
        "first_response_minutes": 60,
        "resolution_minutes": 480,
    }
    await t.call("POST", "/v1/sla/policies", 201, json=policy)
    await t.call("GET", "/v1/sla/policies")
    await t.call("GET", "/v1/sla/policies/balie_dringend")
    hours = {"unit": "burgerzaken", "weekday": 0, "opens": "08:30", "closes": "12:30"}
    opened = await t.call("POST", "/v1/calendar/opening-hours", 201, json=hours)
    await t.call("GET", "/v1/calendar/opening-hours", params={"limit": 5})
    await t.call("GET", f"/v1/calendar/opening-hours/{opened['id']}")
    day = {"day": "2026-12-24", "reason": "Kerstavond: stadhuis gesloten vanaf de middag"}
    closed = await t.call("POST", "/v1/calendar/closing-days", 201, json=day)
    await t.call("GET", "/v1/calendar/closing-days", params={"limit": 5})
    await t.call("GET", f"/v1/calendar/closing-days/{closed['id']}")
    since = {"minutes": 240, "since": "2026-11-23T16:00:00+01:00"}
    await t.call("GET", "/v1/calendar/units/burgerzaken/deadline", params=since)
    await t.call("DELETE", f"/v1/calendar/opening-hours/{opened['id']}", 204)
    await t.call("DELETE", f"/v1/calendar/closing-days/{closed['id']}", 204)


async def _integration(t: Tour) -> None:
    hook = {
        "url": "https://mijn.genk.example/hooks/genk3600",
        "event_types": ["ticket.created", "ticket.status_changed"],
        "description": "mijnGenk: statusupdates",
    }
    created = await t.call("POST", "/v1/webhooks", 201, json=hook)
    await t.call("GET", "/v1/webhooks")
    await t.call("GET", f"/v1/webhooks/{created['id']}")
    await t.call("GET", f"/v1/webhooks/{created['id']}/deliveries")
    await t.call("POST", f"/v1/webhooks/{created['id']}/replay", 202)
    await t.call("DELETE", f"/v1/webhooks/{created['id']}", 204)
    await t.call("GET", "/v1/events", params={"limit": 5})


async def _oversight(t: Tour) -> None:
    auditor = {**DUTCH, "X-API-Key": await factories.api_key(t.session, "dpo-audit", ["audit:read"])}
    await t.call("GET", "/v1/audit", params={"limit": 3}, headers=auditor)
    reports = {**t.admin, "Accept-Language": "nl"}
    await t.call("GET", "/v1/reports", headers=reports)
    period = {"first_day": "2026-11-01", "last_day": "2026-11-30"}
    await t.call("GET", "/v1/reports/contacts-per-channel", params=period, headers=reports)
    await t.call("GET", "/healthz", headers={})
    await t.call("GET", "/readyz", headers={})


TOUR: list[Step] = [
    _the_front_door,
    _parties_and_links,
    _answering,
    _assignment,
    _knowledge,
    _callbacks,
    _appointments,
    _the_phone,
    _mail,
    _social_case,
    _the_citizen,
    _households,
    _one_person_one_record,
    _administration,
    _routing_and_calendar,
    _integration,
    _oversight,
]


def _needs_recorded_example(spec: dict[str, Any]) -> set[str]:
    """Operations with a JSON success answer."""
    wanted = set()
    for item in spec["paths"].values():
        for operation in item.values():
            for status, response in operation.get("responses", {}).items():
                if status.startswith("2") and "application/json" in response.get("content", {}):
                    wanted.add(operation["operationId"])
    return wanted


async def test_the_tour_reaches_every_operation_and_its_examples_are_committed(
    app: FastAPI, session: AsyncSession, settings: Settings, clock: FixedClock
) -> None:
    await seed_demo(session)
    admin = await session.scalar(select(Staff).where(Staff.email == ADMIN_EMAIL))
    assert admin is not None
    recorder = Recorder(app)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://genk3600.test", event_hooks={"response": [recorder]}
    ) as client:
        tour = Tour(client, session, settings, clock)
        tour.admin = {
            **DUTCH,
            "X-API-Key": await factories.api_key(
                session,
                "mijngenk",
                ["admin", "contacts:write", "tickets:read", "tickets:write", "reports:read", "citizens:lookup"],
            ),
        }
        for step in TOUR:
            await step(tour)

    examples = {operation: recorder.examples[operation] for operation in sorted(recorder.examples)}
    missing = _needs_recorded_example(app.openapi()) - set(examples)
    assert not missing, f"the tour does not reach these operations yet; add them to TOUR: {sorted(missing)}"
    if RECORD:
        EXAMPLES_PATH.write_text(json.dumps(examples, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    committed = json.loads(EXAMPLES_PATH.read_text())
    assert set(committed) == set(examples), "run `make examples` to record the tour's examples again"
    for operation, recorded in examples.items():
        assert set(committed[operation]["responses"]) == set(recorded["responses"]), operation
        assert ("request" in committed[operation]) == ("request" in recorded), operation
