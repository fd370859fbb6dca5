from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from genk3600.auth.dependencies import Admin
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.kit.pagination import Pages
from genk3600.kit.reader import ReaderLanguage
from genk3600.units import service
from genk3600.units.schemas import UnitIn, UnitOut, UnitPage

router = APIRouter(prefix="/v1/units", tags=["administration"])


@router.get(
    "",
    operation_id="list_units",
    summary="List units",
    description="All organisational units (departments, OCMW services, front-office desks), oldest first.",
    responses=problem_responses(400, *AUTH_PROBLEMS),
)
async def list_units(session: Session, _: Admin, params: Pages, language: ReaderLanguage) -> UnitPage:
    return await service.list_units(session, params, language)


@router.post(
    "",
    operation_id="create_unit",
    summary="Create a unit",
    description="Adds a unit to the tree. The parent, if given, must exist.",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, *AUTH_PROBLEMS),
)
async def create_unit(
    session: Session, _: Admin, data: UnitIn, response: Response, language: ReaderLanguage
) -> UnitOut:
    unit = await service.create_unit(session, data, language)
    response.headers["Location"] = f"/v1/units/{unit.code}"
    return unit


@router.get(
    "/{unit_code}",
    operation_id="get_unit",
    summary="Get a unit",
    description="One unit by its code.",
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_unit(
    session: Session,
    _: Admin,
    unit_code: Annotated[str, Path(max_length=64, description="The unit's code.", examples=["burgerzaken"])],
    language: ReaderLanguage,
) -> UnitOut:
    return await service.get_unit(session, unit_code, language)
