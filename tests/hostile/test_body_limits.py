"""Request bodies over the configured size are refused with 413 problem+json, streamed or declared."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Message

from tests import factories
from tests.hostile.conftest import SMALL_MAIL_LIMIT, SMALL_REQUEST_LIMIT, row_counts

CONTACTS = "/v1/contacts"


def _mail(body_bytes: int) -> bytes:
    head = (
        "From: Jan Janssens <jan.janssens@example.org>\r\nTo: 3600@genk.example\r\nSubject: Grofvuil\r\n"
        "Message-ID: <big-1@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    )
    line = "Het grofvuil staat er nog altijd, al sinds maandag.\r\n"
    return (head + line * (body_bytes // len(line) + 1)).encode()


async def test_a_body_within_the_limit_is_accepted(
    limited_client: httpx.AsyncClient, world: factories.World, writer_headers: dict[str, str]
) -> None:
    response = await limited_client.post(CONTACTS, json=factories.web_contact(), headers=writer_headers)
    assert response.status_code == 201, response.text


async def test_a_declared_length_over_the_limit_is_refused_unread(
    limited_client: httpx.AsyncClient, session: AsyncSession, world: factories.World, writer_headers: dict[str, str]
) -> None:
    before = await row_counts(session)
    body = factories.web_contact(body="x" * (SMALL_REQUEST_LIMIT + 1))
    response = await limited_client.post(CONTACTS, json=body, headers=writer_headers)
    problem = factories.assert_problem(response, 413)
    assert str(SMALL_REQUEST_LIMIT) in problem["detail"]
    assert problem["request_id"] == response.headers["x-request-id"]
    assert await row_counts(session) == before


async def test_a_chunked_body_without_length_is_cut_off_at_the_limit(
    limited_client: httpx.AsyncClient, session: AsyncSession, world: factories.World, writer_headers: dict[str, str]
) -> None:
    before = await row_counts(session)
    payload = json.dumps(factories.web_contact(body="y" * (4 * SMALL_REQUEST_LIMIT))).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(payload), 1024):
            yield payload[start : start + 1024]

    headers = {**writer_headers, "Content-Type": "application/json"}
    response = await limited_client.post(CONTACTS, content=chunks(), headers=headers)
    assert "content-length" not in response.request.headers
    factories.assert_problem(response, 413)
    assert await row_counts(session) == before


async def _call_raw(app: FastAPI, headers: list[tuple[bytes, bytes]], chunks: int, chunk: bytes) -> tuple[int, int]:
    """Send `chunks` copies of `chunk` straight through ASGI; returns the status and how many chunks were read."""
    read = 0
    messages: list[Message] = []

    async def receive() -> Message:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": chunk, "more_body": read < chunks}

    async def send(message: Message) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": CONTACTS,
        "raw_path": CONTACTS.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"genk3600.test"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("genk3600.test", 80),
        "state": {},
    }
    await app(scope, receive, send)
    start = next(message for message in messages if message["type"] == "http.response.start")
    return start["status"], read


async def test_a_lying_content_length_does_not_get_a_big_body_in(
    limited_app: FastAPI, world: factories.World, writer_headers: dict[str, str]
) -> None:
    key = writer_headers["Authorization"].removeprefix("Bearer ").encode()
    headers = [(b"content-length", b"100"), (b"x-api-key", key)]
    status, read = await _call_raw(limited_app, headers, chunks=64, chunk=b" " * 1024)
    assert status == 413
    assert read <= SMALL_REQUEST_LIMIT // 1024 + 1


async def test_memory_stays_bounded_for_an_endless_body(limited_app: FastAPI, world: factories.World) -> None:
    """A 640 MiB body announced as nothing: reading stops after the limit, memory stays near the limit."""
    chunk = b"[" * (64 * 1024)  # one reused buffer: only what the app keeps shows in the peak
    tracemalloc.start()
    try:
        status, read = await _call_raw(limited_app, [], chunks=10_000, chunk=chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 413
    assert read == 1
    assert peak < 2 * 1024 * 1024, peak


async def test_raw_mail_has_its_own_larger_limit(
    limited_client: httpx.AsyncClient, session: AsyncSession, world: factories.World, writer_headers: dict[str, str]
) -> None:
    headers = {**writer_headers, "Content-Type": "message/rfc822"}
    accepted = await limited_client.post("/v1/intake/mail", content=_mail(4 * SMALL_REQUEST_LIMIT), headers=headers)
    assert accepted.status_code == 201, accepted.text
    before = await row_counts(session)
    refused = await limited_client.post("/v1/intake/mail", content=_mail(SMALL_MAIL_LIMIT), headers=headers)
    assert str(SMALL_MAIL_LIMIT) in factories.assert_problem(refused, 413)["detail"]
    assert await row_counts(session) == before
