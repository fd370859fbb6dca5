"""Every console screen in Dutch and in French, scanned for English: the console's own English texts (from its
catalogue, those that differ from the screen's language), the server's English texts (the gettext catalogue's
msgids: flags, problems, report cells, timeline …) and codes shown instead of names."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po
from playwright.async_api import Page, Route, expect

from genk3600.i18n import translator
from genk3600.i18n.catalogue import catalogue_path
from tests.console.conftest import screenshot, staff_headers
from tests.console.test_browser import ADMIN, AGENT, CALLER, contact_centre_takes_calls_first, pick, sign_in

pytestmark = pytest.mark.process

CATALOGUE = Path(__file__).parents[2] / "src" / "genk3600" / "console" / "static" / "js" / "i18n.js"
# A code where a name belongs: `civil.id_card`, `contact_centre`, `needs_decision` (never inside an address).
CODE = re.compile(r"(?<![\w@.:/-])[a-z]+(?:[._][a-z]+)+(?![\w@/-]|\.\w)")


# The text a person sees (options of a select count) or hears (labels in attributes), except what is marked
# as another language (the language picker's own names, a citizen's mail): that is not the console speaking.
VISIBLE_TEXT = """() => {
  const page = document.documentElement.lang;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const texts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    const marked = element.closest("[lang]");
    if (marked && marked.lang !== page) continue;
    const shown = element.closest("select") ? element.closest("select").checkVisibility() : element.checkVisibility();
    if (shown && node.textContent.trim()) texts.push(node.textContent.trim());
  }
  // What a screen reader says for an element is text too.
  for (const element of document.body.querySelectorAll("[aria-label], [placeholder], [title], [alt]")) {
    const marked = element.closest("[lang]");
    if (marked && marked.lang !== page) continue;
    for (const name of ["aria-label", "placeholder", "title", "alt"]) {
      if (element.getAttribute(name)) texts.push(element.getAttribute(name));
    }
  }
  return texts.join("\\n");
}"""


def catalogues() -> dict[str, dict[str, str]]:
    source = CATALOGUE.read_text(encoding="utf-8")
    blocks = re.findall(r"^  (\w\w): \{\n(.*?)^  \},", source, flags=re.MULTILINE | re.DOTALL)
    return {
        language: dict(re.findall(r'^\s+"([\w.]+)": "((?:[^"\\]|\\.)*)",', body, flags=re.MULTILINE))
        for language, body in blocks
    }


def server_catalogue(language: str) -> dict[str, str]:
    """The server's texts (flags, problems, report cells, timeline …): English msgid → the language's text."""
    with catalogue_path(language).open("rb") as po_file:
        return {str(message.id): str(message.string) for message in read_po(po_file) if message.id}


def english_fragments(language: str) -> list[str]:
    """The English texts (the literal parts of templates), the console's and the server's, that no text of
    `language` shares."""
    texts = catalogues()
    server = server_catalogue(language)
    own = set(texts[language].values()) | set(server.values())
    own_text = "\n".join(own)  # a loanword the language's own texts use too ("Download") is not English here
    english_texts = [english for key, english in texts["en"].items() if english != texts[language].get(key)]
    english_texts += [msgid for msgid, text in server.items() if msgid != text]
    fragments: set[str] = set()
    for english in english_texts:
        if english in own:
            continue
        for part in re.split(r"\{\w+(?:![rs])?\}", english):
            part = part.strip(" .,:;—()…'`")
            # Short fragments ("No", "of") are words of other languages and names too.
            if len(part) >= 4 and re.search(r"[A-Za-z]{3}", part) and not english_in(own_text, [part]):
                fragments.add(part)
    return sorted(fragments, key=len, reverse=True)


def english_in(text: str, fragments: list[str]) -> list[str]:
    return [part for part in fragments if re.search(rf"(?<!\w){re.escape(part)}(?!\w)", text)]


class Scanner:
    """Collects what each screen shows wrongly, so one run names every screen and every text at fault."""

    def __init__(self, page: Page, language: str, artifacts: Path) -> None:
        self.page, self.language, self.artifacts = page, language, artifacts
        self.fragments = english_fragments(language)
        self.found: dict[str, dict[str, list[str]]] = {}

    async def __call__(self, screen: str, server_texts: tuple[str, ...] = ()) -> None:
        # The stream keeps the network busy: "loaded" is when no part of the screen still says it is loading.
        await expect(self.page.locator("main")).not_to_contain_text(catalogues()[self.language]["common.loading"])
        await screenshot(self.page, self.artifacts, f"lang-{self.language}-{screen}")
        text = await self.page.evaluate(VISIBLE_TEXT)
        for server_text in sorted(server_texts, key=len, reverse=True):
            text = text.replace(server_text, "")
        english, codes = english_in(text, self.fragments), sorted(set(CODE.findall(text)))
        if english or codes:
            self.found[screen] = {"english": english, "codes": codes}


async def open_screen(page: Page, screen: str) -> None:
    await page.locator(f"#nav a[data-screen='{screen}']").click()
    await expect(page.locator(f"main[data-screen='{screen}'] h1")).to_be_visible()


@pytest.mark.parametrize("language", ["nl", "fr"])
async def test_no_english_and_no_codes_on_any_screen(
    language: str, service: str, api: httpx.AsyncClient, page: Page, artifacts: Path
) -> None:
    scan = Scanner(page, language, artifacts)
    assert len(scan.fragments) > 100, "the catalogue could not be read"
    admin = await staff_headers(api, ADMIN)
    agent = await staff_headers(api, AGENT)
    await contact_centre_takes_calls_first(api, admin)
    citizen = {"phone": CALLER, "given_name": "Mira", "family_name": "Claes", "email": "mira.claes@example.org"}
    for category, subject in (("waste.pickup", "Grofvuil"), ("social.living_wage", "Leefloon")):
        body = {"channel": "web", "category": category, "subject": subject, "body": "Vraag.", "citizen": citizen}
        assert (await api.post("/v1/contacts", json=body, headers=admin)).status_code == 201
    # A ticket with a full timeline: registered by phone, escalated for a decision, in progress.
    call = {
        "channel": "phone",
        "category": "civil.id_card",
        "summary": "Identiteitskaart verloren.",
        "citizen": citizen,
        "participations": [{"role": "registering"}],
    }
    created = await api.post("/v1/contacts", json=call, headers=agent)
    assert created.status_code == 201, created.text
    reference = created.json()["ticket"]["reference"]
    escalated = await api.post(
        f"/v1/tickets/{reference}/escalations",
        json={"to_unit": "burgerzaken", "reason": "needs_decision", "requested_role": "deciding", "note": "Dringend."},
        headers=agent,
    )
    assert escalated.status_code in {200, 201}, escalated.text
    current = await api.get(f"/v1/tickets/{reference}", headers=admin)
    changed = await api.patch(
        f"/v1/tickets/{reference}",
        json={"status": "in_progress"},
        headers={**admin, "If-Match": current.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    mail = (
        b"From: Jan Peeters jan.peeters@example.org\r\nTo: 3600@genk.example\r\nSubject: Hondenbelasting\r\n"
        b"Message-ID: <lang-e2e@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBetalen?\r\n"
    )
    received = await api.post("/v1/intake/mail", content=mail, headers={**admin, "content-type": "message/rfc822"})
    assert received.status_code == 201, received.text
    # A header line without a name: the mail is kept, flagged `malformed_headers` for a person to read.
    garbled = (
        b"From: Els Maes <els.maes@example.org>\r\nTo: 3600@genk.example\r\nSubject: Parkeerkaart\r\n"
        b"dit is geen kopregel\r\nMessage-ID: <lang-flag-e2e@example.org>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nHoe vraag ik een parkeerkaart aan?\r\n"
    )
    flagged = await api.post("/v1/intake/mail", content=garbled, headers={**admin, "content-type": "message/rfc822"})
    assert flagged.status_code == 201, flagged.text
    assert "malformed_headers" in flagged.json()["contact"]["flags"]

    async def slow_staff_list(route: Route) -> None:
        await asyncio.sleep(0.5)
        await route.continue_()

    # The language is switched while the sign-in screen still waits for its staff list.
    await page.route("**/console/dev/staff", slow_staff_list)
    await page.goto(f"{service}/console/")
    await expect(page.locator("main h1")).to_be_visible()
    await page.locator("#language").select_option(language)
    await expect(page.locator("html")).to_have_attribute("lang", language)
    # The screen is there once, not once per render that was under way (both staff lists have arrived).
    await expect(page.locator("select[name='staff']").first).to_be_visible()
    await page.wait_for_timeout(1_000)
    await expect(page.locator("select[name='staff']")).to_have_count(1)
    await expect(page.locator("main h1")).to_have_count(1)
    await scan("login")
    await page.locator("#language").select_option("nl")
    await sign_in(page, service, ADMIN)
    await page.locator("#language").select_option(language)
    await expect(page.locator("html")).to_have_attribute("lang", language)
    await expect(page.locator("main h1")).to_have_text(catalogues()[language]["incoming.title"])
    # The queues are named as the server names the units in this language (asked again on the switch).
    me = (await api.get("/v1/me", headers={**admin, "Accept-Language": language})).json()
    await expect(page.locator("main caption").first).to_contain_text(me["memberships"][0]["unit_name"])
    await scan("incoming")

    for event in (
        {"event": "ringing", "call_id": f"lang-{language}", "caller_number": CALLER, "called_number": "3600"},
        {"event": "answered", "call_id": f"lang-{language}", "agent": ADMIN},
    ):
        answer = await api.post("/v1/intake/phone/events", json=event, headers=admin)
        assert answer.status_code == 200, answer.text
    await expect(page.locator(f"[data-call='lang-{language}']")).to_be_visible(timeout=10_000)
    # "Hand over to …" names the OCMW unit in the console's language (the demo's names per language).
    social_unit = {"nl": "OCMW Sociale dienst", "fr": "CPAS Service social"}[language]
    await expect(page.locator("[data-call] [data-social]").first).to_contain_text(social_unit)
    await scan("phone")

    await open_screen(page, "counter")
    await scan("counter")
    await page.locator("input[name='family_name']").fill("Claes")
    await page.locator(".citizen-fields .buttons button").click()
    await expect(page.locator("[data-citizen] [data-reference]").first).to_be_visible()
    await scan("counter-lookup")
    # A problem the server finds (a phone number that is none), told in the console's language.
    texts = catalogues()[language]
    choices = await api.get("/v1/me/choices", headers={**admin, "Accept-Language": language})
    desk = next(unit["name"] for unit in choices.json()["units"] if unit["kind"] == "quick_desk")
    await pick(page.locator("main form"), texts["counter.desk"], desk, desk)
    await page.locator("input[name='phone']").fill("12345")
    await page.locator("textarea[name='summary']").fill("Vraag aan de balie.")
    await page.get_by_role("button", name=texts["role.registering"]).click()
    not_a_phone = translator(language).gettext("not a valid phone number")
    await expect(page.locator("main .notice.error")).to_contain_text(not_a_phone)
    await scan("counter-problem")
    await open_screen(page, "booking")
    await scan("booking")
    # Booking with the access code: a reference and code that match no case, told in the console's language.
    await page.locator("input[name='reference']").fill("G3600-2026-999999")
    await page.locator("input[name='access_code']").fill("GEEN-CODE")
    await page.get_by_role("button", name=texts["appointment.find"]).click()
    await expect(page.locator("main .notice.error")).to_have_text(texts["booking.not_found"])
    await scan("booking-not-found")
    await open_screen(page, "mail")
    # The flag by its name in the console's language, never its code.
    unreadable = translator(language).gettext("unreadable header lines")
    await expect(page.locator("[data-contact]").filter(has_text="Parkeerkaart")).to_contain_text(unreadable)
    await scan("mail")
    await open_screen(page, "routing")
    await scan("routing")
    # The rule "calls go to the contact centre" reads as words: the channel and the unit by their names.
    phone_rule = page.locator("tr[data-rule]").filter(has_text="Telefoon: eerst het contactcenter")
    await expect(phone_rule).to_contain_text(texts["rule.channels"].replace("{values}", texts["channel.phone"]))
    await expect(phone_rule).to_contain_text(texts["rule.owning_unit"].split("{unit}")[0].strip())
    await page.locator("form [name='body']").fill("Er ligt een sluikstort in mijn straat.")
    await page.locator("form button[type='submit']").click()
    await expect(page.locator("[data-simulation] p").first).to_be_visible()
    await scan("routing-simulated")

    await page.goto(f"{service}/console/#/ticket/{reference}")
    await expect(page.locator("[data-event='escalated']")).to_be_visible()
    await scan("ticket")
    await page.locator("button[aria-haspopup='dialog']").first.click()
    await expect(page.get_by_role("dialog")).to_be_visible()
    await scan("escalate-dialog")
    await page.keyboard.press("Escape")

    # The reports' titles, descriptions and column names come from the server's report catalogue (the
    # reports' own work, tested below): the console's own texts and the figures it names are scanned here.
    await open_screen(page, "supervisor")
    # Every report, JSON and CSV, one after the other: on a loaded machine that takes more than 5 s.
    await expect(page.locator("main")).not_to_contain_text(catalogues()[language]["common.loading"], timeout=60_000)
    await expect(page.locator("section[data-report] table").first).to_be_visible()
    period = {"first_day": await page.locator("input[name='from']").input_value()}
    period["last_day"] = await page.locator("input[name='to']").input_value()
    # The cells name what the rows count in the console's language: channels, reasons, roles.
    gettext = translator(language).gettext
    for report, cell in (
        ("contacts-per-channel", gettext("web form")),
        ("escalations", gettext("needs a decision")),
        ("roles-per-unit", gettext("registering")),
    ):
        await expect(page.locator(f"section[data-report='{report}'] table")).to_contain_text(cell)
    await scan("supervisor", await report_texts(api, {**admin, "Accept-Language": language}, period))
    assert scan.found == {}, f"English or codes on the {language} console: {json.dumps(scan.found, indent=1)}"


async def report_texts(api: httpx.AsyncClient, headers: dict[str, str], period: dict[str, str]) -> tuple[str, ...]:
    """What the reports API says about its reports (not the figures): titles, descriptions, column names."""
    listed = await api.get("/v1/reports", headers=headers)
    assert listed.status_code == 200, listed.text
    texts: list[str] = []
    for item in listed.json()["items"]:
        texts += [item["title"], item["description"]]
        report = await api.get(f"/v1/reports/{item['name']}", params={**period, "format": "json"}, headers=headers)
        assert report.status_code == 200, report.text
        texts += [column["label"] for column in report.json()["columns"]]
    return tuple(texts)


@pytest.mark.parametrize("language", ["nl", "fr"])
async def test_report_metadata_is_in_the_readers_language(language: str, api: httpx.AsyncClient) -> None:
    admin = await staff_headers(api, ADMIN)
    period = {"first_day": "2026-01-01", "last_day": "2026-01-31"}
    english = set(await report_texts(api, {**admin, "Accept-Language": "en"}, period))
    theirs = await report_texts(api, {**admin, "Accept-Language": language}, period)
    assert sorted(text for text in theirs if text in english) == []
