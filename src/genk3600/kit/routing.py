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
from fastapi.routing import APIRoute, APIRouter
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Mount, Route, WebSocketRoute
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
        patterns = [_path_pattern(context) for context in self.included.effective_route_contexts()]
        if not patterns or any(pattern is None for pattern in patterns):
            self.expression = None  # a route that matches by more than its path (a host, a frontend): no guard
            return
        self.expression = re.compile("|".join(f"(?:{_NAMED_GROUP.sub('(?:', p)})" for p in patterns if p))

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


def _path_pattern(context: Any) -> str | None:
    """The path expression a route of an included router matches by, with the include's prefix; None if it
    matches by anything more."""
    original: BaseRoute = context.original_route
    if isinstance(original, APIRoute):
        regex = context.path_regex
        return None if regex is None else str(regex.pattern)
    route = context.starlette_route
    if type(route) in (Route, Mount, WebSocketRoute):  # their own `matches`: the expression, then the method
        return str(route.path_regex.pattern)
    return None
