"""The data steward's duplicates on the supervisor screen, in a real headless Chromium against a real
`genk3600 serve --demo`: the demo's likely duplicate pair with its score and reasons in Dutch, merged, the merge
undone, and the pair marked as two people."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.console.conftest import assert_accessible, screenshot, staff_headers
from tests.console.test_browser import ADMIN, sign_in

pytestmark = pytest.mark.process


async def test_the_steward_merges_undoes_and_dismisses_a_duplicate(
    service: str, api: httpx.AsyncClient, page: Page, artifacts: Path
) -> None:
    admin = await staff_headers(api, ADMIN)
    await sign_in(page, service, ADMIN)
    await page.get_by_role("link", name="Supervisie").click()
    section = page.locator("section[data-duplicates]")
    await expect(section.get_by_role("heading", name="Dubbele burgerdossiers")).to_be_visible()
    pair = section.locator("tr[data-pair]")
    await expect(pair).to_have_count(1)
    await expect(pair).to_contain_text("Marie Claes")
    await expect(pair).to_contain_text("Mari Claes")
    await expect(pair.locator("[data-reason='same_phone']")).to_have_text("Zelfde telefoonnummer")
    await expect(pair.locator("[data-reason='similar_name']")).to_contain_text("Gelijkaardige naam")
    await assert_accessible(page, "supervisor with duplicates")
    await screenshot(page, artifacts, "30-duplicates")

    # Without a reason nothing happens but a clear message.
    await pair.get_by_role("button", name="Voeg samen").click()
    await expect(section.get_by_role("alert")).to_contain_text("Geef eerst een reden")
    await section.get_by_label("Reden").fill("Zelfde persoon: gsm-nummer bevestigd aan de balie.")
    await pair.get_by_role("button", name="Voeg samen").click()
    merged = section.locator("[data-merged]")
    await expect(merged).to_contain_text("is samengevoegd met dossier")
    await expect(section.locator("tr[data-pair]")).to_have_count(0)
    await expect(section).to_contain_text("Geen mogelijke dubbele dossiers.")
    marie = (await api.get("/v1/citizens/lookup", params={"name": "Marie Claes"}, headers=admin)).json()
    survivor = marie["matches"][0]["citizen"]["id"]
    history = (await api.get(f"/v1/citizens/{survivor}/merges", headers=admin)).json()
    assert [merge["id"] for merge in history["merges"]] == [int(await merged.get_attribute("data-merged") or 0)]

    await section.get_by_role("button", name="Maak ongedaan").click()
    await expect(section).to_contain_text("De samenvoeging is ongedaan gemaakt.")
    await expect(section.locator("tr[data-pair]")).to_have_count(1)

    await section.locator("tr[data-pair]").get_by_role("button", name="Twee personen").click()
    await expect(section).to_contain_text("Aangeduid als twee personen")
    await expect(section.locator("tr[data-pair]")).to_have_count(0)
    listed = await api.get("/v1/citizen-duplicates", headers=admin)
    assert listed.json()["items"] == []
