"""The authorisation matrix, generated from the OpenAPI spec: every /v1 operation needs a rule here.

For each operation: anonymous callers get 401, API keys without scopes 403, keys with every scope but the
one it needs 403, and a key with just that scope gets past authorisation (whatever the dummy input then
earns: 404, 422 ...). A new endpoint without an entry in EXPECTED_SCOPE fails `test_every_operation_has_a_rule`.
Every operation is also called by each staff kind (agent of another unit, agent of the owning unit, OCMW case
worker, supervisor, admin); staff kinds on a social ticket get the explicit need-to-know table.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.models import Citizen
from genk3600.models.enums import Scope
from tests import factories
from tests.factories import World, assert_problem, bearer, web_contact

ADMIN, READ, WRITE, CONTACTS = Scope.admin, Scope.tickets_read, Scope.tickets_write, Scope.contacts_write
AUDIT, REPORTS, EXPORT = Scope.audit_read, Scope.reports_read, Scope.citizens_export
MERGE = Scope.citizens_merge
STAFF_ONLY = "staff"  # any authenticated principal gets past the scope check; the operation itself wants staff

EXPECTED_SCOPE: dict[str, Scope | str] = {
    "record_contact": CONTACTS,
    "list_contacts": READ,
    "get_contact": READ,
    "record_participation": CONTACTS,
    "list_participations": READ,
    "add_contact_party": CONTACTS,
    "list_contact_parties": READ,
    "remove_contact_party": CONTACTS,
    "add_contact_link": CONTACTS,
    "list_contact_links": READ,
    "remove_contact_link": CONTACTS,
    "add_ticket_link": WRITE,
    "list_ticket_links": READ,
    "remove_ticket_link": WRITE,
    "get_category_deciders": ADMIN,
    "set_category_deciders": ADMIN,
    "record_call_event": CONTACTS,
    "record_mail": CONTACTS,
    "lookup_citizens": Scope.citizens_lookup,
    "get_household": Scope.citizens_lookup,
    "get_representation": Scope.citizens_lookup,
    "add_citizen_relation": WRITE,
    "end_citizen_relation": WRITE,
    "add_representation": WRITE,
    "change_representation": WRITE,
    "end_representation": WRITE,
    "who_am_i": READ,
    "list_my_calls": READ,
    "stream_my_console": READ,
    "list_my_choices": READ,
    "export_citizen": EXPORT,
    "erase_citizen": EXPORT,
    "set_citizen_legal_hold": EXPORT,
    "list_duplicate_candidates": MERGE,
    "list_citizen_duplicates": MERGE,
    "dismiss_duplicate": MERGE,
    "merge_citizens": MERGE,
    "list_citizen_merges": MERGE,
    "unmerge_citizens": MERGE,
    "get_citizen_merge": MERGE,
    "list_tickets": READ,
    "search_tickets": READ,
    "get_ticket": READ,
    "change_ticket": WRITE,
    "escalate_ticket": WRITE,
    "list_ticket_events": READ,
    "break_glass": READ,
    "list_queue": READ,
    "claim_from_queue": STAFF_ONLY,
    "list_routing_rules": ADMIN,
    "create_routing_rule": ADMIN,
    "change_routing_rule": ADMIN,
    "get_routing_rule_history": ADMIN,
    "simulate_routing": READ,
    "replay_routing": ADMIN,
    "list_sla_policies": ADMIN,
    "create_sla_policy": ADMIN,
    "get_sla_policy": ADMIN,
    "list_opening_hours": ADMIN,
    "create_opening_hours": ADMIN,
    "get_opening_hours": ADMIN,
    "delete_opening_hours": ADMIN,
    "list_closing_days": ADMIN,
    "create_closing_day": ADMIN,
    "get_closing_day": ADMIN,
    "delete_closing_day": ADMIN,
    "compute_unit_deadline": ADMIN,
    "list_audit_entries": AUDIT,
    "list_reports": REPORTS,
    "get_report": REPORTS,
    "list_events": READ,
    "create_webhook": ADMIN,
    "list_webhooks": ADMIN,
    "get_webhook": ADMIN,
    "disable_webhook": ADMIN,
    "replay_webhook": ADMIN,
    "list_webhook_deliveries": ADMIN,
    "list_units": ADMIN,
    "create_unit": ADMIN,
    "get_unit": ADMIN,
    "list_staff": ADMIN,
    "create_staff": ADMIN,
    "change_staff": ADMIN,
    "get_staff": ADMIN,
    "list_categories": ADMIN,
    "create_category": ADMIN,
    "get_category": ADMIN,
    "send_reply": WRITE,
    "preview_reply": READ,
    "list_reply_templates": READ,
    "get_reply_template": READ,
    "create_reply_template": ADMIN,
    "change_reply_template": ADMIN,
    "list_reply_template_versions": ADMIN,
    "get_my_presence": READ,
    "set_my_presence": READ,
    "send_presence_heartbeat": READ,
    "list_my_offers": READ,
    "accept_offer": WRITE,
    "decline_offer": WRITE,
    "get_staff_presence": ADMIN,
    "set_staff_presence": ADMIN,
    "get_staff_skills": ADMIN,
    "set_staff_skills": ADMIN,
    "get_assignment_policy": READ,
    "set_assignment_policy": ADMIN,
    "get_unit_assignment": REPORTS,
    "list_products": READ,
    "create_product": ADMIN,
    "get_product": READ,
    "change_product": ADMIN,
    "get_product_history": ADMIN,
    "suggest_categories": CONTACTS,
    "list_classifier_models": ADMIN,
    "create_callback": WRITE,
    "list_callbacks": READ,
    "get_callback": READ,
    "record_callback_attempt": WRITE,
    "cancel_callback": WRITE,
    "record_callback_letter": WRITE,
    "list_unit_callbacks": READ,
    "claim_callback": STAFF_ONLY,
    "set_contact_outcome": CONTACTS,
    "put_appointment_kind": ADMIN,
    "list_appointment_kinds": READ,
    "get_staff_availability": READ,
    "put_staff_availability": ADMIN,
    "get_desk_availability": READ,
    "put_desk_availability": ADMIN,
    "list_appointment_slots": READ,
    "book_appointment": WRITE,
    "list_appointments": READ,
    "get_appointment": READ,
    "move_appointment": WRITE,
    "cancel_appointment": WRITE,
    "record_appointment_outcome": WRITE,
    "issue_calendar_feed": READ,
}


def _operations(app: FastAPI) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(operationId, method, path, operation) for every authorised /v1 operation in the spec."""
    found = []
    for path, item in app.openapi()["paths"].items():
        if not path.startswith("/v1/") or path.startswith("/v1/public/"):
            continue
        for method, operation in item.items():
            found.append((operation["operationId"], method.upper(), path, operation))
    return sorted(found)


def _sample(parameter: dict[str, Any]) -> str:
    schema = parameter.get("schema", {})
    examples = parameter.get("examples") or schema.get("examples")
    if isinstance(examples, dict):
        examples = [value.get("value") for value in examples.values()]
    if examples:
        return str(examples[0])
    if "example" in parameter:
        return str(parameter["example"])
    return "999999" if schema.get("type") == "integer" else "unknown"


def _url(path: str, operation: dict[str, Any]) -> str:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", _sample(parameter))
    return path


async def _call(client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str]) -> httpx.Response:
    body = {} if method in {"POST", "PUT", "PATCH"} else None
    return await client.request(method, url, json=body, headers=headers)


async def test_every_operation_has_a_rule(app: FastAPI) -> None:
    operation_ids = {operation_id for operation_id, *_ in _operations(app)}
    assert operation_ids - EXPECTED_SCOPE.keys() == set(), "add the new operations to EXPECTED_SCOPE"
    assert EXPECTED_SCOPE.keys() - operation_ids == set(), "remove operations that no longer exist"


async def test_scopes_of_every_operation(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, world: World
) -> None:
    keys = {
        scope: {"X-API-Key": await factories.api_key(session, f"only-{scope.value}", [scope.value])} for scope in Scope
    }
    all_but = {
        scope: {
            "X-API-Key": await factories.api_key(
                session, f"all-but-{scope.value}", [other.value for other in Scope if other is not scope]
            )
        }
        for scope in Scope
    }
    no_scope = {"X-API-Key": await factories.api_key(session, "no-scopes", [])}
    failures: list[str] = []
    for operation_id, method, path, operation in _operations(app):
        url = _url(path, operation)
        expected = EXPECTED_SCOPE[operation_id]
        checks: list[tuple[str, dict[str, str], set[int] | None]] = [
            ("anonymous", {}, {401}),
            ("no scopes", no_scope, {403}),
        ]
        if isinstance(expected, Scope):
            checks += [(f"all but {expected.value}", all_but[expected], {403}), (expected.value, keys[expected], None)]
        for who, headers, statuses in checks:
            response = await _call(client, method, url, headers)
            if statuses is None:
                ok = response.status_code not in {401, 403} and response.status_code < 500
            else:
                ok = response.status_code in statuses
                if ok:
                    assert_problem(response, response.status_code)
            if not ok:
                failures.append(f"{operation_id} ({method} {url}) as {who}: {response.status_code}")
    assert failures == []


@pytest.fixture
async def social_ticket(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> str:
    created = await client.post("/v1/contacts", json=web_contact(category="social.living_wage"), headers=writer_headers)
    assert created.status_code == 201, created.text
    reference: str = created.json()["contact"]["ticket"]
    return reference


async def test_staff_kinds_on_a_social_ticket(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    social_ticket: str,
    clock: FixedClock,
) -> None:
    thuiszorg = await factories.unit(session, "thuiszorg", "ocmw_service")
    other_agent = await factories.staff(session, "agent.omgeving@genk.example", world.omgeving, "agent")
    owning_agent = await factories.staff(session, "agent.ocmw@genk.example", world.sociale_dienst, "agent")
    case_worker = await factories.staff(session, "mw.thuiszorg@genk.example", thuiszorg, "case_worker")
    supervisor = await factories.staff(session, "sup.burgerzaken@genk.example", world.burgerzaken, "supervisor")
    citizen = await session.scalar(factories.select(Citizen).where(Citizen.email == "jan.janssens@example.org"))
    assert citizen is not None
    citizen.case_worker_id = case_worker.id
    await session.flush()

    expected = [
        ("contact-centre agent", world.agent.email, 404),
        ("agent of another unit", other_agent.email, 404),
        ("agent of the owning unit", owning_agent.email, 200),
        ("OCMW case worker", case_worker.email, 200),
        ("supervisor without a grant", supervisor.email, 404),
        ("admin staff", world.admin.email, 404),
    ]
    seen = {
        who: (await client.get(f"/v1/tickets/{social_ticket}", headers=bearer(settings, clock, email))).status_code
        for who, email, _ in expected
    }
    assert seen == {who: status for who, _, status in expected}

    broken = await client.post(
        f"/v1/tickets/{social_ticket}/break-glass",
        json={"reason": "Crisis, case worker absent: urgent referral."},
        headers=bearer(settings, clock, supervisor.email),
    )
    assert broken.status_code == 201, broken.text
    after = await client.get(f"/v1/tickets/{social_ticket}", headers=bearer(settings, clock, supervisor.email))
    assert after.status_code == 200


# Which operations check more than a scope inside the handler (covered by their own tests).
HANDLER_RULES = {
    "claim_from_queue": "membership of the unit (tests/queues)",
    "claim_callback": "membership of the unit (tests/callbacks)",
}


async def test_staff_kinds_on_every_operation(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    """Every /v1 operation for every staff kind: admin-only operations answer 403 to all but admin staff; the
    others let every staff member past authorisation (need-to-know then decides per record, tested above)."""
    kinds = {
        "agent of another unit": await factories.staff(session, "m.agent@genk.example", world.omgeving, "agent"),
        "agent of the owning unit": await factories.staff(
            session, "m.ocmw@genk.example", world.sociale_dienst, "agent"
        ),
        "OCMW case worker": await factories.staff(session, "m.mw@genk.example", world.sociale_dienst, "case_worker"),
        "supervisor": await factories.staff(session, "m.sup@genk.example", world.contact_centre, "supervisor"),
        "admin": world.admin,
    }
    failures: list[str] = []
    for operation_id, method, path, operation in _operations(app):
        if operation_id in HANDLER_RULES:
            continue
        url = _url(path, operation)
        needs = EXPECTED_SCOPE[operation_id]
        for kind, staff in kinds.items():
            response = await _call(client, method, url, bearer(settings, clock, staff.email))
            # Staff never hold audit:read or citizens:export (the DPO's tool keys do); only admin staff hold admin;
            # reports and the data steward's merges are for supervisors and admins.
            if (
                needs in {AUDIT, EXPORT}
                or (needs is ADMIN and kind != "admin")
                or (needs in {REPORTS, MERGE} and kind not in {"supervisor", "admin"})
            ):
                ok = response.status_code == 403
            else:
                ok = response.status_code not in {401, 403} and response.status_code < 500
            if not ok:
                failures.append(f"{operation_id} ({method} {url}) as {kind}: {response.status_code}")
    assert failures == []
