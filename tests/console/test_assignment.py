"""Automatic assignment in the console, in a real Chromium against a real `genk3600 serve` (whose own job makes
the offers on the wall clock): the agent says she is available, a ticket is offered to her on the live stream
with the reason, she accepts it and lands on the ticket, whose timeline says why it is hers."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.console.conftest import assert_accessible, screenshot, staff_headers
from tests.console.test_browser import ADMIN, AGENT, sign_in
from tests.factories import eventually

pytestmark = pytest.mark.process


async def test_an_offer_arrives_with_its_reason_and_is_accepted(
    service: str, api: httpx.AsyncClient, page: Page, artifacts: Path
) -> None:
    admin = await staff_headers(api, ADMIN)
    policy = {"mode": "least_loaded", "offer_timeout_seconds": 300}
    switched = await api.put("/v1/units/contact_centre/assignment-policy", json=policy, headers=admin)
    assert switched.status_code == 200, switched.text

    await sign_in(page, service, AGENT)
    presence = page.get_by_label("Aanwezigheid", exact=True)
    await expect(presence).to_have_value("offline")
    await presence.select_option("available")
    agent = await staff_headers(api, AGENT)

    async def available() -> bool:
        mine = await api.get("/v1/me/presence", headers=agent)
        return bool(mine.json()["status"] == "available")

    await eventually(available, "the console set her presence to available")

    question = {"channel": "web", "subject": "Vraag over openingsuren", "body": "Wanneer is het stadhuis open?"}
    created = await api.post("/v1/contacts", json=question, headers=admin)
    assert created.status_code == 201, created.text

    offer = page.get_by_role("complementary", name="Ticket aangeboden")
    await expect(offer).to_be_visible(timeout=20_000)
    await expect(offer.locator("[data-offer-explanation]")).to_contain_text(
        "Aangeboden aan Sofie Vermeulen: beschikbaar, spreekt Nederlands"
    )
    reference = (await offer.locator("strong").inner_text()).strip()
    await assert_accessible(page, "offer")
    await screenshot(page, artifacts, "30-offer")

    await offer.get_by_role("button", name="Aannemen").click()
    await expect(page.get_by_role("heading", name=f"Ticket {reference}", level=1)).to_be_visible()
    await expect(page.locator("[data-event='assigned']").last).to_contain_text("Toegewezen aan Sofie Vermeulen")
    ticket = await api.get(f"/v1/tickets/{reference}", headers=agent)
    assert ticket.json()["assignee"]["full_name"] == "Sofie Vermeulen"
    await screenshot(page, artifacts, "31-offer-accepted")

    # The supervisor's live view of the unit shows her and her load.
    await page.goto(f"{service}/console/#/supervisor")
    await expect(page.get_by_role("heading", name="Live: toewijzing per dienst")).to_be_visible()
