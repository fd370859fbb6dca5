from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime

from genk3600.auth.dependencies import Admin, AppClock, AppSettings
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.kit.idempotency import IdempotencyGuard
from genk3600.kit.pagination import Pages
from genk3600.kit.renamed import renamed
from genk3600.sla import service
from genk3600.sla.schemas import (
    MAX_TARGET_MINUTES,
    ClosingDayIn,
    ClosingDayOut,
    ClosingDayPage,
    DeadlineOut,
    OpeningHoursIn,
    OpeningHoursOut,
    OpeningHoursPage,
    SlaPolicyIn,
    SlaPolicyOut,
    SlaPolicyPage,
)

router = APIRouter(tags=["administration"])

EntryId = Annotated[int, Path(ge=1, le=2**63 - 1)]
IDEMPOTENT = " Honours `Idempotency-Key`."


@router.get(
    "/v1/sla/policies",
    operation_id="list_sla_policies",
    summary="List SLA policies",
    description="All SLA policies (first-response and resolution targets in business minutes), oldest first.",
    responses=problem_responses(400, *AUTH_PROBLEMS),
)
async def list_sla_policies(session: Session, _: Admin, params: Pages) -> SlaPolicyPage:
    return await service.list_policies(session, params)


@router.post(
    "/v1/sla/policies",
    operation_id="create_sla_policy",
    summary="Create an SLA policy",
    description=(
        "Adds a policy. Targets count business minutes on the owning unit's calendar; the warning comes when "
        "`warning_fraction` of the resolution time is used up; on a breach the ticket goes to `breach_unit`, "
        "if given." + IDEMPOTENT
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=SlaPolicyOut,
    responses=problem_responses(409, *AUTH_PROBLEMS),
)
async def create_sla_policy(
    session: Session, _: Admin, idempotency: IdempotencyGuard, data: SlaPolicyIn, response: Response
) -> SlaPolicyOut | JSONResponse:
    return await idempotency.create(
        response, lambda: service.create_policy(session, data), lambda policy: f"/v1/sla/policies/{policy.code}"
    )


@router.get(
    "/v1/sla/policies/{policy_code}",
    operation_id="get_sla_policy",
    summary="Get an SLA policy",
    description="One SLA policy by its code.",
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_sla_policy(
    session: Session,
    _: Admin,
    policy_code: Annotated[str, Path(max_length=64, description="The policy's code.", examples=["standard"])],
) -> SlaPolicyOut:
    return await service.get_policy(session, policy_code)


@router.get(
    "/v1/calendar/opening-hours",
    operation_id="list_opening_hours",
    summary="List opening hours",
    description=(
        "Every weekly opening interval, oldest first. A unit with intervals of its own uses only those; "
        "other units use the city-wide ones (`unit` null), or the built-in Genk hours when there are none."
    ),
    responses=problem_responses(400, *AUTH_PROBLEMS),
)
async def list_opening_hours(session: Session, _: Admin, params: Pages) -> OpeningHoursPage:
    return await service.list_opening_hours(session, params)


@router.post(
    "/v1/calendar/opening-hours",
    operation_id="create_opening_hours",
    summary="Add opening hours",
    description=(
        "Adds a weekly opening interval (local wall-clock times) for a unit, or for the city with `unit` null. "
        "Deadlines set earlier keep their value." + IDEMPOTENT
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=OpeningHoursOut,
    responses=problem_responses(409, *AUTH_PROBLEMS),
)
async def create_opening_hours(
    session: Session, _: Admin, idempotency: IdempotencyGuard, data: OpeningHoursIn, response: Response
) -> OpeningHoursOut | JSONResponse:
    return await idempotency.create(
        response,
        lambda: service.create_opening_hours(session, data),
        lambda hours: f"/v1/calendar/opening-hours/{hours.id}",
    )


@router.get(
    "/v1/calendar/opening-hours/{opening_hours_id}",
    operation_id="get_opening_hours",
    summary="Get opening hours",
    description="One weekly opening interval by id.",
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_opening_hours(session: Session, _: Admin, opening_hours_id: EntryId) -> OpeningHoursOut:
    return await service.get_opening_hours(session, opening_hours_id)


@router.delete(
    "/v1/calendar/opening-hours/{opening_hours_id}",
    operation_id="delete_opening_hours",
    summary="Remove opening hours",
    description="Removes a weekly opening interval. Deadlines set earlier keep their value.",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def delete_opening_hours(session: Session, _: Admin, opening_hours_id: EntryId) -> None:
    await service.delete_opening_hours(session, opening_hours_id)


@router.get(
    "/v1/calendar/closing-days",
    operation_id="list_closing_days",
    summary="List closing days",
    description=(
        "Local closing days on top of the Belgian public holidays, oldest entry first: city-wide (`unit` null) "
        "or for one unit."
    ),
    responses=problem_responses(400, *AUTH_PROBLEMS),
)
async def list_closing_days(session: Session, _: Admin, params: Pages) -> ClosingDayPage:
    return await service.list_closing_days(session, params)


@router.post(
    "/v1/calendar/closing-days",
    operation_id="create_closing_day",
    summary="Add a closing day",
    description=(
        "Closes a unit, or the whole city with `unit` null, for one day (e.g. 11 July). The same day twice for "
        "the same unit answers 409. Deadlines set earlier keep their value." + IDEMPOTENT
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=ClosingDayOut,
    responses=problem_responses(409, *AUTH_PROBLEMS),
)
async def create_closing_day(
    session: Session, _: Admin, idempotency: IdempotencyGuard, data: ClosingDayIn, response: Response
) -> ClosingDayOut | JSONResponse:
    return await idempotency.create(
        response, lambda: service.create_closing_day(session, data), lambda day: f"/v1/calendar/closing-days/{day.id}"
    )


@router.get(
    "/v1/calendar/closing-days/{closing_day_id}",
    operation_id="get_closing_day",
    summary="Get a closing day",
    description="One closing day by id.",
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_closing_day(session: Session, _: Admin, closing_day_id: EntryId) -> ClosingDayOut:
    return await service.get_closing_day(session, closing_day_id)


@router.delete(
    "/v1/calendar/closing-days/{closing_day_id}",
    operation_id="delete_closing_day",
    summary="Remove a closing day",
    description="Opens again on a day that was closed. Deadlines set earlier keep their value.",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def delete_closing_day(session: Session, _: Admin, closing_day_id: EntryId) -> None:
    await service.delete_closing_day(session, closing_day_id)


@router.get(
    "/v1/calendar/units/{unit_code}/deadline",
    operation_id="compute_unit_deadline",
    summary="Compute a deadline on a unit's calendar",
    description=(
        "When `minutes` business minutes from `from` (RFC 3339 with offset; default now) have passed on the "
        "unit's calendar: its opening hours (else the city's, else the built-in Genk hours), Belgian public "
        "holidays and closing days. Handy to check a calendar before relying on it."
    ),
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def compute_unit_deadline(
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    _: Admin,
    unit_code: Annotated[str, Path(max_length=64, description="The unit's code.", examples=["burgerzaken"])],
    minutes: Annotated[int, Query(ge=0, le=MAX_TARGET_MINUTES, description="Business minutes to count.")],
    since: Annotated[
        AwareDatetime | None,
        Query(
            description="Count from this moment, RFC 3339 with offset (e.g. `2026-11-27T16:00:00+01:00`); now "
            "when absent."
        ),
    ] = None,
    start: Annotated[
        AwareDatetime | None, Query(alias="from", deprecated=True, description="Old name of `since`.")
    ] = None,
) -> DeadlineOut:
    start = renamed(since, start, "since", "from")
    return await service.unit_deadline(session, settings, unit_code, minutes, start or clock.now())
