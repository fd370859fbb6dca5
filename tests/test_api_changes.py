"""No breaking change to the API slips out unannounced: the spec is compared with the last released one.

`openapi/released/<version>.json` is the spec integrators were given last (the newest file there). A change is
breaking when a client written against that spec can fail against this one:

- an operation is gone (paths compare by their shape: renaming `{code}` to `{unit_code}` changes nothing on
  the wire);
- a parameter is gone, or a parameter became required (or a new one is required);
- a request body field is gone, a new field is required, or a field accepts less (type, enum values, length,
  range, pattern);
- a response field is gone, no longer always there, or may now hold a type it could not before (e.g. null).

Not breaking, by the change policy in `openapi/CHANGELOG.md`: new operations, optional parameters and fields,
and new enum values in answers (clients must tolerate values they do not know).

A breaking change passes only when the *Unreleased* section of the changelog has a line naming both the
operation (`METHOD /path`, as in the current spec) and the thing, in backticks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.test_openapi_quality import METHODS, SPEC_PATH

RELEASED = SPEC_PATH.parent / "released"
CHANGELOG = SPEC_PATH.parent / "CHANGELOG.md"
Spec = dict[str, Any]


@dataclass(frozen=True)
class Break:
    operation: str  # "GET /v1/tickets/{reference}" as in the current spec (or the released one when it is gone)
    subject: str  # the parameter, field or operation concerned
    why: str

    def __str__(self) -> str:
        return f"{self.operation}: `{self.subject}` {self.why}"


def last_released() -> Spec:
    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in path.stem.split("."))

    newest = max(RELEASED.glob("*.json"), key=version)
    loaded: Spec = json.loads(newest.read_text())
    return loaded


def _shape(path: str) -> str:
    return re.sub(r"{[^}]+}", "{}", path)


def _operations(spec: Spec) -> dict[str, tuple[str, dict[str, Any]]]:
    found = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                found[f"{method.upper()} {_shape(path)}"] = (f"{method.upper()} {path}", operation)
    return found


class Resolver:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec

    def __call__(self, schema: Any) -> dict[str, Any]:
        """The schema with `$ref`s and single-branch `allOf`s followed."""
        while isinstance(schema, dict):
            if "$ref" in schema:
                schema = self.spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
            elif len(schema.get("allOf", [])) == 1:
                schema = schema["allOf"][0]
            else:
                return schema
        return {}

    def variants(self, schema: Any) -> list[dict[str, Any]]:
        schema = self(schema)
        branches = schema.get("anyOf") or schema.get("oneOf")
        if branches:
            return [variant for branch in branches for variant in self.variants(branch)]
        return [schema]

    def types(self, schema: Any) -> set[str]:
        kinds: set[str] = set()
        for variant in self.variants(schema):
            declared = variant.get("type")
            if declared is None:
                kinds.add("any" if not variant.get("enum") and "const" not in variant else "enum")
            else:
                kinds.update([declared] if isinstance(declared, str) else declared)
        return kinds


def _narrowed(old: dict[str, Any], new: dict[str, Any], old_types: set[str], new_types: set[str]) -> str | None:
    """Why `new` accepts less than `old` (for input), or None."""
    if "any" not in new_types and not old_types <= new_types | ({"integer"} if "number" in new_types else set()):
        return f"accepts {sorted(new_types)} instead of {sorted(old_types)}"
    if "enum" in new and (dropped := set(old.get("enum", new["enum"])) - set(new["enum"])):
        return f"no longer accepts {sorted(dropped)}"
    if "enum" in new and "enum" not in old and old_types & {"string", "integer"}:
        return "accepts only listed values now"
    for bound, tighter in (("maxLength", min), ("maximum", min), ("minLength", max), ("minimum", max)):
        if bound in new and (bound not in old or tighter(old[bound], new[bound]) == new[bound] != old[bound]):
            return f"has a tighter {bound} ({old.get(bound)} → {new[bound]})"
    if new.get("pattern") and new.get("pattern") != old.get("pattern"):
        return "has a new pattern"
    return None


def _merged(resolve: Resolver, schema: Any) -> dict[str, Any]:
    """One dict for a schema that may be `T | null`: the non-null branch's constraints."""
    variants = [variant for variant in resolve.variants(schema) if variant.get("type") != "null"]
    return variants[0] if len(variants) == 1 else resolve(schema)


def _input_breaks(
    operation: str, where: str, old_schema: Any, new_schema: Any, old: Resolver, new: Resolver, depth: int = 0
) -> Iterator[Break]:
    old_s, new_s = _merged(old, old_schema), _merged(new, new_schema)
    reason = _narrowed(old_s, new_s, old.types(old_schema), new.types(new_schema))
    if reason:
        yield Break(operation, where, reason)
    if depth > 6:
        return
    old_props, new_props = old_s.get("properties", {}), new_s.get("properties", {})
    for name in sorted(set(new_s.get("required", [])) - set(old_s.get("required", []))):
        yield Break(operation, f"{where}.{name}".lstrip("."), "is a new required field")
    for name in sorted(set(old_props) - set(new_props)):
        if new_s.get("additionalProperties") is False:
            yield Break(operation, f"{where}.{name}".lstrip("."), "is no longer accepted")
    for name in sorted(set(old_props) & set(new_props)):
        yield from _input_breaks(
            operation, f"{where}.{name}".lstrip("."), old_props[name], new_props[name], old, new, depth + 1
        )


def _output_breaks(
    operation: str, where: str, old_schema: Any, new_schema: Any, old: Resolver, new: Resolver, depth: int = 0
) -> Iterator[Break]:
    old_types, new_types = old.types(old_schema), new.types(new_schema)
    if "any" not in old_types and (added := new_types - old_types - {"enum"}):
        yield Break(operation, where or "body", f"may now be {sorted(added)}")
    if depth > 6:
        return
    old_s, new_s = _merged(old, old_schema), _merged(new, new_schema)
    old_props, new_props = old_s.get("properties", {}), new_s.get("properties", {})
    for name in sorted(set(old_props) - set(new_props)):
        yield Break(operation, f"{where}.{name}".lstrip("."), "is gone from the answer")
    for name in sorted(set(old_s.get("required", [])) - set(new_s.get("required", [])) & set(new_props)):
        yield Break(operation, f"{where}.{name}".lstrip("."), "is no longer always in the answer")
    for name in sorted(set(old_props) & set(new_props)):
        yield from _output_breaks(
            operation, f"{where}.{name}".lstrip("."), old_props[name], new_props[name], old, new, depth + 1
        )
    if "items" in old_s and "items" in new_s:
        yield from _output_breaks(operation, f"{where}[]", old_s["items"], new_s["items"], old, new, depth + 1)


def breaking_changes(released: Spec, current: Spec) -> Iterator[Break]:
    old, new = Resolver(released), Resolver(current)
    before, after = _operations(released), _operations(current)
    for shape, (label, _) in sorted(before.items()):
        if shape not in after:
            yield Break(label, label, "is gone")
    for shape in sorted(set(before) & set(after)):
        (_, was), (label, now) = before[shape], after[shape]
        yield from _parameter_breaks(label, was, now, old, new)
        old_body = was.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        new_body = now.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        if new_body is not None and old_body is None and now["requestBody"].get("required"):
            yield Break(label, "body", "is required now")
        if old_body is not None and new_body is not None:
            yield from _input_breaks(label, "", old_body, new_body, old, new)
        for status, response in was.get("responses", {}).items():
            if not status.startswith("2"):
                continue
            if status not in now["responses"]:
                yield Break(label, status, "is no longer answered")
                continue
            old_out = response.get("content", {}).get("application/json", {}).get("schema")
            new_out = now["responses"][status].get("content", {}).get("application/json", {}).get("schema")
            if old_out is not None and new_out is not None:
                yield from _output_breaks(label, "", old_out, new_out, old, new)


def _parameter_breaks(
    label: str, was: dict[str, Any], now: dict[str, Any], old: Resolver, new: Resolver
) -> Iterator[Break]:
    def keyed(operation: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
        # Header names are case-insensitive on the wire; path parameters match by position, not name.
        keys = {}
        path_index = 0
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                keys[("path", str(path_index))] = parameter
                path_index += 1
            else:
                name = parameter["name"].lower() if parameter["in"] == "header" else parameter["name"]
                keys[(parameter["in"], name)] = parameter
        return keys

    before, after = keyed(was), keyed(now)
    for key in sorted(set(before) - set(after)):
        yield Break(label, before[key]["name"], f"({key[0]} parameter) is gone")
    for key in sorted(after):
        parameter = after[key]
        if parameter.get("required") and not before.get(key, {}).get("required"):
            yield Break(label, parameter["name"], f"({key[0]} parameter) is required now")
        if key in before:
            yield from _input_breaks(
                label, parameter["name"], before[key].get("schema", {}), parameter.get("schema", {}), old, new
            )


def unreleased_section() -> str:
    text = CHANGELOG.read_text()
    match = re.search(r"^## Unreleased\s*$(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    assert match is not None, "openapi/CHANGELOG.md has no '## Unreleased' section"
    return match.group(1)


def announced(change: Break, section: str) -> bool:
    return any(change.operation in line and f"`{change.subject}`" in line for line in section.splitlines())


def test_every_breaking_change_is_in_the_changelog() -> None:
    current = json.loads(SPEC_PATH.read_text())
    section = unreleased_section()
    unannounced = [
        str(change) for change in breaking_changes(last_released(), current) if not announced(change, section)
    ]
    assert not unannounced, (
        "Breaking changes since the last released spec that openapi/CHANGELOG.md (## Unreleased) does not name "
        "(a line with the operation and the `thing`):\n" + "\n".join(unannounced)
    )


def test_the_check_finds_each_kind_of_break() -> None:
    thing = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {"name": {"type": "string", "maxLength": 50}, "kind": {"enum": ["a", "b"]}},
    }
    released: Spec = {
        "paths": {
            "/v1/things/{code}": {
                "get": {
                    "parameters": [{"name": "code", "in": "path", "required": True}, {"name": "q", "in": "query"}],
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}
                    },
                },
                "delete": {"responses": {"204": {}}},
            },
            "/v1/things": {
                "post": {
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}
                    },
                    "responses": {"201": {}},
                }
            },
        },
        "components": {"schemas": {"Thing": thing}},
    }
    current: Spec = json.loads(json.dumps(released))
    current["paths"]["/v1/things/{thing_code}"] = current["paths"].pop("/v1/things/{code}")
    del current["paths"]["/v1/things/{thing_code}"]["delete"]
    current["paths"]["/v1/things/{thing_code}"]["get"]["parameters"] = [{"name": "thing_code", "in": "path"}]
    narrowed = current["components"]["schemas"]["Thing"]
    narrowed["required"] = ["name", "kind"]
    narrowed["properties"]["name"] = {"anyOf": [{"type": "string", "maxLength": 20}, {"type": "null"}]}
    narrowed["properties"]["kind"] = {"enum": ["a"]}
    found = {
        (change.operation, change.subject, change.why.split(" (")[0]) for change in breaking_changes(released, current)
    }
    assert found >= {
        ("DELETE /v1/things/{code}", "DELETE /v1/things/{code}", "is gone"),
        ("GET /v1/things/{thing_code}", "q", "(query parameter) is gone"),
        ("POST /v1/things", "kind", "is a new required field"),
        ("POST /v1/things", "kind", "no longer accepts ['b']"),
        ("POST /v1/things", "name", "has a tighter maxLength"),
        ("GET /v1/things/{thing_code}", "name", "may now be ['null']"),
    }, found
    # A renamed path parameter alone is not a break: the URL on the wire is the same.
    assert not any(change.subject in {"code", "thing_code"} for change in breaking_changes(released, current))
    section = "- `GET /v1/things/{thing_code}`: `q` is gone (use the search)."
    assert announced(Break("GET /v1/things/{thing_code}", "q", "is gone"), section)
    assert not announced(Break("GET /v1/things/{thing_code}", "name", "may now be null"), section)
