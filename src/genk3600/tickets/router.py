from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from genk3600.auth.dependencies import TicketReader
from genk3600.categories.schemas import CategoryCode
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.kit.pagination import PageParams, page_params
from genk3600.models.enums import TicketStatus
from genk3600.models.ticket import REFERENCE_PATTERN
from genk3600.tickets import service
from genk3600.tickets.repository import TicketFilter
from genk3600.tickets.schemas import REFERENCE_EXAMPLE, TicketEventPage, TicketOut, TicketPage
from genk3600.units.schemas import UnitCode

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])

Reference = Annotated[
    str,
    Path(
        description="Human reference of the ticket.",
        pattern=REFERENCE_PATTERN,
        max_length=24,
        examples=[REFERENCE_EXAMPLE],
    ),
]


def ticket_filter(
    status: Annotated[TicketStatus | None, Query(description="Only tickets in this status.")] = None,
    unit: Annotated[UnitCode | None, Query(description="Only tickets owned by this unit (code).")] = None,
    category: Annotated[
        CategoryCode | None, Query(description="Only tickets in this category (code).")
    ] = None,
) -> TicketFilter:
    return TicketFilter(status=status, unit_code=unit, category_code=category)


@router.get(
    "",
    operation_id="list_tickets",
    summary="List tickets",
    description="Tickets, newest first, optionally filtered by status, owning unit and category.",
    responses=problem_responses(400, *AUTH_PROBLEMS),
)
async def list_tickets(
    session: Session,
    _: TicketReader,
    where: Annotated[TicketFilter, Depends(ticket_filter)],
    params: Annotated[PageParams, Depends(page_params)],
) -> TicketPage:
    return await service.list_tickets(session, where, params)


@router.get(
    "/{reference}",
    operation_id="get_ticket",
    summary="Get a ticket",
    description="One ticket by its reference, with owner, category, citizen and deadlines.",
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_ticket(session: Session, _: TicketReader, reference: Reference) -> TicketOut:
    return await service.get_ticket(session, reference)


@router.get(
    "/{reference}/events",
    operation_id="list_ticket_events",
    summary="Ticket timeline",
    description="The ticket's append-only timeline, oldest first: created, routed, assigned, escalated, ...",
    responses=problem_responses(400, 404, *AUTH_PROBLEMS),
)
async def list_ticket_events(
    session: Session,
    _: TicketReader,
    reference: Reference,
    params: Annotated[PageParams, Depends(page_params)],
) -> TicketEventPage:
    return await service.list_events(session, reference, params)
