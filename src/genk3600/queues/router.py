from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from genk3600.auth.context import Caller, TicketReading
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.kit.pagination import Pages
from genk3600.models.organisation import CODE_PATTERN
from genk3600.queues import service
from genk3600.queues.schemas import QueuePage
from genk3600.tickets.schemas import TicketOut

router = APIRouter(prefix="/v1/queues", tags=["queues"])

UnitCodePath = Annotated[
    str,
    Path(
        description="Code of the unit whose queue this is.", max_length=64, pattern=CODE_PATTERN, examples=["omgeving"]
    ),
]


@router.get(
    "/{unit_code}",
    operation_id="list_queue",
    summary="A unit's work queue",
    description=(
        "The unit's open tickets (new, assigned, in progress, waiting on the citizen) by priority "
        "(urgent, high, normal, low), then earliest resolution deadline (tickets without one last). "
        "Each carries a `deadline_colour`. `unassigned=true` shows only tickets nobody has yet; "
        "`assignee=me` only the caller's own (staff tokens only)."
    ),
    responses=problem_responses(400, 404, *AUTH_PROBLEMS),
)
async def list_queue(
    context: TicketReading,
    unit_code: UnitCodePath,
    params: Pages,
    unassigned: Annotated[bool, Query(description="Only tickets without an assignee.")] = False,
    assignee: Annotated[Literal["me"] | None, Query(description="`me`: only tickets assigned to the caller.")] = None,
) -> QueuePage:
    # The hot route (#16): one dependency for the session, the clock and the caller.
    return await service.list_queue(
        context.session,
        unit_code,
        context.principal,
        unassigned=unassigned,
        assigned_to_me=assignee == "me",
        params=params,
        now=context.clock.now(),
    )


@router.post(
    "/{unit_code}/claim",
    operation_id="claim_from_queue",
    summary="Claim the next ticket",
    description=(
        "Assigns the unit's next unassigned new ticket, in queue order, to the calling staff member and "
        "answers it. Only staff of the unit or of a unit above it may claim; a staff member with languages "
        "set only gets tickets in one of those languages. Concurrent claimers never get the same ticket. "
        "404 when nothing is left to claim."
    ),
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def claim_from_queue(context: Caller, unit_code: UnitCodePath) -> TicketOut:
    # A hot path (#16): one dependency for the session and the caller, as the queue page.
    return await service.claim_next(context.session, unit_code, context.principal)
