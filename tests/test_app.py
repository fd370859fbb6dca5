"""Cross-cutting behaviour of the HTTP layer: health, unknown routes, request ids, the OpenAPI spec."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from fastapi import FastAPI

from genk3600.cli import render_openapi
from tests.factories import assert_problem


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ready"}


async def test_unknown_route_and_method_are_problems(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/nothing-here"), 404)
    assert_problem(await client.delete("/v1/contacts"), 405)


async def test_request_id_is_echoed_and_in_problems(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/tickets", headers={"X-Request-ID": "trace-42"})
    assert response.headers["x-request-id"] == "trace-42"
    assert response.json()["request_id"] == "trace-42"
    hostile = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert hostile.headers["x-request-id"] != "bad id\twith spaces"


def test_committed_openapi_matches_the_code(app: FastAPI, repo_root: Path) -> None:
    committed = (repo_root / "openapi" / "openapi.json").read_text()
    assert committed == render_openapi(app.openapi()), "openapi/openapi.json is stale: run `make openapi`"


def test_every_operation_is_documented(app: FastAPI) -> None:
    spec = json.loads(render_openapi(app.openapi()))
    operation_ids = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            where = f"{method.upper()} {path}"
            operation_ids.append(operation["operationId"])
            assert operation.get("tags"), where
            assert operation.get("summary"), where
            assert operation.get("description"), where
            if path.startswith("/v1/") and not path.startswith("/v1/public/"):  # public: no credentials
                for status in ("401", "403", "422"):
                    content = operation["responses"][status]["content"]
                    assert "application/problem+json" in content, where
                assert operation.get("security"), where
    assert len(operation_ids) == len(set(operation_ids))
    assert "record_contact" in operation_ids
    assert "ProblemDetails" in spec["components"]["schemas"]
