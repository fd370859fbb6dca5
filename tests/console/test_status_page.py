"""The citizen's status page on a small phone: it reflows at 320 CSS pixels (WCAG 1.4.10), no sideways scroll
and the answer in a column wide enough to read."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.console.conftest import assert_accessible, screenshot, staff_headers
from tests.console.test_browser import ADMIN

pytestmark = pytest.mark.process

NARROW = 320
READABLE = 250  # CSS pixels: what a 320-pixel screen leaves for text after the page's margins


@pytest.mark.parametrize("language", ["nl", "fr"])
async def test_status_page_reflows_at_320_pixels(
    language: str, service: str, api: httpx.AsyncClient, page: Page, artifacts: Path
) -> None:
    question = {
        "channel": "web",
        "category": "civil.id_card",
        "subject": "Identiteitskaart verloren",
        "body": "Ik ben mijn identiteitskaart verloren op vakantie. Wat moet ik doen?",
        "citizen": {"email": "lotte.jansen@example.org", "given_name": "Lotte", "family_name": "Jansen"},
    }
    created = await api.post("/v1/contacts", json=question, headers=await staff_headers(api, ADMIN))
    assert created.status_code == 201, created.text
    reference, code = created.json()["ticket"]["reference"], created.json()["access_code"]

    await page.set_viewport_size({"width": NARROW, "height": 640})
    await page.goto(f"{service}/status?ref={reference}&code={code}&lang={language}")
    await expect(page.locator("[data-status-text]")).to_be_visible()
    answers = page.locator("#result dd")
    await expect(answers.first).to_be_visible()

    assert await page.evaluate("() => document.documentElement.scrollWidth") <= NARROW
    widths = await answers.evaluate_all("elements => elements.map((element) => element.getBoundingClientRect().width)")
    assert len(widths) >= 3
    assert min(widths) >= READABLE, f"the answer is squeezed into {min(widths):.0f} px"
    status_width = await page.locator("[data-status-text]").evaluate("element => element.getBoundingClientRect().width")
    assert status_width >= READABLE
    await assert_accessible(page, f"status page at {NARROW} px ({language})")
    await screenshot(page, artifacts, f"31-status-{NARROW}px-{language}")
