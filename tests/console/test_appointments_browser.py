"""Booking an appointment from the ticket screen, in a real headless Chromium against a real `genk3600 serve`:
the kind from a pick list, the free slots found and picked, the booking on the ticket, then cancelled."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.console.conftest import assert_accessible, screenshot, staff_headers
from tests.console.test_browser import ADMIN, AGENT, sign_in

pytestmark = pytest.mark.process


async def test_an_agent_books_an_appointment_from_the_ticket_screen(
    service: str, api: httpx.AsyncClient, page: Page, artifacts: Path
) -> None:
    admin = await staff_headers(api, ADMIN)
    agent = await staff_headers(api, AGENT)
    me = (await api.get("/v1/me", headers=agent)).json()
    kind = {"name": "Afspraak aan de balie", "names": {"fr": "Rendez-vous au guichet"}, "unit": "contact_centre",
            "duration_minutes": 30}  # fmt: skip
    assert (await api.put("/v1/appointment-kinds/general.meeting", json=kind, headers=admin)).is_success
    # Every day, so that there are free slots whatever day the test runs.
    week = {"windows": [{"weekday": day, "opens": "08:00", "closes": "20:00"} for day in range(7)]}
    made = await api.put(f"/v1/staff/{me['staff_id']}/availability", json=week, headers=admin)
    assert made.is_success, made.text
    question = {
        "channel": "web",
        "category": "general.question",
        "subject": "Hulp bij formulier",
        "body": "Kan ik langskomen voor hulp bij mijn formulier?",
        "citizen": {"email": "lotte.jansen@example.org", "given_name": "Lotte"},
    }
    created = await api.post("/v1/contacts", json=question, headers=admin)
    assert created.status_code == 201, created.text
    reference = created.json()["ticket"]["reference"]

    await sign_in(page, service, AGENT)
    await page.goto(f"{service}/console/#/ticket/{reference}")
    section = page.locator("section[aria-labelledby='appointments-heading']")
    await expect(section.get_by_role("heading", name="Afspraken en huisbezoeken")).to_be_visible()
    await expect(section).to_contain_text("Nog geen afspraken.")
    await section.get_by_label("Soort afspraak").select_option(label="Afspraak aan de balie")
    await section.get_by_role("button", name="Vrije momenten zoeken").click()
    await expect(section.get_by_label("Moment")).to_be_enabled()
    await assert_accessible(page, "appointment booking")
    await screenshot(page, artifacts, "31-appointment-booking")
    await section.get_by_role("button", name="Afspraak boeken").click()
    card = section.locator("[data-appointment]")
    await expect(card).to_have_attribute("data-status", "booked")
    await expect(card).to_contain_text("Afspraak aan de balie")
    await expect(page.locator("[data-event='appointment_booked']")).to_be_visible()

    await card.get_by_role("button", name="Afspraak annuleren").click()
    await expect(section.locator("[data-appointment]")).to_have_attribute("data-status", "cancelled")
