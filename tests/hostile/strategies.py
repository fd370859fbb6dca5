"""Hypothesis strategies for hostile JSON: odd text, odd numbers, odd shapes, and bodies built on the spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st


def bounded(max_examples: int) -> settings:
    """The hostile tests' hypothesis settings: a fixed number of reproducible examples, no shrinking (a failure
    shows the example as found), no deadline (a busy shared machine), no health checks (fixtures are shared)."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


SPEC = json.loads((Path(__file__).resolve().parents[2] / "openapi" / "openapi.json").read_text())

# Text that has broken systems before: SQL and markup that must stay inert, bidi controls, mixed scripts,
# a lone surrogate (not encodable as UTF-8), NUL (not storable in PostgreSQL text), zero-width characters.
NASTY_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "Robert'); DROP TABLE ticket;--",
    "1' OR '1'='1",
    "%s %d %n {0} ${jndi:ldap://x}",
    "<script>alert(1)</script>",
    "\u202eReverse\u202c \u200f\u200e\u2066isolate\u2069",
    "Genk ГЕНК جينك 根克 גנק 🏙️",
    "\u200b\u200c\u200d\ufeff",
    "e\u0301\u0301\u0301\u0301",
    "\\u0000 \\x00 \\n",
    "line\r\nInjected-Header: yes",
    "x" * 5_000,
    "🏙" * 2_000,
]


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=40))


def hostile_scalar() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**80), max_value=2**80),
        st.sampled_from([0, -1, 2**31, 2**63, 2**64]),
        st.floats(allow_nan=False, allow_infinity=False),
        hostile_text(),
    )


def hostile_json() -> st.SearchStrategy[Any]:
    return st.recursive(
        hostile_scalar(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text(), inner, max_size=4),
        max_leaves=12,
    )


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _properties(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The properties a body may have, across the variants of a oneOf/anyOf."""
    schema = _resolve(schema)
    found: dict[str, dict[str, Any]] = {}
    for variant in schema.get("oneOf", []) + schema.get("anyOf", []) + schema.get("allOf", []):
        found.update(_properties(variant))
    found.update(schema.get("properties", {}))
    return found


def _examples(content: dict[str, Any]) -> list[dict[str, Any]]:
    schema = content.get("schema", {})
    found = [example["value"] for example in content.get("examples", {}).values()]
    found += [content["example"]] if "example" in content else []
    found += schema.get("examples", []) + _resolve(schema).get("examples", [])
    return [example for example in found if isinstance(example, dict)] or [{}]


def json_operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, JSON content) of every operation that takes a JSON body."""
    operations = []
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is not None:
                operations.append((method.upper(), path, content))
    return operations


def bodies_for(content: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Valid-ish bodies (a documented example with a few fields swapped for hostile values or dropped, or an
    unknown field added) and plainly invalid ones (any JSON at all)."""
    names = sorted(_properties(content.get("schema", {})))

    @st.composite
    def valid_ish(draw: st.DrawFn) -> dict[str, Any]:
        body = dict(draw(st.sampled_from(_examples(content))))
        for name in draw(st.lists(st.sampled_from([*names, "unexpected_field"]), max_size=3, unique=True)):
            if draw(st.booleans()) and name in body:
                del body[name]
            else:
                body[name] = draw(hostile_json())
        return body

    return st.one_of(valid_ish(), valid_ish(), hostile_json())
