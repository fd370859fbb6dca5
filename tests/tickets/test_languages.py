"""The timeline, role sentences, routing explanations and names in the reader's language (Accept-Language)."""

from __future__ import annotations

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.demo import CATEGORIES, FRENCH_NAMES, UNITS
from genk3600.i18n.texts import MESSAGES
from genk3600.models import Unit
from genk3600.models.enums import Language
from tests.factories import World, web_contact

NL = {"Accept-Language": "nl-BE,nl;q=0.9"}
FR = {"Accept-Language": "fr-BE,fr;q=0.9,en;q=0.5"}
ENGLISH_MSGIDS = {spec.text.split("{")[0].strip() for spec in MESSAGES.values()} - {""}


async def _resolved_ticket(client: httpx.AsyncClient, world: World, headers: dict[str, str]) -> str:
    recorded = (await client.post("/v1/contacts", json=web_contact(), headers=headers)).json()
    reference, contact_id = recorded["ticket"]["reference"], recorded["contact"]["id"]
    role = {"role": "registering", "staff_id": world.agent.id}
    assert (await client.post(f"/v1/contacts/{contact_id}/participations", json=role, headers=headers)).is_success
    tag = (await client.get(f"/v1/tickets/{reference}", headers=headers)).headers["etag"]
    change = {"status": "in_progress", "priority": "high", "note": "Belt morgen terug."}
    changed = await client.patch(f"/v1/tickets/{reference}", json=change, headers={**headers, "If-Match": tag})
    assert changed.status_code == 200, changed.text
    return reference


async def test_the_timeline_reads_in_dutch_and_french(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    await session.execute(update(Unit).where(Unit.code == "omgeving").values(names={"fr": "Environnement"}))
    reference = await _resolved_ticket(client, world, admin_headers)
    url = f"/v1/tickets/{reference}/events"

    dutch = (await client.get(url, headers={**admin_headers, **NL})).json()["items"]
    french = (await client.get(url, headers={**admin_headers, **FR})).json()["items"]
    english = (await client.get(url, headers=admin_headers)).json()["items"]

    said = {e["code"]: e["summary"] for e in dutch}
    assert said["ticket.created"] == "Vraag aangemaakt uit een webformulier; eigenaar Omgeving."
    assert said["participation.registering"] == (
        "Een medewerker van het contactcenter registreerde de gegevens van een webformulier."
    )
    assert said["ticket.status_changed"] == (
        "Toestand gewijzigd van nieuw naar in behandeling door admin-test (API). Notitie: Belt morgen terug."
    )
    assert said["ticket.priority_changed"].startswith("Prioriteit gewijzigd van laag naar hoog.")
    dit = {e["code"]: e["summary"] for e in french}
    assert dit["ticket.created"] == "Demande créée à partir d'un formulaire web; attribuée à Environnement."
    assert dit["ticket.status_changed"].startswith("État modifié de nouveau à en cours par admin-test (API).")
    # Without Accept-Language: English, for machine clients; codes and data never depend on the language.
    assert {e["code"]: e["summary"] for e in english}["ticket.created"] == (
        "Ticket created from a web contact; owned by Omgeving."
    )
    assert [e["data"] for e in dutch] == [e["data"] for e in english] == [e["data"] for e in french]
    for entry in dutch + french:
        assert not any(entry["summary"].startswith(msgid) for msgid in ENGLISH_MSGIDS), entry


async def test_role_sentences_follow_the_reader(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    reference = await _resolved_ticket(client, world, admin_headers)
    dutch = (await client.get(f"/v1/tickets/{reference}", headers={**admin_headers, **NL})).json()
    french = (await client.get(f"/v1/tickets/{reference}", headers={**admin_headers, **FR})).json()
    assert dutch["roles"][0]["role_explanation"] == "Een medewerker van het contactcenter registreerde de gegevens."
    assert french["roles"][0]["role_explanation"] == "Un agent d'accueil a enregistré les faits."
    assert dutch["owning_unit_name"] == "Omgeving"


async def test_routing_explains_itself_in_the_readers_language(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    sketch = {"contact": {"channel": "phone", "category": "waste.pickup"}}
    nl = (await client.post("/v1/routing/simulate", json=sketch, headers={**admin_headers, **NL})).json()
    fr = (await client.post("/v1/routing/simulate", json=sketch, headers={**admin_headers, **FR})).json()
    assert nl["explanation"].startswith("geen regel van toepassing: onderwerp ")
    assert fr["explanation"].startswith("aucune règle ne s'applique: sujet ")
    assert nl["matched"][0].startswith("onderwerp ")


async def test_units_and_categories_carry_their_names_per_language(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    unit = {"code": "toerisme", "name": "Toerisme", "kind": "department", "names": {"fr": "Tourisme"}}
    created = await client.post("/v1/units", json=unit, headers={**admin_headers, **FR})
    assert created.status_code == 201, created.text
    assert (created.json()["names"], created.json()["display_name"]) == ({"fr": "Tourisme"}, "Tourisme")
    dutch = (await client.get("/v1/units/toerisme", headers={**admin_headers, **NL})).json()
    assert dutch["display_name"] == "Toerisme"


def test_the_demo_names_every_unit_and_category_in_french() -> None:
    assert {seed.code for seed in (*UNITS, *CATEGORIES)} <= set(FRENCH_NAMES)
    assert Language.fr.value == "fr"
