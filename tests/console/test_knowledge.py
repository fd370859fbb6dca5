"""The agent's knowledge in the console, in a real Chromium against a real `genk3600 serve --demo`: what the
caller says brings up the catalogue entry (what to bring, who decides) and a pre-selected category with its
reasons; the ticket shows the entries of its category. The model is trained by the real command on history
brought in by the real bulk import."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect
from sqlalchemy.engine import URL

from tests.console.conftest import assert_accessible, screenshot, staff_headers
from tests.console.test_browser import ADMIN, AGENT, sign_in
from tests.knowledge import HISTORY

pytestmark = pytest.mark.process


def _history_file(path: Path) -> Path:
    start = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    lines = []
    for code, texts in HISTORY.items():
        for number, text in enumerate(texts):
            occurred = start + timedelta(days=len(lines))
            lines.append(
                {
                    "external_id": f"knowledge-{code}-{number}",
                    "channel": "web",
                    "occurred_at": occurred.isoformat(),
                    "category": code,
                    "subject": text,
                    "body": text,
                    "language": "nl",
                    "status": "closed",
                    "resolved_at": (occurred + timedelta(days=2)).isoformat(),
                }
            )
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    return path


async def _command(scratch_url: URL, tmp_path: Path, *args: str) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GENK3600_")}
    env.update(
        GENK3600_ENV="dev",
        GENK3600_DATA_DIR=str(tmp_path),
        GENK3600_DATABASE_URL=scratch_url.render_as_string(hide_password=False),
    )
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "genk3600", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def test_the_phone_screen_shows_the_product_and_a_preselected_category(
    service: str, api: httpx.AsyncClient, page: Page, artifacts: Path, scratch_url: URL, tmp_path: Path
) -> None:
    # The demo data has the ID card in the catalogue, and Burgerzaken decides on ID cards.
    admin = await staff_headers(api, ADMIN)
    await _command(scratch_url, tmp_path, "import", str(_history_file(tmp_path / "history.ndjson")))
    assert "Stored classifier version 1" in await _command(scratch_url, tmp_path, "train-classifier")

    await sign_in(page, service, AGENT)
    for event in (
        {"event": "ringing", "call_id": "pbx-knowledge-1", "caller_number": "+32 89 11 11 11", "called_number": "3600"},
        {"event": "answered", "call_id": "pbx-knowledge-1", "agent": AGENT},
    ):
        answer = await api.post("/v1/intake/phone/events", json=event, headers=admin)
        assert answer.status_code == 200, answer.text
    pop = page.locator("[data-call='pbx-knowledge-1']")
    await expect(pop).to_be_visible(timeout=10_000)

    await pop.get_by_label("Samenvatting van het gesprek").fill("Mijn identiteitskaart is gestolen")

    product = pop.locator("[data-product='identiteitskaart-aanvragen']")
    await expect(product).to_contain_text("Identiteitskaart aanvragen", timeout=10_000)
    await expect(product).to_contain_text("Meebrengen")
    await expect(product).to_contain_text("bij diefstal het attest van de politie; een recente pasfoto.")
    await expect(product).to_contain_text("Wie beslist")
    await expect(product).to_contain_text("Burgerzaken")
    # Leefloon mentions the identity card only among what to bring: too far behind to be shown.
    await expect(pop.locator("[data-product]")).to_have_count(1)
    await expect(pop.get_by_role("combobox", name="Onderwerp")).to_have_value("Identiteitskaart")
    await expect(pop.locator("[data-preselected]")).to_contain_text("Identiteitskaart is alvast gekozen")
    await expect(pop.locator("[data-suggestion='civil.id_card']")).to_contain_text("door de woorden: identiteitskaart")
    await assert_accessible(page, "phone with knowledge")
    await screenshot(page, artifacts, "knowledge-01-phone")

    await pop.get_by_role("button", name="Registreren").click()
    recorded = pop.locator("[data-recorded]")
    await expect(recorded).to_contain_text("als Registreren")
    reference = await recorded.get_attribute("data-recorded")
    await pop.get_by_role("link", name=f"Ticket {reference} openen").click()
    await expect(page.get_by_role("heading", name="Producten bij dit onderwerp")).to_be_visible()
    await expect(page.locator("[data-product='identiteitskaart-aanvragen']")).to_contain_text("Meebrengen")
    await assert_accessible(page, "ticket with products")
    await screenshot(page, artifacts, "knowledge-02-ticket")
