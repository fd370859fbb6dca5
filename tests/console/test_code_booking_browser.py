"""The front door in a real headless Chromium against a real `genk3600 serve --demo`: a contact-centre agent, who
may not read the OCMW's cases, books the citizen's case worker for a home visit with the citizen's access code;
a wrong code finds nothing, a slot taken meanwhile offers the next times, and the page never shows the case."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine

from genk3600.demo import DEMO_VISITING_CASE_WORKERS
from tests.console.conftest import assert_accessible, screenshot, staff_headers
from tests.console.test_browser import ADMIN, AGENT, sign_in

pytestmark = pytest.mark.process

CASE_WORKER = DEMO_VISITING_CASE_WORKERS[0]  # Ines Coenen, Sociale dienst
SUBJECT = "Huurachterstal en leefloon"
DESCRIPTION = "Ik heb drie maanden huurachterstal en durf niet naar het OCMW te komen."
NOTE = "Schuldbemiddeling loopt via het CAW; de verhuurder dreigt met uitzetting."
HOME = "Hoogstraat 12, 3600 Genk"
# What the page may never show: the case's words, the citizen, who would come.
SECRETS = (SUBJECT, DESCRIPTION, NOTE, "huurachterstal", "uitzetting", "Rosa Vos", "rosa.vos", "Coenen", "Demir")


async def social_case_with_case_worker(api: httpx.AsyncClient, scratch_url: URL) -> tuple[str, str]:
    """A social case on a web form, with a note of the Sociale dienst and the citizen's case worker set (the
    console has no screen for that: the OCMW's own system sets it)."""
    admin = await staff_headers(api, ADMIN)
    body = {
        "channel": "web",
        "category": "social.living_wage",
        "subject": SUBJECT,
        "body": DESCRIPTION,
        "citizen": {"email": "rosa.vos@example.org", "given_name": "Rosa", "family_name": "Vos"},
    }
    created = await api.post("/v1/contacts", json=body, headers=admin)
    assert created.status_code == 201, created.text
    reference, code = created.json()["contact"]["ticket"], created.json()["access_code"]
    social = await staff_headers(api, CASE_WORKER)
    current = await api.get(f"/v1/tickets/{reference}", headers=social)
    assert current.status_code == 200, current.text
    noted = await api.patch(
        f"/v1/tickets/{reference}",
        json={"status": "in_progress", "note": NOTE},
        headers={**social, "If-Match": current.headers["ETag"]},
    )
    assert noted.status_code == 200, noted.text
    engine = create_async_engine(scratch_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "UPDATE citizen SET case_worker_id = (SELECT id FROM staff WHERE email = :worker) "
                    "WHERE email = :citizen"
                ),
                {"worker": CASE_WORKER, "citizen": "rosa.vos@example.org"},
            )
    finally:
        await engine.dispose()
    return reference, code


async def assert_nothing_of_the_case(page: Page) -> None:
    content = (await page.content()).lower()
    assert [secret for secret in SECRETS if secret.lower() in content] == []


async def test_a_front_office_agent_books_the_case_workers_home_visit_with_the_access_code(
    service: str, api: httpx.AsyncClient, page: Page, artifacts: Path, scratch_url: URL
) -> None:
    reference, code = await social_case_with_case_worker(api, scratch_url)
    agent = await staff_headers(api, AGENT)
    # The agent may not read the case: the ticket itself is not found for them.
    assert (await api.get(f"/v1/tickets/{reference}", headers=agent)).status_code == 404

    await sign_in(page, service, AGENT)
    await page.goto(f"{service}/console/#/ticket/{reference}")
    await expect(page.locator("main")).to_contain_text("Niet gevonden.")
    await assert_nothing_of_the_case(page)
    # The way to the front door, with the reference filled in.
    await page.get_by_role("link", name="Boek een afspraak met de toegangscode van de burger").click()
    await expect(page.get_by_role("heading", name="Afspraak boeken met de toegangscode", level=1)).to_be_visible()
    form = page.locator("form[data-code-booking]")
    await expect(form.get_by_label("Referentie van het dossier")).to_have_value(reference)
    await expect(form.get_by_label("Soort afspraak")).to_have_value("social.home_visit")

    # A wrong code: not found, in words that tell nothing of whether the case exists.
    await form.get_by_label("Toegangscode van de burger").fill("WRONG-CODE-42")
    await form.get_by_role("button", name="Vrije momenten zoeken").click()
    await expect(form.locator(".notice.error")).to_have_text(
        "We vinden geen dossier met deze referentie en deze toegangscode. "
        "Vraag de burger om beide nog eens na te kijken."
    )
    await expect(form.get_by_label("Moment")).to_be_disabled()
    await assert_nothing_of_the_case(page)

    # The right code: the free times, and nothing else.
    await form.get_by_label("Toegangscode van de burger").fill(code)
    await form.get_by_role("button", name="Vrije momenten zoeken").click()
    slot = form.get_by_label("Moment")
    await expect(slot).to_be_enabled()
    await expect(form.locator(".notice.error")).to_have_count(0)
    # Times only: no one's name, each time once.
    times = await slot.locator("option").all_inner_texts()
    assert times
    assert [time for time in times if not re.fullmatch(r"[\d/.:, -]+", time)] == []
    assert len(times) == len(set(times))
    await assert_nothing_of_the_case(page)
    await assert_accessible(page, "booking with the access code")
    await screenshot(page, artifacts, "40-code-booking")

    # A colleague books the first time (the case worker's) meanwhile: the agent's booking meets 409.
    path = f"/v1/tickets/{reference}/appointment-slots"
    slots = await api.get(path, params={"kind": "social.home_visit", "access_code": code}, headers=agent)
    assert slots.status_code == 200, slots.text
    first = slots.json()["items"][0]
    assert first["case_worker"] is True
    taken = {"ticket": reference, "access_code": code, "kind": "social.home_visit", "starts_at": first["starts_at"],
             "staff_id": first["staff"]["id"], "address": "Molenstraat 3, 3600 Genk"}  # fmt: skip
    booked_first = await api.post("/v1/appointments", json=taken, headers=agent)
    assert booked_first.status_code == 201, booked_first.text

    await form.get_by_label("Adres van het huisbezoek").fill(HOME)
    await form.get_by_label("Vertegenwoordiger (optioneel)").fill("Jan Peeters")
    await form.get_by_label("Relatie tot de burger").fill("buurman")
    await form.get_by_role("button", name="Afspraak boeken").click()
    await expect(form.locator(".notice.error")).to_have_text(
        "Iemand anders heeft dit moment net geboekt. Kies een van de volgende vrije momenten."
    )
    await expect(slot).to_be_enabled()
    await assert_nothing_of_the_case(page)
    await form.get_by_role("button", name="Afspraak boeken").click()

    done = page.locator("[data-booked]")
    await expect(done).to_contain_text("Afspraak geboekt")
    await expect(done).to_contain_text("Huisbezoek maatschappelijk werker")
    await expect(done).to_contain_text(HOME)
    await expect(done).to_contain_text("Vertegenwoordiger: Jan Peeters")
    await expect(done.get_by_role("heading", name="Afspraak geboekt")).to_be_focused()
    await expect(done.locator("[data-reference]")).to_have_text(reference)
    await expect(form.get_by_label("Toegangscode van de burger")).to_have_value("")
    await screenshot(page, artifacts, "41-code-booking-done")
    await assert_nothing_of_the_case(page)

    # The visit is the case worker's, at her next free time; the agent cannot read it back.
    worker = await staff_headers(api, CASE_WORKER)
    visits = await api.get("/v1/appointments", params={"ticket": reference}, headers=worker)
    assert visits.status_code == 200, visits.text
    mine = [item for item in visits.json()["items"] if item["address"] == HOME]
    assert len(mine) == 1
    assert (mine[0]["staff"]["id"], mine[0]["status"]) == (first["staff"]["id"], "booked")
    assert mine[0]["representative"]["relationship"] == "buurman"
    assert mine[0]["starts_at"] > first["starts_at"]
    assert (await api.get(f"/v1/appointments/{mine[0]['id']}", headers=agent)).status_code == 404
