from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Response
from fastapi.responses import JSONResponse

from genk3600.auth.dependencies import Admin, TicketReader
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.kit.idempotency import IdempotencyGuard
from genk3600.kit.openapi import WITH_ETAG
from genk3600.kit.pagination import Pages
from genk3600.kit.reader import ReaderLanguage
from genk3600.models.knowledge import PRODUCT_CODE_PATTERN
from genk3600.products import service
from genk3600.products.schemas import PRODUCT_EXAMPLE, ProductHistory, ProductIn, ProductOut, ProductPage

router = APIRouter(prefix="/v1/products", tags=["products"])

CodePath = Annotated[str, Path(min_length=2, max_length=100, pattern=PRODUCT_CODE_PATTERN)]

PRODUCT_OUT_EXAMPLE: dict[str, Any] = {
    "code": "identiteitskaart-aanvragen",
    "version": 2,
    "language": "nl",
    "display": PRODUCT_EXAMPLE["texts"]["nl"],
    "texts": PRODUCT_EXAMPLE["texts"],
    "synonyms": PRODUCT_EXAMPLE["synonyms"],
    "web_page": "https://www.genk.be/identiteitskaart",
    "categories": [
        {
            "code": "civil.id_card",
            "name": "Identiteitskaart",
            "social": False,
            "owning_unit": {"code": "burgerzaken", "name": "Burgerzaken"},
            "deciding_units": [{"code": "burgerzaken", "name": "Burgerzaken"}],
        }
    ],
    "deciding_units": [{"code": "burgerzaken", "name": "Burgerzaken"}],
    "desk": {
        "code": "burgerzaken",
        "name": "Burgerzaken",
        "opening_hours": [{"weekday": 0, "opens": "08:30", "closes": "12:30"}],
    },
    "ipdc_id": "https://ipdc.vlaanderen.be/id/instantie/genk-1502",
    "active": True,
    "updated_at": "2026-12-06T16:00:00Z",
    "rank": 0.61,
}


def _ok(example: dict[str, Any], description: str, status: int = 200) -> dict[int | str, dict[str, Any]]:
    return {status: {"description": description, "content": {"application/json": {"example": example}}}}


def _versioned(example: dict[str, Any], description: str, status: int = 200) -> dict[int | str, dict[str, Any]]:
    """An answer showing one entry, with its version in `ETag`."""
    return {status: {**_ok(example, description, status)[status], **WITH_ETAG}}


@router.get(
    "",
    operation_id="list_products",
    summary="Search or list the product catalogue",
    description=(
        "With `q`: the active entries matching the words typed, best first (Dutch and French stemming, accents "
        "ignored, any word may match; names and synonyms weigh most; the last word also matches as a word's "
        "beginning), at most `limit` of them, only of the categories in `category` when given. With `category` "
        "and no `q`: the active entries of those "
        "categories, the ones where it is the main category first. Without either: every entry, oldest first, "
        "page by page. Each entry says who decides (the deciding units of its categories) and where the "
        "citizen goes (desk with opening hours). Catalogue entries are public information; they hold no ticket "
        "content."
    ),
    responses={
        **_ok({"items": [PRODUCT_OUT_EXAMPLE], "next_cursor": "eyJhZnRlciI6IDQyfQ"}, "The matching entries."),
        **problem_responses(400, *AUTH_PROBLEMS),
    },
)
async def list_products(
    session: Session,
    _: TicketReader,
    params: Pages,
    language: ReaderLanguage,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=service.MAX_QUERY_CHARS,
            description="What the citizen asks about, e.g. `mijn identiteitskaart is gestolen`.",
            examples=["mijn identiteitskaart is gestolen"],
        ),
    ] = None,
    category: Annotated[
        list[str] | None,
        Query(
            max_length=10, description="Category codes: the entries of these categories.", examples=[["civil.id_card"]]
        ),
    ] = None,
) -> ProductPage:
    codes = service.category_codes(category) if category else None
    if q is None and codes:
        return ProductPage(items=await service.products_for_categories(session, codes, language), next_cursor=None)
    return await service.find_products(session, q, params, language, codes)


@router.post(
    "",
    operation_id="create_product",
    summary="Add a product to the catalogue",
    description=(
        "Adds an entry as its version 1: texts per language (Dutch required), synonyms, web page, categories "
        "(the main one first) and the desk. Who decides follows from the categories' deciders. Audited; "
        "honours `Idempotency-Key`."
    ),
    status_code=201,
    response_model=ProductOut,
    responses={
        **_versioned(PRODUCT_OUT_EXAMPLE, "The entry as stored.", 201),
        **problem_responses(409, *AUTH_PROBLEMS),
    },
)
async def create_product(
    session: Session,
    actor: Admin,
    idempotency: IdempotencyGuard,
    data: Annotated[ProductIn, Body(examples=[PRODUCT_EXAMPLE])],
    response: Response,
    language: ReaderLanguage,
) -> ProductOut | JSONResponse:
    async def produce() -> ProductOut:
        created = await service.create_product(session, actor, data, language)
        response.headers["ETag"] = service.etag(created.version)
        return created

    return await idempotency.create(response, produce, lambda product: f"/v1/products/{product.code}")


@router.get(
    "/{product_code}",
    operation_id="get_product",
    summary="Get a product",
    description="One entry by code, inactive ones included. The `ETag` header is what `If-Match` carries to change it.",
    responses={**_versioned(PRODUCT_OUT_EXAMPLE, "The entry."), **problem_responses(404, *AUTH_PROBLEMS)},
)
async def get_product(
    session: Session, _: TicketReader, product_code: CodePath, response: Response, language: ReaderLanguage
) -> ProductOut:
    product = await service.get_product(session, product_code, language)
    response.headers["ETag"] = service.etag(product.version)
    return product


@router.put(
    "/{product_code}",
    operation_id="change_product",
    summary="Change a product (new version)",
    description=(
        "Saves the entry as a new version; earlier versions stay readable at `/v1/products/{product_code}/versions`. "
        "Needs `If-Match` with the ETag of your last read: 428 without it, 412 if someone changed it in "
        "between (nothing is overwritten). The code cannot change (422). Audited."
    ),
    responses={
        **_versioned({**PRODUCT_OUT_EXAMPLE, "rank": None}, "The entry as now stored."),
        **problem_responses(404, 412, 428, *AUTH_PROBLEMS),
    },
)
async def change_product(
    session: Session,
    actor: Admin,
    product_code: CodePath,
    data: Annotated[ProductIn, Body(examples=[PRODUCT_EXAMPLE])],
    response: Response,
    language: ReaderLanguage,
    if_match: Annotated[
        str | None,
        Header(alias="If-Match", max_length=200, description="The ETag from GET /v1/products/{product_code}."),
    ] = None,
) -> ProductOut:
    product = await service.change_product(session, actor, product_code, if_match, data, language)
    response.headers["ETag"] = service.etag(product.version)
    return product


@router.get(
    "/{product_code}/versions",
    operation_id="get_product_history",
    summary="A product's versions",
    description="Every version of one entry as it was written, oldest first; the last one is current.",
    responses={
        **_ok(
            {
                "code": "identiteitskaart-aanvragen",
                "versions": [
                    {
                        "version": 1,
                        "content": PRODUCT_EXAMPLE,
                        "actor_name": "Ad Min",
                        "created_at": "2026-12-06T16:00:00Z",
                    }
                ],
            },
            "The versions.",
        ),
        **problem_responses(404, *AUTH_PROBLEMS),
    },
)
async def product_history(session: Session, _: Admin, product_code: CodePath) -> ProductHistory:
    return await service.history(session, product_code)
