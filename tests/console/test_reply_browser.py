"""Answering the citizen from the console, in a real headless Chromium against a real `genk3600 serve`: a canned
answer picked by name, previewed with the role in words, sent by mail, and shown on the citizen's status page."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.console.conftest import assert_accessible, screenshot, staff_headers
from tests.console.test_browser import ADMIN, BACK_OFFICE, sign_in

pytestmark = pytest.mark.process

TEXTS = {
    "nl": "Uw nieuwe identiteitskaart ligt klaar aan het loket van {unit_name}. Breng uw oude kaart mee.",
    "fr": "Votre nouvelle carte d'identité est prête au guichet de {unit_name}. Apportez votre ancienne carte.",
    "en": "Your new identity card is ready at the {unit_name} desk. Bring your old card.",
    "de": "Ihr neuer Personalausweis liegt am Schalter von {unit_name} bereit. Bringen Sie den alten mit.",
}


async def test_back_office_answers_with_a_canned_decision_by_mail(
    service: str, api: httpx.AsyncClient, page: Page, artifacts: Path
) -> None:
    admin = await staff_headers(api, ADMIN)
    template = {"name": "Identiteitskaart klaar", "category": "civil.id_card", "texts": TEXTS}
    assert (await api.post("/v1/reply-templates", json=template, headers=admin)).status_code == 201
    question = {
        "channel": "web",
        "category": "civil.id_card",
        "subject": "Nieuwe identiteitskaart",
        "body": "Wanneer is mijn nieuwe identiteitskaart klaar?",
        "citizen": {"email": "karel.smets@example.org", "given_name": "Karel", "family_name": "Smets"},
    }
    created = await api.post("/v1/contacts", json=question, headers=admin)
    assert created.status_code == 201, created.text
    reference, code = created.json()["ticket"]["reference"], created.json()["access_code"]

    await sign_in(page, service, BACK_OFFICE)
    await page.goto(f"{service}/console/#/ticket/{reference}")
    await expect(page.get_by_role("heading", name=f"Ticket {reference}", level=1)).to_be_visible()
    form = page.locator("form[data-reply]")
    await expect(form.locator("[data-placeholders]")).to_contain_text("{what_to_bring}")
    # The demo's canned answer quoting the catalogue: filled in from the identity card's entry.
    await form.get_by_label("Standaardantwoord").select_option(label="Identiteitskaart: wat meebrengen")
    await form.get_by_role("button", name="Voorbeeld").click()
    await expect(form.locator("[data-reply-message]")).to_contain_text(
        "Breng mee: Uw oude kaart, of bij diefstal het attest van de politie; een recente pasfoto. "
        "Kostprijs: € 20,00 (spoedprocedure duurder)."
    )
    await form.get_by_label("Standaardantwoord").select_option(label="Identiteitskaart klaar")
    await form.get_by_label("Hoe", exact=True).select_option("mail")
    await form.get_by_label("In welke rol").select_option("deciding")
    await form.get_by_role("button", name="Voorbeeld").click()
    message = form.locator("[data-reply-message]")
    await expect(message).to_contain_text("Beste Karel Smets,")
    await expect(message).to_contain_text("ligt klaar aan het loket van Burgerzaken")
    await expect(message).to_contain_text("Dit is een beslissing van de dienst Burgerzaken.")
    await expect(form.get_by_label("Antwoord", exact=True)).to_have_value(TEXTS["nl"].format(unit_name="Burgerzaken"))
    await assert_accessible(page, "ticket with a reply preview")
    await screenshot(page, artifacts, "41-reply-preview")

    await form.get_by_role("button", name="Antwoord versturen").click()
    await expect(page.locator("[data-event='replied']")).to_contain_text("per e-mail")
    await expect(page.locator("article.contact").filter(has_text="Ons antwoord")).to_contain_text(
        "ligt klaar aan het loket van Burgerzaken"
    )
    await screenshot(page, artifacts, "42-reply-sent")

    await page.goto(f"{service}/status?ref={reference}&code={code}&lang=nl")
    answer = page.locator("[data-latest-answer]")
    await expect(answer).to_contain_text("Dit is een beslissing van de dienst Burgerzaken.")
    await expect(answer).to_contain_text("ligt klaar aan het loket van Burgerzaken")
    await assert_accessible(page, "status page with an answer")
    await screenshot(page, artifacts, "43-status-with-answer")
