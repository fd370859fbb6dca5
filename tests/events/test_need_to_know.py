"""Need-to-know on the event feed and the webhooks (issue #15): canaries planted in a social (OCMW) ticket —
its subject, its contact's body, its citizen's name, a break-the-glass reason — must not come out of any feed
page or webhook delivery, and a ticket's events reach only those who could GET the ticket."""

from __future__ import annotations

import ipaddress
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from genk3600.auth.service import create_api_client
from genk3600.config import Settings
from genk3600.db import Database
from genk3600.events import targets
from genk3600.events.delivery import deliver_once, fan_out_once
from genk3600.kit.clock import FixedClock
from genk3600.models import ApiClient, AuditEntry, Unit, WebhookDelivery, WebhookSubscription
from genk3600.models.enums import Scope
from tests import factories
from tests.events.conftest import Committed, Receiver, ticket_with_event
from tests.factories import assert_problem, bearer, web_contact

SUBJECT = "Kanarie-onderwerp-7731"
BODY = "Kanarie-bericht-7731 schulden en huur"
NAME = "Kanarievogel"
REASON = "Kanarie-reden-7731: burger in crisis aan de balie"
CANARIES = (SUBJECT, BODY, NAME, REASON)


def _clean(*texts: str) -> None:
    for text in texts:
        for canary in CANARIES:
            assert canary not in text, f"{canary!r} leaked"


async def _social_case(
    api: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    committed: Committed,
    clock: FixedClock,
) -> dict[str, Any]:
    """A social ticket full of canaries, a normal one, a supervisor who broke the glass, and the callers."""
    world = committed.world
    async with database.sessions.begin() as session:
        social_unit = await session.get_one(Unit, world.sociale_dienst.id)
        other_unit = await session.get_one(Unit, world.omgeving.id)
        worker = await factories.staff(session, "maat.schappelijk@genk.example", social_unit, "case_worker")
        supervisor = await factories.staff(session, "sup.omgeving@genk.example", other_unit, "supervisor")
        _c, ocmw_key = await create_api_client(session, "ocmw-sys", [Scope.tickets_read], "sociale_dienst")
        _c, omgeving_key = await create_api_client(session, "omg-sys", [Scope.tickets_read], "omgeving")
    contact = web_contact(
        category="social.living_wage",
        subject=SUBJECT,
        body=BODY,
        citizen={"email": "kanarie@example.org", "given_name": NAME, "family_name": NAME},
    )
    created = await api.post("/v1/contacts", json=contact, headers=committed.writer)
    assert created.status_code == 201, created.text
    social = created.json()["contact"]["ticket"]  # the key records the case but may not read it
    normal = await ticket_with_event(database, settings, world.omgeving.id)
    glass = await api.post(
        f"/v1/tickets/{social}/break-glass", json={"reason": REASON}, headers=bearer(settings, clock, supervisor.email)
    )
    assert glass.status_code == 201, glass.text
    return {
        "social": social,
        "normal": normal.reference,
        "callers": {
            "unit-less reader": committed.reader,
            "unit-less admin": committed.admin,
            "social unit client": {"X-API-Key": ocmw_key},
            "other unit client": {"X-API-Key": omgeving_key},
            "front office agent": bearer(settings, clock, world.agent.email),
            "social unit staff": bearer(settings, clock, worker.email),
            "supervisor with a grant": bearer(settings, clock, supervisor.email),
        },
    }


async def test_no_feed_page_carries_social_content_or_events_of_tickets_the_caller_cannot_get(
    api: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    committed: Committed,
    clock: FixedClock,
) -> None:
    case = await _social_case(api, database, settings, committed, clock)
    seen_social = set()
    for who, headers in case["callers"].items():
        pages = []
        after: str | None = None
        while True:  # page by page, keeping the raw answers: headers and bodies are checked, not only items
            response = await api.get(
                "/v1/events", params={"limit": "2", **({"after": after} if after else {})}, headers=headers
            )
            assert response.status_code == 200, response.text
            pages.append(response)
            after = response.json()["next_cursor"]
            if not response.json()["has_more"]:
                break
        for page in pages:
            _clean(page.text, str(dict(page.headers)))
        references = {item["ticket"] for page in pages for item in page.json()["items"]} - {None}
        for reference in references:  # every ticket in the feed answers its GET …
            assert (await api.get(f"/v1/tickets/{reference}", headers=headers)).status_code == 200, (who, reference)
        readable = (await api.get(f"/v1/tickets/{case['social']}", headers=headers)).status_code == 200
        assert (case["social"] in references) is readable, who  # … and every readable one is in the feed
        if readable:
            seen_social.add(who)
    # Not vacuous: those who may read the case get its events (without the canaries).
    assert seen_social >= {"social unit client", "social unit staff", "supervisor with a grant"}
    assert not seen_social & {"unit-less reader", "unit-less admin", "other unit client", "front office agent"}


async def test_the_break_glass_reason_stays_on_the_audit_trail(
    api: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    committed: Committed,
    clock: FixedClock,
) -> None:
    case = await _social_case(api, database, settings, committed, clock)
    social_staff = case["callers"]["social unit staff"]
    timeline = await api.get(f"/v1/tickets/{case['social']}/events", headers=social_staff)
    assert timeline.status_code == 200, timeline.text
    assert "break" in timeline.text  # the note is there: that the glass was broken …
    assert REASON not in timeline.text  # … not why
    async with database.sessions() as session:
        reasons = await session.scalars(select(AuditEntry.changes).where(AuditEntry.target_type == "access_grant"))
        assert any(changes.get("reason") == REASON for changes in reasons)


async def test_webhooks_carry_only_what_their_creator_could_read(
    api: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    committed: Committed,
    receiver: Receiver,
    clock: FixedClock,
) -> None:
    async with database.sessions.begin() as session:
        _c, ocmw_admin_key = await create_api_client(
            session, "ocmw-admin", [Scope.admin, Scope.tickets_read], "sociale_dienst"
        )
    ocmw_admin = {"X-API-Key": ocmw_admin_key}
    everything = {"event_types": ["*"]}
    # The city-wide admin key reads no social ticket: it may not subscribe to the OCMW unit's events.
    sneaky = {"url": receiver.url("/sneaky"), "unit": "sociale_dienst", **everything}
    assert_problem(await api.post("/v1/webhooks", json=sneaky, headers=committed.admin), 422)
    created = {}
    for path, headers, unit in (("/all", committed.admin, None), ("/ocmw", ocmw_admin, "sociale_dienst")):
        body = {"url": receiver.url(path), **everything, **({"unit": unit} if unit else {})}
        response = await api.post("/v1/webhooks", json=body, headers=headers)
        assert response.status_code == 201, response.text
        created[path] = response.json()["id"]
    case = await _social_case(api, database, settings, committed, clock)

    await deliver_once(database.sessions, settings, clock)

    for request in receiver.received:
        _clean(request.body.decode(), str(request.headers))
    assert case["social"] not in {request.event["ticket"] for request in receiver.on("/all")}
    assert case["normal"] in {request.event["ticket"] for request in receiver.on("/all")}
    assert {request.event["ticket"] for request in receiver.on("/ocmw")} - {None} == {case["social"]}
    assert receiver.on("/sneaky") == []
    # Replaying the OCMW subscription's history is reading it: not for the city-wide admin key.
    assert_problem(await api.post(f"/v1/webhooks/{created['/ocmw']}/replay", headers=committed.admin), 403)
    replayed = await api.post(f"/v1/webhooks/{created['/ocmw']}/replay", headers=ocmw_admin)
    assert replayed.status_code == 202, replayed.text
    replayed_all = await api.post(f"/v1/webhooks/{created['/all']}/replay", headers=committed.admin)
    assert replayed_all.status_code == 202, replayed_all.text
    await deliver_once(database.sessions, settings, clock)
    for request in receiver.received:
        _clean(request.body.decode(), str(request.headers))
    assert case["social"] not in {request.event["ticket"] for request in receiver.on("/all")}


async def test_a_delivery_is_checked_again_when_it_is_sent(
    api: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    committed: Committed,
    receiver: Receiver,
    clock: FixedClock,
) -> None:
    async with database.sessions.begin() as session:
        client, key = await create_api_client(
            session, "ocmw-admin", [Scope.admin, Scope.tickets_read], "sociale_dienst"
        )
    body = {"url": receiver.url("/ocmw"), "event_types": ["*"], "unit": "sociale_dienst"}
    response = await api.post("/v1/webhooks", json=body, headers={"X-API-Key": key})
    assert response.status_code == 201, response.text
    await ticket_with_event(database, settings, committed.world.sociale_dienst.id, social=True, events=2)
    assert await fan_out_once(database.sessions, clock.now()) == 2  # queued while the creator could read them
    async with database.sessions.begin() as session:  # then the key is revoked
        await session.execute(update(ApiClient).where(ApiClient.id == client.id).values(active=False))

    result = await deliver_once(database.sessions, settings, clock)

    assert (result.withheld, result.delivered) == (2, 0)
    assert receiver.received == []
    async with database.sessions() as session:
        statuses = (await session.scalars(select(WebhookDelivery.status))).all()
    assert statuses == ["dead", "dead"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://127.1/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://[fe80::1]/hook",
        "http://[fd00::1]/hook",
        "http://localhost:8000/hook",
        "http://intranet.genk.example/hook",
    ],
)
async def test_private_webhook_targets_are_refused_unless_allowed(
    scratch_app: tuple[FastAPI, Database],
    api: httpx.AsyncClient,
    settings: Settings,
    committed: Committed,
    monkeypatch: pytest.MonkeyPatch,
    url: str,
) -> None:
    async def resolve(host: str, port: int) -> list[targets.IPAddress]:
        assert host == "intranet.genk.example"
        return [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("10.20.30.40")]

    monkeypatch.setattr(targets, "_resolve", resolve)
    app = scratch_app[0]
    app.state.settings = settings.model_copy(update={"webhook_allow_private_targets": False})
    body = {"url": url, "event_types": ["*"]}
    problem = assert_problem(await api.post("/v1/webhooks", json=body, headers=committed.admin), 422)
    assert problem["field"] == "url"

    app.state.settings = settings.model_copy(update={"webhook_allow_private_targets": True})
    assert (await api.post("/v1/webhooks", json=body, headers=committed.admin)).status_code == 201


async def test_public_targets_pass_and_a_private_one_is_not_sent_to(
    api: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    committed: Committed,
    receiver: Receiver,
    clock: FixedClock,
) -> None:
    assert not targets.blocked_address(ipaddress.ip_address("93.184.216.34"))
    assert not targets.blocked_address(ipaddress.ip_address("2a00:1450:4001::1"))
    await targets.check_target("https://8.8.8.8/hook", allow_private=False, unresolvable_ok=False)
    # Made while allowed (the tests' setting), then the setting is off when the worker sends: not sent.
    body = {"url": receiver.url(), "event_types": ["*"]}
    assert (await api.post("/v1/webhooks", json=body, headers=committed.admin)).status_code == 201
    await ticket_with_event(database, settings, committed.world.omgeving.id)
    strict = settings.model_copy(update={"webhook_allow_private_targets": False})

    result = await deliver_once(database.sessions, strict, clock)

    assert (result.delivered, result.dead) == (0, 1)
    assert receiver.received == []
    async with database.sessions() as session:
        error = await session.scalar(select(WebhookDelivery.last_error))
    assert error is not None
    assert error.startswith("Refused target")


async def test_a_subscription_without_a_recorded_creator_gets_no_social_events(
    api: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    committed: Committed,
    receiver: Receiver,
    clock: FixedClock,
) -> None:
    """Made before creators were recorded (the migration cannot know them): it reads as a city-wide admin key,
    whatever unit it names."""
    body = {"url": receiver.url("/old"), "event_types": ["*"]}
    created = await api.post("/v1/webhooks", json=body, headers=committed.admin)
    assert created.status_code == 201, created.text
    async with database.sessions.begin() as session:
        await session.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.id == created.json()["id"])
            .values(created_by_api_client_id=None, unit_id=committed.world.sociale_dienst.id)
        )
    normal = await ticket_with_event(database, settings, committed.world.omgeving.id)
    await ticket_with_event(database, settings, committed.world.sociale_dienst.id, social=True)

    await deliver_once(database.sessions, settings, clock)

    assert [request.event["ticket"] for request in receiver.on("/old")] == [normal.reference]
