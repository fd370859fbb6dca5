"""Social tickets never leave the OCMW, and break-the-glass ends when the grant does (issue #15).

Neither routing rules, escalations (by people or the SLA sweeper), assignment, claims nor imports can give a
social ticket a non-OCMW owner or assignee; a supervisor who sees a social case only through a grant cannot
make that access outlast the grant by assigning or handing the case to themself.
"""

from __future__ import annotations

from datetime import time, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from genk3600.config import Settings
from genk3600.demo import CATEGORIES, ROUTING_RULES, UNITS
from genk3600.kit.clock import FixedClock
from genk3600.models import AccessGrant, RoutingRule, RoutingRuleVersion, Ticket
from genk3600.models.enums import Channel, Confidentiality, Language, UnitKind
from genk3600.routing.rules import Actions, Conditions, ContactFacts, Rule, UnitNames, route
from genk3600.sla.sweeper import SweepResult, sweep_once
from tests import factories
from tests.factories import World, assert_problem, bearer, web_contact
from tests.sla.test_sweeper import NOW, make_policy, make_tickets

CANARY = "Zwaluwstaart"


async def _owner(session: AsyncSession, reference: str) -> tuple[int, int | None]:
    ticket = await session.scalar(
        select(Ticket).where(Ticket.reference == reference).execution_options(populate_existing=True)
    )
    assert ticket is not None
    return ticket.owning_unit_id, ticket.assignee_staff_id


async def _social(client: httpx.AsyncClient, headers: dict[str, str], **fields: object) -> str:
    body = web_contact(category="social.living_wage", subject=f"Leefloon {CANARY}", citizen=None)
    created = await client.post("/v1/contacts", json={**body, **fields}, headers=headers)
    assert created.status_code == 201, created.text
    reference: str = created.json()["contact"]["ticket"]
    return reference


async def test_a_rule_sending_a_social_category_outside_the_ocmw_is_refused(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    outside = [
        ({"categories": ["social.living_wage"]}, {"owning_unit": "contact_centre"}),
        ({"categories": ["social.*"], "channels": ["phone"]}, {"owning_unit": "omgeving"}),
        ({"keywords": ["leefloon"]}, {"owning_unit": "omgeving", "confidentiality": "social"}),
        (
            {"categories": ["social.*"]},
            {"owning_unit": "sociale_dienst", "assignment": "named_staff", "assignee_staff_id": world.agent.id},
        ),
    ]
    for position, (conditions, actions) in enumerate(outside, start=1):
        rule = {"name": f"Fout {position}", "position": position, "conditions": conditions, "actions": actions}
        refused = await client.post("/v1/routing/rules", json=rule, headers=admin_headers)
        problem = assert_problem(refused, 422)
        assert problem["type"].endswith("/social-stays-in-ocmw")
        assert "OCMW" in problem["detail"]
    assert (await client.get("/v1/routing/rules", headers=admin_headers)).json() == []

    fine = {"name": "OCMW", "position": 1, "conditions": {"categories": ["social.*"]}}
    fine["actions"] = {"owning_unit": "sociale_dienst"}
    assert (await client.post("/v1/routing/rules", json=fine, headers=admin_headers)).status_code == 201
    city = {"name": "Stad", "position": 2, "conditions": {"categories": ["waste.*"]}}
    city["actions"] = {"owning_unit": "contact_centre"}
    created = await client.post("/v1/routing/rules", json=city, headers=admin_headers)
    assert created.status_code == 201
    changed = await client.put(
        f"/v1/routing/rules/{created.json()['id']}",
        json={**city, "conditions": {"categories": ["social.living_wage"]}},
        headers=admin_headers,
    )
    assert_problem(changed, 422)


async def test_at_routing_time_a_social_ticket_keeps_its_ocmw_owner(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    # An evening line without categories is a fair rule, but it must not take social calls with it.
    evening = {
        "name": "Avondlijn",
        "position": 1,
        "conditions": {"channels": ["web"]},
        "actions": {"owning_unit": "contact_centre", "assignment": "named_staff", "assignee_staff_id": world.agent.id},
    }
    assert (await client.post("/v1/routing/rules", json=evening, headers=admin_headers)).status_code == 201
    # A rule from before the check, straight in the table: a social category to the contact centre.
    rule = RoutingRule()
    session.add(rule)
    await session.flush()
    session.add(
        RoutingRuleVersion(
            rule_id=rule.id,
            version=1,
            name="Oud",
            position=0,
            active=True,
            conditions={"categories": ["social.living_wage"]},
            actions={"owning_unit": "omgeving"},
            actor_name="legacy",
        )
    )
    await session.flush()

    reference = await _social(client, admin_headers)
    owner, assignee = await _owner(session, reference)
    assert (owner, assignee) == (world.sociale_dienst.id, None)
    worker = await factories.staff(session, "mw.route@genk.example", world.sociale_dienst, "case_worker")
    events = await client.get(f"/v1/tickets/{reference}/events", headers=bearer(settings, clock, worker.email))
    routed = next(e for e in events.json()["items"] if e["type"] == "routed")
    assert "stays in the OCMW" in routed["summary"]


async def test_demo_rules_keep_night_calls_on_social_matters_in_the_ocmw() -> None:
    ocmw = {unit.code for unit in UNITS if unit.kind is UnitKind.ocmw_service}
    rules = [
        Rule(
            id=number,
            version=1,
            name=seed.name,
            position=seed.position,
            active=True,
            conditions=Conditions.model_validate(seed.conditions),
            actions=Actions.model_validate(seed.actions),
        )
        for number, seed in enumerate(ROUTING_RULES, start=1)
    ]
    for category in (c.code for c in CATEGORIES if c.confidentiality is Confidentiality.social):
        facts = ContactFacts(Channel.phone, category, "Vraag", "Ik heb een vraag.", Language.nl, False, time(22, 30))
        decision = route(facts, rules, UnitNames({}), "contact_centre")
        # No rule at all: the category's own (OCMW) unit owns it.
        assert decision.rule_id is None or decision.actions.owning_unit in ocmw, (category, decision.rule_name)


async def test_escalation_and_assignment_stay_in_the_ocmw(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    reference = await _social(client, writer_headers)
    worker = await factories.staff(session, "mw.esc@genk.example", world.sociale_dienst, "case_worker")
    thuiszorg = await factories.unit(session, "thuiszorg", "ocmw_service", world.sociale_dienst)
    colleague = await factories.staff(session, "mw.thuis@genk.example", thuiszorg, "case_worker")
    clerk = await factories.staff(session, "bo.omgeving@genk.example", world.omgeving, "back_office")
    headers = bearer(settings, clock, worker.email)

    for target in ({"to_unit": "omgeving"}, {"to_staff_id": clerk.id}, {}):
        reason = "returned" if not target else "needs_expertise"
        body = {**target, "reason": reason, "requested_role": "advising"}
        refused = await client.post(f"/v1/tickets/{reference}/escalations", json=body, headers=headers)
        assert assert_problem(refused, 422)["type"].endswith("/social-stays-in-ocmw")
    assert await _owner(session, reference) == (world.sociale_dienst.id, None)

    version = (await client.get(f"/v1/tickets/{reference}", headers=headers)).headers["ETag"]
    for staff in (clerk, world.agent):
        assign = await client.patch(
            f"/v1/tickets/{reference}", json={"assignee_staff_id": staff.id}, headers={**headers, "If-Match": version}
        )
        assert_problem(assign, 422)
    handed = await client.post(
        f"/v1/tickets/{reference}/escalations",
        json={
            "to_unit": "thuiszorg",
            "to_staff_id": colleague.id,
            "reason": "needs_expertise",
            "requested_role": "advising",
        },
        headers=headers,
    )
    assert handed.status_code == 201, handed.text
    assert await _owner(session, reference) == (thuiszorg.id, colleague.id)


async def test_sla_breach_never_hands_a_social_ticket_outside_the_ocmw(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], settings: Settings, world: World
) -> None:
    complaints = await factories.unit(session, "klachtenbeheer")
    policy = await make_policy(session, "escalating", breach_unit=complaints)
    started = NOW - timedelta(days=7)
    [social] = await make_tickets(session, settings, world.sociale_dienst, policy, started, 1, confidentiality="social")
    [normal] = await make_tickets(session, settings, world.omgeving, policy, started, 1)

    result = await sweep_once(sessions, settings, NOW)

    assert result == SweepResult(checked=2, breached=2, escalated=1)
    assert (await _owner(session, social.reference))[0] == world.sociale_dienst.id
    assert (await _owner(session, normal.reference))[0] == complaints.id


async def test_claims_never_give_a_social_ticket_to_staff_outside_the_ocmw(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    await _social(client, writer_headers)
    # A member of the root unit passes the queue's lineage check (the OCMW service lies below it).
    root = await session.get(type(world.sociale_dienst), world.sociale_dienst.parent_id)
    assert root is not None
    director = await factories.staff(session, "dir.stad@genk.example", root, "supervisor")
    claimed = await client.post("/v1/queues/sociale_dienst/claim", headers=bearer(settings, clock, director.email))
    assert_problem(claimed, 404)
    assert CANARY not in claimed.text
    worker = await factories.staff(session, "mw.claim@genk.example", world.sociale_dienst, "case_worker")
    mine = await client.post("/v1/queues/sociale_dienst/claim", headers=bearer(settings, clock, worker.email))
    assert mine.status_code == 200, mine.text


async def test_break_the_glass_ends_when_the_grant_ends(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    reference = await _social(client, writer_headers)
    supervisor = await factories.staff(session, "sup.cc@genk.example", world.contact_centre, "supervisor")
    ocmw_supervisor = await factories.unit(session, "woonzorg", "ocmw_service", world.sociale_dienst.parent)
    other_ocmw = await factories.staff(session, "sup.woonzorg@genk.example", ocmw_supervisor, "supervisor")
    for who in (supervisor, other_ocmw):
        headers = bearer(settings, clock, who.email)
        broken = await client.post(
            f"/v1/tickets/{reference}/break-glass", json={"reason": "Crisis aan de balie, dringend."}, headers=headers
        )
        assert broken.status_code == 201, broken.text
        read = await client.get(f"/v1/tickets/{reference}", headers=headers)
        assert read.status_code == 200
        assign = await client.patch(
            f"/v1/tickets/{reference}",
            json={"assignee_staff_id": who.id},
            headers={**headers, "If-Match": read.headers["ETag"]},
        )
        assert assert_problem(assign, 422)["type"].endswith("/social-stays-in-ocmw")
        to_self = await client.post(
            f"/v1/tickets/{reference}/escalations",
            json={"to_staff_id": who.id, "reason": "needs_decision", "requested_role": "deciding"},
            headers=headers,
        )
        assert_problem(to_self, 422)

        await session.execute(
            update(AccessGrant)
            .where(AccessGrant.staff_id == who.id)
            # Well past: expiry is judged by the database's statement time, which may stand a few seconds
            # apart from the app's clock (under faketime each process starts its own faked clock).
            .values(granted_at=clock.now() - timedelta(hours=3), expires_at=clock.now() - timedelta(hours=1))
        )
        await session.flush()
        expired = await client.get(f"/v1/tickets/{reference}", headers=headers)
        assert_problem(expired, 404)
        assert CANARY not in expired.text
    assert await _owner(session, reference) == (world.sociale_dienst.id, None)


async def test_a_social_category_needs_an_ocmw_owner(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    category = {"code": "social.rent", "name": "Huurpremie", "owning_unit": "omgeving", "confidentiality": "social"}
    refused = await client.post("/v1/categories", json=category, headers=admin_headers)
    assert assert_problem(refused, 422)["type"].endswith("/social-stays-in-ocmw")
    created = await client.post(
        "/v1/categories", json={**category, "owning_unit": "sociale_dienst"}, headers=admin_headers
    )
    assert created.status_code == 201, created.text


async def test_dry_runs_show_a_social_contact_kept_in_the_ocmw(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    """Simulate and replay decide as routing does: an admin's dry run never shows a social case leaving."""
    evening = {
        "name": "Avondlijn",
        "position": 1,
        "conditions": {"channels": ["web"]},
        "actions": {"owning_unit": "contact_centre"},
    }
    social = {"channel": "web", "category": "social.living_wage", "subject": "Leefloon", "body": "..."}
    normal = {**social, "category": "waste.pickup"}
    for rules in ([evening], None):
        if rules is None:  # the same rule, saved: the current rule set
            assert (await client.post("/v1/routing/rules", json=evening, headers=admin_headers)).status_code == 201
        dry = {"contact": social} if rules is None else {"contact": social, "rules": rules}
        decision = (await client.post("/v1/routing/simulate", json=dry, headers=admin_headers)).json()
        assert decision["owning_unit"] == world.sociale_dienst.code, decision
        assert "stays in the OCMW" in decision["explanation"]
        city = {"contact": normal} if rules is None else {"contact": normal, "rules": rules}
        assert (await client.post("/v1/routing/simulate", json=city, headers=admin_headers)).json()[
            "owning_unit"
        ] == world.contact_centre.code
