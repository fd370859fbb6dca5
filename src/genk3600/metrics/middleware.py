"""Request latency per route template, method and status (per process: each replica is scraped on its own)."""

from __future__ import annotations

import time

from prometheus_client import Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "<unmatched>"  # 404s for made-up paths share one label, so scanners cannot blow up the series


def request_histogram() -> Histogram:
    """A histogram of its own per app (not the global registry), so several apps in one process stay apart."""
    return Histogram(
        "genk3600_http_request_duration_seconds",
        "Time from request to the end of the response, by route template, method and status.",
        ["route", "method", "status"],
        registry=None,
    )


class RequestMetricsMiddleware:
    def __init__(self, app: ASGIApp, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            # The router writes the matched route into the scope; its path is the template (/v1/tickets/{reference}).
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            self.histogram.labels(route, scope["method"], str(status)).observe(time.perf_counter() - started)
