"""The problems of parties, links, reply templates, assignment, products, suggestions and call-backs, and the answer
of POST /v1/contacts, in the reader's language over HTTP (Accept-Language nl, fr; English without it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.models import Category, Unit
from tests.factories import World, assert_problem, bearer, web_contact

NL = {"Accept-Language": "nl-BE,nl;q=0.9"}
FR = {"Accept-Language": "fr-BE,fr;q=0.9,en;q=0.5"}
READERS = {"nl": NL, "fr": FR, "en": {}}


@pytest.fixture
async def agent(settings: Settings, clock: FixedClock, world: World) -> dict[str, str]:
    return bearer(settings, clock, world.agent.email)


async def _contact(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, object]:
    recorded = await client.post("/v1/contacts", json=web_contact(), headers=headers)
    assert recorded.status_code == 201, recorded.text
    body: dict[str, object] = recorded.json()
    return body


# What each module says, per language: title and detail (`{}` holds the request's own values).
PROBLEMS: dict[str, dict[str, tuple[str, str]]] = {
    "links": {
        "en": ("Not found", "Ticket {reference} has no link with id 999999."),
        "nl": ("Niet gevonden", "Vraag {reference} heeft geen koppeling met id 999999."),
        "fr": ("Introuvable", "La demande {reference} n'a pas de lien avec l'id 999999."),
    },
    "parties": {
        "en": ("Not found", "Contact {contact_id} has no party with id 999999."),
        "nl": ("Niet gevonden", "Contact {contact_id} heeft geen betrokkene met id 999999."),
        "fr": ("Introuvable", "Le contact {contact_id} n'a pas de partie avec l'id 999999."),
    },
    "answering": {
        "en": ("Reply template not found", "There is no reply template with id 999999."),
        "nl": ("Antwoordsjabloon niet gevonden", "Er is geen antwoordsjabloon met id 999999."),
        "fr": ("Modèle de réponse introuvable", "Il n'y a pas de modèle de réponse avec l'id 999999."),
    },
    "assignment": {
        "en": ("Unprocessable input", "Presence and offers belong to staff members: an API client has neither."),
        "nl": (
            "Onverwerkbare invoer",
            "Aanwezigheid en aanbiedingen horen bij medewerkers: een API-client heeft geen van beide.",
        ),
        "fr": (
            "Données inutilisables",
            "La présence et les propositions appartiennent aux membres du personnel : un client d'API n'a ni l'une "
            "ni les autres.",
        ),
    },
    "products": {
        "en": ("Not found", "There is no product with code 'nergens'."),
        "nl": ("Niet gevonden", "Er is geen product met code 'nergens'."),
        "fr": ("Introuvable", "Il n'y a pas de produit avec le code 'nergens'."),
    },
    "callbacks": {
        "en": ("Not found", "There is no call-back request with id 999999."),
        "nl": ("Niet gevonden", "Er is geen terugbelverzoek met id 999999."),
        "fr": ("Introuvable", "Il n'y a pas de demande de rappel avec l'id 999999."),
    },
}


@pytest.mark.parametrize("module", list(PROBLEMS))
@pytest.mark.parametrize("language", ["nl", "fr", "en"])
async def test_a_problem_of_each_new_module_reads_in_the_readers_language(
    client: httpx.AsyncClient,
    world: World,
    admin_headers: dict[str, str],
    agent: dict[str, str],
    module: str,
    language: str,
) -> None:
    recorded = await _contact(client, admin_headers)
    reference = recorded["ticket"]["reference"]  # type: ignore[index]
    contact_id = recorded["contact_id"]
    asks: dict[str, Callable[[dict[str, str]], Awaitable[httpx.Response]]] = {
        "links": lambda h: client.delete(f"/v1/tickets/{reference}/links/999999", headers={**admin_headers, **h}),
        "parties": lambda h: client.delete(f"/v1/contacts/{contact_id}/parties/999999", headers={**admin_headers, **h}),
        "answering": lambda h: client.get("/v1/reply-templates/999999", headers={**admin_headers, **h}),
        "assignment": lambda h: client.get("/v1/me/presence", headers={**admin_headers, **h}),
        "products": lambda h: client.get("/v1/products/nergens", headers={**admin_headers, **h}),
        "callbacks": lambda h: client.get("/v1/callbacks/999999", headers={**agent, **h}),
    }
    answer = await asks[module](READERS[language])
    english_answer = await asks[module]({})
    problem, english = answer.json(), english_answer.json()
    assert answer.status_code == english_answer.status_code >= 400, answer.text
    assert_problem(answer, answer.status_code)
    title, detail = PROBLEMS[module][language]
    values = {"reference": reference, "contact_id": contact_id}
    assert (problem["title"], problem["detail"]) == (title, detail.format(**values))
    # The English text is as it was, and the codes do not follow the language.
    assert (english["title"], english["detail"]) == (
        PROBLEMS[module]["en"][0],
        PROBLEMS[module]["en"][1].format(**values),
    )
    assert problem["type"] == english["type"]
    assert {k: v for k, v in problem.items() if k not in ("title", "detail", "request_id")} == {
        k: v for k, v in english.items() if k not in ("title", "detail", "request_id")
    }


VALIDATORS = {
    # path, body, and the message in English, Dutch and French
    "parties": (
        "/v1/contacts/{contact_id}/parties",
        {"kind": "organisation", "role": "subject", "name": "Kempen bv", "citizen_id": 1},
        "Value error, an organisation is not a citizen: leave out `citizen_id`",
        "een organisatie is geen burger: laat `citizen_id` weg",
        "une organisation n'est pas un citoyen : omettez `citizen_id`",
    ),
    "enterprise number": (
        "/v1/contacts/{contact_id}/parties",
        {"kind": "organisation", "role": "subject", "name": "Kempen bv", "enterprise_number": "0850.213.315"},
        "Value error, not a valid Belgian enterprise number (the number's checksum or check digit is invalid)",
        "geen geldig Belgisch ondernemingsnummer (het controlegetal klopt niet)",
        "pas un numéro d'entreprise belge valide (le chiffre de contrôle est incorrect)",
    ),
    "suggestions": (
        "/v1/suggestions/categories",
        {},
        "Value error, give a subject or a text (or both) to suggest a category from",
        "geef een onderwerpregel of een tekst (of beide) om een onderwerp uit voor te stellen",
        "indiquez un objet ou un texte (ou les deux) à partir duquel proposer un sujet",
    ),
    "callbacks": (
        "/v1/callbacks",
        {"ticket": "G3600-2026-000001", "contact_id": 1, "question": "Wanneer?", "phone": "+3289653611"},
        "Value error, name exactly one of `ticket` and `contact_id`",
        "geef precies één van `ticket` en `contact_id`",
        "indiquez exactement un seul de `ticket` et `contact_id`",
    ),
}


@pytest.mark.parametrize("case", list(VALIDATORS))
async def test_a_validators_complaint_reads_in_the_readers_language(
    client: httpx.AsyncClient,
    world: World,
    admin_headers: dict[str, str],
    agent: dict[str, str],
    case: str,
) -> None:
    path, body, english, dutch, french = VALIDATORS[case]
    contact_id = (await _contact(client, admin_headers))["contact_id"]
    url = path.format(contact_id=contact_id)
    headers = agent if case == "callbacks" else admin_headers

    async def message(reader: dict[str, str]) -> str:
        problem = assert_problem(await client.post(url, json=body, headers={**headers, **reader}), 422)
        [said] = [error["message"] for error in problem["errors"] if error["type"] == "value_error"]
        return str(said)

    assert await message({}) == english
    assert await message(NL) == dutch
    assert await message(FR) == french


async def test_the_contact_answer_names_things_in_the_readers_language(
    client: httpx.AsyncClient, session: AsyncSession, world: World, agent: dict[str, str]
) -> None:
    await session.execute(
        update(Unit).where(Unit.code == "omgeving").values(names={"fr": "Environnement", "en": "Environment"})
    )
    await session.execute(
        update(Category)
        .where(Category.code == "waste.pickup")
        .values(names={"fr": "Collecte des déchets", "en": "Waste collection"})
    )
    said = {}
    for language, reader in READERS.items():
        recorded = await client.post("/v1/contacts", json=web_contact(), headers={**agent, **reader})
        assert recorded.status_code == 201, recorded.text
        said[language] = recorded.json()
    names = {
        language: (answer["ticket"]["owning_unit_name"], answer["ticket"]["category_name"])
        for language, answer in said.items()
    }
    dutch_category = said["nl"]["ticket"]["category_name"]
    assert names == {
        "nl": ("Omgeving", dutch_category),
        "fr": ("Environnement", "Collecte des déchets"),
        "en": ("Environment", "Waste collection"),
    }
    explanations = {language: answer["participations"][0]["role_explanation"] for language, answer in said.items()}
    assert explanations == {
        "nl": "Een medewerker van het contactcenter registreerde de gegevens.",
        "fr": "Un agent d'accueil a enregistré les faits.",
        "en": "An Agent registered the facts.",
    }
    # The codes and the data do not follow the language.
    assert {answer["ticket"]["category"] for answer in said.values()} == {"waste.pickup"}
    assert {answer["participations"][0]["role"] for answer in said.values()} == {"registering"}


async def test_a_placeholder_problem_names_the_placeholder_in_every_language(
    client: httpx.AsyncClient, world: World, admin_headers: dict[str, str]
) -> None:
    texts = {"nl": "Uw kaart {secret}", "fr": "Votre carte", "en": "Your card", "de": "Ihre Karte"}
    body = {"name": "Onveilig", "category": None, "texts": texts}

    async def detail(reader: dict[str, str]) -> str:
        problem = assert_problem(
            await client.post("/v1/reply-templates", json=body, headers={**admin_headers, **reader}), 422
        )
        return str(problem["detail"])

    assert await detail({}) == (
        "The nl text uses the unknown placeholder {secret}. Placeholders are "
        "{reference}, {citizen_name}, {unit_name}, {category_name}, {product_name}, {what_to_bring}, "
        "{cost}, {delivery_time}, {web_page} and {opening_hours}; "
        "write {{ and }} for a brace itself."
    )
    assert await detail(NL) == (
        "De tekst in nl gebruikt het onbekende invulveld {secret}. Invulvelden zijn "
        "{reference}, {citizen_name}, {unit_name}, {category_name}, {product_name}, {what_to_bring}, "
        "{cost}, {delivery_time}, {web_page} en {opening_hours}; "
        "schrijf {{ en }} voor een accolade zelf."
    )
    assert await detail(FR) == (
        "Le texte en nl utilise le champ à remplir inconnu {secret}. Les champs à remplir sont "
        "{reference}, {citizen_name}, {unit_name}, {category_name}, {product_name}, {what_to_bring}, "
        "{cost}, {delivery_time}, {web_page} et {opening_hours} ; "
        "écrivez {{ et }} pour une accolade elle-même."
    )
