"""Genk-like demo data: units, staff and categories for development, demos and documentation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import ScalarSelect, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.models.category import Category
from genk3600.models.enums import Confidentiality, Language, Position, Priority, UnitKind
from genk3600.models.organisation import Staff, StaffMembership, Unit

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
class DemoSummary:
    """Rows created by this run; all zero when the demo data was already there."""

    units: int
    staff: int
    memberships: int
    categories: int


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


def _unit_id(code: str) -> ScalarSelect[int]:
    return select(Unit.id).where(Unit.code == code).scalar_subquery()


def _staff_id(email: str) -> ScalarSelect[int]:
    return select(Staff.id).where(Staff.email == email).scalar_subquery()


async def _insert_new(
    session: AsyncSession,
    model: type[Unit | Staff | StaffMembership | Category],
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
        row = {"code": unit.code, "name": unit.name, "kind": unit.kind.value, "parent_id": parent_id}
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
                "owning_unit_id": _unit_id(c.unit),
                "confidentiality": c.confidentiality.value,
                "default_priority": c.default_priority.value,
            }
            for c in CATEGORIES
        ],
        "code",
    )
    await session.flush()
    return DemoSummary(units=units, staff=staff, memberships=memberships, categories=categories)
