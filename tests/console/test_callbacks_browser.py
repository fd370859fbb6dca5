"""Call-back requests in the console, in a real headless Chromium against a real `genk3600 serve`: asked from the
ticket screen, on the unit's call-back list on the incoming screen, attempts recorded from pick lists until the
citizen is reached; a wrong number fails a request and the ticket shows its flag."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.console.conftest import assert_accessible, screenshot, staff_headers
from tests.console.test_browser import ADMIN, AGENT, pick, sign_in

pytestmark = pytest.mark.process


async def test_a_call_back_from_the_ticket_to_the_unit_list_and_its_outcome(
    service: str, api: httpx.AsyncClient, page: Page, artifacts: Path
) -> None:
    admin = await staff_headers(api, ADMIN)
    question = {
        "channel": "web",
        "category": "general.question",
        "subject": "Openingsuren recyclagepark",
        "body": "Kan iemand mij terugbellen over de openingsuren?",
        "citizen": {"email": "lotte.jansen@example.org", "phone": "+32 89 65 44 11", "given_name": "Lotte"},
    }
    created = await api.post("/v1/contacts", json=question, headers=admin)
    assert created.status_code == 201, created.text
    reference = created.json()["ticket"]["reference"]

    await sign_in(page, service, AGENT)
    await page.goto(f"{service}/console/#/ticket/{reference}")
    section = page.locator("section[aria-labelledby='callbacks-heading']")
    await expect(section.get_by_role("heading", name="Terugbelverzoeken")).to_be_visible()
    await expect(section).to_contain_text("Geen terugbelverzoeken voor deze vraag.")

    # Ask: the unit from a pick list, the number filled in from the citizen's file, the question typed.
    await section.get_by_role("button", name="Terugbelverzoek…").click()
    dialog = page.get_by_role("dialog", name="Terugbelverzoek")
    await expect(dialog).to_be_visible()
    await pick(dialog, "Dienst die terugbelt", "contact", "Contactcenter Genk3600")
    await expect(dialog.get_by_label("Telefoonnummer")).to_have_value("+3289654411")
    await dialog.get_by_label("Wie belt terug").select_option(label="Iemand van de dienst")
    await dialog.get_by_label("Vraag", exact=True).fill("Wanneer is het recyclagepark open op zaterdag?")
    await assert_accessible(page, "call-back dialog")
    await screenshot(page, artifacts, "21-callback-dialog")
    await dialog.get_by_role("button", name="Terugbelverzoek versturen").click()
    await expect(dialog).to_be_hidden()
    card = section.locator("[data-callback]")
    await expect(card).to_have_attribute("data-callback-status", "open")
    await expect(card).to_contain_text("Contactcenter Genk3600")
    await expect(card).to_contain_text("+32 89 65 44 11")
    await expect(page.locator("[data-event='callback_created']")).to_contain_text("belt de burger terug")

    # The incoming screen lists it for the contact centre; the agent records what the calls gave.
    await page.get_by_role("link", name="Binnenkomend").click()
    row = page.locator("table[data-callbacks='contact_centre'] tr[data-callback]")
    await expect(row).to_contain_text(reference)
    await expect(row).to_contain_text("0 van 3")
    await assert_accessible(page, "incoming with call-backs")
    await screenshot(page, artifacts, "22-incoming-callbacks")
    await row.get_by_role("button", name="Resultaat registreren…").click()
    attempt = page.get_by_role("dialog", name=f"Terugbellen voor {reference}")
    await attempt.get_by_label("Resultaat van de oproep").select_option(label="Niet opgenomen")
    await assert_accessible(page, "attempt dialog")
    await attempt.get_by_role("button", name="Resultaat opslaan").click()
    await expect(attempt).to_be_hidden()
    await expect(row).to_contain_text("1 van 3")
    await expect(row).to_contain_text("Sofie Vermeulen")  # calling took it
    await row.get_by_role("button", name="Resultaat registreren…").click()
    await attempt.get_by_label("Resultaat van de oproep").select_option(label="Burger bereikt")
    await attempt.get_by_label("Notitie").fill("Zaterdag van 9 tot 16 uur.")
    await attempt.get_by_role("button", name="Resultaat opslaan").click()
    await expect(page.locator("table[data-callbacks='contact_centre']")).to_contain_text("Geen open terugbelverzoeken.")

    # Back on the ticket: done, with the attempts in words and the steps on the timeline.
    await page.goto(f"{service}/console/#/ticket/{reference}")
    done = page.locator("[data-callback-status='completed']")
    await expect(done).to_contain_text("Afgehandeld: burger bereikt")
    await expect(done.locator("[data-outcome='no_answer']")).to_contain_text("Niet opgenomen")
    await expect(done.locator("[data-outcome='reached']")).to_contain_text("Zaterdag van 9 tot 16 uur.")
    await expect(page.locator("[data-event='callback_completed']")).to_be_visible()

    # A second request meets a wrong number: it fails at once, the ticket is flagged, the citizen is mailed.
    await section.get_by_role("button", name="Terugbelverzoek…").click()
    await pick(dialog, "Dienst die terugbelt", "contact", "Contactcenter Genk3600")
    await dialog.get_by_label("Vraag", exact=True).fill("Nog een vraag over het recyclagepark.")
    await dialog.get_by_role("button", name="Terugbelverzoek versturen").click()
    second = section.locator("[data-callback-status='open']")
    await second.get_by_role("button", name="Resultaat registreren…").click()
    await attempt.get_by_label("Resultaat van de oproep").select_option(label="Verkeerd nummer")
    await attempt.get_by_role("button", name="Resultaat opslaan").click()
    failed = section.locator("[data-callback-status='failed']")
    await expect(failed).to_contain_text("De burger kreeg een e-mail.")
    await expect(section.locator("[data-flag='callback_failed']")).to_contain_text("Terugbellen is mislukt")
    await assert_accessible(page, "ticket with call-backs")
    await screenshot(page, artifacts, "23-ticket-callbacks")

    ticket = await api.get(f"/v1/tickets/{reference}", headers=admin)
    assert ticket.json()["flags"] == ["callback_failed"]
