"""Property-based: hostile bodies on every JSON operation never cause a 5xx nor a half-written row.

Bodies are built from the OpenAPI spec (the documented examples with fields swapped for hostile values,
dropped, or unknown ones added; and arbitrary JSON). Every answer is below 500, every 4xx is problem+json,
and a refused request leaves the row count of every table as it was.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import pytest
from hypothesis import given
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.hostile.conftest import row_counts
from tests.hostile.strategies import bodies_for, bounded, json_operations

EXAMPLES = 10
OPERATIONS = json_operations()


async def _path_values(client: httpx.AsyncClient, world: factories.World, headers: dict[str, str]) -> dict[str, str]:
    """Real ids for the path parameters, so requests reach the body's validation and the services."""
    created = await client.post("/v1/contacts", json=factories.web_contact(), headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    texts = dict.fromkeys(("nl", "fr", "en", "de"), "Uw vraag {reference} is beantwoord.")
    template = await client.post("/v1/reply-templates", json={"name": "Beantwoord", "texts": texts}, headers=headers)
    assert template.status_code == 201, template.text
    callback = {"ticket": body["ticket"]["reference"], "phone": "089 65 44 11", "question": "Terugbellen?"}
    asked = await client.post("/v1/callbacks", json=callback, headers=headers)
    assert asked.status_code == 201, asked.text
    citizen_id = body["contact"]["citizen_id"]
    daughter = await client.post(
        "/v1/contacts", json=factories.web_contact(citizen={"email": "dochter@example.org"}), headers=headers
    )
    daughter_id = daughter.json()["contact"]["citizen_id"]
    relation = await client.post(
        f"/v1/citizens/{citizen_id}/relations",
        json={"related_citizen_id": daughter_id, "kind": "child"},
        headers=headers,
    )
    assert relation.status_code == 201, relation.text
    consent = {"representative_citizen_id": daughter_id, "kind": "informal_carer", "scopes": ["all"]}
    consent |= {"first_day": "2026-01-01", "source": "signed_consent"}
    representation = await client.post(f"/v1/citizens/{citizen_id}/representations", json=consent, headers=headers)
    assert representation.status_code == 201, representation.text
    return {
        "template_id": str(template.json()["id"]),
        "callback_id": str(asked.json()["id"]),
        "relation_id": str(relation.json()["id"]),
        "representation_id": str(representation.json()["id"]),
        "reference": body["ticket"]["reference"],
        "contact_id": str(body["contact"]["id"]),
        "citizen_id": str(body["contact"]["citizen_id"]),
        "category_code": "waste.pickup",
        "product_code": "grofvuil-ophalen",
        "rule_id": "1",
        "staff_id": str(world.agent.id),
        "unit_code": "omgeving",
        "offer_id": "1",
        "merge_id": "1",
        "appointment_id": "1",
        "kind_code": "waste.visit",
    }


@pytest.mark.parametrize(("method", "path", "content"), OPERATIONS, ids=[f"{m} {p}" for m, p, _c in OPERATIONS])
async def test_hostile_bodies_are_refused_cleanly(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: factories.World,
    admin_headers: dict[str, str],
    method: str,
    path: str,
    content: dict[str, Any],
) -> None:
    assert len(OPERATIONS) >= 20
    values = await _path_values(client, world, admin_headers)
    url = re.sub(r"\{(\w+)\}", lambda match: values[match.group(1)], path)
    headers = {**admin_headers, "If-Match": "*", "Content-Type": "application/json"}
    loop = asyncio.get_running_loop()

    def on_loop(coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=60)

    @given(body=bodies_for(content))
    @bounded(EXAMPLES)
    def never_a_500_nor_a_half_write(body: Any) -> None:
        before = on_loop(row_counts(session))
        # ensure_ascii: a lone surrogate travels as a \\ud800 escape, which is valid JSON but not valid UTF-8.
        payload = json.dumps(body, ensure_ascii=True).encode()
        response: httpx.Response = on_loop(client.request(method, url, content=payload, headers=headers))
        assert response.status_code < 500, (body, response.text)
        if response.status_code >= 400:
            factories.assert_problem(response, response.status_code)
            assert on_loop(row_counts(session)) == before, (body, response.text)

    await asyncio.to_thread(never_a_500_nor_a_half_write)
