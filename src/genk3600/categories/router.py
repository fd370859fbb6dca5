from __future__ import annotations

from fastapi import APIRouter, Response, status

from genk3600.auth.dependencies import Admin
from genk3600.categories import service
from genk3600.categories.schemas import CategoryCodePath, CategoryIn, CategoryOut, CategoryPage
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.kit.pagination import Pages
from genk3600.kit.reader import ReaderLanguage

router = APIRouter(prefix="/v1/categories", tags=["administration"])


@router.get(
    "",
    operation_id="list_categories",
    summary="List categories",
    description="All categories with their defaults (owning unit, confidentiality, priority), oldest first.",
    responses=problem_responses(400, *AUTH_PROBLEMS),
)
async def list_categories(session: Session, _: Admin, params: Pages, language: ReaderLanguage) -> CategoryPage:
    return await service.list_categories(session, params, language)


@router.post(
    "",
    operation_id="create_category",
    summary="Create a category",
    description="Adds a category; its owning unit must exist.",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, *AUTH_PROBLEMS),
)
async def create_category(
    session: Session, _: Admin, data: CategoryIn, response: Response, language: ReaderLanguage
) -> CategoryOut:
    category = await service.create_category(session, data, language)
    response.headers["Location"] = f"/v1/categories/{category.code}"
    return category


@router.get(
    "/{category_code}",
    operation_id="get_category",
    summary="Get a category",
    description="One category by its code.",
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_category(
    session: Session, _: Admin, category_code: CategoryCodePath, language: ReaderLanguage
) -> CategoryOut:
    return await service.get_category(session, category_code, language)
