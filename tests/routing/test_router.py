"""Routing rules through the API: versions, the routed timeline entry, dry runs, replays, continuity."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.tokens import issue_dev_token
from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.models import Staff
from tests import factories
from tests.factories import World, assert_problem, web_contact

GROFVUIL = {
    "name": "Grofvuil",
    "position": 10,
    "conditions": {"keywords": ["grofvuil"]},
    "actions": {"owning_unit": "omgeving", "priority": "high"},
}


async def _events(client: httpx.AsyncClient, headers: dict[str, str], reference: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await client.get(f"/v1/tickets/{reference}/events", headers=headers)).json()["items"]
    return items


async def test_rule_routes_and_explains_itself_on_the_timeline(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    created = await client.post("/v1/routing/rules", json=GROFVUIL, headers=admin_headers)
    assert created.status_code == 201, created.text
    rule = created.json()
    assert (rule["version"], rule["changed_by"]) == (1, "admin-test (API)")

    contact = web_contact(category=None, subject="Vraag", body="Mijn GROFVUIL staat er nog.")
    ticket = (await client.post("/v1/contacts", json=contact, headers=admin_headers)).json()["ticket"]
    assert ticket["owning_unit"] == "omgeving"
    assert ticket["priority"] == "high"
    assert ticket["routing_rule_version_id"] is not None
    routed = next(e for e in await _events(client, admin_headers, ticket["reference"]) if e["type"] == "routed")
    assert routed["summary"] == "rule 'Grofvuil' v1: keyword 'grofvuil' → Omgeving (priority high)"
    assert (routed["data"]["rule_id"], routed["data"]["rule_version"]) == (rule["id"], 1)


async def test_a_change_makes_a_new_version_and_old_tickets_keep_theirs(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    rule = (await client.post("/v1/routing/rules", json=GROFVUIL, headers=admin_headers)).json()
    contact = web_contact(category=None, body="grofvuil")
    before = (await client.post("/v1/contacts", json=contact, headers=admin_headers)).json()["ticket"]
    changed = await client.put(
        f"/v1/routing/rules/{rule['id']}",
        json={**GROFVUIL, "actions": {"owning_unit": "burgerzaken"}},
        headers=admin_headers,
    )
    assert changed.json()["version"] == 2
    after = (
        await client.post(
            "/v1/contacts", json=web_contact(category=None, body="grofvuil", citizen=None), headers=admin_headers
        )
    ).json()["ticket"]

    assert before["owning_unit"] == "omgeving"
    assert after["owning_unit"] == "burgerzaken"
    assert before["routing_rule_version_id"] != after["routing_rule_version_id"]
    history = (await client.get(f"/v1/routing/rules/{rule['id']}", headers=admin_headers)).json()
    assert [v["version"] for v in history["versions"]] == [1, 2]
    assert [r["version"] for r in (await client.get("/v1/routing/rules", headers=admin_headers)).json()] == [2]

    inactive = {**GROFVUIL, "active": False}
    await client.put(f"/v1/routing/rules/{rule['id']}", json=inactive, headers=admin_headers)
    fallback = (
        await client.post(
            "/v1/contacts", json=web_contact(category=None, body="grofvuil", citizen=None), headers=admin_headers
        )
    ).json()
    assert fallback["ticket"]["owning_unit"] == "contact_centre"


async def test_rule_references_are_checked(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    for actions in (
        {"owning_unit": "nergens"},
        {"owning_unit": "omgeving", "sla_policy": "geen"},
        {"owning_unit": "omgeving", "assignment": "named_staff", "assignee_staff_id": 999999},
    ):
        bad = {**GROFVUIL, "actions": actions}
        assert_problem(await client.post("/v1/routing/rules", json=bad, headers=admin_headers), 422)
    invalid = {**GROFVUIL, "conditions": {"keywords": []}}
    assert_problem(await client.post("/v1/routing/rules", json=invalid, headers=admin_headers), 422)
    assert_problem(await client.put("/v1/routing/rules/424242", json=GROFVUIL, headers=admin_headers), 404)


async def test_simulate_writes_nothing_and_explains(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    sketch = {"channel": "web", "subject": "Déchets", "body": "Les déchets ne sont pas ramassés"}
    current = await client.post("/v1/routing/simulate", json={"contact": sketch}, headers=admin_headers)
    assert current.json()["owning_unit"] == "contact_centre"
    assert current.json()["explanation"].startswith("no rule matched")

    draft = {**GROFVUIL, "name": "Afval FR", "conditions": {"keywords": ["dechets"]}}
    tried = await client.post("/v1/routing/simulate", json={"contact": sketch, "rules": [draft]}, headers=admin_headers)
    assert tried.json()["owning_unit"] == "omgeving"
    assert tried.json()["explanation"] == "rule 'Afval FR' v1: keyword 'dechets' → Omgeving (priority high)"
    by_category = await client.post(
        "/v1/routing/simulate",
        json={"contact": {"channel": "phone", "category": "civil.id_card"}},
        headers=admin_headers,
    )
    assert by_category.json()["owning_unit"] == "burgerzaken"
    assert await factories.count(session, factories.Ticket) == 0


async def test_replay_counts_what_would_move(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    for body in ("grofvuil", "grofvuil", "iets anders"):
        await client.post(
            "/v1/contacts",
            json=web_contact(category=None, subject="Vraag", body=body, citizen=None),
            headers=admin_headers,
        )
    replay = await client.post("/v1/routing/replay", json={"days": 7, "rules": [GROFVUIL]}, headers=admin_headers)

    assert replay.status_code == 200, replay.text
    result = replay.json()
    assert (result["tickets"], result["would_move"]) == (3, 2)
    shifts = {shift["unit"]: (shift["before"], shift["after"]) for shift in result["per_unit"]}
    assert shifts == {"contact_centre": (3, 1), "omgeving": (0, 2)}


async def test_social_ticket_goes_to_the_citizens_own_case_worker(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    worker = await factories.staff(session, "els.ocmw@genk.example", world.sociale_dienst, "case_worker")
    await factories.citizen(session, email="mila@example.org", case_worker_id=worker.id)
    contact = web_contact(category="social.living_wage", citizen={"email": "mila@example.org"})
    ticket = (await client.post("/v1/contacts", json=contact, headers=admin_headers)).json()["ticket"]
    assert ticket["assignee"]["id"] == worker.id
    assert ticket["status"] == "assigned"
    # Social content: read as the case worker; the admin system's key does not see it (404).
    as_worker = {"Authorization": f"Bearer {issue_dev_token(settings, clock, worker.email)}"}
    assert (await client.get(f"/v1/tickets/{ticket['reference']}/events", headers=admin_headers)).status_code == 404
    assigned = [e for e in await _events(client, as_worker, ticket["reference"]) if e["type"] == "assigned"]
    assert "own case worker" in assigned[0]["summary"]

    await session.execute(update(Staff).where(Staff.id == worker.id).values(absent=True))
    await session.flush()
    second = web_contact(category="social.living_wage", subject="Andere vraag", citizen={"email": "mila@example.org"})
    await factories.set_status(session, ticket["reference"], "resolved")
    queued = (await client.post("/v1/contacts", json=second, headers=admin_headers)).json()["ticket"]
    assert queued["assignee"] is None
    assert queued["owning_unit"] == "sociale_dienst"
    colleague = await factories.staff(session, "an.ocmw@genk.example", world.sociale_dienst, "case_worker")
    as_colleague = {"Authorization": f"Bearer {issue_dev_token(settings, clock, colleague.email)}"}
    note = [e for e in await _events(client, as_colleague, queued["reference"]) if e["type"] == "assigned"]
    assert "is absent" in note[0]["summary"]
