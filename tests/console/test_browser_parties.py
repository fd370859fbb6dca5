"""The console in a real headless Chromium: "the daughter calls for her mother" recorded from the phone screen
with both parties, shown on the ticket with whom replies go to."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.console.conftest import assert_accessible, screenshot, staff_headers
from tests.console.test_browser import ADMIN, AGENT, contact_centre_takes_calls_first, pick, sign_in

pytestmark = pytest.mark.process

DAUGHTERS_NUMBER = "+32 470 12 34 56"


async def test_a_call_on_behalf_of_the_citizen_records_both_parties(
    service: str, api: httpx.AsyncClient, page: Page, artifacts: Path
) -> None:
    admin = await staff_headers(api, ADMIN)
    await contact_centre_takes_calls_first(api, admin)
    await sign_in(page, service, AGENT)
    for event in (
        {"event": "ringing", "call_id": "pbx-behalf-1", "caller_number": DAUGHTERS_NUMBER, "called_number": "3600"},
        {"event": "answered", "call_id": "pbx-behalf-1", "agent": AGENT},
    ):
        answer = await api.post("/v1/intake/phone/events", json=event, headers=admin)
        assert answer.status_code == 200, answer.text
    pop = page.locator("[data-call='pbx-behalf-1']")
    await expect(pop).to_be_visible(timeout=10_000)

    # The citizen is the mother; the caller, her daughter, acts on her behalf and gets the answers.
    await pop.get_by_label("Voornaam").fill("Maria")
    await pop.get_by_label("Achternaam").fill("Peeters")
    await pop.get_by_label("E-mailadres").fill("maria.peeters@example.org")
    await pop.get_by_label("Telefoonnummer").fill("")
    behalf = pop.get_by_role("group", name="Belt namens de burger")
    await expect(behalf.get_by_label("Telefoon van wie belt")).to_have_value(DAUGHTERS_NUMBER.replace(" ", ""))
    await behalf.get_by_label("Naam van wie belt").fill("Lotte Janssens")
    await behalf.get_by_label("Relatie tot de burger").select_option("family_member")
    await behalf.get_by_label("Antwoorden naar wie belt sturen (de burger koos daarvoor)").check()
    await pop.get_by_label("Samenvatting van het gesprek").fill(
        "Dochter vraagt of de nieuwe kaart van haar moeder klaar is."
    )
    await pick(pop, "Onderwerp", "identiteitskaart", "Identiteitskaart")
    await assert_accessible(page, "phone (on behalf)")
    await screenshot(page, artifacts, "parties-01-on-behalf")
    await pop.get_by_role("button", name="Registreren").click()
    recorded = pop.locator("[data-recorded]")
    await expect(recorded).to_contain_text("als Registreren")
    reference = await recorded.get_attribute("data-recorded")
    assert reference

    await pop.get_by_role("link", name=f"Ticket {reference} openen").click()
    await expect(page.get_by_role("heading", name=f"Ticket {reference}", level=1)).to_be_visible()
    parties = page.locator("section[aria-labelledby='parties-heading']")
    await expect(parties.locator("[data-party-role='subject']")).to_contain_text("Maria Peeters")
    daughter = parties.locator("[data-party-role='representative']")
    await expect(daughter).to_contain_text("Lotte Janssens")
    await expect(daughter).to_contain_text("familielid")
    await expect(daughter.locator("[data-correspondent]")).to_have_text("Antwoorden gaan naar deze betrokkene.")
    await expect(page.locator("section[aria-labelledby='links-heading']")).to_contain_text("Geen koppelingen.")
    await assert_accessible(page, "ticket (parties)")
    await screenshot(page, artifacts, "parties-02-ticket")
