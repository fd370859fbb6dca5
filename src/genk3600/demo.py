"""Genk-like demo data: units, staff and categories for development, demos and documentation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import ScalarSelect, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.answering.repository import template_by_name
from genk3600.answering.schemas import ReplyTemplateIn
from genk3600.answering.service import create_template
from genk3600.auth.principal import system_principal
from genk3600.models.appointment import AppointmentKind, Availability
from genk3600.models.assignment import AssignmentPolicy, StaffSkills
from genk3600.models.category import Category, CategoryDecider
from genk3600.models.citizen import Citizen
from genk3600.models.enums import (
    FRONT_OFFICE_UNIT_KINDS,
    AssignmentMode,
    Confidentiality,
    ConsentScope,
    ConsentSource,
    Language,
    Position,
    Priority,
    RelationKind,
    RepresentationKind,
    UnitKind,
)
from genk3600.models.household import CitizenRelation, Representation
from genk3600.models.organisation import Staff, StaffMembership, Unit
from genk3600.models.routing import RoutingRule, RoutingRuleVersion
from genk3600.models.sla import ClosingDay, SlaPolicy
from genk3600.products.repository import product_by_code
from genk3600.products.schemas import ProductIn
from genk3600.products.service import create_product

ADMIN_EMAIL = "admin@genk.example"
AGENT_EMAIL = "agent@genk.example"


@dataclass(frozen=True)
class UnitSeed:
    code: str
    name: str
    kind: UnitKind
    parent: str | None = None


@dataclass(frozen=True)
class StaffSeed:
    email: str
    full_name: str
    languages: tuple[Language, ...]
    unit: str
    position: Position


@dataclass(frozen=True)
class CategorySeed:
    code: str
    name: str
    unit: str
    default_priority: Priority = Priority.normal
    confidentiality: Confidentiality = Confidentiality.normal


@dataclass(frozen=True)
class PolicySeed:
    code: str
    name: str
    first_response_minutes: int
    resolution_minutes: int


@dataclass(frozen=True)
class RuleSeed:
    name: str
    position: int
    conditions: dict[str, object]
    actions: dict[str, object]


@dataclass(frozen=True)
class DemoSummary:
    """Rows created by this run; all zero when the demo data was already there."""

    units: int
    staff: int
    memberships: int
    categories: int
    sla_policies: int = 0
    closing_days: int = 0
    routing_rules: int = 0
    products: int = 0
    reply_templates: int = 0
    assignment_policies: int = 0
    staff_skills: int = 0
    households: int = 0
    citizens: int = 0
    appointment_kinds: int = 0


_D, _O = UnitKind.department, UnitKind.ocmw_service
NL, FR, EN, DE = Language.nl, Language.fr, Language.en, Language.de
AGENT, BACK_OFFICE, CASE_WORKER = Position.agent, Position.back_office, Position.case_worker
_SOCIAL = Confidentiality.social

# Parents before children: each unit's parent is looked up by code when it is inserted.
UNITS: tuple[UnitSeed, ...] = (
    UnitSeed("stad_genk", "Stad en OCMW Genk", _D),
    UnitSeed("contact_centre", "Contactcenter Genk3600", UnitKind.contact_centre, "stad_genk"),
    UnitSeed("onthaal", "Onthaal Stadhuis", UnitKind.reception, "stad_genk"),
    UnitSeed("snelbalie", "Snelbalie", UnitKind.quick_desk, "stad_genk"),
    UnitSeed("themabalie_wonen", "Themabalie Wonen", UnitKind.thematic_desk, "stad_genk"),
    UnitSeed("themabalie_sociaal", "Themabalie Sociaal", UnitKind.thematic_desk, "stad_genk"),
    UnitSeed("burgerzaken", "Burgerzaken", _D, "stad_genk"),
    UnitSeed("financien", "Financiën", _D, "stad_genk"),
    UnitSeed("omgeving", "Omgeving", _D, "stad_genk"),
    UnitSeed("vrije_tijd", "Vrije tijd", _D, "stad_genk"),
    UnitSeed("onderwijs", "Onderwijs", _D, "stad_genk"),
    UnitSeed("ocmw", "OCMW Genk", _O, "stad_genk"),
    UnitSeed("sociale_dienst", "OCMW Sociale dienst", _O, "ocmw"),
    UnitSeed("thuiszorg", "Thuiszorg", _O, "ocmw"),
    UnitSeed("woonzorg", "Woonzorg", _O, "ocmw"),
)

STAFF: tuple[StaffSeed, ...] = (
    StaffSeed(ADMIN_EMAIL, "Functioneel Beheerder", (NL, FR, EN), "contact_centre", Position.admin),
    StaffSeed(AGENT_EMAIL, "Sofie Vermeulen", (NL, FR, EN), "contact_centre", AGENT),
    StaffSeed("koen.claes@genk.example", "Koen Claes", (NL, FR), "contact_centre", Position.supervisor),
    StaffSeed("elif.yilmaz@genk.example", "Elif Yilmaz", (NL, EN), "contact_centre", AGENT),
    StaffSeed("an.peeters@genk.example", "An Peeters", (NL, FR), "onthaal", AGENT),
    StaffSeed("tom.maes@genk.example", "Tom Maes", (NL, EN), "onthaal", AGENT),
    StaffSeed("lien.willems@genk.example", "Lien Willems", (NL,), "snelbalie", AGENT),
    StaffSeed("bart.jacobs@genk.example", "Bart Jacobs", (NL, FR), "snelbalie", AGENT),
    StaffSeed("sarah.mertens@genk.example", "Sarah Mertens", (NL, EN), "themabalie_wonen", AGENT),
    StaffSeed("jonas.goossens@genk.example", "Jonas Goossens", (NL,), "themabalie_wonen", AGENT),
    StaffSeed("nadia.bulut@genk.example", "Nadia Bulut", (NL, FR), "themabalie_sociaal", AGENT),
    StaffSeed("pieter.wouters@genk.example", "Pieter Wouters", (NL,), "themabalie_sociaal", AGENT),
    StaffSeed("els.dewitte@genk.example", "Els De Witte", (NL, FR), "burgerzaken", BACK_OFFICE),
    StaffSeed("wim.hermans@genk.example", "Wim Hermans", (NL, DE), "burgerzaken", BACK_OFFICE),
    StaffSeed("karen.smets@genk.example", "Karen Smets", (NL,), "financien", BACK_OFFICE),
    StaffSeed("dirk.vandenbroeck@genk.example", "Dirk Vandenbroeck", (NL, EN), "financien", BACK_OFFICE),
    StaffSeed("stijn.lemmens@genk.example", "Stijn Lemmens", (NL,), "omgeving", BACK_OFFICE),
    StaffSeed("katrien.thys@genk.example", "Katrien Thys", (NL, EN), "omgeving", BACK_OFFICE),
    StaffSeed("luca.bianchi@genk.example", "Luca Bianchi", (NL, FR), "omgeving", BACK_OFFICE),
    StaffSeed("nele.schepers@genk.example", "Nele Schepers", (NL, EN), "vrije_tijd", BACK_OFFICE),
    StaffSeed("joris.vanhout@genk.example", "Joris Van Hout", (NL,), "vrije_tijd", BACK_OFFICE),
    StaffSeed("hilde.moors@genk.example", "Hilde Moors", (NL, FR), "onderwijs", BACK_OFFICE),
    StaffSeed("kris.reynders@genk.example", "Kris Reynders", (NL,), "onderwijs", BACK_OFFICE),
    StaffSeed("veerle.geerts@genk.example", "Veerle Geerts", (NL, FR), "sociale_dienst", Position.supervisor),
    StaffSeed("ines.coenen@genk.example", "Ines Coenen", (NL, FR), "sociale_dienst", CASE_WORKER),
    StaffSeed("mehmet.demir@genk.example", "Mehmet Demir", (NL, EN), "sociale_dienst", CASE_WORKER),
    StaffSeed("marleen.bosmans@genk.example", "Marleen Bosmans", (NL,), "thuiszorg", CASE_WORKER),
    StaffSeed("greet.meeus@genk.example", "Greet Meeus", (NL, DE), "thuiszorg", CASE_WORKER),
    StaffSeed("ruben.cools@genk.example", "Ruben Cools", (NL,), "woonzorg", BACK_OFFICE),
    StaffSeed("eva.jorissen@genk.example", "Eva Jorissen", (NL, EN), "woonzorg", BACK_OFFICE),
)

CATEGORIES: tuple[CategorySeed, ...] = (
    CategorySeed("waste.pickup", "Huisvuilophaling", "omgeving"),
    CategorySeed("waste.container", "Afvalcontainer", "omgeving", Priority.low),
    CategorySeed("waste.illegal_dumping", "Sluikstort", "omgeving"),
    CategorySeed("civil.id_card", "Identiteitskaart", "burgerzaken"),
    CategorySeed("civil.passport", "Reispas", "burgerzaken"),
    CategorySeed("civil.driving_licence", "Rijbewijs", "burgerzaken"),
    CategorySeed("civil.address_change", "Adreswijziging", "burgerzaken"),
    CategorySeed("civil.birth_certificate", "Geboorteakte", "burgerzaken", Priority.low),
    CategorySeed("finance.tax_bill", "Aanslagbiljet gemeentebelasting", "financien"),
    CategorySeed("finance.invoice", "Factuur van de stad", "financien"),
    CategorySeed("environment.permit", "Omgevingsvergunning", "omgeving"),
    CategorySeed("environment.tree_felling", "Bomen kappen", "omgeving", Priority.low),
    CategorySeed("roads.damage", "Schade aan weg of voetpad", "omgeving", Priority.high),
    CategorySeed("roads.street_light", "Defecte straatverlichting", "omgeving"),
    CategorySeed("leisure.sports_hall", "Sporthal reserveren", "vrije_tijd", Priority.low),
    CategorySeed("leisure.library", "Bibliotheek", "vrije_tijd", Priority.low),
    CategorySeed("education.school_registration", "Aanmelden en inschrijven op school", "onderwijs"),
    CategorySeed("social.living_wage", "Leefloon", "sociale_dienst", Priority.high, _SOCIAL),
    # An energy cut-off can leave a household without heating the same day.
    CategorySeed("social.energy_support", "Energiehulp", "sociale_dienst", Priority.urgent, _SOCIAL),
    CategorySeed("social.debt_mediation", "Schuldbemiddeling", "sociale_dienst", Priority.normal, _SOCIAL),
    CategorySeed("care.home_care", "Thuiszorg en gezinszorg", "thuiszorg", Priority.normal, _SOCIAL),
    CategorySeed("care.meals", "Maaltijden aan huis", "thuiszorg", Priority.normal, _SOCIAL),
    CategorySeed("care.residential", "Woonzorgcentrum", "woonzorg", Priority.normal, _SOCIAL),
    CategorySeed("general.question", "Algemene vraag", "contact_centre"),
)


# The names in French (Genk's second language at the desks) and English; Dutch is each seed's own name.
FRENCH_NAMES: dict[str, str] = {
    "stad_genk": "Ville et CPAS de Genk",
    "contact_centre": "Centre de contact Genk3600",
    "onthaal": "Accueil de l'hôtel de ville",
    "snelbalie": "Guichet rapide",
    "themabalie_wonen": "Guichet thématique Logement",
    "themabalie_sociaal": "Guichet thématique Social",
    "burgerzaken": "Population et état civil",
    "financien": "Finances",
    "omgeving": "Environnement",
    "vrije_tijd": "Loisirs",
    "onderwijs": "Enseignement",
    "ocmw": "CPAS de Genk",
    "sociale_dienst": "CPAS Service social",
    "thuiszorg": "Soins à domicile",
    "woonzorg": "Maison de repos et de soins",
    "waste.pickup": "Collecte des déchets ménagers",
    "waste.container": "Conteneur à déchets",
    "waste.illegal_dumping": "Dépôt clandestin",
    "civil.id_card": "Carte d'identité",
    "civil.passport": "Passeport",
    "civil.driving_licence": "Permis de conduire",
    "civil.address_change": "Changement d'adresse",
    "civil.birth_certificate": "Acte de naissance",
    "finance.tax_bill": "Avertissement-extrait de rôle taxe communale",
    "finance.invoice": "Facture de la ville",
    "environment.permit": "Permis d'environnement",
    "environment.tree_felling": "Abattage d'arbres",
    "roads.damage": "Dégâts à la route ou au trottoir",
    "roads.street_light": "Éclairage public défectueux",
    "leisure.sports_hall": "Réserver une salle de sport",
    "leisure.library": "Bibliothèque",
    "education.school_registration": "Inscription à l'école",
    "social.living_wage": "Revenu d'intégration",
    "social.energy_support": "Aide énergie",
    "social.debt_mediation": "Médiation de dettes",
    "care.home_care": "Aide et soins à domicile",
    "care.meals": "Repas à domicile",
    "care.residential": "Maison de repos",
    "general.question": "Question générale",
}


def names_of(code: str, dutch: str) -> dict[str, str]:
    """A seed's names per language: its own (Dutch) name and, where there is one, the French."""
    return {"nl": dutch, **({"fr": FRENCH_NAMES[code]} if code in FRENCH_NAMES else {})}


def _unit_id(code: str) -> ScalarSelect[int]:
    return select(Unit.id).where(Unit.code == code).scalar_subquery()


def _staff_id(email: str) -> ScalarSelect[int]:
    return select(Staff.id).where(Staff.email == email).scalar_subquery()


# A business day of the default calendar is 7 hours (8:30-12:00, 13:00-16:30).
_DAY = 7 * 60
SLA_POLICIES = (
    PolicySeed("standaard", "Standaard: antwoord binnen 10 werkdagen", _DAY, 10 * _DAY),
    PolicySeed("snel", "Snel: antwoord binnen 2 werkdagen", 2 * 60, 2 * _DAY),
    PolicySeed("sociaal_dringend", "Sociaal dringend: dezelfde dag", 60, _DAY),
)
# Which policy each category family uses; the rest gets "standaard".
_POLICY_BY_PREFIX = {"social.energy_support": "sociaal_dringend", "roads.": "snel", "waste.": "snel"}
# Local closing days on top of the Belgian public holidays (holidays package).
CLOSING_DAYS = (
    (date(2026, 7, 11), "Feest van de Vlaamse Gemeenschap"),
    (date(2026, 11, 2), "Allerzielen"),
    (date(2026, 12, 26), "Tweede Kerstdag"),
    (date(2027, 7, 11), "Feest van de Vlaamse Gemeenschap"),
    (date(2027, 11, 2), "Allerzielen"),
    (date(2027, 12, 26), "Tweede Kerstdag"),
)
# Category families of city departments (not the OCMW's social.* and care.*), for rules that may send
# tickets outside the OCMW.
CITY_CATEGORY_FAMILIES = tuple(
    sorted({c.code.split(".")[0] for c in CATEGORIES if c.confidentiality is not Confidentiality.social})
)
ROUTING_RULES = (
    RuleSeed(
        "Sluikstort en grofvuil",
        10,
        {"keywords": ["sluikstort", "grofvuil", "dépôt clandestin", "encombrants"]},
        {"owning_unit": "omgeving", "priority": "high"},
    ),
    RuleSeed(
        "Leefloon en schulden naar OCMW",
        20,
        {"keywords": ["leefloon", "schuldbemiddeling", "revenu d'intégration"]},
        {"owning_unit": "sociale_dienst", "confidentiality": "social", "assignment": "case_worker"},
    ),
    RuleSeed(
        # Only the city's own categories: social (OCMW) calls stay with the OCMW at night too.
        "Avondlijn: naar het contactcenter",
        90,
        {
            "channels": ["phone"],
            "categories": [f"{family}.*" for family in CITY_CATEGORY_FAMILIES],
            "local_time_from": "19:00:00",
            "local_time_until": "08:30:00",
        },
        {"owning_unit": "contact_centre"},
    ),
)


async def seed_demo_operations(session: AsyncSession) -> tuple[int, int, int]:
    """SLA policies, closing days, decision authority and routing rules; only what is missing."""
    policies = await _insert_new(
        session,
        SlaPolicy,
        [
            {
                "code": p.code,
                "name": p.name,
                "first_response_minutes": p.first_response_minutes,
                "resolution_minutes": p.resolution_minutes,
            }
            for p in SLA_POLICIES
        ],
        "code",
    )
    for category in CATEGORIES:
        code = next((c for prefix, c in _POLICY_BY_PREFIX.items() if category.code.startswith(prefix)), "standaard")
        await session.execute(
            update(Category)
            .where(Category.code == category.code, Category.sla_policy_id.is_(None))
            .values(sla_policy_id=select(SlaPolicy.id).where(SlaPolicy.code == code).scalar_subquery())
        )
        # The unit that owns a category decides on it.
        await session.execute(
            insert(CategoryDecider)
            .from_select(
                ["category_id", "unit_id"],
                select(Category.id, Category.owning_unit_id).where(Category.code == category.code),
            )
            .on_conflict_do_nothing()
        )
    existing_days = set(await session.scalars(select(ClosingDay.day).where(ClosingDay.unit_id.is_(None))))
    new_days = [ClosingDay(day=day, reason=reason) for day, reason in CLOSING_DAYS if day not in existing_days]
    session.add_all(new_days)
    existing_rules = set(await session.scalars(select(RoutingRuleVersion.name).where(RoutingRuleVersion.current)))
    rules = 0
    for seed in ROUTING_RULES:
        if seed.name in existing_rules:
            continue
        rule = RoutingRule()
        session.add(rule)
        await session.flush()
        session.add(
            RoutingRuleVersion(
                rule_id=rule.id,
                version=1,
                name=seed.name,
                position=seed.position,
                active=True,
                conditions=seed.conditions,
                actions=seed.actions,
                actor_name="demo data",
            )
        )
        rules += 1
    await session.flush()
    return policies, len(new_days), rules


async def _insert_new(
    session: AsyncSession,
    model: type[Unit | Staff | StaffMembership | Category | SlaPolicy],
    rows: Sequence[Mapping[str, object]],
    *conflict: str,
) -> int:
    # ON CONFLICT DO NOTHING keeps existing rows untouched (idempotent, and safe against a concurrent
    # seed); RETURNING only yields the rows this statement actually created.
    statement = insert(model).values(list(rows)).on_conflict_do_nothing(index_elements=conflict)
    result = await session.execute(statement.returning(model.id))
    return len(result.all())


async def seed_demo(session: AsyncSession) -> DemoSummary:
    """Insert the Genk demo units, staff and categories that are missing; flushes, never commits."""
    units = 0
    # One statement per unit: a multi-row INSERT cannot see the parent it inserts itself.
    for unit in UNITS:
        parent_id = _unit_id(unit.parent) if unit.parent else None
        row = {
            "code": unit.code,
            "name": unit.name,
            "names": names_of(unit.code, unit.name),
            "kind": unit.kind.value,
            "parent_id": parent_id,
            "front_office": unit.kind.value in FRONT_OFFICE_UNIT_KINDS,
        }
        units += await _insert_new(session, Unit, [row], "code")
    staff = await _insert_new(
        session,
        Staff,
        [
            {"email": s.email, "full_name": s.full_name, "languages": [lang.value for lang in s.languages]}
            for s in STAFF
        ],
        "email",
    )
    memberships = await _insert_new(
        session,
        StaffMembership,
        [{"staff_id": _staff_id(s.email), "unit_id": _unit_id(s.unit), "position": s.position.value} for s in STAFF],
        "staff_id",
        "unit_id",
    )
    categories = await _insert_new(
        session,
        Category,
        [
            {
                "code": c.code,
                "name": c.name,
                "names": names_of(c.code, c.name),
                "owning_unit_id": _unit_id(c.unit),
                "confidentiality": c.confidentiality.value,
                "default_priority": c.default_priority.value,
            }
            for c in CATEGORIES
        ],
        "code",
    )
    await session.flush()
    policies, closing_days, rules = await seed_demo_operations(session)
    products = await seed_demo_products(session)
    templates = await seed_demo_reply_templates(session)
    policies_on, skills = await seed_demo_assignment(session)
    households = await seed_demo_households(session)
    citizens = await seed_demo_citizens(session)
    appointment_kinds = await seed_demo_appointments(session)
    return DemoSummary(
        units=units,
        staff=staff,
        memberships=memberships,
        categories=categories,
        sla_policies=policies,
        closing_days=closing_days,
        routing_rules=rules,
        products=products,
        reply_templates=templates,
        assignment_policies=policies_on,
        staff_skills=skills,
        households=households,
        citizens=citizens,
        appointment_kinds=appointment_kinds,
    )


# A few entries of the product catalogue, so that the console's phone screen has something to show.
DEMO_PRODUCTS: tuple[dict[str, Any], ...] = (
    {
        "code": "identiteitskaart-aanvragen",
        "texts": {
            "nl": {
                "name": "Identiteitskaart aanvragen",
                "description": "Een nieuwe elektronische identiteitskaart (eID), ook na verlies of diefstal.",
                "what_to_bring": "Uw oude kaart, of bij diefstal het attest van de politie; een recente pasfoto.",
                "cost": "€ 20,00 (spoedprocedure duurder)",
                "delivery_time": "Ongeveer 3 weken",
            },
            "fr": {
                "name": "Demander une carte d'identité",
                "description": "Une nouvelle carte d'identité électronique, aussi après une perte ou un vol.",
                "what_to_bring": "L'ancienne carte, ou en cas de vol l'attestation de la police ; une photo récente.",
                "cost": "20,00 € (procédure urgente plus chère)",
                "delivery_time": "Environ 3 semaines",
            },
            "en": {
                "name": "Applying for an identity card",
                "what_to_bring": "Your old card, or after a theft the police certificate; a recent photo.",
            },
        },
        "synonyms": {"nl": ["eID", "kids-ID", "identiteitsbewijs"], "fr": ["carte eID"]},
        "web_page": "https://www.genk.be/identiteitskaart",
        "categories": ["civil.id_card"],
    },
    {
        "code": "grofvuil-ophalen",
        "texts": {
            "nl": {
                "name": "Grofvuil ophalen",
                "description": "De stad haalt grofvuil aan huis op, na een afspraak.",
                "what_to_bring": "Niets: zet het grofvuil op de afgesproken dag buiten.",
                "cost": "Volgens het volume",
            },
            "fr": {
                "name": "Enlèvement des encombrants",
                "description": "La ville enlève les encombrants à domicile, sur rendez-vous.",
                "what_to_bring": "Rien : sortez les encombrants le jour convenu.",
                "cost": "Selon le volume",
            },
        },
        "synonyms": {"nl": ["huisraad", "matras", "meubels"], "fr": ["encombrants"]},
        "categories": ["waste.pickup"],
    },
    {
        "code": "leefloon",
        "texts": {
            "nl": {
                "name": "Leefloon",
                "description": "Een minimuminkomen van het OCMW voor wie niet genoeg middelen heeft.",
                "what_to_bring": "Uw identiteitskaart, bewijzen van inkomsten en huur, uw rekeningnummer.",
            },
            "fr": {
                "name": "Revenu d'intégration",
                "description": "Un revenu minimum du CPAS pour qui n'a pas assez de ressources.",
                "what_to_bring": "Votre carte d'identité, les preuves de revenus et de loyer, votre numéro de compte.",
            },
        },
        "synonyms": {"nl": ["OCMW-steun", "uitkering"], "fr": ["CPAS"]},
        "categories": ["social.living_wage"],
    },
)


async def seed_demo_products(session: AsyncSession) -> int:
    """The demo catalogue entries that are missing."""
    added = 0
    for entry in DEMO_PRODUCTS:
        if await product_by_code(session, entry["code"]) is None:
            await create_product(session, system_principal("demo"), ProductIn.model_validate(entry), Language.nl)
            added += 1
    return added


# Canned answers in the four languages; the second quotes the catalogue entry of the ticket's category.
DEMO_REPLY_TEMPLATES: tuple[dict[str, Any], ...] = (
    {
        "name": "Bedankt, we zoeken het uit",
        "category": None,
        "texts": {
            "nl": "Bedankt voor uw vraag. {unit_name} zoekt het uit en laat u zo snel mogelijk iets weten. "
            "Vermeld {reference} als u ons nog contacteert.",
            "fr": "Merci pour votre question. {unit_name} l'examine et vous répond dès que possible. "
            "Mentionnez {reference} si vous nous recontactez.",
            "en": "Thank you for your question. {unit_name} is looking into it and will get back to you as soon as "
            "possible. Please mention {reference} if you contact us again.",
            "de": "Vielen Dank für Ihre Frage. {unit_name} kümmert sich darum und meldet sich so bald wie möglich. "
            "Bitte nennen Sie {reference}, wenn Sie uns erneut kontaktieren.",
        },
    },
    {
        "name": "Identiteitskaart: wat meebrengen",
        "category": "civil.id_card",
        "texts": {
            "nl": "U kunt {product_name} aan het loket. Breng mee: {what_to_bring} Kostprijs: {cost}. "
            "Uw kaart is klaar na: {delivery_time}. Meer uitleg: {web_page}",
            "fr": "Pour « {product_name} », présentez-vous au guichet. Apportez : {what_to_bring} Coût : {cost}. "
            "Délai : {delivery_time}. Plus d'informations : {web_page}",
            "en": "{product_name}: please come to the desk. Bring: {what_to_bring} Cost: {cost}. "
            "Your card is ready after: {delivery_time}. More: {web_page}",
            "de": "{product_name}: Bitte kommen Sie zum Schalter. Mitbringen: {what_to_bring} Kosten: {cost}. "
            "Dauer: {delivery_time}. Mehr dazu: {web_page}",
        },
    },
    {
        "name": "Grofvuil: afspraak gemaakt",
        "category": "waste.pickup",
        "texts": {
            "nl": "We hebben uw afspraak voor {category_name} genoteerd onder {reference}. Zet het grofvuil buiten "
            "op de afgesproken dag.",
            "fr": "Nous avons noté votre rendez-vous ({category_name}) sous la référence {reference}. Sortez les "
            "encombrants le jour convenu.",
            "en": "We have booked your appointment ({category_name}) under {reference}. Put the bulky waste outside "
            "on the agreed day.",
            "de": "Wir haben Ihren Termin ({category_name}) unter {reference} eingetragen. Stellen Sie den Sperrmüll "
            "am vereinbarten Tag hinaus.",
        },
    },
)


async def seed_demo_reply_templates(session: AsyncSession) -> int:
    """The demo canned answers that are missing (by name)."""
    added = 0
    for entry in DEMO_REPLY_TEMPLATES:
        if await template_by_name(session, entry["name"]) is None:
            await create_template(session, system_principal("demo"), ReplyTemplateIn.model_validate(entry))
            added += 1
    return added


# The contact centre hands out its tickets itself (least loaded first); its agents' capacity and skills.
DEMO_ASSIGNMENT_UNIT = "contact_centre"
DEMO_SKILLS: tuple[dict[str, Any], ...] = (
    # Sofie takes every category in her own languages: one call at a time, up to 8 mails.
    {"email": AGENT_EMAIL, "capacity": {"phone": 1, "mail": 8}, "default_capacity": 5, "categories": []},
    # Elif takes identity papers and waste, in Dutch and English.
    {
        "email": "elif.yilmaz@genk.example",
        "capacity": {"phone": 1, "mail": 6},
        "default_capacity": 4,
        "languages": ["nl", "en"],
        "categories": ["civil.*", "waste.*", "general.question"],
    },
)


async def seed_demo_assignment(session: AsyncSession) -> tuple[int, int]:
    """The contact centre's assignment policy and its agents' skills, where none are set (never overwritten)."""
    policy = await session.execute(
        insert(AssignmentPolicy)
        .values(
            unit_id=_unit_id(DEMO_ASSIGNMENT_UNIT), mode=AssignmentMode.least_loaded.value, offer_timeout_seconds=120
        )
        .on_conflict_do_nothing(index_elements=["unit_id"])
        .returning(AssignmentPolicy.unit_id)
    )
    skills = await session.execute(
        insert(StaffSkills)
        .values(
            [
                {
                    "staff_id": _staff_id(seed["email"]),
                    "capacity": seed["capacity"],
                    "default_capacity": seed["default_capacity"],
                    "languages": seed.get("languages", []),
                    "categories": seed["categories"],
                }
                for seed in DEMO_SKILLS
            ]
        )
        .on_conflict_do_nothing(index_elements=["staff_id"])
        .returning(StaffSkills.staff_id)
    )
    return len(policy.all()), len(skills.all())


# Maatzorg: the OCMW's case workers come home to the citizen, who may book the visit on the status page too.
DEMO_HOME_VISIT = {
    "code": "social.home_visit",
    "name": "Huisbezoek maatschappelijk werker",
    "names": {"fr": "Visite à domicile de l'assistant social", "en": "Home visit by the social worker"},
    "category_prefix": "social.",
    "duration_minutes": 60,
    "home_visit": True,
    "travel_minutes": 20,
    "citizen_bookable": True,
}
# Tuesday and Thursday mornings (weekday 0 = Monday), local time.
DEMO_VISIT_WINDOWS = ((1, time(9), time(12)), (3, time(9), time(12)))
DEMO_VISITING_CASE_WORKERS = ("ines.coenen@genk.example", "mehmet.demir@genk.example")


async def seed_demo_appointments(session: AsyncSession) -> int:
    """The home visit kind of the Sociale dienst and its case workers' weekly hours for it; 1 when created, 0 when
    the kind was already there (never duplicated, never overwritten)."""
    kind = await session.execute(
        insert(AppointmentKind)
        .values(unit_id=_unit_id("sociale_dienst"), **DEMO_HOME_VISIT)
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(AppointmentKind.id)
    )
    if kind.scalar_one_or_none() is None:
        return 0
    await session.execute(
        insert(Availability).values(
            [
                {"unit_id": _unit_id("sociale_dienst"), "staff_id": _staff_id(email), "weekday": day,
                 "opens": opens, "closes": closes}
                for email in DEMO_VISITING_CASE_WORKERS
                for day, opens, closes in DEMO_VISIT_WINDOWS
            ]
        )
    )  # fmt: skip
    return 1


# A daughter who cares for her mother (mantelzorger): the household the console's screens show for the demo.
DEMO_MOTHER = {
    "email": "maria.janssens@example.org",
    "given_name": "Maria",
    "family_name": "Janssens",
    "phone": "+3289301122",
    "preferred_language": "nl",
}
DEMO_DAUGHTER = {
    "email": "lotte.janssens@example.org",
    "given_name": "Lotte",
    "family_name": "Janssens",
    "phone": "+32470654321",
    "preferred_language": "nl",
}
DEMO_CONSENT_FIRST_DAY = date(2026, 9, 1)
# In the order the API keeps them (sorted).
DEMO_CONSENT_SCOPES = (ConsentScope.applications, ConsentScope.appointments, ConsentScope.information)


async def seed_demo_households(session: AsyncSession) -> int:
    """The demo mother and daughter, related, with the daughter as her mantelzorger on a signed consent form;
    1 when created, 0 when the mother was already there (never duplicated, never overwritten)."""
    if await session.scalar(select(Citizen.id).where(Citizen.email == DEMO_MOTHER["email"])) is not None:
        return 0
    mother, daughter = Citizen(**DEMO_MOTHER), Citizen(**DEMO_DAUGHTER)
    session.add_all([mother, daughter])
    await session.flush()
    session.add_all(
        [
            CitizenRelation(
                citizen_id=daughter.id, related_citizen_id=mother.id, kind=RelationKind.parent.value, actor_name="demo"
            ),
            Representation(
                citizen_id=mother.id,
                representative_citizen_id=daughter.id,
                kind=RepresentationKind.informal_carer.value,
                scopes=[scope.value for scope in DEMO_CONSENT_SCOPES],
                first_day=DEMO_CONSENT_FIRST_DAY,
                source=ConsentSource.signed_consent.value,
                source_reference="MZ-2026-0042",
                version=1,
                actor_name="demo",
            ),
        ]
    )
    await session.flush()
    return 1


# A likely duplicate for the data steward (GET /v1/citizen-duplicates): one person registered twice, once by e-mail
# at the counter and once by phone with a typo in her name. Keyed by the e-mail addresses, which only these have.
DEMO_CITIZENS: tuple[dict[str, Any], ...] = (
    {"given_name": "Marie", "family_name": "Claes", "email": "marie.claes@example.org", "phone": "+32470987654"},
    {"given_name": "Mari", "family_name": "Claes", "email": "mclaes.genk@example.org", "phone": "+32470987654"},
)


async def seed_demo_citizens(session: AsyncSession) -> int:
    """The demo's duplicate pair of citizen records; only those missing."""
    added = 0
    for row in DEMO_CITIZENS:
        if await session.scalar(select(Citizen.id).where(Citizen.email == row["email"])) is None:
            session.add(Citizen(preferred_language="nl", **row))
            added += 1
    await session.flush()
    return added
