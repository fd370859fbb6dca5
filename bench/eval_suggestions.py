"""`make eval`: how well the category suggestion does on tickets newer than those it learnt from.

Trains the model of `genk3600.suggestions` (the same code `genk3600 train-classifier` runs) on the older part
of a history of resolved tickets and tests it on the newest part (a time split, as the model will meet the
future), then prints top-1 and top-3 accuracy per category and the most frequent confusions. Run it before
switching a model change on.

The history is, by default, a seeded synthetic one in the shape of Genk's (the bulk importer's categories and
weights, Dutch and French, citizens' phrasings with shared filler words, some tickets whose words point
elsewhere); with `--database` it is the resolved tickets of the configured database (GENK3600_DATABASE_URL or
the embedded one in GENK3600_DATA_DIR), read only.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from bench.scale import CATEGORY_WEIGHTS, STREETS
from genk3600.suggestions.model import Evaluation, Example, evaluate, time_split, train

# What citizens say about each category: subjects and sentences, Dutch then French.
PHRASES: dict[str, tuple[list[str], list[str]]] = {
    "waste.pickup": (
        ["Grofvuil niet opgehaald", "Afspraak grofvuil", "Huisvuil vergeten", "PMD niet meegenomen"],
        ["Mes encombrants n'ont pas été collectés", "Collecte des déchets oubliée", "Sacs PMC pas enlevés"],
    ),
    "waste.container": (
        ["Container kapot", "GFT-bak gestolen", "Nieuwe restafvalcontainer", "Chip van de container werkt niet"],
        ["Conteneur cassé", "Poubelle à puce volée", "Nouveau conteneur demandé"],
    ),
    "waste.illegal_dumping": (
        ["Sluikstort gemeld", "Zwerfvuil langs de weg", "Afval gedumpt in het bos", "Bouwafval achtergelaten"],
        ["Dépôt clandestin signalé", "Déchets abandonnés dans le bois", "Dépôt sauvage derrière le parking"],
    ),
    "civil.id_card": (
        ["Identiteitskaart gestolen", "Nieuwe identiteitskaart", "Pincode eID kwijt", "Kids-ID aanvragen"],
        ["Carte d'identité volée", "Nouvelle carte d'identité", "Code PIN de ma carte eID perdu"],
    ),
    "civil.passport": (
        ["Reispas aanvragen", "Paspoort verlopen", "Spoedprocedure reispas"],
        ["Demande de passeport", "Passeport expiré", "Passeport en urgence pour les vacances"],
    ),
    "civil.driving_licence": (
        ["Rijbewijs aanvragen", "Voorlopig rijbewijs", "Internationaal rijbewijs", "Rijbewijs verloren"],
        ["Permis de conduire perdu", "Permis de conduire international", "Permis provisoire"],
    ),
    "civil.address_change": (
        ["Verhuis doorgeven", "Adreswijziging", "Domicilie aanpassen", "Wijkagent komt niet langs na verhuis"],
        ["Changement d'adresse", "Déménagement à Genk", "Domiciliation après déménagement"],
    ),
    "finance.tax_bill": (
        ["Aanslagbiljet gemeentebelasting", "Belasting te hoog", "Bezwaar tegen belasting"],
        ["Avertissement-extrait de rôle", "Taxe communale trop élevée", "Réclamation contre la taxe"],
    ),
    "roads.damage": (
        ["Put in de weg", "Voetpad kapot", "Fietspad beschadigd", "Wegdek verzakt"],
        ["Nid de poule dans la rue", "Trottoir cassé", "Piste cyclable abîmée"],
    ),
    "roads.street_light": (
        ["Straatverlichting defect", "Lantaarnpaal brandt niet", "Straatlamp flikkert"],
        ["Éclairage public en panne", "Lampadaire éteint", "Réverbère qui clignote"],
    ),
    "general.question": (
        ["Openingsuren stadhuis", "Vraag over de stad", "Info gevraagd", "Wie kan mij helpen"],
        ["Heures d'ouverture de l'hôtel de ville", "Question générale", "Informations demandées"],
    ),
    "social.living_wage": (
        ["Leefloon aanvragen", "Leefloon niet gestort", "OCMW-steun", "Uitkering stopgezet"],
        ["Demande de revenu d'intégration", "Aide du CPAS", "Revenu d'intégration pas versé"],
    ),
}
FILLER = (
    ["Ik heb een vraag.", "Kunt u mij helpen?", "Dank u wel.", "In de {street}.", "Al twee weken.", "Dringend!"],
    ["J'ai une question.", "Pouvez-vous m'aider ?", "Merci.", "Dans la {street}.", "Depuis deux semaines."],
)
MISLEADING_SHARE = 0.08  # tickets whose words point to another category (an ID card lost while moving house …)


def synthetic_history(count: int, seed: int = 3600) -> Iterator[tuple[datetime, Example]]:
    """`count` resolved tickets over three years, oldest first."""
    rng = random.Random(seed)
    codes = list(CATEGORY_WEIGHTS)
    weights = list(CATEGORY_WEIGHTS.values())
    start = datetime(2023, 11, 1, tzinfo=UTC)
    step = timedelta(days=3 * 365) / count
    for n in range(count):
        code = rng.choices(codes, weights)[0]
        french = rng.random() < 0.15
        words_of = rng.choice(codes) if rng.random() < MISLEADING_SHARE else code
        own = PHRASES[words_of][1 if french else 0]
        parts = [rng.choice(own)]
        if rng.random() < 0.5:
            parts.append(rng.choice(own).lower())
        parts += [rng.choice(FILLER[1 if french else 0]).format(street=rng.choice(STREETS)) for _ in range(2)]
        yield start + step * n, Example(text=" ".join(parts), category=code)


def _from_database() -> list[Example]:
    from genk3600.config import get_settings
    from genk3600.db import Database, resolve_database_urls
    from genk3600.suggestions.repository import training_rows
    from genk3600.suggestions.service import examples_of

    urls = resolve_database_urls(get_settings(), create=False)

    async def read() -> list[Example]:
        database = Database.connect(urls.service, pool_size=1)
        try:
            async with database.sessions() as session:
                return examples_of(await training_rows(session))
        finally:
            await database.dispose()

    return asyncio.run(read())


def report(result: Evaluation, trained_on: int, seconds: float) -> str:
    lines = [
        f"Trained on {trained_on} older tickets in {seconds:.1f} s; tested on the newest {result.total}.",
        "",
        f"{'category':<26} {'tickets':>8} {'top-1':>7} {'top-3':>7}",
    ]
    for code, (total, top1, top3) in result.per_category.items():
        lines.append(f"{code:<26} {total:>8} {top1 / total:>7.1%} {top3 / total:>7.1%}")
    lines.append(f"{'all':<26} {result.total:>8} {result.top1 / result.total:>7.1%} {result.top3 / result.total:>7.1%}")
    lines += ["", "Most frequent confusions (true → suggested first):"]
    worst = sorted(result.confusions.items(), key=lambda item: (-item[1], item[0]))[:10]
    lines += [f"  {true} → {predicted}: {count}" for (true, predicted), count in worst] or ["  none"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=20_000, help="size of the synthetic history (default 20000)")
    parser.add_argument("--held-out", type=float, default=0.2, help="newest share to test on (default 0.2)")
    parser.add_argument("--database", action="store_true", help="use the configured database's resolved tickets")
    args = parser.parse_args(argv)
    examples = _from_database() if args.database else [example for _, example in synthetic_history(args.tickets)]
    older, newest = time_split(examples, args.held_out)
    if not newest or len({example.category for example in older}) < 2:
        print("Not enough resolved tickets with a category to evaluate on.", file=sys.stderr)
        return 1
    started = time.perf_counter()
    model = train(older)
    seconds = time.perf_counter() - started
    print(report(evaluate(model, newest), len(older), seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
