"""The committed spec is what integrators build on: it must validate and lint clean.

Validation is `openapi-spec-validator` (the OpenAPI 3.1 meta-schema plus its semantic checks). Linting is a
Python port of the rules of Spectral's `spectral:oas` ruleset that matter for this API, plus the house
rules of issue 7. Spectral itself is a Node tool; the CI of this project is Python only (`make test` needs
just Python and make), so pulling in Node and npm for one linter is not worth it. The rules below are small,
explicit and fail with the operation at fault. What they check, with the Spectral rule they stand for:

- every operation has an `operationId` (`operation-operationId`), unique (`operation-operationId-unique`)
  and usable in a URL (`operation-operationId-valid-in-url`);
- a `summary` and a `description` (`operation-summary`, `operation-description`);
- tags, each declared at top level with a description (`operation-tags`, `operation-tag-defined`,
  `tag-description`), and no declared tag unused (Spectral's `openapi-tags` family);
- at least one 2xx response (`operation-success-response`) that has a schema (204 has no body);
- every 4xx and 5xx response is `application/problem+json` with a schema; every non-public `/v1` operation
  documents its 4xx errors (house rule: RFC 9457 everywhere);
- every JSON request body has an example (on the media type, the schema, or the referenced component);
- every example validates against its schema (`oas3-valid-media-example`, `oas3-valid-schema-example`);
- every component schema is referenced (`oas3-unused-component`);
- path parameters are declared (`path-params`), no trailing slashes or query strings in paths
  (`path-keys-no-trailing-slash`, `path-not-include-query`), enums have no duplicates
  (`duplicated-entry-in-enum`), the API has a description (`info-description`).

Not checked: `oas3-api-servers` (deployments differ; clients pass their own base URL) and `info-contact`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
PROBLEM = "application/problem+json"
SPEC_URI = "urn:genk3600:openapi"

Spec = dict[str, Any]
Rule = Callable[[Spec], Iterator[str]]


@pytest.fixture(scope="module")
def spec() -> Spec:
    loaded: Spec = json.loads(SPEC_PATH.read_text())
    return loaded


def test_committed_spec_validates(spec: Spec) -> None:
    validate(spec)  # raises with the failing part of the document


def operations(spec: Spec) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, f"{method.upper()} {path}", operation


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def component(spec: Spec, ref: str) -> dict[str, Any]:
    prefix = "#/components/schemas/"
    assert ref.startswith(prefix), ref
    schema: dict[str, Any] = spec["components"]["schemas"][ref.removeprefix(prefix)]
    return schema


def is_public(path: str) -> bool:
    return not path.startswith("/v1/") or path.startswith("/v1/public/")


# --- rules ------------------------------------------------------------------------------------------


def operation_ids(spec: Spec) -> Iterator[str]:
    seen: dict[str, str] = {}
    for _path, where, operation in operations(spec):
        operation_id = operation.get("operationId")
        if not operation_id:
            yield f"{where}: no operationId"
            continue
        if not re.fullmatch(r"[A-Za-z0-9_.~-]+", operation_id):
            yield f"{where}: operationId {operation_id!r} is not URL-safe"
        if operation_id in seen:
            yield f"{where}: operationId {operation_id!r} also used by {seen[operation_id]}"
        seen[operation_id] = where


def summaries_and_descriptions(spec: Spec) -> Iterator[str]:
    if not spec["info"].get("description", "").strip():
        yield "info: no description"
    for _path, where, operation in operations(spec):
        for field in ("summary", "description"):
            if not str(operation.get(field, "")).strip():
                yield f"{where}: no {field}"


def tags(spec: Spec) -> Iterator[str]:
    declared = {tag["name"]: tag for tag in spec.get("tags", [])}
    for name, tag in declared.items():
        if not tag.get("description"):
            yield f"tag {name!r}: no description"
    used: set[str] = set()
    for _path, where, operation in operations(spec):
        if not operation.get("tags"):
            yield f"{where}: no tags"
        for tag in operation.get("tags", []):
            used.add(tag)
            if tag not in declared:
                yield f"{where}: tag {tag!r} is not declared at top level"
    for name in sorted(set(declared) - used):
        yield f"tag {name!r} is declared but no operation uses it"


def success_responses(spec: Spec) -> Iterator[str]:
    for _path, where, operation in operations(spec):
        successes = {status: r for status, r in operation["responses"].items() if status.startswith("2")}
        if not successes:
            yield f"{where}: no 2xx response"
        for status, response in successes.items():
            content = response.get("content", {})
            if status == "204":
                if content:
                    yield f"{where}: 204 with a body"
                continue
            if not content:
                yield f"{where}: {status} has no content"
            for media_type, media in content.items():
                if "schema" not in media:
                    yield f"{where}: {status} {media_type} has no schema"


def error_responses(spec: Spec) -> Iterator[str]:
    for path, where, operation in operations(spec):
        errors = {status: r for status, r in operation["responses"].items() if status[0] in "45"}
        if not is_public(path) and not any(status.startswith("4") for status in errors):
            yield f"{where}: no 4xx response documented"
        for status, response in errors.items():
            content = response.get("content", {})
            if set(content) != {PROBLEM}:
                yield f"{where}: {status} is {sorted(content)}, not only {PROBLEM}"
            elif "schema" not in content[PROBLEM]:
                yield f"{where}: {status} {PROBLEM} has no schema"


def request_examples(spec: Spec) -> Iterator[str]:
    for _path, where, operation in operations(spec):
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
            if "json" not in media_type:
                continue
            schema = media.get("schema", {})
            candidates = [media, schema]
            candidates += [component(spec, ref) for ref in refs(schema) if ref.startswith("#/components/")]
            if not any("example" in node or "examples" in node for node in candidates):
                yield f"{where}: request body {media_type} has no example"


def examples_match_schemas(spec: Spec) -> Iterator[str]:
    # The whole spec is one resource, so `#/components/schemas/...` resolves inside it.
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, Resource(contents=spec, specification=DRAFT202012))

    def check(where: str, schema: dict[str, Any], example: Any) -> Iterator[str]:
        for error in Draft202012Validator(schema, registry=registry).iter_errors(example):
            yield f"{where}: example does not match its schema at {list(error.absolute_path)}: {error.message}"

    def media_examples(media: dict[str, Any]) -> Iterator[Any]:
        if "example" in media:
            yield media["example"]
        for named in media.get("examples", {}).values():
            if "value" in named:
                yield named["value"]

    for _path, where, operation in operations(spec):
        bodies = [("request", operation.get("requestBody", {}))]
        bodies += [(status, response) for status, response in operation["responses"].items()]
        for label, body in bodies:
            for media_type, media in body.get("content", {}).items():
                schema = _absolute(media.get("schema", {}))
                for example in media_examples(media):
                    yield from check(f"{where} {label} {media_type}", schema, example)
    for name, schema in spec["components"]["schemas"].items():
        for example in schema.get("examples", []):
            yield from check(f"components.schemas.{name}", _absolute(schema), example)


def _absolute(schema: Any) -> Any:
    """Local `#/components/...` references made absolute, to resolve against the registered spec."""
    if isinstance(schema, dict):
        return {
            key: f"{SPEC_URI}{value}" if key == "$ref" and isinstance(value, str) else _absolute(value)
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_absolute(value) for value in schema]
    return schema


def unused_components(spec: Spec) -> Iterator[str]:
    schemas = spec["components"]["schemas"]
    reached = {ref.rsplit("/", 1)[-1] for ref in refs(spec["paths"])}
    frontier = set(reached)
    while frontier:
        found = {ref.rsplit("/", 1)[-1] for name in frontier for ref in refs(schemas.get(name, {}))}
        frontier = found - reached
        reached |= found
    for name in sorted(set(schemas) - reached):
        yield f"components.schemas.{name} is never referenced"


def paths_and_parameters(spec: Spec) -> Iterator[str]:
    for path, where, operation in operations(spec):
        if path != "/" and path.endswith("/"):
            yield f"{where}: trailing slash"
        if "?" in path:
            yield f"{where}: query string in the path"
        declared = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"}
        templated = set(re.findall(r"{([^}]+)}", path))
        if declared != templated:
            yield f"{where}: path parameters {sorted(declared)} do not match the template {sorted(templated)}"


def enums(spec: Spec) -> Iterator[str]:
    def walk(node: Any, where: str) -> Iterator[str]:
        if isinstance(node, dict):
            values = node.get("enum")
            if isinstance(values, list) and len({json.dumps(v) for v in values}) != len(values):
                yield f"{where}: duplicate enum values {values}"
            for key, value in node.items():
                yield from walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{where}[{index}]")

    yield from walk(spec, "$")


def component_names(spec: Spec) -> Iterator[str]:
    # Two models of one name in different modules get FastAPI's long module-qualified names, which client
    # generators refuse as duplicates (openapi-python-client drops every schema that uses them).
    for name in spec.get("components", {}).get("schemas", {}):
        if "__" in name:
            yield f"components.schemas.{name}: two models share a class name; give one its own"


RULES: list[Rule] = [
    operation_ids,
    component_names,
    summaries_and_descriptions,
    tags,
    success_responses,
    error_responses,
    request_examples,
    examples_match_schemas,
    unused_components,
    paths_and_parameters,
    enums,
]


@pytest.mark.parametrize("rule", RULES, ids=[rule.__name__ for rule in RULES])
def test_spec_lints_clean(spec: Spec, rule: Rule) -> None:
    problems = list(rule(spec))
    assert not problems, "\n".join(problems)


def test_the_linter_catches_gaps() -> None:
    """The rules are not vacuous: a deliberately poor spec breaks each of them."""
    ref = {"$ref": "#/components/schemas/Thing"}
    poor: Spec = {
        "openapi": "3.1.0",
        "info": {"title": "poor", "version": "1"},
        "tags": [{"name": "unused"}],
        "paths": {
            "/v1/things/{thing_id}/": {
                "post": {
                    "operationId": "has space",
                    "tags": ["undeclared"],
                    "requestBody": {"content": {"application/json": {"schema": ref}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"example": 1}}}},
                },
                "get": {
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": ref, "example": 3}}},
                        "404": {"description": "nope", "content": {"application/json": {"schema": ref}}},
                    }
                },
            }
        },
        "components": {
            "schemas": {
                "Thing": {"type": "object", "properties": {"kind": {"enum": ["a", "a"]}}},
                "Orphan": {"type": "string"},
                "genk3600__things__Thing": {"type": "string"},
            }
        },
    }
    for rule in RULES:
        assert list(rule(poor)), f"{rule.__name__} found nothing wrong in a poor spec"
