"""Hostile bodies on the data steward's operations, sent with a key that may call them: never a 5xx, and a
refused request leaves every table's row count as it was (tests/hostile/ calls them without the scope)."""

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

OPERATIONS = [
    (method, path, content)
    for method, path, content in json_operations()
    if path.startswith(("/v1/citizen-duplicates", "/v1/citizen-merges")) or path.endswith("/merges")
]


@pytest.mark.parametrize(("method", "path", "content"), OPERATIONS, ids=[f"{m} {p}" for m, p, _c in OPERATIONS])
async def test_hostile_bodies_are_refused_cleanly(
    client: httpx.AsyncClient, session: AsyncSession, method: str, path: str, content: dict[str, Any]
) -> None:
    assert len(OPERATIONS) == 3
    headers = {"X-API-Key": await factories.api_key(session, "steward", ["citizens:merge"])}
    survivor = await factories.citizen(session, email="s@example.org", given_name="Marie")
    merged = await factories.citizen(session, email="m@example.org", given_name="Mari")
    body = {"merged_citizen_id": merged.id, "reason": "Zelfde persoon."}
    merge = await client.post(f"/v1/citizens/{survivor.id}/merges", json=body, headers=headers)
    assert merge.status_code == 201, merge.text
    values = {"citizen_id": str(survivor.id), "merge_id": str(merge.json()["id"])}
    url = re.sub(r"\{(\w+)\}", lambda match: values[match.group(1)], path)
    loop = asyncio.get_running_loop()

    def on_loop(coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=60)

    @given(body=bodies_for(content))
    @bounded(25)
    def never_a_500_nor_a_half_write(body: Any) -> None:
        before = on_loop(row_counts(session))
        payload = json.dumps(body, ensure_ascii=True).encode()
        request = client.request(method, url, content=payload, headers={**headers, "Content-Type": "application/json"})
        response: httpx.Response = on_loop(request)
        assert response.status_code < 500, (body, response.text)
        if response.status_code >= 400:
            factories.assert_problem(response, response.status_code)
            assert on_loop(row_counts(session)) == before, (body, response.text)

    await asyncio.to_thread(never_a_500_nor_a_half_write)
