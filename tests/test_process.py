"""The real `genk3600` commands as separate processes on 127.0.0.1, like an operator runs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL

from tests.factories import free_port, stop_process, wait_until_ready, web_contact

pytestmark = pytest.mark.process

STARTUP_TIMEOUT = 90.0


def _environment(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GENK3600_")}
    env.update({"GENK3600_ENV": "dev", "GENK3600_DATA_DIR": str(data_dir), "GENK3600_LOG_LEVEL": "INFO", **extra})
    return env


def _genk3600(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "genk3600", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@contextmanager
def _serving(tmp_path: Path, env: dict[str, str], *args: str) -> Iterator[tuple[str, subprocess.Popen[str], Path]]:
    port = free_port()
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "genk3600", "serve", "--port", str(port), *args],
            env=env,
            stdout=stdout,
            stderr=stderr,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, base, err, STARTUP_TIMEOUT)
        yield base, process, err
    finally:
        stop_process(process)


def _own_folder(run_dir: Path) -> Path:
    """A folder for an embedded server. Not tmp_path: as root the server runs as another user, which must be able
    to enter the parents, and a concurrent pytest run resets pytest's shared base folder to 0700."""
    return Path(tempfile.mkdtemp(dir=run_dir))


def test_serve_with_embedded_database_end_to_end(tmp_path: Path, run_dir: Path) -> None:
    data_dir = _own_folder(run_dir) / "data"
    env = _environment(data_dir)
    with _serving(tmp_path, env, "--demo") as (base, process, err):
        output = (tmp_path / "serve.out").read_text()
        demo_key = next(line for line in output.splitlines() if line.startswith("Demo API key")).split()[-1]
        assert f"{base}/docs" in output
        log = err.read_text()
        assert "Database: embedded PostgreSQL" in log
        # Migrated as the owner, served as the application role (README: Database roles).
        assert "(postgresql+asyncpg://genk3600_app@/genk3600?" in log
        assert "privileges granted to the application role genk3600_app" in log

        created = httpx.post(f"{base}/v1/contacts", json=web_contact(), headers={"X-API-Key": demo_key}, timeout=10)
        assert created.status_code == 201, created.text
        reference = created.json()["ticket"]["reference"]
        assert created.json()["ticket"]["owning_unit"] == "omgeving"

        # Other commands reuse the running embedded server instead of starting a second one.
        made = _genk3600("create-api-key", "--name", "mijngenk", "--scope", "tickets:read", env=env)
        assert made.returncode == 0, made.stderr
        portal_key = made.stdout.strip().split()[-1]
        fetched = httpx.get(f"{base}/v1/tickets/{reference}", headers={"X-API-Key": portal_key}, timeout=10)
        assert fetched.status_code == 200
        refused = httpx.post(f"{base}/v1/contacts", json=web_contact(), headers={"X-API-Key": portal_key}, timeout=10)
        assert refused.status_code == 403

        # A back-office colleague of Omgeving, the unit that owns the ticket, may read its timeline.
        token = _genk3600("dev-token", "--staff", "stijn.lemmens@genk.example", env=env)
        assert token.returncode == 0, token.stderr
        as_agent = httpx.get(
            f"{base}/v1/tickets/{reference}/events",
            headers={"Authorization": f"Bearer {token.stdout.strip()}"},
            timeout=10,
        )
        assert [event["type"] for event in as_agent.json()["items"]] == ["created", "routed"]
        assert _genk3600("dev-token", "--staff", "nobody@genk.example", env=env).returncode == 1

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0

    # The last handle closed: the embedded server stopped with the service.
    deadline = time.monotonic() + 20
    while (data_dir / "pgdata" / "postmaster.pid").exists():
        assert time.monotonic() < deadline, "embedded PostgreSQL still running after serve stopped"
        time.sleep(0.2)


def test_serve_with_database_url_never_starts_embedded(tmp_path: Path, database_url: URL) -> None:
    data_dir = tmp_path / "data"
    env = _environment(data_dir, GENK3600_DATABASE_URL=database_url.render_as_string(hide_password=False))
    with _serving(tmp_path, env) as (base, _process, err):
        assert httpx.get(f"{base}/healthz", timeout=5).json() == {"status": "ok"}
        assert httpx.get(f"{base}/v1/tickets", timeout=5).status_code == 401
        log = err.read_text()
        assert "Database: external PostgreSQL" in log
        assert "password" not in log.lower() or "***" in log
    assert not (data_dir / "pgdata").exists()


def test_production_without_secret_refuses_to_start(tmp_path: Path) -> None:
    env = _environment(tmp_path, GENK3600_ENV="production")
    result = _genk3600("serve", env=env)
    assert result.returncode == 2
    assert "GENK3600_SECRET_KEY" in result.stderr


def test_dev_token_is_refused_outside_dev_mode(tmp_path: Path) -> None:
    env = _environment(tmp_path, GENK3600_ENV="production", GENK3600_SECRET_KEY="s" * 40)
    result = _genk3600("dev-token", "--staff", "agent@genk.example", env=env)
    assert result.returncode == 1
    assert "GENK3600_ENV=dev" in result.stderr
    assert not (tmp_path / "pgdata").exists()


def test_data_commands_never_create_a_second_database(run_dir: Path) -> None:
    """Without the service's GENK3600_DATA_DIR a command says where it looked instead of initialising a new server."""
    elsewhere = _own_folder(run_dir) / "not-the-service"
    env = _environment(elsewhere)
    for command in (
        ["dev-token", "--staff", "admin@genk.example"],
        ["create-api-key", "--name", "mijngenk", "--scope", "tickets:read"],
        ["seed", "--demo"],
        ["worker"],
    ):
        result = _genk3600(*command, env=env)
        assert result.returncode == 1, (command, result.stderr)
        assert f"no embedded database in {elsewhere}" in result.stderr
        assert "GENK3600_DATA_DIR" in result.stderr
        assert "Warning" not in result.stderr
    assert not elsewhere.exists()

    # A database that exists but was never given staff: the answer names it and says it is empty.
    migrated = _genk3600("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    result = _genk3600("dev-token", "--staff", "admin@genk.example", env=env)
    assert result.returncode == 1
    assert f"the database in {elsewhere} (GENK3600_DATA_DIR) holds no staff at all" in result.stderr
    assert "Warning" not in result.stderr
