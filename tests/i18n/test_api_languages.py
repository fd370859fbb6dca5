"""Contact flags, problem details (validation included), staff positions and report cells in the reader's
language over HTTP (Accept-Language: nl, fr, de; English without it), with the codes unchanged."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.i18n import translator
from genk3600.i18n.texts import MESSAGES, flag_name
from genk3600.i18n.validation import MESSAGES as VALIDATION_MESSAGES
from genk3600.kit.clock import FixedClock
from genk3600.models.enums import ContactFlag, Language
from tests import factories
from tests.factories import World, assert_problem, bearer, web_contact

LANGUAGES = {"nl": "nl-BE,nl;q=0.9", "fr": "fr-BE,fr;q=0.9", "de": "de-DE,de;q=0.8"}


def _in(language: str | None, headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Accept-Language": LANGUAGES[language]} if language else headers


# --- contact flags ------------------------------------------------------------------------------------


def test_every_flag_has_a_name_in_every_language() -> None:
    for flag in ContactFlag:
        assert f"flag.{flag.value}" in MESSAGES
        english = flag_name(flag.value, Language.en)
        assert english
        assert "_" not in english
        for language in (Language.nl, Language.fr, Language.de):
            assert flag_name(flag.value, language) not in ("", f"flag.{flag.value}", flag.value)


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("nl", "meerdere burgers mogelijk"),
        ("fr", "plusieurs citoyens possibles"),
        ("de", "mehrere Bürger möglich"),
        (None, "several citizens match"),
    ],
)
async def test_contact_flags_are_named_in_the_readers_language(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    admin_headers: dict[str, str],
    language: str | None,
    name: str,
) -> None:
    for given in ("Mira", "Miro"):  # two citizens with the same number: the contact is left for an agent
        await factories.citizen(session, given_name=given, family_name="Claes", phone="+3289653611")
    contact = web_contact(citizen={"phone": "089 65 36 11"})
    recorded = await client.post("/v1/contacts", json=contact, headers=_in(language, admin_headers))
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["contact"]["flags"] == ["ambiguous_citizen"]
    assert recorded.json()["contact"]["flag_names"] == [name]

    listed = await client.get("/v1/contacts?flag=ambiguous_citizen", headers=_in(language, admin_headers))
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["items"]
    assert (item["flags"], item["flag_names"]) == (["ambiguous_citizen"], [name])
    one = await client.get(f"/v1/contacts/{item['id']}", headers=_in(language, admin_headers))
    assert one.json()["flag_names"] == [name]


# --- problem details ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title", "detail"),
    [
        ("nl", "Niet gevonden", "Er is geen vraag met nummer 'G3600-2026-999999'."),
        ("fr", "Introuvable", "Il n'y a pas de demande avec la référence 'G3600-2026-999999'."),
        ("de", "Nicht gefunden", "Es gibt kein Anliegen mit der Nummer 'G3600-2026-999999'."),
        (None, "Not found", "There is no ticket with reference 'G3600-2026-999999'."),
    ],
)
async def test_a_problem_reads_in_the_readers_language(
    client: httpx.AsyncClient,
    world: World,
    admin_headers: dict[str, str],
    language: str | None,
    title: str,
    detail: str,
) -> None:
    problem = assert_problem(
        await client.get("/v1/tickets/G3600-2026-999999", headers=_in(language, admin_headers)), 404
    )
    assert (problem["title"], problem["detail"]) == (title, detail)
    assert problem["type"] == "https://genk3600.genk.be/problems/ticket-not-found"  # the code never changes
    assert problem["reference"] == "G3600-2026-999999"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "nl",
            ("Een vraag in de toestand „opgelost” kan niet naar „nieuw”.", "Toegestaan: in behandeling en afgesloten."),
        ),
        ("fr", ("Une demande à l'état « résolu » ne peut pas passer à « nouveau ».", "Permis : en cours et clôturé.")),
        (
            "de",
            (
                "Ein Anliegen im Status „erledigt“ kann nicht zu „neu“ wechseln.",
                "Erlaubt: in Bearbeitung und abgeschlossen.",
            ),
        ),
    ],
)
async def test_a_problem_names_statuses_in_the_readers_language(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    admin_headers: dict[str, str],
    language: str,
    words: tuple[str, ...],
) -> None:
    reference = (await client.post("/v1/contacts", json=web_contact(), headers=admin_headers)).json()["ticket"][
        "reference"
    ]
    await factories.set_status(session, reference, "resolved")
    tag = (await client.get(f"/v1/tickets/{reference}", headers=admin_headers)).headers["etag"]
    change = await client.patch(
        f"/v1/tickets/{reference}", json={"status": "new"}, headers={**_in(language, admin_headers), "If-Match": tag}
    )
    problem = assert_problem(change, 409)
    for word in words:
        assert word in problem["detail"], problem["detail"]
    assert "resolved" not in problem["detail"]
    assert "_" not in problem["detail"]
    assert problem["current"] == "resolved"  # the extensions stay codes


BAD_CONTACT: dict[str, Any] = {
    "channel": "web",
    "category": "waste.pickup",
    "subject": "Grofvuil",
    "citizen": {"phone": "12345", "given_name": "x" * 201},
}


@pytest.mark.parametrize(
    ("language", "messages"),
    [
        (
            "nl",
            {
                "body.web.citizen.given_name": "Mag hoogstens 200 tekens lang zijn",
                "body.web.body": "Verplicht veld",
                "body.web.citizen.phone": "geen geldig telefoonnummer",
            },
        ),
        (
            "fr",
            {
                "body.web.citizen.given_name": "Doit compter au plus 200 caractères",
                "body.web.body": "Champ obligatoire",
                "body.web.citizen.phone": "pas un numéro de téléphone valide",
            },
        ),
        (
            "de",
            {
                "body.web.citizen.given_name": "Darf höchstens 200 Zeichen lang sein",
                "body.web.body": "Pflichtfeld",
                "body.web.citizen.phone": "keine gültige Telefonnummer",
            },
        ),
    ],
)
async def test_validation_messages_in_the_readers_language_fields_unchanged(
    client: httpx.AsyncClient,
    world: World,
    admin_headers: dict[str, str],
    language: str,
    messages: dict[str, str],
) -> None:
    english = assert_problem(await client.post("/v1/contacts", json=BAD_CONTACT, headers=admin_headers), 422)
    theirs = assert_problem(
        await client.post("/v1/contacts", json=BAD_CONTACT, headers=_in(language, admin_headers)), 422
    )
    assert english["title"] == "Validation failed"
    assert theirs["title"] != english["title"]
    assert theirs["type"] == english["type"]
    # Where and what kind stay as they are; only the person-readable message follows the language.
    assert [(e["field"], e["type"]) for e in theirs["errors"]] == [(e["field"], e["type"]) for e in english["errors"]]
    said = {error["field"]: error["message"] for error in theirs["errors"]}
    for field, message in messages.items():
        assert said.get(field) == message, theirs["errors"]
    assert {e["field"]: e["message"] for e in english["errors"]}["body.web.citizen.phone"] == (
        "Value error, not a valid phone number"
    )


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("nl", "De waarde 'fax' is geen van de verwachte waarden: 'web', 'phone', 'counter'"),
        ("fr", "La valeur 'fax' ne correspond à aucune des valeurs attendues : 'web', 'phone', 'counter'"),
        ("de", "Der Wert 'fax' entspricht keinem der erwarteten Werte: 'web', 'phone', 'counter'"),
    ],
)
async def test_an_unknown_channel_is_refused_in_the_readers_language(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str], language: str, message: str
) -> None:
    problem = assert_problem(
        await client.post("/v1/contacts", json={"channel": "fax"}, headers=_in(language, admin_headers)), 422
    )
    assert [error["message"] for error in problem["errors"]] == [message]


@pytest.mark.parametrize(
    ("language", "title", "detail_start"),
    [
        ("nl", "Niet gevonden", "Er is niets op /v1/nergens"),
        ("fr", "Introuvable", "Il n'y a rien à l'adresse /v1/nergens"),
        ("de", "Nicht gefunden", "Unter /v1/nergens gibt es nichts"),
    ],
)
async def test_the_frameworks_own_problems_follow_the_reader(
    client: httpx.AsyncClient, language: str, title: str, detail_start: str
) -> None:
    problem = assert_problem(await client.get("/v1/nergens", headers={"Accept-Language": LANGUAGES[language]}), 404)
    assert problem["title"] == title
    assert problem["detail"].startswith(detail_start)


@pytest.mark.parametrize(
    ("language", "title", "detail"),
    [
        ("nl", "Inhoud van het verzoek te groot", "De inhoud van het verzoek is groter dan de toegelaten"),
        ("fr", "Contenu de la requête trop volumineux", "Le contenu de la requête dépasse les"),
        ("de", "Inhalt der Anfrage zu groß", "Der Inhalt der Anfrage ist größer als die zulässigen"),
    ],
)
async def test_a_body_refused_up_front_says_so_in_the_readers_language(
    client: httpx.AsyncClient, settings: Settings, language: str, title: str, detail: str
) -> None:
    too_much = b"x" * (settings.max_request_bytes + 1)
    answer = await client.post(
        "/v1/contacts",
        content=too_much,
        headers={"Content-Type": "application/json", "Accept-Language": LANGUAGES[language]},
    )
    problem = assert_problem(answer, 413)
    assert problem["title"] == title
    assert problem["detail"].startswith(detail)


def test_every_validation_text_is_translated() -> None:
    for template in VALIDATION_MESSAGES.values():
        for language in ("nl", "fr", "de"):
            assert translator(language).gettext(template) != template, (language, template)


# --- positions -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "agent", "admin", "unit"),
    [
        ("nl", "Medewerker contactcenter", "Beheerder", "Contactcenter"),
        ("fr", "Agent d'accueil", "Administrateur", "Centre de contact"),
        ("de", "Mitarbeiter Kontaktcenter", "Administrator", "Contact Centre"),
        (None, "Agent", "Administrator", "Contact Centre"),
    ],
)
async def test_positions_are_named_in_the_readers_language(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
    language: str | None,
    agent: str,
    admin: str,
    unit: str,
) -> None:
    world.contact_centre.names = {"nl": "Contactcenter", "fr": "Centre de contact"}
    await session.flush()
    staff = await client.get("/v1/staff", headers=_in(language, admin_headers))
    assert staff.status_code == 200, staff.text
    seats = {
        (member["email"], seat["position"]): seat for member in staff.json()["items"] for seat in member["memberships"]
    }
    assert seats[("an.agent@genk.example", "agent")]["position_name"] == agent
    assert seats[("ad.min@genk.example", "admin")]["position_name"] == admin
    assert seats[("an.agent@genk.example", "agent")]["unit_name"] == unit
    assert seats[("an.agent@genk.example", "agent")]["unit"] == "contact_centre"

    me = await client.get("/v1/me", headers=_in(language, bearer(settings, clock, world.agent.email)))
    assert me.status_code == 200, me.text
    [membership] = me.json()["memberships"]
    assert (membership["position"], membership["position_name"], membership["unit_name"]) == ("agent", agent, unit)


# --- report cells ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "channel", "label"),
    [("nl", "webformulier", "Kanaal"), ("fr", "formulaire web", "Canal"), ("de", "Webformular", "Kanal")],
)
async def test_report_cells_are_named_in_the_readers_language(
    client: httpx.AsyncClient,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
    language: str,
    channel: str,
    label: str,
) -> None:
    assert (await client.post("/v1/contacts", json=web_contact(), headers=admin_headers)).status_code == 201
    headers = _in(language, bearer(settings, clock, world.admin.email))
    table = await client.get("/v1/reports/contacts-per-channel", headers=headers)
    assert table.status_code == 200, table.text
    [row] = table.json()["rows"]
    assert (row["channel"], row["channel_name"]) == ("web", channel)  # the code stays for scripts
    columns = {column["name"]: column for column in table.json()["columns"]}
    assert columns["channel"]["names"] == "channel_name"
    assert columns["channel_name"]["label"] == label

    roles = await client.get("/v1/reports/roles-per-unit", headers=headers)
    assert roles.status_code == 200, roles.text
    for row in roles.json()["rows"]:
        assert row["role_name"] == translator(language).gettext("registering") != row["role"]

    exported = await client.get("/v1/reports/contacts-per-channel", params={"format": "csv"}, headers=headers)
    header, cells = exported.text.splitlines()[:2]
    assert "channel" not in header.split(",")
    assert label in header.split(",")
    assert channel in cells.split(",")
    assert "web" not in cells.split(",")
