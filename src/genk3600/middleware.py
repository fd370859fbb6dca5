"""Request ids, the access log and the request body size limit.

The id comes from a sane `X-Request-ID` or is made up; it is echoed back and put in problem bodies.
The access log names method, path, status and duration but never the query string: lookups carry
phone and national numbers there, and those must not end up in log files.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from logging.handlers import QueueHandler, QueueListener
from queue import Empty, SimpleQueue

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from genk3600.errors import PROBLEM_BASE, PROBLEM_MEDIA_TYPE, localise
from genk3600.i18n.catalogue import P_
from genk3600.kit.clock import SYSTEM_CLOCK, Clock, clock_var
from genk3600.kit.reader import language_of
from genk3600.models.enums import Language

REQUEST_ID_HEADER = b"x-request-id"
_SANE_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,100}$")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
client_address_var: ContextVar[str | None] = ContextVar("client_address", default=None)
access_log = logging.getLogger("genk3600.access")


class _PollingListener(QueueListener):
    """A QueueListener that looks for lines every `interval` seconds instead of waiting on the queue.

    Waiting on it woke the writer thread for every line: a futex wake and the GIL handed to the writer and back
    inside each request. With the access log off, a queue page at 1M tickets cost 1.3-1.4 instead of 2.0-2.1 ms
    of the app's CPU (bench/reads.py asgi, #16), while writing the line straight to a file costs about 9 µs: the
    rest was the wake-ups. Polling wakes the thread a few times a second, whatever the rate, and a line reaches
    the file at most `interval` later. Stopping still writes everything queued first."""

    def __init__(self, lines: SimpleQueue[logging.LogRecord], *handlers: logging.Handler, interval: float) -> None:
        super().__init__(lines, *handlers, respect_handler_level=True)
        self.lines = lines
        self.interval = interval

    def dequeue(self, block: bool) -> logging.LogRecord:
        while True:
            try:
                return self.lines.get_nowait()
            except Empty:
                if not block:
                    raise
                time.sleep(self.interval)


ACCESS_LOG_INTERVAL_SECONDS = 0.1


def queue_access_log() -> Callable[[], None]:
    """Send the access log through a queue to the handlers it would reach anyway (the root logger's, as the
    process configured them): a request only formats and enqueues its line, a thread writes it, so no request
    waits on a file or a pipe. Returns what undoes it (at shutdown, after writing what is queued)."""
    handlers = logging.getLogger().handlers
    if access_log.handlers or not handlers:
        return lambda: None  # configured otherwise already, or nowhere to write
    lines: SimpleQueue[logging.LogRecord] = SimpleQueue()
    listener = _PollingListener(lines, *handlers, interval=ACCESS_LOG_INTERVAL_SECONDS)
    enqueue = QueueHandler(lines)
    access_log.addHandler(enqueue)
    access_log.propagate = False
    listener.start()

    def undo() -> None:
        access_log.removeHandler(enqueue)
        access_log.propagate = True
        listener.stop()

    return undo


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, clock: Clock = SYSTEM_CLOCK) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER, b"")
        request_id = given.decode() if _SANE_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        client = scope.get("client")
        address_token = client_address_var.set(client[0] if client else None)
        clock_token = clock_var.set(self.clock)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            access_log.info(
                "%s %s %s %.1fms request_id=%s", scope["method"], scope["path"], status, elapsed_ms, request_id
            )
            request_id_var.reset(token)
            client_address_var.reset(address_token)
            clock_var.reset(clock_token)


TOO_LARGE = P_("The request body is larger than the {limit} bytes accepted.")


class RequestTooLarge(HTTPException):
    """Raised from `receive` once the body outgrows the limit; an HTTPException, so FastAPI passes it on as is."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, localise(TOO_LARGE, {"limit": limit}, Language.en))
        self.limit = limit


class BodySizeLimitMiddleware:
    """Refuses bodies over the limit with 413 problem+json, counting bytes as they stream in.

    A declared Content-Length over the limit is refused before a byte is read. A body without Content-Length
    (chunked), or with one that understates it, is counted chunk by chunk: reading stops at the first chunk
    past the limit, so at most the limit plus one chunk is ever held in memory. Some paths (raw mail) carry
    a larger limit of their own.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, path_limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = path_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_limits.get(scope["path"], self.max_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(scope, limit)(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLarge(limit)
            return message

        await self.app(scope, receive_within_limit, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            # A malformed value counts as absent: the streamed bytes are counted all the same.
            return int(value) if value.isdigit() else None
    return None


def _too_large(scope: Scope, limit: int) -> JSONResponse:
    # Built here rather than by the problem handlers: the app is never called for a body refused up front.
    language = language_of(_header(scope, b"accept-language"))
    body = {
        "type": PROBLEM_BASE + "payload-too-large",
        "title": localise(P_("Request body too large"), {}, language),
        "status": 413,
        "detail": localise(TOO_LARGE, {"limit": limit}, language),
        "instance": scope["path"],
        "request_id": request_id_var.get(),
    }
    # Connection: close, because the unread body is still on its way and must not be taken for the next request.
    return JSONResponse(body, status_code=413, media_type=PROBLEM_MEDIA_TYPE, headers={"Connection": "close"})
