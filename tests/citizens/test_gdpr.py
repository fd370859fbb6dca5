"""GDPR: subject access export, erasure by pseudonymisation, legal hold."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.models import AuditEntry, Citizen, Contact, ContactAttachment, Ticket
from tests import factories
from tests.factories import World, assert_problem, web_contact

NATIONAL_NUMBER = "85.07.30-033.28"


async def _citizen_with_history(
    client: httpx.AsyncClient, session: AsyncSession, headers: dict[str, str]
) -> tuple[Citizen, Contact]:
    person = {
        "email": "jan.janssens@example.org",
        "given_name": "Jan",
        "family_name": "Janssens",
        "phone": "089 65 36 00",
        "national_number": NATIONAL_NUMBER,
    }
    for category in ("waste.pickup", "social.living_wage"):
        created = await client.post(
            "/v1/contacts", json=web_contact(category=category, citizen=person), headers=headers
        )
        assert created.status_code == 201, created.text
    citizen = await session.scalar(select(Citizen).where(Citizen.email == "jan.janssens@example.org"))
    assert citizen is not None
    contact = await session.scalar(select(Contact).where(Contact.citizen_id == citizen.id).order_by(Contact.id))
    assert contact is not None
    content = b"%PDF-1.7 aanslagbiljet"
    session.add(
        ContactAttachment(
            contact_id=contact.id,
            filename="aanslagbiljet.pdf",
            content_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
        )
    )
    await session.flush()
    return citizen, contact


async def _counts_per_category_and_unit(session: AsyncSession) -> list[tuple[int | None, int, int]]:
    statement = (
        select(Ticket.category_id, Ticket.owning_unit_id, func.count())
        .group_by(Ticket.category_id, Ticket.owning_unit_id)
        .order_by(Ticket.category_id, Ticket.owning_unit_id)
    )
    return [(row[0], row[1], row[2]) for row in (await session.execute(statement)).all()]


@pytest.fixture
async def dpo_headers(session: AsyncSession) -> dict[str, str]:
    """The DPO's key: subject access needs its own scope, `admin` alone does not reach it."""
    return {"X-API-Key": await factories.api_key(session, "dpo", ["citizens:export", "contacts:write"])}


async def test_export_holds_everything_and_is_audited(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    dpo_headers: dict[str, str],
    writer_headers: dict[str, str],
) -> None:
    citizen, _ = await _citizen_with_history(client, session, writer_headers)

    response = await client.get(f"/v1/citizens/{citizen.id}/export", headers=dpo_headers)

    assert response.status_code == 200, response.text
    export = response.json()
    assert export["citizen"]["national_number_masked"] == "xx.xx.xx-xxx.28"
    assert "national_number_hash" not in export["citizen"]
    assert NATIONAL_NUMBER.replace(".", "").replace("-", "") not in response.text
    assert (export["citizen"]["email"], export["citizen"]["family_name"]) == ("jan.janssens@example.org", "Janssens")
    assert len(export["contacts"]) == 2
    assert export["contacts"][0]["body"] == "Mijn grofvuil staat er nog sinds maandag."
    assert export["contacts"][0]["attachments"][0]["filename"] == "aanslagbiljet.pdf"
    assert len(export["tickets"]) == 2
    assert {t["confidentiality"] for t in export["tickets"]} == {"normal", "social"}
    assert all(t["timeline"] for t in export["tickets"])
    read = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "read", AuditEntry.target_type == "citizen_export")
    )
    assert read is not None
    assert read.target_id == str(citizen.id)
    assert_problem(await client.get("/v1/citizens/999999/export", headers=dpo_headers), 404)
    assert_problem(await client.get(f"/v1/citizens/{citizen.id}/export", headers=writer_headers), 403)


async def test_erasure_pseudonymises_and_keeps_the_statistics(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    dpo_headers: dict[str, str],
    writer_headers: dict[str, str],
) -> None:
    citizen, contact = await _citizen_with_history(client, session, writer_headers)
    before = await _counts_per_category_and_unit(session)

    response = await client.post(
        f"/v1/citizens/{citizen.id}/erasure",
        json={"reason": "Request of the citizen (GDPR art. 17)"},
        headers=dpo_headers,
    )

    assert response.status_code == 200, response.text
    summary = response.json()
    assert set(summary["citizen_fields"]) == {
        "given_name",
        "family_name",
        "email",
        "phone",
        "national_number_hash",
        "national_number_masked",
    }
    assert (summary["contacts"], summary["attachments"], summary["tickets"]) == (2, 1, 2)
    await session.refresh(citizen)
    assert (citizen.given_name, citizen.family_name, citizen.email, citizen.phone) == (None, None, None, None)
    assert citizen.national_number_hash is None
    contacts = (await session.scalars(select(Contact).where(Contact.citizen_id == citizen.id))).all()
    for row in contacts:
        await session.refresh(row)
        assert (row.body, row.subject) == ("[erased]", "[erased]")
        assert set(row.channel_details.values()) <= {"[erased]"}
    attachment = await session.scalar(
        select(ContactAttachment.content).where(ContactAttachment.contact_id == contact.id)
    )
    assert attachment is None
    assert await _counts_per_category_and_unit(session) == before
    erase = await session.scalar(select(AuditEntry).where(AuditEntry.action == "erase"))
    assert erase is not None
    assert (erase.target_type, erase.target_id, erase.reason) == (
        "citizen",
        str(citizen.id),
        "Request of the citizen (GDPR art. 17)",
    )
    updates = (
        await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "update", AuditEntry.target_type == "contact")
        )
    ).all()
    assert len(updates) == 2
    assert all("Mijn grofvuil" not in str(entry.changes) for entry in updates)


async def test_a_legal_hold_stops_erasure(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    dpo_headers: dict[str, str],
    writer_headers: dict[str, str],
) -> None:
    citizen, _ = await _citizen_with_history(client, session, writer_headers)
    hold = await client.put(
        f"/v1/citizens/{citizen.id}/legal-hold", json={"hold": True, "reason": "Court case"}, headers=dpo_headers
    )
    assert hold.status_code == 200, hold.text
    assert hold.json() == {"citizen_id": citizen.id, "legal_hold": True, "reason": "Court case"}

    refused = await client.post(f"/v1/citizens/{citizen.id}/erasure", json={"reason": "Asked"}, headers=dpo_headers)

    assert_problem(refused, 409)
    await session.refresh(citizen)
    assert citizen.email == "jan.janssens@example.org"

    lifted = await client.put(
        f"/v1/citizens/{citizen.id}/legal-hold", json={"hold": False, "reason": "Case closed"}, headers=dpo_headers
    )
    assert lifted.json()["legal_hold"] is False
    erased = await client.post(f"/v1/citizens/{citizen.id}/erasure", json={"reason": "Asked"}, headers=dpo_headers)
    assert erased.status_code == 200
    assert_problem(await client.post("/v1/citizens/999999/erasure", json={"reason": "Asked"}, headers=dpo_headers), 404)
    assert await factories.count(session, Citizen) == 1
