"""Status machine, ETags and hand-offs through the API."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.models import Escalation
from tests import factories
from tests.factories import World, assert_problem, web_contact


async def _ticket(client: httpx.AsyncClient, headers: dict[str, str], role_by: int | None = None) -> tuple[str, str]:
    recorded = (await client.post("/v1/contacts", json=web_contact(), headers=headers)).json()
    reference = recorded["ticket"]["reference"]
    if role_by is not None:
        role = {"role": "registering", "staff_id": role_by}
        played = await client.post(
            f"/v1/contacts/{recorded['contact']['id']}/participations", json=role, headers=headers
        )
        assert played.status_code == 201, played.text
    fetched = await client.get(f"/v1/tickets/{reference}", headers=headers)
    return reference, fetched.headers["etag"]


async def test_resolving_needs_a_role_on_every_contact(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    recorded = (await client.post("/v1/contacts", json=web_contact(), headers=admin_headers)).json()
    reference, contact_id = recorded["ticket"]["reference"], recorded["contact"]["id"]
    tag = (await client.get(f"/v1/tickets/{reference}", headers=admin_headers)).headers["etag"]
    refused = await client.patch(
        f"/v1/tickets/{reference}", json={"status": "resolved"}, headers={**admin_headers, "If-Match": tag}
    )
    problem = assert_problem(refused, 409)
    assert problem["contacts"] == [contact_id]
    assert f"Contact {contact_id} has no recorded role yet" in problem["detail"]

    role = {"role": "informing", "staff_id": world.agent.id}
    await client.post(f"/v1/contacts/{contact_id}/participations", json=role, headers=admin_headers)
    done = await client.patch(
        f"/v1/tickets/{reference}", json={"status": "resolved"}, headers={**admin_headers, "If-Match": tag}
    )
    assert done.status_code == 200, done.text
    roles = (await client.get(f"/v1/tickets/{reference}", headers=admin_headers)).json()["roles"]
    assert [(r["staff_id"], r["role"]) for r in roles] == [(world.agent.id, "informing")]


async def test_status_walk_with_etags(client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]) -> None:
    reference, tag = await _ticket(client, admin_headers, role_by=world.agent.id)
    for target in ("in_progress", "waiting_on_citizen", "in_progress", "resolved", "closed"):
        changed = await client.patch(
            f"/v1/tickets/{reference}", json={"status": target}, headers={**admin_headers, "If-Match": tag}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["status"] == target
        assert changed.headers["etag"] != tag
        tag = changed.headers["etag"]
    events = (await client.get(f"/v1/tickets/{reference}/events", headers=admin_headers)).json()["items"]
    assert [e["data"]["to"] for e in events if e["type"] == "status_changed"] == [
        "in_progress",
        "waiting_on_citizen",
        "in_progress",
        "resolved",
        "closed",
    ]


async def test_illegal_transition_names_the_allowed_ones(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    reference, tag = await _ticket(client, admin_headers)
    refused = await client.patch(
        f"/v1/tickets/{reference}", json={"status": "closed"}, headers={**admin_headers, "If-Match": tag}
    )
    problem = assert_problem(refused, 409)
    assert problem["allowed"] == ["assigned", "in_progress", "waiting_on_citizen", "resolved"]
    assert "cannot become closed" in problem["detail"]


async def test_stale_or_missing_etag(client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]) -> None:
    reference, tag = await _ticket(client, admin_headers)
    assert_problem(
        await client.patch(f"/v1/tickets/{reference}", json={"priority": "high"}, headers=admin_headers), 428
    )
    first = await client.patch(
        f"/v1/tickets/{reference}", json={"priority": "high"}, headers={**admin_headers, "If-Match": tag}
    )
    assert first.status_code == 200
    stale = await client.patch(
        f"/v1/tickets/{reference}", json={"priority": "low"}, headers={**admin_headers, "If-Match": tag}
    )
    assert_problem(stale, 412)
    assert (await client.get(f"/v1/tickets/{reference}", headers=admin_headers)).json()["priority"] == "high"
    assert_problem(
        await client.patch(f"/v1/tickets/{reference}", json={}, headers={**admin_headers, "If-Match": tag}), 422
    )


async def test_escalation_and_return(
    client: httpx.AsyncClient, session: AsyncSession, world: World, admin_headers: dict[str, str]
) -> None:
    expert = await factories.staff(session, "bo.burgerzaken@genk.example", world.burgerzaken, "back_office")
    reference, _tag = await _ticket(client, admin_headers)
    up = await client.post(
        f"/v1/tickets/{reference}/escalations",
        json={"to_staff_id": expert.id, "reason": "needs_decision", "requested_role": "deciding", "note": "Uitstel?"},
        headers=admin_headers,
    )
    assert up.status_code == 201, up.text
    body = up.json()
    assert (body["from_unit"], body["to_unit"], body["from_tier"], body["to_tier"]) == ("omgeving", "burgerzaken", 1, 2)
    assert body["ticket"]["assignee"]["id"] == expert.id
    back = await client.post(
        f"/v1/tickets/{reference}/escalations",
        json={"reason": "returned", "requested_role": "advising"},
        headers=admin_headers,
    )
    assert back.json()["ticket"]["owning_unit"] == "contact_centre"
    assert back.json()["to_tier"] == 1
    summaries = [
        e["summary"]
        for e in (await client.get(f"/v1/tickets/{reference}/events", headers=admin_headers)).json()["items"]
        if e["type"] == "escalated"
    ]
    assert summaries[0].startswith("Escalated by admin-test (API) from Omgeving to Burgerzaken")
    assert "asking for a decision (needs a decision)" in summaries[0]
    assert summaries[1].startswith("Returned by")
    assert await factories.count(session, Escalation) == 2

    nowhere = {"reason": "complaint", "requested_role": "advising"}
    assert_problem(await client.post(f"/v1/tickets/{reference}/escalations", json=nowhere, headers=admin_headers), 422)
    bad_role = {"to_unit": "omgeving", "reason": "complaint", "requested_role": "informing"}
    assert_problem(await client.post(f"/v1/tickets/{reference}/escalations", json=bad_role, headers=admin_headers), 422)


async def test_every_hand_off_moves_the_etag_even_when_owner_tier_and_status_stay(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    reference, _tag = await _ticket(client, admin_headers)
    tags = []
    for _ in range(4):  # tiers 2 and 3, then twice more at the top tier: owner, tier and status unchanged
        up = await client.post(
            f"/v1/tickets/{reference}/escalations",
            json={"to_unit": "burgerzaken", "reason": "needs_expertise", "requested_role": "advising"},
            headers=admin_headers,
        )
        assert up.status_code == 201, up.text
        tags.append((await client.get(f"/v1/tickets/{reference}", headers=admin_headers)).headers["etag"])
    assert up.json()["to_tier"] == 3
    assert len(set(tags)) == 4, tags
