"""The words citizens and agents use for a category (the city's product names), for the console's pick list.

Kept here, keyed by category code, until categories carry per-language names and synonyms as data; a
category not listed simply has none, and its name is still searchable.
"""

from __future__ import annotations

SYNONYMS: dict[str, tuple[str, ...]] = {
    "waste.pickup": ("grofvuil", "huisvuil", "vuilniszak", "pmd", "ophaalkalender", "encombrants"),
    "waste.container": ("container", "gft-bak", "restafvalcontainer", "chip"),
    "waste.illegal_dumping": ("sluikstort", "zwerfvuil", "dépôt clandestin"),
    "civil.id_card": ("identiteitskaart", "eID", "kids-ID", "pincode", "puk", "carte d'identité"),
    "civil.passport": ("paspoort", "reispas", "passeport"),
    "civil.driving_licence": ("rijbewijs", "voorlopig rijbewijs", "permis de conduire"),
    "civil.address_change": ("verhuis", "verhuizen", "domicilie", "adres", "déménagement"),
    "civil.birth_certificate": ("geboorteakte", "uittreksel", "acte de naissance"),
    "finance.tax_bill": ("belasting", "aanslagbiljet", "gemeentebelasting", "taxe"),
    "finance.invoice": ("factuur", "betaling", "facture"),
    "environment.permit": ("bouwvergunning", "omgevingsvergunning", "verbouwing", "permis"),
    "environment.tree_felling": ("boom", "kapvergunning", "bomen"),
    "roads.damage": ("put in de weg", "voetpad", "fietspad", "wegdek"),
    "roads.street_light": ("straatlamp", "verlichting", "lantaarnpaal", "éclairage"),
    "leisure.sports_hall": ("sporthal", "zaalhuur", "sport"),
    "leisure.library": ("bib", "bibliotheek", "boeken", "bibliothèque"),
    "education.school_registration": ("school", "inschrijving", "aanmelden school", "école"),
    "social.living_wage": ("leefloon", "uitkering", "OCMW-steun", "revenu d'intégration", "CPAS"),
    "social.energy_support": ("energie", "afsluiting", "budgetmeter", "stookolie", "énergie"),
    "social.debt_mediation": ("schulden", "schuldhulp", "budgetbeheer", "dettes"),
    "care.home_care": ("thuiszorg", "gezinszorg", "poetshulp", "aide familiale"),
    "care.meals": ("maaltijden", "warme maaltijd", "repas"),
    "care.residential": ("rusthuis", "woonzorgcentrum", "maison de repos"),
    "general.question": ("vraag", "info", "openingsuren", "question"),
}
