from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from genk3600.auth.dependencies import AppSettings, TicketReader
from genk3600.citizens import service
from genk3600.citizens.schemas import CitizenLookup
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses

router = APIRouter(prefix="/v1/citizens", tags=["citizens"])


@router.get(
    "/lookup",
    operation_id="lookup_citizens",
    summary="Screen pop: find a citizen",
    description=(
        "Finds citizens by phone (any notation, Belgian by default), e-mail, national number or name, with "
        "their open tickets and whether they have an OCMW case worker. Social (OCMW) tickets show only that "
        "they exist and whom to hand over to, unless the caller belongs to the owning unit or is the "
        "citizen's case worker. Used by the agent console when a call rings."
    ),
    responses=problem_responses(*AUTH_PROBLEMS),
)
async def lookup_citizens(
    session: Session,
    settings: AppSettings,
    viewer: TicketReader,
    phone: Annotated[str | None, Query(max_length=40, examples=["089 65 36 00"])] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    national_number: Annotated[str | None, Query(max_length=20)] = None,
    name: Annotated[str | None, Query(max_length=200, examples=["Janssens"])] = None,
) -> CitizenLookup:
    query = service.LookupQuery(phone=phone, email=email, national_number=national_number, name=name)
    return await service.lookup(session, settings.secret, viewer, query)
