"""Tests of participations (roles per contact) and decision authority; shared helpers below."""

from __future__ import annotations

from typing import Any

import httpx

from genk3600.auth.tokens import issue_dev_token
from genk3600.config import Settings
from genk3600.kit.clock import Clock
from genk3600.models import Staff
from tests.factories import web_contact


def staff_headers(settings: Settings, clock: Clock, staff: Staff) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_dev_token(settings, clock, staff.email)}"}


async def new_contact(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> tuple[int, str]:
    """A web contact on a new ticket (anonymous, so it never joins another ticket): (contact id, reference)."""
    response = await client.post("/v1/contacts", json=web_contact(citizen=None, **overrides), headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    return body["contact"]["id"], body["ticket"]["reference"]


async def participate(
    client: httpx.AsyncClient, headers: dict[str, str], contact_id: int, role: str, **fields: Any
) -> httpx.Response:
    return await client.post(
        f"/v1/contacts/{contact_id}/participations", json={"role": role, **fields}, headers=headers
    )


async def set_deciders(
    client: httpx.AsyncClient, headers: dict[str, str], category: str, units: list[str]
) -> httpx.Response:
    return await client.put(f"/v1/categories/{category}/deciders", json={"units": units}, headers=headers)
