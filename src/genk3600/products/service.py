"""The product catalogue: entries written as versions, read with who decides and where to go, found by words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.principal import Principal
from genk3600.categories.errors import UnknownCategory
from genk3600.errors import AppError
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import localised_name
from genk3600.kit import preconditions
from genk3600.kit.pagination import PageParams, encode_cursor
from genk3600.kit.preconditions import check_if_match
from genk3600.models import Product, ProductCategory, ProductVersion, Unit
from genk3600.models.category import CATEGORY_CODE_PATTERN
from genk3600.models.enums import Confidentiality, Language
from genk3600.products import ipdc, repository
from genk3600.products.errors import (
    CodeMismatch,
    ProductExists,
    ProductNotFound,
    UnsearchableProductQuery,
)
from genk3600.products.schemas import (
    DeciderOut,
    DeskHoursOut,
    DeskOut,
    ProductCategoryOut,
    ProductHistory,
    ProductIn,
    ProductOut,
    ProductPage,
    ProductTextsOut,
    ProductVersionOut,
)
from genk3600.sla.sla import GENK_DEFAULT_HOURS
from genk3600.units.errors import UnknownUnit
from genk3600.units.repository import unit_by_code

MAX_QUERY_CHARS = 200
MAX_WORDS = 12
MIN_PREFIX_CHARS = 3
# Letters and digits only: nothing typed can become a tsquery operator.
_WORD = re.compile(r"[^\W_]+")
TEXT_FIELDS = ("name", "description", "what_to_bring", "cost", "delivery_time")


etag = preconditions.etag  # a catalogue entry's ETag is its version (kit/preconditions.py)


def query_terms(text: str) -> str:
    """Any word may match (OR, ranked by how many do); the last one also as a word's beginning, as while typing."""
    words = _WORD.findall(text)
    if not words:
        raise UnsearchableProductQuery(P_("Type at least one word (letters or digits) to search the catalogue for."))
    if len(words) > MAX_WORDS:
        raise UnsearchableProductQuery(
            P_("Search for at most {most} words at a time; this query has {count}."),
            params={"most": MAX_WORDS, "count": len(words)},
        )
    last = words[-1] + (":*" if len(words[-1]) >= MIN_PREFIX_CHARS else "")
    return " | ".join([*words[:-1], last])


# --- reading ------------------------------------------------------------------------------------------------
def _texts_in(product: Product, language: Language) -> tuple[Language, ProductTextsOut]:
    dutch = product.texts.get(Language.nl.value, {})
    own = product.texts.get(language.value)
    shown = language if own else Language.nl
    merged = {field: (own or {}).get(field) or dutch.get(field) for field in TEXT_FIELDS}
    merged["name"] = merged["name"] or product.code
    return shown, ProductTextsOut.model_validate(merged)


def _unit_out(unit: Unit, language: Language) -> DeciderOut:
    return DeciderOut(code=unit.code, name=localised_name(unit.name, unit.names, language))


async def products_out(
    session: AsyncSession, products: Sequence[Product], language: Language, ranks: Sequence[float] | None = None
) -> list[ProductOut]:
    """The entries with their categories, deciders and desks (a fixed number of queries for any number)."""
    if not products:
        return []
    linked = await repository.category_ids_of(session, [product.id for product in products])
    facts = await repository.category_facts(session, sorted({cid for ids in linked.values() for cid in ids}))
    desk_ids: dict[int, int | None] = {}
    for product in products:
        first = next((facts[cid].owning_unit.id for cid in linked[product.id] if cid in facts), None)
        desk_ids[product.id] = product.desk_unit_id or first
    wanted = sorted({unit_id for unit_id in desk_ids.values() if unit_id is not None})
    desks = await repository.units_by_ids(session, wanted)
    hours = await repository.opening_hours_of(session, wanted) if wanted else []
    city = [row for row in hours if row.unit_id is None]
    result = []
    for index, product in enumerate(products):
        categories = [facts[cid] for cid in linked[product.id] if cid in facts]
        deciding: dict[str, DeciderOut] = {}
        for fact in categories:
            for unit in fact.deciders:
                deciding.setdefault(unit.code, _unit_out(unit, language))
        desk = None
        desk_id = desk_ids[product.id]
        if desk_id is not None and desk_id in desks:
            own = [row for row in hours if row.unit_id == desk_id]
            chosen = [(row.weekday, row.opens, row.closes) for row in own or city] or [
                (entry.weekday, entry.opens, entry.closes) for entry in GENK_DEFAULT_HOURS
            ]
            unit = desks[desk_id]
            desk = DeskOut(
                code=unit.code,
                name=localised_name(unit.name, unit.names, language),
                opening_hours=[DeskHoursOut(weekday=w, opens=o, closes=c) for w, o, c in sorted(chosen)],
            )
        shown, display = _texts_in(product, language)
        result.append(
            ProductOut(
                code=product.code,
                version=product.version,
                language=shown,
                display=display,
                texts={lang: ProductTextsOut.model_validate(texts) for lang, texts in product.texts.items()},
                synonyms=product.synonyms,
                web_page=product.web_page,
                categories=[
                    ProductCategoryOut(
                        code=fact.category.code,
                        name=localised_name(fact.category.name, fact.category.names, language),
                        social=fact.category.confidentiality == Confidentiality.social.value,
                        owning_unit=_unit_out(fact.owning_unit, language),
                        deciding_units=[_unit_out(unit, language) for unit in fact.deciders],
                    )
                    for fact in categories
                ],
                deciding_units=list(deciding.values()),
                desk=desk,
                ipdc_id=product.ipdc_id,
                active=product.active,
                updated_at=product.updated_at,
                rank=ranks[index] if ranks is not None else None,
            )
        )
    return result


async def _one(session: AsyncSession, product: Product, language: Language) -> ProductOut:
    return (await products_out(session, [product], language))[0]


async def get_product(session: AsyncSession, code: str, language: Language) -> ProductOut:
    """One entry by code, inactive ones included."""
    product = await repository.product_by_code(session, code)
    if product is None:
        raise ProductNotFound(code)
    return await _one(session, product, language)


async def find_products(
    session: AsyncSession,
    text: str | None,
    params: PageParams,
    language: Language,
    in_categories: Sequence[str] | None = None,
) -> ProductPage:
    """With `text`: the best matching active entries (of `in_categories`, when given); without: every entry,
    oldest first."""
    if text is None:
        rows = await repository.list_products(session, params)
        shown = list(rows[: params.limit])
        more = len(rows) > params.limit
        items = await products_out(session, shown, language)
        return ProductPage(items=items, next_cursor=encode_cursor(shown[-1].id) if more and shown else None)
    if len(text) > MAX_QUERY_CHARS:
        raise UnsearchableProductQuery(P_("Search with at most {most} characters."), params={"most": MAX_QUERY_CHARS})
    category_ids = None
    if in_categories:
        categories = await repository.categories_by_codes(session, in_categories)
        category_ids = [category.id for category in categories.values()]
    hits = await repository.search_products(session, query_terms(text), params.limit, category_ids)
    items = await products_out(session, [product for product, _ in hits], language, [rank for _, rank in hits])
    return ProductPage(items=items, next_cursor=None)


def category_codes(codes: Sequence[str]) -> list[str]:
    """Codes as given, each in the shape of a category code (422 otherwise)."""
    for code in codes:
        if len(code) > 100 or not re.fullmatch(CATEGORY_CODE_PATTERN, code):
            raise UnsearchableProductQuery(
                P_("{code!r} is not a category code (such as 'civil.id_card')."), params={"code": code[:100]}
            )
    return list(codes)


async def products_for_categories(
    session: AsyncSession, category_codes: Sequence[str], language: Language
) -> list[ProductOut]:
    """Active entries of the given categories (what the console shows beside a ticket)."""
    categories = await repository.categories_by_codes(session, category_codes)
    products = await repository.products_of_categories(session, [category.id for category in categories.values()])
    return await products_out(session, products, language)


async def history(session: AsyncSession, code: str) -> ProductHistory:
    """Every version of an entry, oldest first."""
    product = await repository.product_by_code(session, code)
    if product is None:
        raise ProductNotFound(code)
    versions = await repository.versions_of(session, product.id)
    return ProductHistory(code=code, versions=[ProductVersionOut.model_validate(row) for row in versions])


# --- writing ------------------------------------------------------------------------------------------------
def _content(data: ProductIn) -> dict[str, Any]:
    return data.model_dump(mode="json", exclude_none=True)


async def _resolve(session: AsyncSession, data: ProductIn) -> tuple[list[int], int | None]:
    categories = await repository.categories_by_codes(session, data.categories)
    for code in data.categories:
        if code not in categories:
            raise UnknownCategory(code)
    desk_id = None
    if data.desk_unit is not None:
        unit = await unit_by_code(session, data.desk_unit)
        if unit is None:
            raise UnknownUnit(data.desk_unit)
        desk_id = unit.id
    return [categories[code].id for code in data.categories], desk_id


def _apply(product: Product, data: ProductIn, desk_id: int | None) -> None:
    product.texts = {lang.value: texts.model_dump(exclude_none=True) for lang, texts in data.texts.items()}
    product.synonyms = {lang.value: list(dict.fromkeys(words)) for lang, words in data.synonyms.items() if words}
    product.web_page = data.web_page
    product.desk_unit_id = desk_id
    product.active = data.active


async def _link(session: AsyncSession, product: Product, category_ids: list[int]) -> None:
    for link in await repository.links_of(session, product.id):
        await session.delete(link)
    await session.flush()
    session.add_all(
        ProductCategory(product_id=product.id, category_id=category_id, position=position)
        for position, category_id in enumerate(category_ids)
    )


async def create_product(
    session: AsyncSession, actor: Principal, data: ProductIn, language: Language, ipdc_id: str | None = None
) -> ProductOut:
    """Add an entry as its version 1."""
    if await repository.product_by_code(session, data.code) is not None:
        raise ProductExists(data.code)
    category_ids, desk_id = await _resolve(session, data)
    product = Product(code=data.code, version=1, ipdc_id=ipdc_id)
    _apply(product, data, desk_id)
    session.add(product)
    await session.flush()
    await _link(session, product, category_ids)
    session.add(ProductVersion(product_id=product.id, version=1, content=_content(data), actor_name=actor.display_name))
    await session.flush()
    await session.refresh(product)
    return await _one(session, product, language)


def check_etag(product: Product, if_match: str | None) -> None:
    """428 without If-Match, 412 when it names another version than the current one."""
    check_if_match(
        product.version,
        if_match,
        P_("Send If-Match with the ETag from your last read of this product, so a concurrent edit is not lost."),
        P_("The product changed since you read it (now version {version}); read it again and retry."),
    )


async def _new_version(session: AsyncSession, actor: Principal, product: Product, data: ProductIn) -> None:
    category_ids, desk_id = await _resolve(session, data)
    _apply(product, data, desk_id)
    product.version += 1
    await _link(session, product, category_ids)
    session.add(
        ProductVersion(
            product_id=product.id, version=product.version, content=_content(data), actor_name=actor.display_name
        )
    )
    await session.flush()
    await session.refresh(product)


async def change_product(
    session: AsyncSession, actor: Principal, code: str, if_match: str | None, data: ProductIn, language: Language
) -> ProductOut:
    """Save an entry as a new version; the earlier versions stay readable."""
    if data.code != code:
        raise CodeMismatch(
            P_("The body's code {given!r} differs from the address's {code!r}; a product's code does not change."),
            params={"given": data.code, "code": code},
            code=data.code,
        )
    product = await repository.product_by_code(session, code, lock=True)
    if product is None:
        raise ProductNotFound(code)
    check_etag(product, if_match)
    await _new_version(session, actor, product, data)
    return await _one(session, product, language)


async def upsert_imported(session: AsyncSession, actor: Principal, ipdc_id: str, data: ProductIn) -> str:
    """An IPDC entry: created, a new version when its content changed, else left alone. Says which."""
    product = await repository.product_by_ipdc_id(session, ipdc_id)
    if product is None:
        if await repository.product_by_code(session, data.code) is not None:
            raise ProductExists(data.code)
        await create_product(session, actor, data, Language.nl, ipdc_id=ipdc_id)
        return "created"
    versions = await repository.versions_of(session, product.id)
    if versions and versions[-1].content == _content(data.model_copy(update={"code": product.code})):
        return "unchanged"
    await _new_version(session, actor, product, data.model_copy(update={"code": product.code}))
    return "updated"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"Products: {self.created} created, {self.updated} updated (new version), {self.unchanged} unchanged, "
            f"{len(self.skipped)} skipped."
        ]
        lines += [f"  skipped {line}" for line in self.skipped]
        return "\n".join(lines)


async def import_catalogue(session: AsyncSession, actor: Principal, reading: ipdc.Reading) -> ImportReport:
    """Write the entries read from an IPDC file in this transaction; entries that do not fit are reported."""
    report = ImportReport(skipped=list(reading.skipped))
    for entry in reading.entries:
        try:
            outcome = await upsert_imported(session, actor, entry.ipdc_id, entry.product)
        except AppError as exc:  # raised before the entry wrote anything
            report.skipped.append(f"{entry.ipdc_id}: {exc.detail}")
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report
