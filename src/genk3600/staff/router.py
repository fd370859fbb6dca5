from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from genk3600.auth.dependencies import Admin
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.kit.pagination import Pages
from genk3600.kit.reader import ReaderLanguage
from genk3600.kit.schemas import MAX_ID
from genk3600.staff import service
from genk3600.staff.schemas import StaffChange, StaffIn, StaffOut, StaffPage

StaffId = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the staff member.", examples=[7])]
router = APIRouter(prefix="/v1/staff", tags=["administration"])


@router.get(
    "",
    operation_id="list_staff",
    summary="List staff",
    description="All staff members with their positions per unit, oldest first. Unit and position names are in "
    "the reader's language (`Accept-Language`); codes do not change.",
    responses=problem_responses(400, *AUTH_PROBLEMS),
)
async def list_staff(session: Session, _: Admin, params: Pages, language: ReaderLanguage) -> StaffPage:
    return await service.list_staff(session, params, language)


@router.post(
    "",
    operation_id="create_staff",
    summary="Create a staff member",
    description="Adds a staff member. Each membership names an existing unit and the position held there.",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, *AUTH_PROBLEMS),
)
async def create_staff(
    session: Session, _: Admin, data: StaffIn, response: Response, language: ReaderLanguage
) -> StaffOut:
    staff = await service.create_staff(session, data, language)
    response.headers["Location"] = f"/v1/staff/{staff.id}"
    return staff


@router.patch(
    "/{staff_id}",
    operation_id="change_staff",
    summary="Change a staff member's availability",
    description="Mark a staff member absent (continuity rules then send their tickets to their unit's queue) or "
    "back, (in)active, change the languages they take tickets in, or link their identity provider subject "
    "(409 when another staff member holds it).",
    responses=problem_responses(404, 409, *AUTH_PROBLEMS),
)
async def change_staff(
    session: Session, _: Admin, staff_id: StaffId, change: StaffChange, language: ReaderLanguage
) -> StaffOut:
    return await service.change_staff(session, staff_id, change, language)


@router.get(
    "/{staff_id}",
    operation_id="get_staff",
    summary="Get a staff member",
    description="One staff member by id.",
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_staff(session: Session, _: Admin, staff_id: StaffId, language: ReaderLanguage) -> StaffOut:
    return await service.get_staff(session, staff_id, language)
