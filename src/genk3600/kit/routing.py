"""Route matching that skips, in one regular-expression match, an included router none of whose routes can match.

FastAPI (0.165) tries the app's included routers in order for every request, and each of them tries its routes
one by one (a scope key set and restored per route, the router's route version recomputed): 0.15 to 0.6 ms
before `GET /v1/tickets/{reference}`, the ninth router, is reached. A route matches a path only if its path
regular expression does (then the method decides between a full and a partial match), so a router whose routes'
expressions, joined into one, do not match the path answers "no match" whatever the method: the guard says so
without asking its routes. Where the guard's expression matches, the router is asked as before, so which route
answers any request (405s, the trailing-slash redirect, 404s) is unchanged; the routes, their order and the
OpenAPI document are untouched.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRouter
from starlette._utils import get_route_path
from starlette.routing import Match, Mount, Route, WebSocketRoute, compile_path
from starlette.types import Scope

_NAMED_GROUP = re.compile(r"\(\?P<[^>]+>")


def guard_included_routers(app: FastAPI) -> None:
    """Put the guard on every router included in `app` whose routes all match by their path (call it once, after
    the last `include_router`; a router included later is tried as FastAPI tries it)."""
    for route in app.router.routes:
        if hasattr(route, "effective_route_contexts") and hasattr(route, "original_router"):
            _RouterGuard(route).install()


class _RouterGuard:
    """The guard of one included router: one expression, rebuilt when a route is added to it or to a router it
    includes (FastAPI counts such changes per router)."""

    def __init__(self, included: Any) -> None:
        self.included = included
        self.ask = included.matches
        self.versions: list[tuple[APIRouter, int]] = []
        self.expression: re.Pattern[str] | None = None

    def install(self) -> None:
        self._build()
        if self.expression is not None:
            self.included.matches = self.matches

    def _build(self) -> None:
        self.versions = [(router, router._routes_version) for router in _routers(self.included.original_router)]
        patterns = _path_patterns(self.included.original_router, self.included.include_context.prefix)
        if not patterns:
            self.expression = None  # a route that matches by more than its path (a host, a frontend): no guard
            return
        self.expression = re.compile("|".join(f"(?:{_NAMED_GROUP.sub('(?:', p)})" for p in patterns))

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        for router, version in self.versions:
            if router._routes_version != version:
                self._build()
                break
        expression = self.expression
        if expression is not None and scope["type"] in ("http", "websocket"):
            if expression.match(get_route_path(scope)) is None:
                return Match.NONE, {}
        match: tuple[Match, Scope] = self.ask(scope)
        return match


def _routers(router: APIRouter) -> list[APIRouter]:
    """The router and every router it includes, however deep."""
    found = [router]
    for route in router.routes:
        inner = getattr(route, "original_router", None)
        if isinstance(inner, APIRouter):
            found.extend(_routers(inner))
    return found


def _path_patterns(router: APIRouter, prefix: str) -> list[str] | None:
    """The path expressions the routes of `router`, included under `prefix`, match by, as FastAPI compiles them
    for the include (`prefix + path`; a mount's with `/{path:path}`), routers it includes under their own prefix
    too; None if a route matches by anything more. Read from the routes themselves: FastAPI's effective route
    contexts would build every route's dependencies and models up front (0.6 to 1 s of CPU per app on this
    project's 2-core machine), which FastAPI otherwise does for a router only when a request first reaches it."""
    patterns: list[str] = []
    for route in router.routes:
        included = getattr(route, "original_router", None)
        if isinstance(included, APIRouter):
            inner = _path_patterns(included, prefix + route.include_context.prefix)  # type: ignore[attr-defined]
            if inner is None:
                return None
            patterns.extend(inner)
        elif isinstance(route, Route) or type(route) is WebSocketRoute:  # APIRoute is a Route
            patterns.append(compile_path(prefix + route.path)[0].pattern)
        elif type(route) is Mount:
            patterns.append(compile_path((prefix + route.path).rstrip("/") + "/{path:path}")[0].pattern)
        else:
            return None
    return patterns
