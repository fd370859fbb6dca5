"""The front desk's other doors in a real Chromium: a counter visit registered and incoming mail read, with
no code typed (pick lists and a citizen lookup), axe on each screen and a screenshot of each."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.console.conftest import assert_accessible, screenshot, staff_headers
from tests.console.test_browser import ADMIN, AGENT, pick, sign_in

pytestmark = pytest.mark.process

RECEPTION = "an.peeters@genk.example"  # An Peeters, Onthaal Stadhuis
MALFORMED_MAIL = (
    # A From without angle brackets: read, but flagged `malformed_headers` for a person to check.
    b"From: Jan Peeters jan.peeters@example.org\r\n"
    b"To: 3600@genk.example\r\n"
    b"Subject: Hondenbelasting\r\n"
    b"Message-ID: <front-desk-e2e-1@example.org>\r\n"
    b"Date: Mon, 07 Dec 2026 09:26:00 +0100\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Moet ik nog hondenbelasting betalen voor mijn hond Max?\r\n"
)


async def test_counter_visit_is_registered_by_picking_desk_citizen_and_category(
    service: str, api: httpx.AsyncClient, page: Page, artifacts: Path
) -> None:
    admin = await staff_headers(api, ADMIN)
    known = {"channel": "web", "category": "waste.pickup", "subject": "Grofvuil", "body": "Nog niet opgehaald."}
    known["citizen"] = {"given_name": "Mira", "family_name": "Claes", "email": "mira.claes@example.org"}
    created = await api.post("/v1/contacts", json=known, headers=admin)
    assert created.status_code == 201, created.text

    await sign_in(page, service, RECEPTION)
    await page.get_by_role("link", name="Balie").click()
    await expect(page.get_by_role("heading", name="Baliebezoek registreren", level=1)).to_be_visible()
    form = page.get_by_role("form", name="Baliebezoek registreren")
    # Her own desk is chosen for her; another desk is a pick, by a word of its name.
    await expect(form.get_by_role("combobox", name="Balie")).to_have_value("Onthaal Stadhuis")
    await pick(form, "Balie", "snel", "Snelbalie")
    await pick(form, "Balie", "onthaal", "Onthaal Stadhuis")

    # The visitor gives her name: the lookup finds her file, with her open ticket, and she is chosen.
    await form.get_by_label("Achternaam").fill("Claes")
    await form.get_by_role("button", name="Zoek burger").click()
    match = form.get_by_role("button", name="Kies Mira Claes")
    await expect(match).to_be_visible()
    await expect(form.locator("[data-citizen] [data-reference]").first).to_be_visible()
    await match.click()
    await expect(form.locator("[data-chosen-citizen]")).to_contain_text("Gekozen: Mira Claes.")

    await form.get_by_label("Wat werd gevraagd en gedaan").fill("Vraagt een nieuw rijbewijs aan; foto meegebracht.")
    await pick(form, "Onderwerp", "rijbewijs", "Rijbewijs")
    await assert_accessible(page, "counter")
    await screenshot(page, artifacts, "21-counter-filled")

    await form.get_by_role("button", name="Registreren").click()
    recorded = form.locator("[data-recorded]")
    await expect(recorded).to_contain_text("als Registreren")
    reference = await recorded.get_attribute("data-recorded")
    assert reference
    await assert_accessible(page, "counter (recorded)")
    await screenshot(page, artifacts, "22-counter-recorded")

    # The API agrees: a counter contact at the reception desk, on Mira's file, about a driving licence.
    ticket = await api.get(f"/v1/tickets/{reference}", headers=admin)
    assert ticket.status_code == 200, ticket.text
    assert ticket.json()["category"] == "civil.driving_licence"
    await recorded.get_by_role("link", name=f"Ticket {reference} openen").click()
    await expect(page.get_by_role("heading", name=f"Ticket {reference}", level=1)).to_be_visible()
    await expect(page.locator(".roles [data-role='registering']")).to_contain_text("An Peeters")
    await expect(page.locator("main")).to_contain_text("Mira Claes")


async def test_incoming_mail_that_needs_a_person_is_read_in_full(
    service: str, api: httpx.AsyncClient, page: Page, artifacts: Path
) -> None:
    admin = await staff_headers(api, ADMIN)
    received = await api.post(
        "/v1/intake/mail", content=MALFORMED_MAIL, headers={**admin, "content-type": "message/rfc822"}
    )
    assert received.status_code == 201, received.text
    contact_id = received.json()["contact_id"]

    await sign_in(page, service, AGENT)  # the contact centre reads the city's mail
    await page.get_by_role("link", name="Post").click()
    await expect(page.get_by_role("heading", name="Binnenkomende post", level=1)).to_be_visible()
    mail = page.locator(f"article[data-contact='{contact_id}']")
    await expect(mail.get_by_role("heading", name="Hondenbelasting")).to_be_visible()
    await expect(mail).to_contain_text("Jan Peeters <jan.peeters@example.org>")
    await expect(mail).to_contain_text("onleesbare kopregels")  # the flag by its name, not `malformed_headers`
    await expect(mail.locator(".mail-body")).to_have_text(
        "Moet ik nog hondenbelasting betalen voor mijn hond Max?", use_inner_text=True
    )
    await assert_accessible(page, "mail")
    await screenshot(page, artifacts, "23-mail")
