"""Two real `genk3600 serve` replicas on one database: business figures agree, latency and pool are per process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import URL

from tests.factories import free_port, stop_process, wait_until_ready, web_contact

pytestmark = pytest.mark.process

STARTUP_TIMEOUT = 60.0


def _figures(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = httpx.get(f"{base}/metrics", timeout=10)  # from 127.0.0.1: no token needed
    assert answer.status_code == 200, answer.text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


@contextmanager
def _replica(tmp_path: Path, env: dict[str, str], name: str) -> Iterator[str]:
    port = free_port()
    with (tmp_path / f"{name}.err").open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "genk3600", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, base, tmp_path / f"{name}.err", STARTUP_TIMEOUT)
        yield base
    finally:
        stop_process(process)


def test_replicas_agree_on_business_figures(tmp_path: Path, scratch_url: URL) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GENK3600_")}
    env.update(
        GENK3600_ENV="dev",
        GENK3600_DATA_DIR=str(tmp_path),
        GENK3600_DATABASE_URL=scratch_url.render_as_string(hide_password=False),
        GENK3600_RUN_JOBS="false",
        GENK3600_DB_POOL_SIZE="3",
    )

    def cli(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "genk3600", *args], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    cli("seed", "--demo")
    key = re.search(r"g3600_\S+", cli("create-api-key", "--name", "intake", "--scope", "contacts:write"))
    assert key is not None
    with ExitStack() as stack:
        first, second = (stack.enter_context(_replica(tmp_path, env, name)) for name in ("first", "second"))
        before = _figures(second)
        created = httpx.post(
            f"{first}/v1/contacts", json=web_contact(), headers={"X-API-Key": key.group(0)}, timeout=10
        )
        assert created.status_code == 201, created.text
        on_first, on_second = _figures(first), _figures(second)

    intake = ("genk3600_intake_contacts_total", (("channel", "web"),))
    assert on_first[intake] == on_second[intake] == before[intake] + 1
    assert on_first[("genk3600_db_pool_size", ())] == on_second[("genk3600_db_pool_size", ())] == 3
    posted = (
        "genk3600_http_request_duration_seconds_count",
        (("method", "POST"), ("route", "/v1/contacts"), ("status", "201")),
    )
    assert on_first[posted] == 1
    assert posted not in on_second  # latency is per process: the second replica never saw the POST
