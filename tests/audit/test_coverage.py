"""Every write leaves an audit entry in its own transaction: each mutating API operation (enumerated from the
OpenAPI document, so a new operation must join this list) and each background job.

In the style of the statement budget (tests/contacts/test_intake_statements.py): a path that writes without
the trail fails here, whatever statement (ORM flush or Core) it writes with.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from fastapi import FastAPI
from sqlalchemy import event, func, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from genk3600.audit import trail
from genk3600.audit.trail import actor_var
from genk3600.auth.principal import system_principal
from genk3600.auth.tokens import issue_dev_token
from genk3600.config import Settings
from genk3600.db import Database
from genk3600.events.delivery import deliver_once
from genk3600.events.repository import insert_subscription
from genk3600.events.webhooks import new_secret
from genk3600.i18n.texts import Message
from genk3600.imports.service import ACTOR_NAME, Importer
from genk3600.kit.clock import FixedClock
from genk3600.models import AuditEntry, Contact, Staff, Ticket, TicketEvent
from genk3600.models.enums import Language, TicketEventType
from genk3600.notifications.sender import send_once
from genk3600.privacy.retention import RETENTION, retention_once
from genk3600.sla.sweeper import sweep_once
from genk3600.tickets import timeline
from genk3600.tickets.service import NewTicket, open_ticket
from tests import factories
from tests.factories import World, web_contact

MUTATING = {"post", "put", "patch", "delete"}

# Operations that legitimately write nothing, with the reason.
WRITES_NOTHING = {
    "simulate_routing": "a dry run: routes a sketched contact against current or draft rules, stores nothing",
    "replay_routing": "a dry run: replays past contacts against draft rules, stores nothing",
    "preview_reply": "renders an answer as it would be sent; stores nothing (a social case's read is audited)",
    "send_presence_heartbeat": "bookkeeping: moves the console's heartbeat time forward, like a rate-limit "
    "bucket, not anybody's act (setting a presence is audited: set_my_presence)",
    "suggest_categories": "a suggestion from the stored model for a sketched text, stores nothing",
}


@dataclass
class Context:
    client: httpx.AsyncClient
    session: AsyncSession
    settings: Settings
    world: World
    admin: dict[str, str]
    clock: FixedClock

    def bearer(self, staff: Staff) -> dict[str, str]:
        """A staff member's own headers (a dev OIDC token), for operations that act as that person."""
        return {"Authorization": f"Bearer {issue_dev_token(self.settings, self.clock, staff.email)}"}

    async def dpo(self) -> dict[str, str]:
        """The DPO's key: subject access (export, erasure, legal hold) needs citizens:export, not admin."""
        return {"X-API-Key": await factories.api_key(self.session, "dpo", ["citizens:export"])}

    async def ticket(self, **overrides: Any) -> dict[str, Any]:
        ticket: dict[str, Any] = (await self.contact(**overrides))["ticket"]
        return ticket

    async def contact(self, **overrides: Any) -> dict[str, Any]:
        """A web contact on a ticket: the intake's answer (contact, ticket, outcome)."""
        response = await self.client.post("/v1/contacts", json=web_contact(**overrides), headers=self.admin)
        assert response.status_code == 201, response.text
        recorded: dict[str, Any] = response.json()
        return recorded

    async def created(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(path, json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


# A case answers the response of the operation under test, or several (each must be audited on its own).
Call = Callable[[Context], Awaitable[httpx.Response | Sequence[httpx.Response]]]


async def _record_contact(c: Context) -> httpx.Response:
    return await c.client.post("/v1/contacts", json=web_contact(), headers=c.admin)


async def _create_unit(c: Context) -> httpx.Response:
    body = {"code": "cultuur", "name": "Cultuur", "kind": "department"}
    return await c.client.post("/v1/units", json=body, headers=c.admin)


async def _create_staff(c: Context) -> httpx.Response:
    body = {
        "email": "els.claes@genk.example",
        "full_name": "Els Claes",
        "languages": ["nl"],
        "memberships": [{"unit": "contact_centre", "position": "agent"}],
    }
    return await c.client.post("/v1/staff", json=body, headers=c.admin)


async def _create_category(c: Context) -> httpx.Response:
    body = {"code": "social.energy_support", "name": "Energiesteun", "owning_unit": "sociale_dienst"}
    return await c.client.post("/v1/categories", json=body, headers=c.admin)


async def _create_sla_policy(c: Context) -> httpx.Response:
    body = {"code": "standard", "name": "Standaard", "first_response_minutes": 120, "resolution_minutes": 960}
    return await c.client.post("/v1/sla/policies", json=body, headers=c.admin)


OPENING = {"weekday": 0, "opens": "08:30", "closes": "12:00"}
CLOSING = {"day": "2026-07-11", "reason": "Feestdag"}


async def _create_opening_hours(c: Context) -> httpx.Response:
    return await c.client.post("/v1/calendar/opening-hours", json=OPENING, headers=c.admin)


async def _delete_opening_hours(c: Context) -> httpx.Response:
    hours = await c.created("/v1/calendar/opening-hours", OPENING)
    return await c.client.delete(f"/v1/calendar/opening-hours/{hours['id']}", headers=c.admin)


async def _create_closing_day(c: Context) -> httpx.Response:
    return await c.client.post("/v1/calendar/closing-days", json=CLOSING, headers=c.admin)


async def _delete_closing_day(c: Context) -> httpx.Response:
    day = await c.created("/v1/calendar/closing-days", CLOSING)
    return await c.client.delete(f"/v1/calendar/closing-days/{day['id']}", headers=c.admin)


RULE = {
    "name": "Grofvuil",
    "position": 10,
    "conditions": {"keywords": ["grofvuil"]},
    "actions": {"owning_unit": "omgeving", "priority": "high"},
}


async def _create_routing_rule(c: Context) -> httpx.Response:
    return await c.client.post("/v1/routing/rules", json=RULE, headers=c.admin)


async def _change_routing_rule(c: Context) -> httpx.Response:
    rule = await c.created("/v1/routing/rules", RULE)
    return await c.client.put(f"/v1/routing/rules/{rule['id']}", json={**RULE, "position": 20}, headers=c.admin)


async def _set_citizen_legal_hold(c: Context) -> httpx.Response:
    citizen = await factories.citizen(c.session, email="hold@example.org")
    body = {"hold": True, "reason": "Court case"}
    return await c.client.put(f"/v1/citizens/{citizen.id}/legal-hold", json=body, headers=await c.dpo())


async def _erase_citizen(c: Context) -> httpx.Response:
    citizen = await factories.citizen(c.session, email="erase@example.org")
    erasure = {"reason": "Asked"}
    return await c.client.post(f"/v1/citizens/{citizen.id}/erasure", json=erasure, headers=await c.dpo())


async def _steward(c: Context) -> dict[str, str]:
    """The data steward: supervisors and admins hold citizens:merge; the admin key of the tests does not."""
    return c.bearer(c.world.admin)


async def _merge_citizens(c: Context) -> httpx.Response:
    survivor = await factories.citizen(c.session, email="survivor@example.org")
    merged = await factories.citizen(c.session, email="merged@example.org")
    body = {"merged_citizen_id": merged.id, "reason": "Same person"}
    return await c.client.post(f"/v1/citizens/{survivor.id}/merges", json=body, headers=await _steward(c))


async def _unmerge_citizens(c: Context) -> httpx.Response:
    merged = (await _merge_citizens(c)).json()
    body = {"reason": "Two people"}
    return await c.client.post(f"/v1/citizen-merges/{merged['id']}/undo", json=body, headers=await _steward(c))


async def _dismiss_duplicate(c: Context) -> httpx.Response:
    one = await factories.citizen(c.session, email="one@example.org")
    other = await factories.citizen(c.session, email="one@example.org")
    body = {"citizen_id": one.id, "other_citizen_id": other.id, "reason": "Two people"}
    return await c.client.post("/v1/citizen-duplicates/dismissals", json=body, headers=await _steward(c))


async def _escalate_ticket(c: Context) -> httpx.Response:
    ticket = await c.ticket()
    body = {"to_unit": "contact_centre", "reason": "needs_expertise", "requested_role": "advising"}
    return await c.client.post(f"/v1/tickets/{ticket['reference']}/escalations", json=body, headers=c.admin)


async def _change_ticket(c: Context) -> httpx.Response:
    ticket = await c.ticket()
    path = f"/v1/tickets/{ticket['reference']}"
    etag = (await c.client.get(path, headers=c.admin)).headers["etag"]
    return await c.client.patch(path, json={"priority": "urgent"}, headers={**c.admin, "If-Match": etag})


HOOK = {"url": "https://hooks.example.org/genk3600", "event_types": ["*"]}


async def _create_webhook(c: Context) -> httpx.Response:
    return await c.client.post("/v1/webhooks", json=HOOK, headers=c.admin)


async def _disable_webhook(c: Context) -> httpx.Response:
    hook = await c.created("/v1/webhooks", HOOK)
    return await c.client.delete(f"/v1/webhooks/{hook['id']}", headers=c.admin)


async def _replay_webhook(c: Context) -> httpx.Response:
    hook = await c.created("/v1/webhooks", HOOK)
    return await c.client.post(f"/v1/webhooks/{hook['id']}/replay", headers=c.admin)


async def _record_participation(c: Context) -> httpx.Response:
    contact_id = (await c.contact(citizen=None))["contact"]["id"]
    body = {"role": "informing", "note": "Uitgelegd wanneer het grofvuil wordt opgehaald."}
    return await c.client.post(f"/v1/contacts/{contact_id}/participations", json=body, headers=c.bearer(c.world.agent))


DAUGHTER = {
    "role": "representative",
    "relationship": "family_member",
    "name": "Lotte Janssens",
    "phone": "0470 12 34 56",
}
PERMIT = {"system": "omgevingsloket", "object_type": "omgevingsvergunning", "object_id": "OMV_2026047113"}


async def _add_contact_party(c: Context) -> httpx.Response:
    contact_id = (await c.contact())["contact"]["id"]
    return await c.client.post(f"/v1/contacts/{contact_id}/parties", json=DAUGHTER, headers=c.admin)


async def _remove_contact_party(c: Context) -> httpx.Response:
    contact_id = (await c.contact())["contact"]["id"]
    party = await c.created(f"/v1/contacts/{contact_id}/parties", DAUGHTER)
    return await c.client.delete(f"/v1/contacts/{contact_id}/parties/{party['id']}", headers=c.admin)


async def _add_contact_link(c: Context) -> httpx.Response:
    contact_id = (await c.contact())["contact"]["id"]
    return await c.client.post(f"/v1/contacts/{contact_id}/links", json=PERMIT, headers=c.admin)


async def _remove_contact_link(c: Context) -> httpx.Response:
    contact_id = (await c.contact())["contact"]["id"]
    link = await c.created(f"/v1/contacts/{contact_id}/links", PERMIT)
    return await c.client.delete(f"/v1/contacts/{contact_id}/links/{link['id']}", headers=c.admin)


async def _add_ticket_link(c: Context) -> httpx.Response:
    reference = (await c.ticket())["reference"]
    return await c.client.post(f"/v1/tickets/{reference}/links", json=PERMIT, headers=c.admin)


async def _remove_ticket_link(c: Context) -> httpx.Response:
    reference = (await c.ticket())["reference"]
    link = await c.created(f"/v1/tickets/{reference}/links", PERMIT)
    return await c.client.delete(f"/v1/tickets/{reference}/links/{link['id']}", headers=c.admin)


async def _set_category_deciders(c: Context) -> httpx.Response:
    body = {"units": ["burgerzaken"]}
    return await c.client.put("/v1/categories/civil.id_card/deciders", json=body, headers=c.admin)


async def _record_call_event(c: Context) -> list[httpx.Response]:
    events = [
        {"event": "ringing", "call_id": "cov-1", "caller_number": "0470 12 34 56", "called_number": "3600"},
        {"event": "answered", "call_id": "cov-1", "agent": c.world.agent.email},
        {"event": "ended", "call_id": "cov-1"},
    ]
    return [await c.client.post("/v1/intake/phone/events", json=event, headers=c.admin) for event in events]


MAIL = (
    b"From: Jan Janssens <jan.janssens@example.org>\r\nTo: 3600@genk.example\r\n"
    b"Subject: Grofvuil niet opgehaald\r\nMessage-ID: <coverage-1@example.org>\r\n"
    b"Date: Mon, 23 Nov 2026 09:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Mijn grofvuil staat er nog sinds maandag.\r\n"
)


async def _record_mail(c: Context) -> httpx.Response:
    headers = {**c.admin, "content-type": "message/rfc822"}
    return await c.client.post("/v1/intake/mail", content=MAIL, headers=headers)


async def _break_glass(c: Context) -> httpx.Response:
    # The admin key may record a social contact but not read its ticket: the reference comes with the contact.
    reference = (await c.contact(category="social.living_wage"))["contact"]["ticket"]
    supervisor = await factories.staff(c.session, "sup.burgerzaken@genk.example", c.world.burgerzaken, "supervisor")
    body = {"reason": "Burger in crisis aan de balie, maatschappelijk werker afwezig."}
    path = f"/v1/tickets/{reference}/break-glass"
    return await c.client.post(path, json=body, headers=c.bearer(supervisor))


async def _claim_from_queue(c: Context) -> httpx.Response:
    await c.ticket(citizen=None)  # waste.pickup: owned by omgeving, new and unassigned
    claimer = await factories.staff(c.session, "back.office@genk.example", c.world.omgeving, "back_office")
    return await c.client.post("/v1/queues/omgeving/claim", headers=c.bearer(claimer))


async def _change_staff(c: Context) -> httpx.Response:
    body = {"absent": True, "languages": ["nl", "fr"]}
    return await c.client.patch(f"/v1/staff/{c.world.agent.id}", json=body, headers=c.admin)


REPLY_TEXTS = {
    "nl": "Uw kaart ligt klaar bij {unit_name}.",
    "fr": "Votre carte est prête chez {unit_name}.",
    "en": "Your card is ready at {unit_name}.",
    "de": "Ihr Ausweis liegt bei {unit_name} bereit.",
}


async def _send_reply(c: Context) -> httpx.Response:
    reference = (await c.ticket())["reference"]
    body = {"medium": "mail", "role": "informing", "text": "Het grofvuil wordt dinsdag opgehaald."}
    return await c.client.post(f"/v1/tickets/{reference}/replies", json=body, headers=c.bearer(c.world.agent))


async def _create_reply_template(c: Context) -> httpx.Response:
    body = {"name": "Kaart klaar", "category": "civil.id_card", "texts": REPLY_TEXTS}
    return await c.client.post("/v1/reply-templates", json=body, headers=c.admin)


async def _change_reply_template(c: Context) -> httpx.Response:
    created = await c.created("/v1/reply-templates", {"name": "Kaart klaar", "texts": REPLY_TEXTS})
    body = {"name": "Kaart klaar", "category": None, "texts": {**REPLY_TEXTS, "nl": "Uw kaart ligt klaar."}}
    headers = {**c.admin, "If-Match": f'"{created["version"]}"'}
    return await c.client.put(f"/v1/reply-templates/{created['id']}", json=body, headers=headers)


async def _assignment_offer(c: Context) -> tuple[Staff, int]:
    """An agent of omgeving, available, with the one waiting ticket offered to them by the assignment job."""
    from genk3600.assignment.service import dispatch_once

    await c.ticket(citizen=None)  # waste.pickup: owned by omgeving, new and unassigned
    agent = await factories.staff(c.session, "aangeboden@genk.example", c.world.omgeving, "back_office")
    await c.client.put("/v1/me/presence", json={"status": "available"}, headers=c.bearer(agent))
    await c.client.put("/v1/units/omgeving/assignment-policy", json={"mode": "round_robin"}, headers=c.admin)
    sessions = async_sessionmaker(bind=c.session.bind, join_transaction_mode="create_savepoint")
    await dispatch_once(sessions, c.settings, c.clock.now())
    offers = await c.client.get("/v1/me/offers", headers=c.bearer(agent))
    [offer] = offers.json()["items"]
    return agent, int(offer["id"])


async def _set_my_presence(c: Context) -> httpx.Response:
    return await c.client.put("/v1/me/presence", json={"status": "away"}, headers=c.bearer(c.world.agent))


async def _set_staff_presence(c: Context) -> httpx.Response:
    path = f"/v1/staff/{c.world.agent.id}/presence"
    return await c.client.put(path, json={"status": "available"}, headers=c.admin)


async def _set_staff_skills(c: Context) -> httpx.Response:
    body = {"capacity": {"phone": 1}, "languages": ["nl", "fr"], "categories": ["waste.*"]}
    return await c.client.put(f"/v1/staff/{c.world.agent.id}/skills", json=body, headers=c.admin)


async def _set_assignment_policy(c: Context) -> httpx.Response:
    body = {"mode": "least_loaded", "offer_timeout_seconds": 45}
    return await c.client.put("/v1/units/omgeving/assignment-policy", json=body, headers=c.admin)


async def _accept_offer(c: Context) -> httpx.Response:
    agent, offer_id = await _assignment_offer(c)
    return await c.client.post(f"/v1/me/offers/{offer_id}/accept", headers=c.bearer(agent))


async def _decline_offer(c: Context) -> httpx.Response:
    agent, offer_id = await _assignment_offer(c)
    return await c.client.post(f"/v1/me/offers/{offer_id}/decline", headers=c.bearer(agent))


PRODUCT = {
    "code": "grofvuil-ophalen",
    "texts": {"nl": {"name": "Grofvuil ophalen"}},
    "categories": ["waste.pickup"],
}


async def _create_product(c: Context) -> httpx.Response:
    return await c.client.post("/v1/products", json=PRODUCT, headers=c.admin)


async def _change_product(c: Context) -> httpx.Response:
    created = await _create_product(c)
    changed = {**PRODUCT, "texts": {"nl": {"name": "Grofvuil ophalen", "cost": "Gratis"}}}
    headers = {**c.admin, "If-Match": created.headers["ETag"]}
    return await c.client.put("/v1/products/grofvuil-ophalen", json=changed, headers=headers)


CALLBACK = {"phone": "089 65 44 11", "question": "Wanneer wordt het grofvuil opgehaald?", "unit": "contact_centre"}


async def _create_callback(c: Context) -> httpx.Response:
    ticket = await c.ticket()
    return await c.client.post("/v1/callbacks", json={**CALLBACK, "ticket": ticket["reference"]}, headers=c.admin)


async def _callback(c: Context, **more: Any) -> dict[str, Any]:
    ticket = await c.ticket()
    return await c.created("/v1/callbacks", {**CALLBACK, "ticket": ticket["reference"], **more})


async def _record_callback_attempt(c: Context) -> httpx.Response:
    callback = await _callback(c)
    return await c.client.post(
        f"/v1/callbacks/{callback['id']}/attempts", json={"outcome": "no_answer"}, headers=c.bearer(c.world.agent)
    )


async def _cancel_callback(c: Context) -> httpx.Response:
    callback = await _callback(c)
    return await c.client.post(f"/v1/callbacks/{callback['id']}/cancel", json={"reason": "Opgelost."}, headers=c.admin)


async def _record_callback_letter(c: Context) -> httpx.Response:
    callback = await _callback(c, postal_address="Stadsplein 1, 3600 Genk")
    path = f"/v1/callbacks/{callback['id']}"
    failed = await c.client.post(f"{path}/attempts", json={"outcome": "wrong_number"}, headers=c.admin)
    assert failed.json()["citizen_notice"] == "mail"  # the citizen has an e-mail address: no letter yet
    no_mail = await c.contact(citizen={"phone": "+32 89 30 30 30"})
    body = {**CALLBACK, "ticket": no_mail["ticket"]["reference"], "postal_address": "Stadsplein 1, 3600 Genk"}
    letter = await c.created("/v1/callbacks", body)
    await c.client.post(f"/v1/callbacks/{letter['id']}/attempts", json={"outcome": "wrong_number"}, headers=c.admin)
    return await c.client.post(f"/v1/callbacks/{letter['id']}/letter-sent", json={}, headers=c.admin)


async def _claim_callback(c: Context) -> httpx.Response:
    await _callback(c)
    return await c.client.post("/v1/queues/contact_centre/callbacks/claim", headers=c.bearer(c.world.agent))


async def _set_contact_outcome(c: Context) -> httpx.Response:
    contact_id = (await c.contact())["contact"]["id"]
    body = {"reached_citizen": True, "answered_at_first_contact": True}
    return await c.client.patch(f"/v1/contacts/{contact_id}/outcome", json=body, headers=c.admin)


async def _two_citizens(c: Context) -> tuple[int, int]:
    mother = await factories.citizen(c.session, email="maria.peeters@example.org", given_name="Maria")
    daughter = await factories.citizen(c.session, email="lotte.janssens@example.org", given_name="Lotte")
    return mother.id, daughter.id


async def _add_citizen_relation(c: Context) -> httpx.Response:
    mother, daughter = await _two_citizens(c)
    body = {"related_citizen_id": daughter, "kind": "child"}
    return await c.client.post(f"/v1/citizens/{mother}/relations", json=body, headers=c.admin)


async def _end_citizen_relation(c: Context) -> httpx.Response:
    mother, daughter = await _two_citizens(c)
    relation = await c.created(f"/v1/citizens/{mother}/relations", {"related_citizen_id": daughter, "kind": "child"})
    return await c.client.post(f"/v1/citizens/{daughter}/relations/{relation['id']}/end", json={}, headers=c.admin)


CONSENT = {"kind": "informal_carer", "scopes": ["all"], "first_day": "2026-01-01", "source": "signed_consent"}


async def _representation(c: Context) -> tuple[int, dict[str, Any]]:
    mother, daughter = await _two_citizens(c)
    path = f"/v1/citizens/{mother}/representations"
    return mother, await c.created(path, {**CONSENT, "representative_citizen_id": daughter})


async def _add_representation(c: Context) -> httpx.Response:
    mother, daughter = await _two_citizens(c)
    body = {**CONSENT, "representative_citizen_id": daughter}
    return await c.client.post(f"/v1/citizens/{mother}/representations", json=body, headers=c.admin)


async def _change_representation(c: Context) -> httpx.Response:
    mother, representation = await _representation(c)
    path = f"/v1/citizens/{mother}/representations/{representation['id']}"
    return await c.client.patch(path, json={"scopes": ["information"]}, headers={**c.admin, "If-Match": '"1"'})


async def _end_representation(c: Context) -> httpx.Response:
    mother, representation = await _representation(c)
    path = f"/v1/citizens/{mother}/representations/{representation['id']}/end"
    return await c.client.post(path, json={}, headers={**c.admin, "If-Match": '"1"'})


# Appointments (tests/appointments): a kind of Omgeving for waste questions, booked with one of its clerks.
VISIT_KIND = {"name": "Afspraak grofvuil", "unit": "omgeving", "category_prefix": "waste.", "duration_minutes": 30,
              "citizen_bookable": True}  # fmt: skip
MONDAY_0800_UTC = "2027-03-22T08:00:00+00:00"


async def _bookable(c: Context) -> tuple[Staff, str, str, str]:
    """A clerk of Omgeving available every weekday morning, a waste ticket; (clerk, reference, access code,
    the first free slot)."""
    c.clock.set(datetime.fromisoformat(MONDAY_0800_UTC))
    clerk = await factories.staff(c.session, "bo.omgeving@genk.example", c.world.omgeving, "back_office")
    assert (await c.client.put("/v1/appointment-kinds/waste.visit", json=VISIT_KIND, headers=c.admin)).is_success
    week = {"windows": [{"weekday": day, "opens": "09:00", "closes": "12:00"} for day in range(5)]}
    assert (await c.client.put(f"/v1/staff/{clerk.id}/availability", json=week, headers=c.admin)).is_success
    recorded = await c.contact()
    reference = recorded["ticket"]["reference"]
    slots = await c.client.get(
        f"/v1/tickets/{reference}/appointment-slots", params={"kind": "waste.visit"}, headers=c.admin
    )
    return clerk, reference, recorded["access_code"], slots.json()["items"][0]["starts_at"]


async def _appointment(c: Context) -> tuple[Staff, dict[str, Any]]:
    clerk, reference, _, starts_at = await _bookable(c)
    body = {"ticket": reference, "kind": "waste.visit", "starts_at": starts_at, "staff_id": clerk.id}
    return clerk, await c.created("/v1/appointments", body)


async def _put_appointment_kind(c: Context) -> httpx.Response:
    return await c.client.put("/v1/appointment-kinds/waste.visit", json=VISIT_KIND, headers=c.admin)


async def _put_staff_availability(c: Context) -> httpx.Response:
    training = {"reason": "training", "starts_at": "2027-03-23T08:00:00Z", "ends_at": "2027-03-23T12:00:00Z"}
    body = {"windows": [{"weekday": 1, "opens": "09:00", "closes": "12:00"}], "exceptions": [training]}
    return await c.client.put(f"/v1/staff/{c.world.agent.id}/availability", json=body, headers=c.admin)


async def _put_desk_availability(c: Context) -> httpx.Response:
    await factories.unit(c.session, "themabalie", "thematic_desk", c.world.contact_centre)
    body = {"windows": [{"weekday": 1, "opens": "09:00", "closes": "12:00"}]}
    return await c.client.put("/v1/units/themabalie/availability", json=body, headers=c.admin)


async def _book_appointment(c: Context) -> httpx.Response:
    clerk, reference, _, starts_at = await _bookable(c)
    body = {"ticket": reference, "kind": "waste.visit", "starts_at": starts_at, "staff_id": clerk.id}
    return await c.client.post("/v1/appointments", json=body, headers=c.admin)


async def _book_public_appointment(c: Context) -> httpx.Response:
    _, reference, code, starts_at = await _bookable(c)
    return await c.client.post(
        f"/v1/public/tickets/{reference}/appointments", params={"code": code},
        json={"kind": "waste.visit", "starts_at": starts_at},
    )  # fmt: skip


async def _move_appointment(c: Context) -> httpx.Response:
    _, booked = await _appointment(c)
    later = {"starts_at": "2027-03-24T08:00:00Z"}
    return await c.client.post(f"/v1/appointments/{booked['id']}/move", json=later, headers=c.admin)


async def _cancel_appointment(c: Context) -> httpx.Response:
    _, booked = await _appointment(c)
    return await c.client.post(f"/v1/appointments/{booked['id']}/cancel", json={"reason": "Ziek."}, headers=c.admin)


async def _record_appointment_outcome(c: Context) -> httpx.Response:
    clerk, booked = await _appointment(c)
    c.clock.advance(days=2)
    return await c.client.post(
        f"/v1/appointments/{booked['id']}/outcome", json={"outcome": "held", "role": "informing"},
        headers=c.bearer(clerk),
    )  # fmt: skip


async def _issue_calendar_feed(c: Context) -> httpx.Response:
    return await c.client.post(f"/v1/staff/{c.world.agent.id}/calendar-feed", headers=c.bearer(c.world.agent))


CASES: dict[str, Call] = {
    "record_contact": _record_contact,
    "create_unit": _create_unit,
    "create_staff": _create_staff,
    "create_category": _create_category,
    "create_sla_policy": _create_sla_policy,
    "create_opening_hours": _create_opening_hours,
    "delete_opening_hours": _delete_opening_hours,
    "create_closing_day": _create_closing_day,
    "delete_closing_day": _delete_closing_day,
    "create_routing_rule": _create_routing_rule,
    "change_routing_rule": _change_routing_rule,
    "set_citizen_legal_hold": _set_citizen_legal_hold,
    "erase_citizen": _erase_citizen,
    "merge_citizens": _merge_citizens,
    "unmerge_citizens": _unmerge_citizens,
    "dismiss_duplicate": _dismiss_duplicate,
    "escalate_ticket": _escalate_ticket,
    "change_ticket": _change_ticket,
    "create_webhook": _create_webhook,
    "disable_webhook": _disable_webhook,
    "replay_webhook": _replay_webhook,
    "record_participation": _record_participation,
    "add_contact_party": _add_contact_party,
    "remove_contact_party": _remove_contact_party,
    "add_contact_link": _add_contact_link,
    "remove_contact_link": _remove_contact_link,
    "add_ticket_link": _add_ticket_link,
    "remove_ticket_link": _remove_ticket_link,
    "set_category_deciders": _set_category_deciders,
    "record_call_event": _record_call_event,
    "record_mail": _record_mail,
    "break_glass": _break_glass,
    "claim_from_queue": _claim_from_queue,
    "change_staff": _change_staff,
    "send_reply": _send_reply,
    "create_reply_template": _create_reply_template,
    "change_reply_template": _change_reply_template,
    "set_my_presence": _set_my_presence,
    "set_staff_presence": _set_staff_presence,
    "set_staff_skills": _set_staff_skills,
    "set_assignment_policy": _set_assignment_policy,
    "accept_offer": _accept_offer,
    "decline_offer": _decline_offer,
    "create_product": _create_product,
    "change_product": _change_product,
    "create_callback": _create_callback,
    "record_callback_attempt": _record_callback_attempt,
    "cancel_callback": _cancel_callback,
    "record_callback_letter": _record_callback_letter,
    "claim_callback": _claim_callback,
    "set_contact_outcome": _set_contact_outcome,
    "add_citizen_relation": _add_citizen_relation,
    "end_citizen_relation": _end_citizen_relation,
    "add_representation": _add_representation,
    "change_representation": _change_representation,
    "end_representation": _end_representation,
    "put_appointment_kind": _put_appointment_kind,
    "put_staff_availability": _put_staff_availability,
    "put_desk_availability": _put_desk_availability,
    "book_appointment": _book_appointment,
    "book_public_appointment": _book_public_appointment,
    "move_appointment": _move_appointment,
    "cancel_appointment": _cancel_appointment,
    "record_appointment_outcome": _record_appointment_outcome,
    "issue_calendar_feed": _issue_calendar_feed,
}


def _mutating_operations(app: FastAPI) -> set[str]:
    return {
        operation["operationId"]
        for methods in app.openapi()["paths"].values()
        for method, operation in methods.items()
        if method in MUTATING
    }


def test_every_mutating_operation_is_covered(app: FastAPI) -> None:
    operations = _mutating_operations(app)
    missing = operations - CASES.keys() - WRITES_NOTHING.keys()
    assert not missing, f"give these operations a case in CASES (or a reason in WRITES_NOTHING): {sorted(missing)}"
    assert not (CASES.keys() | WRITES_NOTHING.keys()) - operations, "cases for operations that no longer exist"


async def _audited(session: AsyncSession, request_id: str) -> int:
    statement = select(func.count()).select_from(AuditEntry).where(AuditEntry.request_id == request_id)
    return int(await session.scalar(statement) or 0)


@pytest.mark.parametrize("operation", sorted(CASES))
async def test_each_mutating_operation_leaves_an_audit_entry(
    operation: str,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    answer = await CASES[operation](Context(client, session, settings, world, admin_headers, clock))
    for response in [answer] if isinstance(answer, httpx.Response) else answer:
        assert response.is_success, response.text
        # The request's id is on every entry the request wrote, so these were written in its transaction.
        request_id = response.headers["x-request-id"]
        assert await _audited(session, request_id) > 0, f"{operation} ({request_id}) wrote no audit entry"


# --- background jobs ------------------------------------------------------------------------------------
#
# A job runs under its own name (workers.background_jobs) and writes through Core as often as through the ORM,
# so its writes are read off the SQL it sends: every table (and, for an UPDATE, every column) it writes must
# show up on the audit trail, written by that job, or be listed here as bookkeeping with the reason.

# Columns kept by the schema and the ORM themselves (the update time, the version counter behind a ticket's
# ETag), never anybody's act.
MAINTAINED = {"updated_at", "version"}

# Tables the trail never records (audit/trail.py), whoever writes them, with the reason.
NEVER_AUDITED = {
    "audit_entry": "the trail itself",
    "outbox_event": "the event of a change that is audited itself, in the same transaction",
    "webhook_delivery": "the delivery log (queued, leased, each attempt's outcome, given up when its subscription "
    "is disabled) is itself the record of what was sent, readable at GET /v1/webhooks/{id}/deliveries",
    "idempotency_key": "a stored answer to replay, not an act",
    "rate_limit_bucket": "a request counter, not an act",
}

# What a job writes without the trail besides NEVER_AUDITED: a table, or one column ("table.column"), with
# the reason. Everything else a job writes must be on the trail.
BOOKKEEPING: dict[str, dict[str, str]] = {
    "webhook delivery": {
        "webhook_subscription.cursor_txid": "the fan-out's position in the feed: the job's progress, not an act",
        "webhook_subscription.cursor_event_id": "the fan-out's position in the feed: the job's progress, not an act",
        "webhook_subscription.failure_count": "a count towards the verdict that disables a subscription; "
        "the disabling itself is audited",
    },
}


def test_never_audited_lists_what_the_trail_skips() -> None:
    assert NEVER_AUDITED.keys() == trail._NOT_AUDITED


@dataclass
class Job:
    """What a job sent to the database: (table, column) pairs written, '*' for a whole row."""

    statements: list[str]

    def writes(self) -> set[tuple[str, str]]:
        written: set[tuple[str, str]] = set()
        for statement in self.statements:
            text = " ".join(statement.split())
            if match := re.match(r"(?:INSERT INTO|DELETE FROM) (\w+)", text):
                written.add((match[1], "*"))
            elif match := re.match(r"UPDATE (\w+) SET (.*?)(?: WHERE | RETURNING |$)", text):
                columns = re.findall(r"(?:^|, )(\w+)=", match[2])
                written |= {(match[1], column) for column in columns if column not in MAINTAINED}
        return written


@contextmanager
def _watching(engine: AsyncEngine) -> Iterator[Job]:
    job = Job([])

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        job.statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield job
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)


@contextmanager
def _acting_as(name: str) -> Iterator[None]:
    """As workers.background_jobs runs each job: under its own name on the trail."""
    token = actor_var.set(system_principal(name))
    try:
        yield
    finally:
        actor_var.reset(token)


async def _last_entry(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0))) or 0)


async def _entries_since(session: AsyncSession, last: int) -> list[AuditEntry]:
    statement = select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id)
    return list((await session.scalars(statement.execution_options(populate_existing=True))).all())


def _assert_audited(job_name: str, job: Job, entries: list[AuditEntry], actor: str) -> None:
    """Every write of the job is on the trail by `actor`, or listed as the job's bookkeeping.

    A row inserted or deleted is on the trail with an entry of its table (a row's own, or an act such as an
    import batch); an UPDATE with an `update` entry of its table that names each column written.
    """
    assert {entry.actor_name for entry in entries} <= {actor}, "entries by someone else than the job"
    audited: set[tuple[str, str]] = set()
    for entry in entries:
        if entry.action == "update":
            audited |= {(entry.target_type, column) for column in entry.changes or {}}
        elif entry.action != "read":
            audited.add((entry.target_type, "*"))
    listed = {**NEVER_AUDITED, **BOOKKEEPING.get(job_name, {})}
    unaccounted = sorted(
        f"{table}.{column}"
        for table, column in job.writes() - audited
        if table != "audit_entry" and table not in listed and f"{table}.{column}" not in listed
    )
    assert not unaccounted, f"{job_name} writes these without the trail and without a reason: {unaccounted}"


async def test_the_sla_sweeper_audits_what_it_writes(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    settings: Settings,
    world: World,
) -> None:
    # The sweeper tests' own factories: a ticket a week overdue on a policy that hands breaches over.
    from tests.sla.test_sweeper import NOW, make_policy, make_tickets

    policy = await make_policy(session, breach_unit=world.contact_centre)
    await make_tickets(session, settings, world.omgeving, policy, NOW - timedelta(days=7), 1)
    last = await _last_entry(session)

    with _acting_as("SLA sweeper"), _watching(engine) as job:
        result = await sweep_once(sessions, settings, NOW)

    assert result.breached == 1
    assert result.escalated == 1
    entries = await _entries_since(session, last)
    written = {(entry.target_type, entry.action) for entry in entries}
    assert {("ticket", "update"), ("escalation", "insert"), ("ticket_event", "insert")} <= written
    _assert_audited("SLA sweeper", job, entries, "SLA sweeper")


async def test_webhook_delivery_audits_the_subscription_it_disables(
    scratch_url: URL, settings: Settings, clock: FixedClock
) -> None:
    # Real commits: fan-out only queues events that are final (committed below the feed's horizon).
    database = Database.connect(scratch_url, pool_size=2)
    try:
        async with database.sessions.begin() as session:
            world = await factories.small_world(session)
            owner = world.omgeving
            nobody = f"http://127.0.0.1:{factories.free_port()}/hook"  # refuses: each delivery dies at once
            hook = await insert_subscription(session, nobody, ["*"], None, None, new_secret(), system_principal("test"))
        async with database.sessions.begin() as session:
            ticket = await open_ticket(
                session,
                settings,
                NewTicket(subject="Grofvuil", language=Language.nl, owning_unit=owner, category=None, citizen=None),
                clock.now(),
            )
            await timeline.record_event(
                session,
                ticket,
                system_principal("test"),
                TicketEventType.note,
                Message("legacy", {"text": "Note."}),
                {},
            )
        async with database.sessions() as session:
            last = await _last_entry(session)
        strict = settings.model_copy(
            update={"webhook_max_attempts": 1, "webhook_disable_after_dead": 1, "webhook_allow_private_targets": True}
        )

        with _acting_as("webhook delivery"), _watching(database.engine) as job:
            result = await deliver_once(database.sessions, strict, clock)

        assert (result.queued, result.dead, result.disabled) == (1, 1, 1)
        async with database.sessions() as session:
            entries = await _entries_since(session, last)
    finally:
        await database.dispose()
    assert [(entry.action, entry.target_type, entry.target_id) for entry in entries] == [
        ("update", "webhook_subscription", str(hook))
    ]
    assert entries[0].changes["active"] == {"from": [True], "to": [False]}
    _assert_audited("webhook delivery", job, entries, "webhook delivery")


@pytest.fixture
def smtp_sink() -> Iterator[int]:
    port = factories.free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port, server_hostname="sink.test")
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


async def test_the_mail_sender_audits_what_it_writes(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    settings: Settings,
    smtp_sink: int,
    clock: FixedClock,
) -> None:
    sent, failing, dying = (factories.outbound_mail(number, clock.now()) for number in range(3))
    session.add_all([sent, failing, dying])
    await session.flush()
    relay = settings.model_copy(update={"smtp_relay_host": "127.0.0.1", "smtp_relay_port": smtp_sink})
    nowhere = settings.model_copy(update={"smtp_relay_host": "127.0.0.1", "smtp_relay_port": factories.free_port()})
    last = await _last_entry(session)

    with _acting_as("mail sender"), _watching(engine) as job:
        # One message per run, in the order they were queued: sent, then failed (retried later), then given up.
        assert (await send_once(sessions, relay, clock, batch=1)).sent == 1
        assert (await send_once(sessions, nowhere, clock, batch=1)).failed == 1
        assert (
            await send_once(sessions, nowhere.model_copy(update={"mail_max_attempts": 1}), clock, batch=1)
        ).dead == 1

    entries = await _entries_since(session, last)
    outcomes = {
        (entry.target_id, change)
        for entry in entries
        for change in ("status", "next_attempt_at")
        if change in (entry.changes or {}) and entry.action == "update" and "last_error" in (entry.changes or {})
    }
    assert (str(failing.id), "next_attempt_at") in outcomes, "a failed attempt is audited"
    assert (str(dying.id), "status") in outcomes, "a message given up is audited"
    assert any(entry.target_id == str(sent.id) and "sent_at" in (entry.changes or {}) for entry in entries)
    _assert_audited("mail sender", job, entries, "mail sender")


async def test_retention_audits_what_it_erases(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    settings: Settings,
    world: World,
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    world.waste.retention_days = 30
    await session.flush()
    context = Context(client, session, settings, world, admin_headers, clock)
    reference = (await context.ticket())["reference"]
    now = clock.now()
    await factories.set_status(session, reference, "closed", resolved_at=now - timedelta(days=40))
    last = await _last_entry(session)

    with _acting_as("retention"), _watching(engine) as job:
        assert await retention_once(sessions, settings, now=now) == 1

    entries = await _entries_since(session, last)
    assert ("erase", "ticket") in {(entry.action, entry.target_type) for entry in entries}
    _assert_audited("retention", job, entries, RETENTION.display_name)


async def test_the_bulk_import_audits_each_batch(scratch_url: URL, settings: Settings) -> None:
    # COPY is not a statement SQLAlchemy sees: what each batch wrote is read off its audit entries instead.
    history = [
        json.dumps(
            {
                "external_id": f"crm-{number}",
                "channel": "web",
                "occurred_at": "2019-03-04T09:12:00+01:00",
                "category": "waste.pickup",
                "body": "Mijn grofvuil werd niet opgehaald.",
                "citizen": {"email": f"burger{number}@example.org"},
            }
        )
        for number in range(3)
    ]
    database = Database.connect(scratch_url, pool_size=2)
    try:
        async with database.sessions.begin() as session:
            await factories.small_world(session)
        async with database.sessions() as session:
            last = await _last_entry(session)
        with _acting_as(ACTOR_NAME):
            importer = Importer(database, settings, "history.ndjson", lambda *_: None, batch_size=2)
            report = await importer.run(enumerate(history, start=1))
        async with database.sessions() as session:
            entries = await _entries_since(session, last)
            copied = {
                table: await factories.count(session, model)
                for table, model in (("ticket", Ticket), ("contact", Contact), ("ticket_event", TicketEvent))
            }
    finally:
        await database.dispose()

    assert report.imported == 3
    assert {entry.actor_name for entry in entries} == {ACTOR_NAME}
    by_kind: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for entry in entries:
        by_kind.setdefault((entry.action, entry.target_type), []).append(entry.changes or {})
    acts, timelines = by_kind[("import", "contact")], by_kind[("insert", "ticket_event")]
    assert len(acts) == len(timelines) == 2  # one of each per batch
    assert sum(act["contacts"] for act in acts) == copied["contact"] == 3
    assert sum(act["tickets"] for act in acts) == copied["ticket"] == 3
    assert sum(act["citizens_registered"] for act in acts) == 3
    assert sum(batch["entries"] for batch in timelines) == copied["ticket_event"] == 6


async def test_automatic_assignment_audits_what_it_writes(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    settings: Settings,
    world: World,
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    from genk3600.assignment.service import dispatch_once

    context = Context(client, session, settings, world, admin_headers, clock)
    await context.ticket(citizen=None)
    await context.ticket(citizen=None, subject="Tweede melding")
    agents = [await factories.staff(session, f"job.{n}@genk.example", world.omgeving, "back_office") for n in range(2)]
    for agent in agents:
        await client.put("/v1/me/presence", json={"status": "available"}, headers=context.bearer(agent))
    body = {"mode": "least_loaded", "offer_timeout_seconds": 10}
    await client.put("/v1/units/omgeving/assignment-policy", json=body, headers=admin_headers)
    await dispatch_once(sessions, settings, clock.now())  # two offers, left to time out
    clock.advance(seconds=11)
    for agent in agents:
        await client.post("/v1/me/presence/heartbeat", headers=context.bearer(agent))
    last = await _last_entry(session)

    with _acting_as("automatic assignment"), _watching(engine) as job:
        result = await dispatch_once(sessions, settings, clock.now())

    assert result.expired == 2
    entries = await _entries_since(session, last)
    written = {(entry.target_type, entry.action) for entry in entries}
    assert {("assignment_offer", "update"), ("ticket_event", "insert")} <= written
    _assert_audited("automatic assignment", job, entries, "automatic assignment")


async def test_the_appointment_reminders_audit_what_they_write(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    settings: Settings,
    world: World,
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    from genk3600.appointments.reminders import remind_once
    from tests.appointments.helpers import FIRST_VISIT, social_case

    case = await social_case(client, session, settings, clock, world, admin_headers)
    visit = {"ticket": case.reference, "kind": "social.home_visit", "starts_at": FIRST_VISIT.isoformat(),
             "staff_id": case.worker.id, "address": "Stadsplein 1, 3600 Genk"}  # fmt: skip
    assert (await client.post("/v1/appointments", json=visit, headers=case.worker_headers)).status_code == 201
    clock.set(FIRST_VISIT - timedelta(hours=20))  # the day before, after the reminder hour
    last = await _last_entry(session)

    with _acting_as("appointment reminders"), _watching(engine) as job:
        assert await remind_once(sessions, settings, clock) == 1

    entries = await _entries_since(session, last)
    written = {(entry.target_type, entry.action) for entry in entries}
    assert {("appointment", "update"), ("outbound_mail", "insert"), ("ticket_event", "insert")} <= written
    _assert_audited("appointment reminders", job, entries, "appointment reminders")
