"""The OpenAPI document as integrators get it: FastAPI's spec plus what shared code does to every response.

Routes document their own bodies, parameters and errors. What middleware and shared dependencies add to
*every* answer of a kind is documented here once, by rule, so the spec cannot forget an operation:

- `X-Request-ID` on every response (`middleware.RequestContextMiddleware` echoes or makes it up);
- `Retry-After` on every 429 and 503 (rate limits and an unreachable database);
- `Idempotent-Replayed` on the success responses of operations that take an `Idempotency-Key`;
- `Location` on the 200 and 201 answers of POSTs (where to read what was created or found);
- `If-Match` required where it is accepted: without it the server answers 428, so it is not optional;
- 400 (unparsable JSON) and 413 (body too large) on every operation with a JSON body.

Examples recorded from a tour of the API over the demo organisation (`docs/examples.json`, written by
tests/test_spec_examples.py) fill in every request and success answer that has no example in the code.

And the OpenAPI links from each creating operation to where its result is read and changed (`LINKS`), so that
clients and stateful tests (schemathesis) can follow a resource from its creation on.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from genk3600.errors import ProblemDetails, problem_responses

HEADERS: dict[str, dict[str, Any]] = {
    "RequestId": {
        "description": "The request's id: the caller's `X-Request-ID` when it is sane, else one made up. It is "
        "in the server's log lines and in problem bodies (`request_id`); quote it when reporting a problem.",
        "schema": {"type": "string", "maxLength": 128, "examples": ["3f2a9c1e5b7d4e0f"]},
    },
    "RetryAfter": {
        "description": "Seconds to wait before retrying (RFC 9110 §10.2.3).",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$", "examples": ["5"]},
    },
    "ETag": {
        "description": "The version of what the answer shows (a ticket, a canned answer, a catalogue entry), for "
        "`If-Match` on the next change (RFC 9110 §8.8.3).",
        "required": True,
        "schema": {"type": "string", "examples": ['"7"']},
    },
    "IdempotentReplayed": {
        "description": "`true` when this is the stored answer to an earlier request with the same "
        "`Idempotency-Key` (nothing was written again); absent on the first answer.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Location": {
        "description": "The URL path where the created resource can be read (absent when it has no URL of its "
        "own, as for an escalation, which is read on the ticket's timeline).",
        "schema": {"type": "string", "examples": ["/v1/webhooks/7"]},
    },
}

JSON = "application/json"
EXAMPLES_PATH = Path(__file__).resolve().parents[1] / "docs" / "examples.json"

# operationId → (status, link name, target operationId, parameters as runtime expressions).
_TICKET = {"path.reference": "$response.body#/ticket/reference"}
_BY_ID = "$response.body#/id"
_BY_CODE = "$response.body#/code"
_ETAG = "$response.header.ETag"
_REPRESENTATION = {"path.citizen_id": "$response.body#/citizen/citizen_id", "path.representation_id": _BY_ID}
LINKS: dict[str, list[tuple[str, str, str, dict[str, str]]]] = {
    "record_contact": [
        ("201", "ReadTicket", "get_ticket", _TICKET),
        ("201", "ReadTimeline", "list_ticket_events", _TICKET),
        ("201", "EscalateTicket", "escalate_ticket", _TICKET),
        ("201", "ReadContact", "get_contact", {"path.contact_id": "$response.body#/contact_id"}),
        ("201", "RecordRole", "record_participation", {"path.contact_id": "$response.body#/contact_id"}),
        ("201", "ReadRoles", "list_participations", {"path.contact_id": "$response.body#/contact_id"}),
    ],
    "get_ticket": [
        (
            "200",
            "ChangeTicket",
            "change_ticket",
            {"path.reference": "$response.body#/reference", "header.If-Match": "$response.header.ETag"},
        ),
    ],
    "add_representation": [
        ("201", "ReadRepresentation", "get_representation", _REPRESENTATION),
        ("201", "ChangeRepresentation", "change_representation", {**_REPRESENTATION, "header.If-Match": _ETAG}),
        ("201", "EndRepresentation", "end_representation", {**_REPRESENTATION, "header.If-Match": _ETAG}),
        ("201", "ReadHousehold", "get_household", {"path.citizen_id": "$response.body#/citizen/citizen_id"}),
    ],
    "create_webhook": [
        ("201", "ReadWebhook", "get_webhook", {"path.subscription_id": _BY_ID}),
        ("201", "ReadDeliveries", "list_webhook_deliveries", {"path.subscription_id": _BY_ID}),
        ("201", "ReplayWebhook", "replay_webhook", {"path.subscription_id": _BY_ID}),
        ("201", "DisableWebhook", "disable_webhook", {"path.subscription_id": _BY_ID}),
    ],
    "create_routing_rule": [
        ("201", "ReadRule", "get_routing_rule_history", {"path.rule_id": _BY_ID}),
        ("201", "ChangeRule", "change_routing_rule", {"path.rule_id": _BY_ID}),
    ],
    "create_sla_policy": [("201", "ReadPolicy", "get_sla_policy", {"path.policy_code": _BY_CODE})],
    "create_opening_hours": [
        ("201", "ReadOpeningHours", "get_opening_hours", {"path.opening_hours_id": _BY_ID}),
        ("201", "DeleteOpeningHours", "delete_opening_hours", {"path.opening_hours_id": _BY_ID}),
    ],
    "create_closing_day": [
        ("201", "ReadClosingDay", "get_closing_day", {"path.closing_day_id": _BY_ID}),
        ("201", "DeleteClosingDay", "delete_closing_day", {"path.closing_day_id": _BY_ID}),
    ],
    "merge_citizens": [
        ("201", "ReadMerge", "get_citizen_merge", {"path.merge_id": _BY_ID}),
        ("201", "ReadMergeHistory", "list_citizen_merges", {"path.citizen_id": "$response.body#/survivor_citizen_id"}),
        ("201", "UndoMerge", "unmerge_citizens", {"path.merge_id": _BY_ID}),
    ],
    "create_unit": [
        ("201", "ReadUnit", "get_unit", {"path.unit_code": _BY_CODE}),
        ("201", "ReadQueue", "list_queue", {"path.unit_code": _BY_CODE}),
    ],
    "create_category": [
        ("201", "ReadCategory", "get_category", {"path.category_code": _BY_CODE}),
        ("201", "ReadDeciders", "get_category_deciders", {"path.category_code": _BY_CODE}),
        ("201", "SetDeciders", "set_category_deciders", {"path.category_code": _BY_CODE}),
    ],
    "create_staff": [
        ("201", "ReadStaff", "get_staff", {"path.staff_id": _BY_ID}),
        ("201", "ChangeStaff", "change_staff", {"path.staff_id": _BY_ID}),
    ],
    "book_appointment": [
        ("201", "ReadAppointment", "get_appointment", {"path.appointment_id": _BY_ID}),
        ("201", "MoveAppointment", "move_appointment", {"path.appointment_id": _BY_ID}),
        ("201", "CancelAppointment", "cancel_appointment", {"path.appointment_id": _BY_ID}),
        ("201", "RecordOutcome", "record_appointment_outcome", {"path.appointment_id": _BY_ID}),
    ],
}


def header(name: str) -> dict[str, str]:
    """A reference to one of the shared headers, for a route's `responses`."""
    return {"$ref": f"#/components/headers/{name}"}


# An answer that shows a resource's current version carries it for the next `If-Match`.
WITH_ETAG: dict[str, Any] = {"headers": {"ETag": header("ETag")}}


def openapi_schema(app: FastAPI) -> dict[str, Any]:
    """The spec, with the shared problem schema, the shared headers, and without FastAPI's unused schemas."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        contact=app.contact,
        license_info=app.license_info,
    )
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    problem = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["ProblemDetails"] = problem
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["headers"] = {**components.get("headers", {}), **HEADERS}
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            _document_shared_behaviour(method, operation)
            _add_recorded_examples(operation)
    app.openapi_schema = schema
    return schema


def _document_shared_behaviour(method: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation["responses"]
    for status, name, target, parameters in LINKS.get(operation.get("operationId", ""), []):
        link = {"operationId": target, "parameters": parameters}
        responses[status].setdefault("links", {})[name] = link
    # Any JSON body may arrive unparsable or too large; those answers come from shared code.
    if JSON in operation.get("requestBody", {}).get("content", {}):
        malformed = {**problem_responses(400)[400], "description": "The body is not valid JSON."}
        responses.setdefault("400", malformed)
        responses.setdefault("413", problem_responses(413)[413])
    parameters = operation.get("parameters", [])
    idempotent = any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in parameters)
    for parameter in parameters:
        if parameter["in"] == "header" and parameter["name"] == "If-Match":
            parameter["required"] = True
    for status, response in responses.items():
        headers = response.setdefault("headers", {})
        headers.setdefault("X-Request-ID", header("RequestId"))
        if status in {"429", "503"}:
            headers.setdefault("Retry-After", header("RetryAfter"))
        # A creating POST answers with where to read what it made, also when it found it made before (200).
        if method == "post" and status in {"200", "201"}:
            headers.setdefault("Location", header("Location"))
        if idempotent and status.startswith("2"):
            headers.setdefault("Idempotent-Replayed", header("IdempotentReplayed"))


@cache
def recorded_examples() -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = json.loads(EXAMPLES_PATH.read_text())
    return loaded


def _has_example(media: dict[str, Any]) -> bool:
    return "example" in media or "examples" in media


def _add_recorded_examples(operation: dict[str, Any]) -> None:
    recorded = recorded_examples().get(operation.get("operationId", ""))
    if recorded is None:
        return
    summary = "Recorded from this server (demo data)"
    body = operation.get("requestBody", {}).get("content", {}).get(JSON)
    if body is not None and "request" in recorded and not _has_example(body):
        body["examples"] = {"recorded": {"summary": summary, "value": recorded["request"]}}
    for status, answer in recorded["responses"].items():
        media = operation["responses"].get(status, {}).get("content", {}).get(JSON)
        if media is not None and not _has_example(media):
            media["examples"] = {"recorded": {"summary": summary, "value": answer}}
