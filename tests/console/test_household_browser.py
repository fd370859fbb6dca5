"""The console in a real headless Chromium: the demo's mother calls; the screen pop and her ticket show her
daughter as her mantelzorger, with the consent's scope and period, in Dutch and in French."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from genk3600.demo import DEMO_MOTHER
from tests.console.conftest import assert_accessible, screenshot, staff_headers
from tests.console.test_browser import ADMIN, AGENT, contact_centre_takes_calls_first, sign_in

pytestmark = pytest.mark.process


async def test_the_screen_pop_and_the_ticket_show_the_household(
    service: str, api: httpx.AsyncClient, page: Page, artifacts: Path
) -> None:
    admin = await staff_headers(api, ADMIN)
    await contact_centre_takes_calls_first(api, admin)
    await sign_in(page, service, AGENT)
    for event in (
        {
            "event": "ringing",
            "call_id": "pbx-household-1",
            "caller_number": DEMO_MOTHER["phone"],
            "called_number": "3600",
        },
        {"event": "answered", "call_id": "pbx-household-1", "agent": AGENT},
    ):
        answer = await api.post("/v1/intake/phone/events", json=event, headers=admin)
        assert answer.status_code == 200, answer.text
    pop = page.locator("[data-call='pbx-household-1']")
    await expect(pop).to_be_visible(timeout=10_000)
    household = pop.locator("section.household")
    await expect(household.locator("[data-relation]")).to_contain_text("Lotte Janssens (kind)")
    carer = household.locator("[data-representation]")
    await expect(carer).to_contain_text("Lotte Janssens (mantelzorger)")
    await expect(carer).to_contain_text("toestemming voor aanvragen en vragen, afspraken, informatie krijgen")
    await expect(carer).to_contain_text("ondertekende toestemming")
    await assert_accessible(page, "phone (household)")
    await screenshot(page, artifacts, "household-01-screen-pop")

    contact = {
        "channel": "phone",
        "category": "civil.id_card",
        "summary": "Vraagt wanneer de nieuwe identiteitskaart klaar is.",
        "citizen": {"email": DEMO_MOTHER["email"]},
    }
    recorded = await api.post("/v1/contacts", json=contact, headers=admin)
    assert recorded.status_code == 201, recorded.text
    reference = recorded.json()["ticket"]["reference"]
    await page.goto(f"{service}/console/#/ticket/{reference}")
    section = page.locator("section[aria-labelledby='household-heading']")
    await expect(section.get_by_role("heading", name="Gezin en vertegenwoordigers", level=2)).to_be_visible()
    await expect(section.locator("[data-representation]")).to_contain_text("mantelzorger")
    await assert_accessible(page, "ticket (household)")
    await screenshot(page, artifacts, "household-02-ticket")
    # The same in French: names of relations, kinds, scopes and grounds from the console's catalogue.
    await page.locator("#language").select_option("fr")
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    french = page.locator("section[aria-labelledby='household-heading']")
    await expect(french.get_by_role("heading", name="Ménage et représentants", level=2)).to_be_visible()
    await expect(french.locator("[data-representation]")).to_contain_text("aidant proche")
    await expect(french.locator("[data-representation]")).to_contain_text("consentement signé")
    await expect(french.locator("[data-relation]")).to_contain_text("(enfant)")
    await screenshot(page, artifacts, "household-03-ticket-fr")
