"""Test data of the agent's knowledge: catalogue entries and a small, fixed history of resolved tickets."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.models import CategoryDecider, OpeningHours, Ticket
from tests import factories

ID_CARD: dict[str, Any] = {
    "code": "identiteitskaart-aanvragen",
    "texts": {
        "nl": {
            "name": "Identiteitskaart aanvragen",
            "description": "Een nieuwe elektronische identiteitskaart, ook na verlies of diefstal.",
            "what_to_bring": "Het attest van diefstal van de politie en een recente pasfoto.",
            "cost": "€ 20,00",
            "delivery_time": "Ongeveer 3 weken",
        },
        "fr": {
            "name": "Demander une carte d'identité",
            "description": "Une nouvelle carte d'identité électronique, aussi après une perte ou un vol.",
            "what_to_bring": "L'attestation de vol de la police et une photo récente.",
        },
    },
    "synonyms": {"nl": ["identiteitsbewijs", "kids-ID"], "fr": ["carte eID"]},
    "web_page": "https://www.genk.be/identiteitskaart",
    "categories": ["civil.id_card"],
    "desk_unit": "burgerzaken",
}
BULKY_WASTE: dict[str, Any] = {
    "code": "grofvuil-ophalen",
    "texts": {
        "nl": {
            "name": "Grofvuil ophalen",
            "description": "De stad haalt grofvuil aan huis op na een afspraak.",
            "what_to_bring": "Niets: zet het grofvuil buiten op de afgesproken dag.",
        },
        "fr": {"name": "Enlèvement des encombrants", "description": "La ville enlève les encombrants à domicile."},
    },
    "synonyms": {"nl": ["huisraad", "matras"], "fr": ["encombrants"]},
    "categories": ["waste.pickup"],
}
LIVING_WAGE: dict[str, Any] = {
    "code": "leefloon",
    "texts": {"nl": {"name": "Leefloon", "description": "Een minimuminkomen van het OCMW voor wie te weinig heeft."}},
    "categories": ["social.living_wage"],
}

# What citizens said, per category: a small history the classifier learns from, deterministic.
HISTORY: dict[str, list[str]] = {
    "civil.id_card": [
        "Mijn identiteitskaart is verlopen, hoe vraag ik een nieuwe aan?",
        "Identiteitskaart verloren, wat moet ik doen?",
        "Pincode van mijn identiteitskaart kwijt",
        "Wanneer is mijn nieuwe identiteitskaart klaar?",
        "Kids-ID aanvragen voor mijn dochter, identiteitskaart voor kinderen",
        "Ma carte d'identité est perdue, comment en demander une nouvelle ?",
        "Carte d'identité volée, que faire ?",
        "Identiteitskaart gestolen uit mijn auto",
    ],
    "waste.pickup": [
        "Grofvuil niet opgehaald in de Molenstraat",
        "Wanneer komen ze het grofvuil ophalen?",
        "Afspraak maken voor grofvuil, een oude matras en een kast",
        "De vuilniszak werd niet meegenomen",
        "Mes encombrants n'ont pas été collectés",
        "Ophaling van huisvuil vergeten in onze straat",
        "PMD zak niet opgehaald deze week",
        "Grofvuil aan huis laten ophalen, hoeveel kost dat?",
    ],
    "social.living_wage": [
        "Ik wil een leefloon aanvragen bij het OCMW",
        "Mijn leefloon is niet gestort deze maand",
        "Hoeveel bedraagt het leefloon voor een alleenstaande?",
        "Demande de revenu d'intégration au CPAS",
        "Leefloon aanvraag na verlies van werk, OCMW steun nodig",
        "Uitkering van het OCMW, leefloon stopgezet",
        "Ik heb geen inkomen meer, kan ik leefloon krijgen?",
        "Vraag over mijn leefloon en de voorwaarden van het OCMW",
    ],
}


async def catalogue_world(session: AsyncSession) -> factories.World:
    """The small world, with deciders for the ID card and the living wage, and the desk's opening hours."""
    world = await factories.small_world(session)
    world.id_card.names = {"nl": "Identiteitskaart", "fr": "Carte d'identité"}
    world.burgerzaken.names = {"nl": "Burgerzaken", "fr": "Population"}
    session.add_all(
        [
            CategoryDecider(category_id=world.id_card.id, unit_id=world.burgerzaken.id),
            CategoryDecider(category_id=world.living_wage.id, unit_id=world.sociale_dienst.id),
            OpeningHours(unit_id=world.burgerzaken.id, weekday=0, opens=time(8, 30), closes=time(12, 30)),
            OpeningHours(unit_id=world.burgerzaken.id, weekday=2, opens=time(13, 30), closes=time(19, 0)),
        ]
    )
    await session.flush()
    return world


async def resolved_history(session: AsyncSession, world: factories.World) -> int:
    """HISTORY as closed tickets, opened a day apart in a fixed order; how many."""
    categories = {"civil.id_card": world.id_card, "waste.pickup": world.waste, "social.living_wage": world.living_wage}
    start = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    number = 0
    for round_ in range(max(len(texts) for texts in HISTORY.values())):
        for code, texts in HISTORY.items():
            if round_ >= len(texts):
                continue
            category = categories[code]
            number += 1
            session.add(
                Ticket(
                    reference=f"G3600-2025-{900000 + number:06d}",
                    subject=texts[round_],
                    language="fr"
                    if any(word in texts[round_] for word in (" est ", "carte", "Mes ", "CPAS"))
                    else "nl",
                    status="closed",
                    confidentiality=category.confidentiality,
                    category_id=category.id,
                    owning_unit_id=category.owning_unit_id,
                    created_at=start + timedelta(days=number),
                    resolved_at=start + timedelta(days=number + 1),
                )
            )
    await session.flush()
    return number
