"""The audit trail: every write and every read of social content, in the same transaction, append-only."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.tokens import issue_dev_token
from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.models import AuditEntry
from tests import factories
from tests.factories import World, assert_problem, web_contact


async def test_writes_are_audited_with_actor_and_request(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/v1/contacts", json=web_contact(), headers={**writer_headers, "X-Request-ID": "req-audit-1"}
    )
    ticket_id = str(await session.scalar(select(factories.Ticket.id)))
    entries = (await session.scalars(select(AuditEntry).where(AuditEntry.request_id == "req-audit-1"))).all()

    assert response.status_code == 201
    written = {(entry.action, entry.target_type) for entry in entries}
    assert {("insert", "ticket"), ("insert", "contact"), ("insert", "citizen"), ("insert", "ticket_event")} <= written
    ticket_entry = next(e for e in entries if e.target_type == "ticket" and e.action == "insert")
    assert ticket_entry.target_id == ticket_id
    assert (ticket_entry.actor_kind, ticket_entry.actor_name) == ("api_client", "writer-test (API)")
    assert ticket_entry.changes["access_code_hash"] == "<redacted>"
    assert ticket_entry.client_address == "127.0.0.1"


async def test_failed_requests_leave_no_audit_entries(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    before = await factories.count(session, AuditEntry)
    refused = await client.post("/v1/contacts", json=web_contact(category="no.such"), headers=writer_headers)
    assert_problem(refused, 422)
    assert await factories.count(session, AuditEntry) == before


async def test_reading_social_content_is_audited_and_the_dpo_can_export(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    social = web_contact(category="social.living_wage", subject="Leefloon", citizen=None)
    reference = (await client.post("/v1/contacts", json=social, headers=writer_headers)).json()["ticket"]["reference"]
    worker = await factories.staff(session, "mw.audit@genk.example", world.sociale_dienst, "case_worker")
    as_worker = {"Authorization": f"Bearer {issue_dev_token(settings, clock, worker.email)}"}
    normal = (await client.post("/v1/contacts", json=web_contact(citizen=None), headers=writer_headers)).json()
    assert (await client.get(f"/v1/tickets/{reference}", headers=as_worker)).status_code == 200
    assert (await client.get(f"/v1/tickets/{normal['ticket']['reference']}", headers=writer_headers)).status_code == 200

    dpo = {"X-API-Key": await factories.api_key(session, "dpo-tool", ["audit:read"])}
    assert_problem(await client.get("/v1/audit", headers=admin_headers), 403)  # administering is not auditing
    reads = await client.get("/v1/audit", params={"action": "read"}, headers=dpo)
    assert reads.status_code == 200, reads.text
    [read] = reads.json()["items"]  # the normal ticket's read is not logged
    assert (read["actor_kind"], read["actor_id"], read["target_type"]) == ("staff", worker.id, "ticket")
    assert read["actor_positions"] == "case_worker"

    exported = await client.get("/v1/audit", params={"action": "read", "format": "csv"}, headers=dpo)
    assert exported.headers["content-type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(exported.text)))
    assert (row["actor_name"], row["action"]) == (worker.full_name, "read")
    assert_problem(await client.get("/v1/audit", headers=writer_headers), 403)


async def test_the_database_refuses_to_change_the_trail(session: AsyncSession, world: World) -> None:
    assert await factories.count(session, AuditEntry) > 0  # the world's own inserts
    for statement in (
        "UPDATE audit_entry SET actor_name = 'someone else'",
        "DELETE FROM audit_entry",
        "TRUNCATE audit_entry",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with session.begin_nested():
                await session.execute(text(statement))
