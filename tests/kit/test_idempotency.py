from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.db import Database
from genk3600.kit.clock import FixedClock
from genk3600.models import Contact, IdempotencyKey, Ticket
from tests import factories
from tests.factories import World, assert_problem, web_contact


async def test_retry_with_same_key_replays_the_first_response(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    headers = {**writer_headers, "Idempotency-Key": "form-4711"}
    first = await client.post("/v1/contacts", json=web_contact(), headers=headers)
    again = await client.post("/v1/contacts", json=web_contact(), headers=headers)

    assert first.status_code == again.status_code == 201
    # The access code is shown once: the stored response has none, in clear or otherwise.
    code = first.json()["access_code"]
    assert code
    assert again.json() == {**first.json(), "access_code": None}
    stored = await session.scalar(select(IdempotencyKey.response))
    assert stored is not None
    assert stored["access_code"] is None
    assert code not in json.dumps(stored)
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert await factories.count(session, Contact) == 1
    assert await factories.count(session, Ticket) == 1


async def test_same_key_with_another_body_is_409_and_writes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    headers = {**writer_headers, "Idempotency-Key": "form-4712"}
    assert (await client.post("/v1/contacts", json=web_contact(), headers=headers)).status_code == 201
    other = await client.post("/v1/contacts", json=web_contact(subject="Iets anders"), headers=headers)

    problem = assert_problem(other, 409)
    assert "Idempotency-Key" in problem["detail"]
    assert await factories.count(session, Contact) == 1


async def test_an_expired_key_counts_as_new(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str], clock: FixedClock
) -> None:
    headers = {**writer_headers, "Idempotency-Key": "form-4713"}
    first = await client.post("/v1/contacts", json=web_contact(), headers=headers)
    await session.execute(update(IdempotencyKey).values(expires_at=clock.now() - timedelta(seconds=1)))
    other_body = await client.post("/v1/contacts", json=web_contact(subject="Iets anders"), headers=headers)
    retry = await client.post("/v1/contacts", json=web_contact(subject="Iets anders"), headers=headers)

    assert first.status_code == other_body.status_code == retry.status_code == 201
    assert other_body.json()["contact"]["id"] != first.json()["contact"]["id"]
    assert retry.json() == other_body.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert await factories.count(session, Contact) == 2


async def test_keys_are_per_client_and_failures_do_not_burn_them(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    other_client = {"X-API-Key": await factories.api_key(session, "other-system", ["contacts:write"])}
    key = {"Idempotency-Key": "shared-key"}
    refused = await client.post("/v1/contacts", json=web_contact(category="no.such"), headers={**writer_headers, **key})
    assert_problem(refused, 422)
    assert await factories.count(session, IdempotencyKey) == 0  # rolled back with the failed request

    mine = await client.post("/v1/contacts", json=web_contact(), headers={**writer_headers, **key})
    theirs = await client.post("/v1/contacts", json=web_contact(), headers={**other_client, **key})
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["contact"]["id"] != theirs.json()["contact"]["id"]


async def test_twenty_concurrent_identical_requests_create_one_contact(
    scratch_app: tuple[FastAPI, Database],
) -> None:
    app, database = scratch_app
    async with database.sessions.begin() as session:
        await factories.small_world(session)
        key = await factories.api_key(session, "portal", ["contacts:write", "tickets:read"])
    headers = {"X-API-Key": key, "Idempotency-Key": "race-1"}
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        responses = await asyncio.gather(
            *(client.post("/v1/contacts", json=web_contact(), headers=headers) for _ in range(20))
        )

    assert {response.status_code for response in responses} == {201}
    assert len({response.json()["contact"]["id"] for response in responses}) == 1
    async with database.sessions() as session:
        assert await factories.count(session, Contact) == 1
        assert await factories.count(session, Ticket) == 1
