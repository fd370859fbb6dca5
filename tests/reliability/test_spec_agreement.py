"""What the server answers is what its spec says: the bodies validate against the response schemas with formats
checked, and a 405 names every method the spec lists for its path."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from genk3600.config import Settings
from tests.reliability.conftest import DisposablePostgres, in_process_api

pytestmark = pytest.mark.process

# Routes that take more than one method: Starlette named only the first route's (`Allow: GET`).
MULTI_METHOD_PATHS = {
    "/v1/units": "/v1/units",
    "/v1/staff": "/v1/staff",
    "/v1/categories": "/v1/categories",
    "/v1/sla/policies": "/v1/sla/policies",
    "/v1/calendar/closing-days": "/v1/calendar/closing-days",
    "/v1/calendar/opening-hours/1": "/v1/calendar/opening-hours/{opening_hours_id}",
    "/v1/products": "/v1/products",
    "/v1/products/grofvuil-ophalen": "/v1/products/{product_code}",
}


def response_schema(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    schema = spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
    # OpenAPI 3.1 schemas are JSON Schema 2020-12; their $refs point into the spec's components.
    return {**schema, "components": spec["components"]}


def assert_matches_spec(body: Any, schema: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(body)]
    assert not errors, errors


async def test_local_times_in_answers_match_the_spec(disposable: DisposablePostgres, settings: Settings) -> None:
    async with in_process_api(disposable.new_database(), settings, disposable.admin_key) as api:
        spec = (await api.get("/openapi.json")).json()

        rules = await api.get("/v1/routing/rules")
        assert rules.status_code == 200, rules.text
        # The demo's evening rule: the times the issue found ("19:00:00" against `format: time`).
        windows = [rule["conditions"] for rule in rules.json() if rule["conditions"].get("local_time_from")]
        assert windows, "the demo data has a rule with a time window"
        assert windows[0]["local_time_from"] == "19:00:00"
        assert_matches_spec(rules.json(), response_schema(spec, "/v1/routing/rules", "get"))

        created = await api.post(
            "/v1/calendar/opening-hours", json={"unit": None, "weekday": 5, "opens": "09:00", "closes": "12:30"}
        )
        assert created.status_code == 201, created.text
        assert_matches_spec(
            created.json(), response_schema(spec, "/v1/calendar/opening-hours/{opening_hours_id}", "get")
        )
        hours = await api.get("/v1/calendar/opening-hours")
        assert_matches_spec(hours.json(), response_schema(spec, "/v1/calendar/opening-hours", "get"))

        # What the spec refuses, the server refuses too: a time with an offset is not a local time.
        offset = await api.post(
            "/v1/calendar/opening-hours", json={"unit": None, "weekday": 6, "opens": "09:00+01:00", "closes": "12:00"}
        )
        assert offset.status_code == 422, offset.text


async def test_405_allows_every_method_of_the_path(disposable: DisposablePostgres, settings: Settings) -> None:
    async with in_process_api(disposable.new_database(), settings, disposable.admin_key) as api:
        spec = (await api.get("/openapi.json")).json()
        for path, spec_path in MULTI_METHOD_PATHS.items():
            methods = {method.upper() for method in spec["paths"][spec_path]}
            assert len(methods) > 1, spec_path
            answer = await api.patch(path, json={})
            assert answer.status_code == 405, path
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert {method.strip() for method in answer.headers["Allow"].split(",")} == methods, path
