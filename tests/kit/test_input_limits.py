"""Input the database cannot hold is refused at the edge (422), never a 500 from the driver."""

from __future__ import annotations

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
