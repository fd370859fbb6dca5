"""Input the database cannot hold is refused at the edge (422), never a 500 from the driver."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

import httpx
import pytest
from pydantic import Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.kit.schemas import MAX_ID, InputModel
from tests import factories
from tests.factories import assert_problem


class Note(InputModel):
    text: str
    tags: list[str] = Field(default_factory=list)


def test_nul_characters_are_refused_anywhere_in_the_input() -> None:
    assert Note(text="gewoon", tags=["a"]).text == "gewoon"
    with pytest.raises(ValidationError, match="NUL"):
        Note(text="a\x00b")
    with pytest.raises(ValidationError, match="NUL"):
        Note(text="a", tags=["ok", "b\x00"])


async def test_ids_beyond_bigint_are_validation_errors(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    for path in (f"/v1/contacts/{MAX_ID + 1}", f"/v1/staff/{MAX_ID + 1}"):
        assert_problem(await client.get(path, headers=admin_headers), 422)
    auditor = {"X-API-Key": await factories.api_key(session, "auditor", ["audit:read"])}
    assert_problem(await client.get(f"/v1/audit?actor_id={MAX_ID + 1}", headers=auditor), 422)
    assert (await client.get(f"/v1/contacts/{MAX_ID}", headers=admin_headers)).status_code == 404


async def test_nul_in_a_body_is_a_validation_error(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    unit = {"code": "nul_test", "name": "Naam\u0000", "kind": "department"}
    assert_problem(await client.post("/v1/units", json=unit, headers=admin_headers), 422)


SOCIAL_STORY = "Ik kan mijn huur niet betalen sinds mijn scheiding"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
async def test_non_finite_numbers_are_validation_errors_and_logs_keep_the_body(
    client: httpx.AsyncClient,
    world: factories.World,
    admin_headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
    number: str,
) -> None:
    # Python's JSON parser reads these (1e400 as infinity); PostgreSQL cannot store them in JSONB.
    contact = json.dumps(factories.web_contact(body=SOCIAL_STORY, fields={"huur": 0}))
    raw = contact.replace('"huur": 0', f'"huur": {number}')
    caplog.set_level(logging.DEBUG)
    headers = {**admin_headers, "Content-Type": "application/json"}
    response = await client.post("/v1/contacts", content=raw, headers=headers)
    problem = assert_problem(response, 422)
    assert any(".fields.huur" in error["field"] for error in problem["errors"]), problem
    assert SOCIAL_STORY not in response.text
    assert SOCIAL_STORY not in caplog.text
    policy = {
        "code": "nan_test",
        "name": "NaN",
        "first_response_minutes": 60,
        "resolution_minutes": 120,
        "warning_fraction": 0.5,
    }
    raw = json.dumps(policy).replace("0.5", number)
    problem = assert_problem(await client.post("/v1/sla/policies", content=raw, headers=headers), 422)
    assert [error["field"] for error in problem["errors"]] == ["body.warning_fraction"]


def test_non_finite_numbers_are_refused_in_any_field() -> None:
    class Reading(InputModel):
        value: float
        extra: dict[str, Any] = Field(default_factory=dict)

    assert Reading(value=1.5, extra={"a": [1.0]}).value == 1.5
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValidationError, match="finite"):
            Reading(value=bad)
        with pytest.raises(ValidationError, match="finite"):
            Reading(value=1, extra={"a": [1.0, {"b": bad}]})
