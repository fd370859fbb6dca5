"""The routers' guard (kit/routing.py) answers as FastAPI's own matching does, only sooner."""

from __future__ import annotations

import itertools
import re
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI

from genk3600.app import create_app
from genk3600.config import Settings
from genk3600.kit.routing import guard_included_routers


def _guarded(app: FastAPI) -> list[Any]:
    return [route for route in app.router.routes if "matches" in vars(route)]


def _paths(app: FastAPI) -> set[str]:
    """Every route's template and, for each, a filled-in path, with and without a trailing slash, one longer and
    one shorter; and a few that match nothing or only a mount."""
    paths = {"/", "", "/v1", "/v1/", "/nothing-here", "/console", "/console/app.js", "/docs-assets/x.css"}
    for route in app.router.routes:
        for context in getattr(route, "effective_route_contexts", list)():
            filled = re.sub(r"\{[^}]+\}", "G3600-2026-000001", context.path_format)
            paths |= {context.path_format, filled, filled + "/", filled + "/more", filled[:-1]}
    return paths


def test_every_router_but_the_mounts_is_guarded_and_answers_as_fastapi_does(settings: Settings) -> None:
    app = create_app(settings)
    guarded = _guarded(app)
    assert len(guarded) >= 30
    for route in guarded:
        guard = route.matches.__self__
        for path, method, kind, root in itertools.product(
            sorted(_paths(app)), ["GET", "POST", "PATCH", "DELETE"], ["http", "websocket"], ["", "/api"]
        ):
            scope = {"type": kind, "method": method, "path": root + path, "root_path": root, "headers": []}
            assert guard.matches(dict(scope)) == guard.ask(dict(scope)), (path, method, kind, root)


async def test_a_route_added_to_an_included_router_later_is_found() -> None:
    router = APIRouter(prefix="/v1/extra")

    @router.get("/first")
    async def first() -> dict[str, str]:
        return {"route": "first"}

    app = FastAPI()
    app.include_router(router)
    guard_included_routers(app)

    @router.get("/second")
    async def second() -> dict[str, str]:
        return {"route": "second"}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        assert (await client.get("/v1/extra/first")).json() == {"route": "first"}
        assert (await client.get("/v1/extra/second")).json() == {"route": "second"}
        assert (await client.post("/v1/extra/second")).status_code == 405
        assert (await client.get("/v1/extra/third")).status_code == 404
