"""The agent console in a real headless Chromium against a real `genk3600 serve`: the phone-to-decision
flow, the conflict prompt, the live queue and an axe-core check on every screen."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from tests.console.conftest import assert_accessible, screenshot, staff_headers

pytestmark = pytest.mark.process

AGENT = "agent@genk.example"  # Sofie Vermeulen, contact centre
BACK_OFFICE = "els.dewitte@genk.example"  # Els De Witte, Burgerzaken (decides on civil.* tickets)
ADMIN = "admin@genk.example"
CALLER = "+32 89 65 40 40"


async def sign_in(page: Page, base: str, email: str) -> None:
    await page.goto(f"{base}/console/")
    await expect(page.get_by_role("heading", name="Aanmelden", level=1)).to_be_visible()
    await page.get_by_label("Medewerker", exact=True).select_option(email)
    await page.get_by_role("button", name="Aanmelden als deze medewerker").click()
    await expect(page.get_by_role("heading", name="Binnenkomend werk", level=1)).to_be_visible()


async def pick(scope: Page | Locator, label: str, words: str, choice: str) -> None:
    """Search a pick list by a word people use and click the name: no code is ever typed."""
    box = scope.get_by_role("combobox", name=label)
    await box.fill(words)
    await scope.get_by_role("option", name=re.compile(f"^{re.escape(choice)}")).first.click()
    await expect(box).to_have_value(choice)


async def sign_out(page: Page) -> None:
    await page.get_by_role("button", name="Afmelden").click()
    await expect(page.get_by_role("heading", name="Aanmelden", level=1)).to_be_visible()


async def contact_centre_takes_calls_first(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    """Calls stay with the contact centre (first-contact resolution) until an agent escalates them."""
    rule = {
        "name": "Telefoon: eerst het contactcenter",
        "position": 50,
        "conditions": {"channels": ["phone"]},
        "actions": {"owning_unit": "contact_centre"},
    }
    created = await api.post("/v1/routing/rules", json=rule, headers=admin)
    assert created.status_code == 201, created.text


async def seed_citizen_with_tickets(api: httpx.AsyncClient, admin: dict[str, str]) -> str:
    """A known caller with one open city ticket and one OCMW (social) case."""
    citizen = {"phone": CALLER, "given_name": "Mira", "family_name": "Claes", "email": "mira.claes@example.org"}
    open_ticket = {
        "channel": "web",
        "category": "waste.pickup",
        "subject": "Grofvuil niet opgehaald",
        "body": "Mijn grofvuil staat er nog.",
        "citizen": citizen,
    }
    social = {**open_ticket, "category": "social.living_wage", "subject": "Leefloon", "body": "Vraag over leefloon."}
    references = []
    for body in (open_ticket, social):
        created = await api.post("/v1/contacts", json=body, headers=admin)
        assert created.status_code == 201, created.text
        references.append(created.json()["contact"]["ticket"])  # `ticket` itself only where the admin may read it
    return references[0]


async def test_phone_call_to_decision_and_the_citizen_status_page(
    service: str, api: httpx.AsyncClient, page: Page, artifacts: Path
) -> None:
    admin = await staff_headers(api, ADMIN)
    await contact_centre_takes_calls_first(api, admin)
    waste_ticket = await seed_citizen_with_tickets(api, admin)

    # The agent signs in with the dev-mode picker and sees the contact centre's queue.
    await page.goto(f"{service}/console/")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Naar de inhoud")).to_be_focused()
    await assert_accessible(page, "login")
    await screenshot(page, artifacts, "01-login")
    await sign_in(page, service, AGENT)
    await assert_accessible(page, "incoming")
    await screenshot(page, artifacts, "02-incoming-agent")

    # The PBX puts a call through to her phone: the console pops the caller's file by itself.
    for event in (
        {"event": "ringing", "call_id": "pbx-e2e-1", "caller_number": CALLER, "called_number": "3600"},
        {"event": "answered", "call_id": "pbx-e2e-1", "agent": AGENT},
    ):
        answer = await api.post("/v1/intake/phone/events", json=event, headers=admin)
        assert answer.status_code == 200, answer.text
    pop = page.locator("[data-call='pbx-e2e-1']")
    await expect(pop).to_be_visible(timeout=10_000)
    await expect(page.get_by_role("heading", name="Telefoon", level=1)).to_be_visible()
    await expect(pop.get_by_role("heading", name="Burger: Mira Claes")).to_be_visible()
    await expect(pop.locator(f"[data-reference='{waste_ticket}']")).to_be_visible()
    await expect(pop.get_by_text("Er bestaat een sociaal dossier — draag over aan")).to_be_visible()
    await assert_accessible(page, "phone")
    await screenshot(page, artifacts, "03-screen-pop")

    # One click records the call as a contact in the role `registering`.
    await pop.get_by_label("Samenvatting van het gesprek").fill("Identiteitskaart verloren in het buitenland.")
    await pick(pop, "Onderwerp", "identiteitskaart", "Identiteitskaart")
    await pop.get_by_role("button", name="Registreren").click()
    recorded = pop.locator("[data-recorded]")
    await expect(recorded).to_contain_text("als Registreren")
    reference = await recorded.get_attribute("data-recorded")
    assert reference
    assert re.fullmatch(r"G3600-\d{4}-\d{6,}", reference)
    code = (await pop.locator("[data-access-code]").inner_text()).strip()
    await screenshot(page, artifacts, "04-contact-recorded")

    # The ticket: roles in plain words; escalate for a decision to Burgerzaken.
    await pop.get_by_role("link", name=f"Ticket {reference} openen").click()
    await expect(page.get_by_role("heading", name=f"Ticket {reference}", level=1)).to_be_visible()
    await expect(page.locator(".roles [data-role='registering']")).to_contain_text("Sofie Vermeulen")
    await expect(page.locator("[data-event='routed']")).to_contain_text("Telefoon: eerst het contactcenter")
    await assert_accessible(page, "ticket")
    escalate = page.get_by_role("button", name="Escaleren…")
    await escalate.focus()
    await page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Ticket escaleren")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_role("combobox", name="Naar dienst")).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(escalate).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(dialog).to_be_visible()
    await pick(dialog, "Naar dienst", "burger", "Burgerzaken")
    await dialog.get_by_label("Reden").select_option("needs_decision")
    await dialog.get_by_label("Gevraagde rol").select_option("deciding")
    await dialog.get_by_label("Toelichting").fill("Burger vraagt een dringende nieuwe kaart.")
    await assert_accessible(page, "escalate dialog")
    await screenshot(page, artifacts, "05-escalate-dialog")
    await dialog.get_by_role("button", name="Escaleren").click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator("[data-event='escalated']")).to_contain_text(
        "van Contactcenter Genk3600 naar Burgerzaken"
    )  # in Dutch: #18

    # The call ends: it leaves the phone screen, and the PBX's `ended` joins the contact already recorded.
    ended = await api.post("/v1/intake/phone/events", json={"event": "ended", "call_id": "pbx-e2e-1"}, headers=admin)
    assert ended.status_code == 200, ended.text
    await page.get_by_role("link", name="Telefoon").click()
    await expect(page.get_by_text("Geen oproep op dit moment.")).to_be_visible()
    # (As the agent: the ticket now belongs to Burgerzaken, and she worked on it.)
    timeline = await api.get(f"/v1/tickets/{reference}/events", headers=await staff_headers(api, AGENT))
    assert timeline.status_code == 200, timeline.text
    contacts = {event["data"].get("contact_id") for event in timeline.json()["items"]} - {None}
    assert contacts == {ended.json()["contact_id"]}
    await sign_out(page)

    # The back office sees it in the Burgerzaken queue, records the decision and resolves the ticket.
    await sign_in(page, service, BACK_OFFICE)
    row = page.locator(f"table[data-unit='burgerzaken'] tr[data-reference='{reference}']")
    await expect(row).to_be_visible()
    await screenshot(page, artifacts, "06-incoming-back-office")
    await row.get_by_role("link", name=reference).click()
    await expect(page.get_by_role("heading", name=f"Ticket {reference}", level=1)).to_be_visible()
    participation = page.locator("section[aria-labelledby='participation-heading']")
    await participation.get_by_label("Rol", exact=True).select_option("deciding")
    await participation.get_by_role("button", name="Rol registreren").click()
    await expect(page.locator(".roles [data-role='deciding']")).to_contain_text("Els De Witte")
    await page.get_by_label("Nieuwe status").select_option("resolved")
    await page.get_by_label("Notitie (optioneel)").first.fill("Nieuwe kaart aangevraagd.")
    await page.get_by_role("button", name="Status opslaan").click()
    await expect(page.locator("[data-status='resolved']")).to_have_text("Opgelost")
    await assert_accessible(page, "ticket (back office)")
    await screenshot(page, artifacts, "07-decided")

    # The citizen's status page says so in Dutch.
    await page.goto(f"{service}/status?ref={reference}&code={code}&lang=nl")
    status_text = page.locator("[data-status-text]")
    await expect(status_text).to_be_visible()
    public = await api.get(f"/v1/public/tickets/{reference}", params={"code": code, "lang": "nl"})
    assert public.status_code == 200, public.text
    await expect(status_text).to_have_text(public.json()["status_text"])
    await expect(page.locator("main")).to_contain_text("Burgerzaken beslist over uw aanvraag")
    await assert_accessible(page, "citizen status page")
    await screenshot(page, artifacts, "08-citizen-status-nl")


async def test_conflict_prompt_live_queue_and_the_other_screens(
    service: str, api: httpx.AsyncClient, page: Page, artifacts: Path
) -> None:
    admin = await staff_headers(api, ADMIN)
    await sign_in(page, service, AGENT)
    # A marker that a full page load would wipe: the queue must refresh without one.
    await page.evaluate("() => { window.stillTheSamePage = true; }")

    # A web form arrives for the contact centre: it appears in the queue from the event feed.
    question = {
        "channel": "web",
        "category": "general.question",
        "subject": "Openingsuren recyclagepark",
        "body": "Wanneer is het recyclagepark open op zaterdag?",
        "citizen": {"email": "lotte.jansen@example.org"},
    }
    created = await api.post("/v1/contacts", json=question, headers=admin)
    assert created.status_code == 201, created.text
    reference = created.json()["ticket"]["reference"]
    row = page.locator(f"table[data-unit='contact_centre'] tr[data-reference='{reference}']")
    await expect(row).to_be_visible(timeout=10_000)
    await expect(row.locator("[data-deadline]")).to_have_attribute("data-deadline", re.compile("^(green|orange|red)$"))
    assert await page.evaluate("() => window.stillTheSamePage === true")
    await screenshot(page, artifacts, "11-live-queue")

    # Someone else changes the ticket after the agent opened it: her change is refused, not written over.
    await row.get_by_role("link", name=reference).click()
    await expect(page.locator("[data-status='new']")).to_be_visible()
    current = await api.get(f"/v1/tickets/{reference}", headers=admin)
    changed = await api.patch(
        f"/v1/tickets/{reference}",
        json={"status": "waiting_on_citizen"},
        headers={**admin, "If-Match": current.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    await page.get_by_label("Nieuwe status").select_option("in_progress")
    await page.get_by_role("button", name="Status opslaan").click()
    conflict = page.locator("[data-conflict]")
    await expect(conflict).to_contain_text("Iemand anders heeft dit ticket intussen gewijzigd")
    reload = conflict.get_by_role("button", name="Ticket opnieuw laden")
    await expect(reload).to_be_focused()
    await assert_accessible(page, "ticket conflict")
    await screenshot(page, artifacts, "12-conflict")
    after = await api.get(f"/v1/tickets/{reference}", headers=admin)
    assert after.json()["status"] == "waiting_on_citizen"
    await reload.click()
    await expect(page.locator("[data-status='waiting_on_citizen']")).to_have_text("Wacht op burger")

    # The language switch: French, then back to Dutch.
    await page.get_by_label("Taal").select_option("fr")
    await expect(page.get_by_role("heading", name=f"Ticket {reference}", level=1)).to_be_visible()
    await expect(page.locator("[data-status='waiting_on_citizen']")).to_have_text("En attente du citoyen")
    await page.get_by_label("Langue").select_option("nl")
    await sign_out(page)

    # Routing (an administrator sees the rules) and the dry run; this time signed in with a pasted token.
    await page.get_by_label("Toegangstoken (JWT van de stad)").fill(admin["Authorization"].removeprefix("Bearer "))
    await page.get_by_role("button", name="Aanmelden met token").click()
    await expect(page.get_by_text("Aangemeld als Functioneel Beheerder")).to_be_visible()
    await page.get_by_role("link", name="Routering").click()
    await expect(page.get_by_role("heading", name="Routeringsregels", level=1)).to_be_visible()
    await expect(page.locator("tr[data-rule]").first).to_be_visible()
    await page.get_by_label("Tekst").fill("Er ligt een sluikstort in mijn straat.")
    await page.get_by_role("button", name="Simuleer").click()
    await expect(page.locator("[data-simulation]")).to_contain_text("Sluikstort en grofvuil")
    await assert_accessible(page, "routing")
    await screenshot(page, artifacts, "13-routing")

    # The supervisor page: every report as a chart and a table, each with a CSV download.
    await page.get_by_role("link", name="Supervisie").click()
    await expect(page.get_by_role("heading", name="Supervisie: cijfers", level=1)).to_be_visible()
    reports = await api.get("/v1/reports", headers=admin)
    assert reports.status_code == 200, reports.text
    names = [item["name"] for item in reports.json()["items"]]
    assert names, "the reports API lists no report"
    for name in names:
        section = page.locator(f"section[data-report='{name}']")
        await expect(section.locator("canvas")).to_be_visible()
        assert await section.locator("canvas").evaluate("canvas => window.Chart.getChart(canvas) !== undefined")
        await expect(section.locator(f"a[data-csv='{name}']")).to_have_attribute("href", re.compile("^blob:"))
    async with page.expect_download() as download_info:
        await page.locator(f"a[data-csv='{names[0]}']").click()
    download = await download_info.value
    csv_path = artifacts / download.suggested_filename
    await download.save_as(csv_path)
    assert csv_path.read_text(encoding="utf-8-sig").splitlines()[0].count(",") >= 1
    await assert_accessible(page, "supervisor")
    await screenshot(page, artifacts, "14-supervisor")


async def test_the_phone_screen_without_a_call_says_so(service: str, page: Page) -> None:
    """Opened while no call rings (the stream's empty list already in), the screen says it is waiting: the
    end of a call that came in before the screen was drawn must not leave it blank."""
    await sign_in(page, service, AGENT)
    await page.get_by_role("link", name="Telefoon").click()
    await expect(page.get_by_role("heading", name="Telefoon", level=1)).to_be_visible()
    await expect(page.get_by_text("Geen oproep op dit moment.")).to_be_visible()
