"""Bulk import of historical contacts, against a real database with real commits (a scratch database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from genk3600.app import create_app
from genk3600.config import Settings
from genk3600.db import Database
from genk3600.imports.service import Importer, ImportReport
from genk3600.models import AuditEntry, Citizen, Contact, OutboxEvent, Ticket, TicketEvent
from tests import factories


def _line(external_id: str, **fields: Any) -> str:
    record: dict[str, Any] = {
        "external_id": external_id,
        "channel": "web",
        "occurred_at": "2019-03-04T09:12:00+01:00",
        "category": "waste.pickup",
        "body": "Mijn grofvuil werd niet opgehaald.",
    }
    record.update(fields)
    return json.dumps(record)


HISTORY = [
    _line("crm-1", citizen={"national_number": "85.07.30-033.28", "email": "jan@example.org"}, status="resolved"),
    _line("crm-2", citizen={"email": "jan@example.org"}, subject="Opnieuw grofvuil", resolved_at="2019-03-06T14:00Z"),
    _line("crm-3", channel="phone", category=None, body="Vraag over de openingsuren van het stadhuis."),
    _line(
        "crm-4",
        channel="mail",
        category="civil.id_card",
        language="fr",
        body="Ma carte d'identité a été volée.",
        citizen={"email": "marie@example.org", "preferred_language": "fr"},
    ),
    _line("crm-5", occurred_at="2021-12-31T23:30:00Z", body="Zwerfvuil.", citizen={"phone": "089 65 36 00"}),
]


async def _import(
    database: Database, settings: Settings, lines: list[str]
) -> tuple[ImportReport, list[tuple[int, str]]]:
    bad: list[tuple[int, str]] = []
    importer = Importer(database, settings, "history.ndjson", lambda n, why: bad.append((n, why)), batch_size=2)
    report = await importer.run(enumerate(lines, start=1))
    return report, bad


async def _count(database: Database, model: type[Any], *where: Any) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_history_becomes_finished_tickets_without_side_effects(database: Database, settings: Settings) -> None:
    report, bad = await _import(database, settings, HISTORY)

    assert (report.imported, report.already_imported, report.bad_lines, bad) == (5, 0, 0, [])
    assert report.citizens_registered == 2  # jan (twice, matched within the batch) and marie; a bare phone is not
    assert await _count(database, Contact) == 5
    assert await _count(database, Ticket, Ticket.status.in_(["resolved", "closed"])) == 5
    assert await _count(database, TicketEvent) == 10  # created + status_changed each
    assert await _count(database, Citizen) == 2
    assert await _count(database, OutboxEvent) == 0  # no webhook storm
    assert await _count(database, AuditEntry, AuditEntry.action == "import") == 3  # one per batch of 2
    async with database.sessions() as session:
        tickets = {t.subject: t for t in await session.scalars(select(Ticket).order_by(Ticket.id))}
        contacts = (await session.scalars(select(Contact).order_by(Contact.id))).all()
    first, second = tickets["Mijn grofvuil werd niet opgehaald."], tickets["Opnieuw grofvuil"]
    assert first.citizen_id == second.citizen_id is not None
    assert first.status == "resolved"
    assert second.status == "closed"
    assert second.resolved_at is not None
    assert second.resolved_at.isoformat() == "2019-03-06T14:00:00+00:00"
    assert first.reference.startswith("G3600-2019-")
    assert first.first_response_due_at is None
    assert first.next_sla_check_at is None
    assert tickets["Ma carte d'identité a été volée."].language == "fr"
    assert [c.external_id for c in contacts] == [f"import:crm-{n}" for n in range(1, 6)]
    assert contacts[4].citizen_id is None
    async with database.sessions() as session:
        timeline = (await session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == second.id))).all()
    # The timeline keeps when things happened in the old system, by the import (tickets/timeline.insert_history_from).
    assert sorted((e.type, e.occurred_at.isoformat(), e.actor_name) for e in timeline) == [
        ("created", "2019-03-04T08:12:00+00:00", "Bulk import"),
        ("status_changed", "2019-03-06T14:00:00+00:00", "Bulk import"),
    ]
    assert {e.data["to"] for e in timeline if e.type == "status_changed"} == {"closed"}


async def test_running_it_again_adds_nothing(database: Database, settings: Settings) -> None:
    await _import(database, settings, HISTORY[:3])

    report, _ = await _import(database, settings, [*HISTORY, HISTORY[0]])  # resumed, with a repeated line

    assert (report.imported, report.already_imported) == (2, 4)
    assert await _count(database, Contact) == 5
    assert await _count(database, Ticket) == 5
    assert await _count(database, TicketEvent) == 10


async def test_bad_lines_are_reported_by_number_and_skipped(database: Database, settings: Settings) -> None:
    lines = [
        HISTORY[0],
        "{not json",
        _line("crm-x", category="no.such.category"),
        json.dumps({"channel": "web", "occurred_at": "2019-03-04T09:12:00Z", "body": "Geen id."}),
        _line("crm-y", occurred_at="2019-03-04T09:12:00"),  # no UTC offset
        _line("crm-z", resolved_at="2019-01-01T00:00:00Z"),
        _line("crm-w", citizen={"national_number": "12.34.56-789.00"}),
        "",
        HISTORY[1],
    ]

    report, bad = await _import(database, settings, lines)

    assert [number for number, _ in bad] == [2, 3, 4, 5, 6, 7]
    assert "no.such.category" in bad[1][1]
    assert "external_id" in bad[2][1]
    assert "resolved_at" in bad[4][1]
    assert (report.imported, report.bad_lines) == (2, 6)
    assert await _count(database, Contact) == 2


async def test_nul_characters_are_refused_line_by_line(database: Database, settings: Settings) -> None:
    lines = [
        _line("crm-nul", body="Mijn grofvuil\u0000 staat er nog."),
        _line("crm-nul-citizen", citizen={"email": "jan@example.org", "family_name": "Jan\u0000sens"}),
        _line("crm-backslash", body="Pad C:\\u0000 is geen NUL."),  # a backslash, then the text u0000
    ]

    report, bad = await _import(database, settings, lines)

    refused = "text must not contain NUL (U+0000) characters"
    assert bad == [(1, refused), (2, refused)]
    assert (report.imported, report.bad_lines) == (1, 2)


async def test_search_finds_imported_text(database: Database, settings: Settings) -> None:
    await _import(database, settings, HISTORY)
    async with database.sessions.begin() as session:
        key = await factories.api_key(session, "search-test", ["tickets:read"])
    app = create_app(settings)
    app.state.db = database
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        response = await client.get(
            "/v1/search/tickets", params={"q": "openingsuren stadhuis"}, headers={"X-API-Key": key}
        )
        french = await client.get("/v1/search/tickets", params={"q": "identite volee"}, headers={"X-API-Key": key})

    assert [item["subject"] for item in response.json()["items"]] == ["Vraag over de openingsuren van het stadhuis."]
    assert [item["language"] for item in french.json()["items"]] == ["fr"]


@pytest.mark.process
def test_command_reads_standard_input_and_exits_1_on_bad_lines(
    database: Database, scratch_url: URL, tmp_path: Path
) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GENK3600_")}
    env.update(
        GENK3600_ENV="dev",
        GENK3600_DATA_DIR=str(tmp_path),
        GENK3600_DATABASE_URL=scratch_url.render_as_string(hide_password=False),
    )
    source = "\n".join([*HISTORY[:2], "{broken", HISTORY[2]]) + "\n"
    command = [sys.executable, "-m", "genk3600", "import", "-"]

    first = subprocess.run(command, input=source, env=env, capture_output=True, text=True, timeout=120, check=False)
    again = subprocess.run(command, input=source, env=env, capture_output=True, text=True, timeout=120, check=False)

    assert first.returncode == 1, first.stderr
    assert "line 3:" in first.stderr
    assert "Imported 3 contacts" in first.stdout
    assert "Imported 0 contacts" in again.stdout
    assert "3 already imported" in again.stdout


async def test_social_history_stays_in_the_ocmw(database: Database, settings: Settings) -> None:
    lines = [
        _line("crm-s1", category="social.living_wage", unit="omgeving", body="Leefloon."),
        _line("crm-s2", category="social.living_wage", body="Leefloon."),
    ]

    report, bad = await _import(database, settings, lines)

    assert [number for number, _ in bad] == [1]
    assert "OCMW" in bad[0][1]
    assert report.imported == 1
    assert await _count(database, Ticket, Ticket.confidentiality == "social") == 1
