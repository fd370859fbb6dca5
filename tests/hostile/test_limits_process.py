"""The body size limit on the real server (uvicorn, HTTP/1.1 over TCP): announced or streamed, it stops reading."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL

from tests.test_process import _environment, _serving

pytestmark = pytest.mark.process

LIMIT = 16 * 1024
HUGE = 50 * 1024 * 1024


def _request_head(port: int, extra: str) -> bytes:
    return (
        f"POST /v1/contacts HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n{extra}\r\n"
    ).encode()


def _read_response(connection: socket.socket) -> bytes:
    received = b""
    connection.settimeout(10)
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        if not chunk:
            break
        received += chunk
    return received


def test_the_real_server_refuses_big_bodies_without_reading_them(tmp_path: Path, scratch_url: URL) -> None:
    env = _environment(
        tmp_path / "data",
        GENK3600_DATABASE_URL=scratch_url.render_as_string(hide_password=False),
        GENK3600_MAX_REQUEST_BYTES=str(LIMIT),
        GENK3600_RUN_JOBS="false",
    )
    with _serving(tmp_path, env) as (base, _process, _err):
        port = int(base.rsplit(":", 1)[1])

        # 50 MiB announced, nothing sent: the answer comes at once, so nothing was waited for.
        with socket.create_connection(("127.0.0.1", port)) as connection:
            connection.sendall(_request_head(port, f"Content-Length: {HUGE}\r\n"))
            head = _read_response(connection)
        assert head.startswith(b"HTTP/1.1 413"), head
        assert b"application/problem+json" in head

        # Chunked, without a length: the server answers once the limit is passed and stops taking bytes,
        # long before the 50 MiB are through.
        sent = 0
        chunk = b"2000\r\n" + b" " * 0x2000 + b"\r\n"
        with socket.create_connection(("127.0.0.1", port)) as connection:
            connection.sendall(_request_head(port, "Transfer-Encoding: chunked\r\n"))
            connection.settimeout(0.05)
            answer = b""
            while sent < HUGE:
                try:
                    connection.sendall(chunk)
                except OSError:  # the server closed the connection: it is done with us
                    break
                sent += 0x2000
                try:
                    answer += connection.recv(65536)
                except TimeoutError:
                    continue
                if b"\r\n\r\n" in answer:
                    break
            if b"\r\n\r\n" not in answer:
                answer += _read_response(connection)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        print(f"\nchunked upload stopped after {sent} bytes")  # noqa: T201 - how far a client gets
        assert sent < HUGE // 10, sent

        # And the server is as well as before.
        deadline = time.monotonic() + 10
        while httpx.get(f"{base}/healthz", timeout=5).status_code != 200:
            assert time.monotonic() < deadline
