"""The committed spec follows docs/api-style.md: one way to name and shape things, so drift fails CI.

Each rule is a generator of findings over the spec, like the lint rules in test_openapi_quality.py; the last
test feeds a deliberately inconsistent spec to every rule so that none of them passes vacuously.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.test_openapi_quality import SPEC_PATH, component, operations, refs

Spec = dict[str, Any]
Rule = Callable[[Spec], Iterator[str]]

SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
SEGMENT = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# Each hyphen-separated word capitalised; ID stays upper case as in Last-Event-ID and X-Request-ID.
HEADER = re.compile(r"(ID|[A-Z][a-z0-9]*)(-(ID|[A-Z][a-z0-9]*))*")
PATH_PARAMETER = re.compile(r"[a-z][a-z0-9_]*_(id|code|name)|reference")
OUTSIDE_V1 = {"/healthz", "/readyz", "/metrics"}
# Names a period or position may not have (docs/api-style.md "Periods"), unless kept deprecated.
VAGUE_RANGE_NAMES = {"from", "to", "start", "end", "begin"}
OLD_NAME = re.compile(r"Old name of `([a-z_]+)`")
# OAuth-style scopes are `resource:action`, as clients know them from other APIs.
SCOPE = re.compile(r"[a-z]+:[a-z]+")


@pytest.fixture(scope="module")
def spec() -> Spec:
    loaded: Spec = json.loads(SPEC_PATH.read_text())
    return loaded


def _parameters(operation: dict[str, Any]) -> list[dict[str, Any]]:
    return list(operation.get("parameters", []))


def paths(spec: Spec) -> Iterator[str]:
    for path in spec["paths"]:
        if path not in OUTSIDE_V1 and not path.startswith("/v1/"):
            yield f"{path}: outside /v1/"
        for segment in path.strip("/").split("/"):
            if not segment.startswith("{") and not SEGMENT.fullmatch(segment):
                yield f"{path}: segment {segment!r} is not lower-case-with-hyphens"


def parameter_names(spec: Spec) -> Iterator[str]:
    for _path, where, operation in operations(spec):
        for parameter in _parameters(operation):
            name, place = parameter["name"], parameter["in"]
            if place == "path" and not PATH_PARAMETER.fullmatch(name):
                yield f"{where}: path parameter {{{name}}} does not say what it identifies (<thing>_id/_code/_name)"
            if place == "query" and not SNAKE.fullmatch(name):
                yield f"{where}: query parameter {name!r} is not snake_case"
            if place == "header" and not HEADER.fullmatch(name):
                yield f"{where}: header {name!r} is not in canonical HTTP casing"
            if place == "query" and name in VAGUE_RANGE_NAMES and not parameter.get("deprecated"):
                yield f"{where}: query parameter {name!r}: use first_day/last_day or since/until"


def deprecated_parameters(spec: Spec) -> Iterator[str]:
    for _path, where, operation in operations(spec):
        names = {parameter["name"] for parameter in _parameters(operation)}
        for parameter in _parameters(operation):
            if not parameter.get("deprecated"):
                continue
            match = OLD_NAME.search(parameter.get("description", ""))
            if match is None:
                yield f"{where}: deprecated {parameter['name']!r} does not say which parameter replaces it"
            elif match.group(1) not in names:
                yield f"{where}: deprecated {parameter['name']!r} names {match.group(1)!r}, which is not there"


def _properties(spec: Spec) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for schema_name, schema in spec["components"]["schemas"].items():
        for name, field in schema.get("properties", {}).items():
            yield schema_name, name, field


def _formats(field: dict[str, Any]) -> set[str]:
    variants = [field, *field.get("anyOf", []), *field.get("oneOf", [])]
    return {variant["format"] for variant in variants if "format" in variant}


def body_fields(spec: Spec) -> Iterator[str]:
    for schema_name, name, field in _properties(spec):
        where = f"components.schemas.{schema_name}.{name}"
        if not SNAKE.fullmatch(name):
            yield f"{where}: not snake_case"
        if name.endswith("_at") and "date-time" not in _formats(field):
            yield f"{where}: a moment (`_at`) must be a date-time"
        if name in {"first_day", "last_day", "day"} and "date" not in _formats(field):
            yield f"{where}: a day must be a date"
        if name in VAGUE_RANGE_NAMES and not field.get("deprecated"):
            yield f"{where}: use first_day/last_day or since/until"


def enum_values(spec: Spec) -> Iterator[str]:
    def walk(node: Any, where: str) -> Iterator[str]:
        if isinstance(node, dict):
            for value in node.get("enum", []):
                scope = where.endswith(".Scope") and SCOPE.fullmatch(str(value))
                if isinstance(value, str) and not SNAKE.fullmatch(value) and not scope:
                    yield f"{where}: enum value {value!r} is not a snake_case code"
            for key, value in node.items():
                if key not in {"example", "examples", "default", "const"}:
                    yield from walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{where}[{index}]")

    yield from walk(spec["components"]["schemas"], "components.schemas")


def _json_schema(operation: dict[str, Any], status: str) -> dict[str, Any] | None:
    content = operation["responses"].get(status, {}).get("content", {})
    media = content.get("application/json")
    return None if media is None else media.get("schema", {})


def pagination(spec: Spec) -> Iterator[str]:
    for _path, where, operation in operations(spec):
        names = {parameter["name"] for parameter in _parameters(operation) if parameter["in"] == "query"}
        if "cursor" not in names:
            continue
        if "limit" not in names:
            yield f"{where}: takes `cursor` but no `limit`"
        schema = _json_schema(operation, "200")
        targets = [component(spec, ref) for ref in refs(schema)] if schema else []
        if not any({"items", "next_cursor"} <= set(target.get("properties", {})) for target in targets):
            yield f"{where}: takes `cursor` but does not answer {{items, next_cursor}}"


def response_examples(spec: Spec) -> Iterator[str]:
    """Every success answer with a body shows an example: on the media type or on the schema it refers to."""
    for _path, where, operation in operations(spec):
        for status, response in operation["responses"].items():
            if not status.startswith("2"):
                continue
            for media_type, media in response.get("content", {}).items():
                schema = media.get("schema", {})
                candidates = [media, schema, *(component(spec, ref) for ref in refs(schema))]
                if not any("example" in node or "examples" in node for node in candidates):
                    yield f"{where}: {status} {media_type} has no example"


RULES: list[Rule] = [
    paths,
    parameter_names,
    deprecated_parameters,
    body_fields,
    enum_values,
    pagination,
    response_examples,
]


@pytest.mark.parametrize("rule", RULES, ids=[rule.__name__ for rule in RULES])
def test_spec_follows_the_style_guide(spec: Spec, rule: Rule) -> None:
    findings = list(rule(spec))
    assert not findings, "\n".join(findings)


def test_the_style_rules_catch_drift() -> None:
    page = {"$ref": "#/components/schemas/Things"}
    drifted: Spec = {
        "paths": {
            "/v1/Things/{code}": {
                "get": {
                    "parameters": [
                        {"name": "code", "in": "path"},
                        {"name": "if-match", "in": "header"},
                        {"name": "from", "in": "query"},
                        {"name": "unitCode", "in": "query"},
                        {"name": "cursor", "in": "query"},
                        {"name": "old", "in": "query", "deprecated": True, "description": "Old name of `new`."},
                    ],
                    "responses": {"200": {"content": {"application/json": {"schema": page}}}},
                }
            },
            "/things": {"get": {"responses": {}}},
        },
        "components": {
            "schemas": {
                "Things": {
                    "properties": {
                        "Items": {"type": "array"},
                        "created_at": {"type": "string"},
                        "to": {"type": "string", "format": "date"},
                        "state": {"enum": ["In Progress"]},
                    }
                }
            }
        },
    }
    for rule in RULES:
        assert list(rule(drifted)), f"{rule.__name__} found nothing wrong in a drifted spec"
