"""The routers' guard (kit/routing.py) answers as FastAPI's own matching does, only sooner."""

from __future__ import annotations

import itertools
import re
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from starlette.routing import Match

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


def _assert_answers_as_fastapi_does(guarded: list[Any], paths: set[str]) -> None:
    for route in guarded:
        guard = route.matches.__self__
        for path, method, kind, root in itertools.product(
            sorted(paths), ["GET", "POST", "PATCH", "DELETE"], ["http", "websocket"], ["", "/api"]
        ):
            scope = {"type": kind, "method": method, "path": root + path, "root_path": root, "headers": []}
            assert guard.matches(dict(scope)) == guard.ask(dict(scope)), (path, method, kind, root)


def test_every_router_but_the_mounts_is_guarded_and_answers_as_fastapi_does(settings: Settings) -> None:
    app = create_app(settings)
    guarded = _guarded(app)
    assert len(guarded) >= 30
    _assert_answers_as_fastapi_does(guarded, _paths(app))


def test_prefixes_of_includes_nested_includes_and_plain_routes_are_matched_as_fastapi_does() -> None:
    # The app's own routers are included without a prefix; the guard reads the include's prefix itself.
    inner = APIRouter(prefix="/letters")

    @inner.get("/{letter_id}")
    async def letter(letter_id: str) -> dict[str, str]:
        return {"letter": letter_id}

    outer = APIRouter(prefix="/cases")

    @outer.post("/{case_id}/notes/")
    async def note(case_id: str) -> dict[str, str]:
        return {"case": case_id}

    outer.add_route("/plain/{name:path}", lambda request: None, methods=["GET"])
    outer.add_websocket_route("/live", lambda websocket: None)
    outer.mount("/files", FastAPI())
    outer.include_router(inner, prefix="/inner")
    app = FastAPI()
    app.include_router(outer, prefix="/v2")
    guard_included_routers(app)

    guarded = _guarded(app)
    assert len(guarded) == 1
    assert guarded[0].matches.__self__.expression is not None
    paths = {
        "/v2/cases/7/notes/",
        "/v2/cases/7/notes",
        "/cases/7/notes/",
        "/v2/plain/a/b",
        "/v2/live",
        "/v2/files",
        "/v2/files/",
        "/v2/files/x.pdf",
        "/v2/cases/inner/letters/9",
        "/v2/cases/letters/9",
        "/cases/inner/letters/9",
        "/v2/cases/inner/letters/9/",
        "/v2",
        "/",
    }
    _assert_answers_as_fastapi_does(guarded, paths)
    found = {
        path for path in paths if guarded[0].matches({"type": "http", "method": "GET", "path": path})[0] != Match.NONE
    }
    assert found >= {"/v2/plain/a/b", "/v2/files/x.pdf", "/v2/cases/inner/letters/9", "/v2/cases/7/notes/"}


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
