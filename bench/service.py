"""The service under test, started the way production runs it: uvicorn, uvloop + httptools, one worker per core,
production settings with a generated secret key, INFO logging to a file, background jobs off."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.engine import URL

from bench.environment import REPO_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def service_environment(database_url: URL, jwks_url: str, issuer: str, secret_key: str) -> dict[str, str]:
    return {
        **os.environ,
        "GENK3600_ENV": "production",
        "GENK3600_SECRET_KEY": secret_key,
        "GENK3600_DATABASE_URL": database_url.render_as_string(hide_password=False),
        "GENK3600_LOG_LEVEL": "INFO",
        # The API processes only serve requests; jobs would run in `genk3600 worker` next to them.
        "GENK3600_RUN_JOBS": "false",
        "GENK3600_JWKS_URL": jwks_url,
        "GENK3600_JWT_ISSUER": issuer,
        "GENK3600_MIGRATIONS_DIR": str(REPO_ROOT / "migrations"),
        # The load generator is one city system with one key: keep the per-key limit counting (its cost is part
        # of every request) but far above what the benchmark sends, so it measures intake, not 429s.
        "GENK3600_API_KEY_REQUESTS_PER_MINUTE": "100000000",
    }


def new_secret_key() -> str:
    return secrets.token_urlsafe(48)


@dataclass
class Service:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    @classmethod
    def start(cls, env: dict[str, str], workers: int, log_path: Path) -> Service:
        port = free_port()
        log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "uvicorn", "bench.asgi:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
            "--loop", "uvloop", "--http", "httptools", "--log-level", "info", "--no-access-log",
        ]  # fmt: skip
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env={**env, "BENCH_SERVICE_LOG": str(log_path)},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        service = cls(process, f"http://127.0.0.1:{port}", log_path)
        try:
            service.wait_ready(workers)
        except RuntimeError:
            service.stop()  # a service that never became ready (e.g. an older tree's) is not left behind
            raise
        return service

    def wait_ready(self, workers: int, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        ready = 0
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the service exited with {self.process.returncode}; see {self.log_path}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    ready += 1
                    # Every worker must have started its lifespan; a few answers in a row make that likely.
                    if ready >= workers * 3:
                        return
            except httpx.HTTPError:
                ready = 0
            time.sleep(0.2)
        raise RuntimeError(f"the service did not become ready in {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
