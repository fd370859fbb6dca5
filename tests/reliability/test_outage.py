"""A database outage under a running service: quick 503s, readiness down, liveness up, recovery by itself."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from tests.factories import assert_problem, web_contact
from tests.reliability.conftest import DisposablePostgres, Service, scalar, serve, service_environment

pytestmark = pytest.mark.process

# A bound on hanging, not a performance figure: connecting gives up after 5 s, the pool after 10 s.
ANSWER_WITHIN_SECONDS = 10.0


async def test_outage_answers_503_quickly_and_the_same_process_recovers(
    tmp_path: Path, disposable: DisposablePostgres, services: list[Service]
) -> None:
    url = disposable.new_database()
    service = await asyncio.to_thread(
        serve, tmp_path, service_environment(url, tmp_path / "data", GENK3600_RUN_JOBS="false")
    )
    services.append(service)
    headers = {"X-API-Key": disposable.admin_key}
    async with httpx.AsyncClient(base_url=service.base, headers=headers, timeout=30) as client:
        # Warm the pool: the connections it holds are the ones the crash breaks.
        for number in range(3):
            citizen = {"email": f"voor.{number}@example.org", "given_name": "Voor"}
            assert (await client.post("/v1/contacts", json=web_contact(citizen=citizen))).status_code == 201

        await asyncio.to_thread(disposable.crash)
        for number in range(3):
            started = time.monotonic()
            citizen = {"email": f"tijdens.{number}@example.org", "given_name": "Tijdens"}
            answer = await client.post("/v1/contacts", json=web_contact(citizen=citizen))
            elapsed = time.monotonic() - started
            problem = assert_problem(answer, 503)
            assert elapsed < ANSWER_WITHIN_SECONDS, f"answered after {elapsed:.1f} s"
            assert int(answer.headers["Retry-After"]) > 0
            assert "database" in problem["detail"]
        assert_problem(await client.get("/readyz"), 503)
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        assert_problem(await client.get("/v1/tickets", params={"limit": 5}), 503)

        await asyncio.to_thread(disposable.start)
        deadline = time.monotonic() + 30
        while (await client.get("/readyz")).status_code != 200:
            assert time.monotonic() < deadline, "the pool did not recover"
            await asyncio.sleep(0.2)
        after = await client.post("/v1/contacts", json=web_contact(citizen={"email": "na@example.org"}))
        assert after.status_code == 201, after.text
        assert service.process.poll() is None  # the same process, never restarted
    # Three before, one after; the requests during the outage left nothing behind.
    assert await scalar(url, "SELECT count(*) FROM contact") == 4
    assert await scalar(url, "SELECT count(*) FROM citizen WHERE given_name = 'Tijdens'") == 0
    assert "Traceback" not in service.output()
