from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from genk3600.db import Session, ping
from genk3600.errors import problem_responses

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str = Field(examples=["ok"])


@router.get(
    "/healthz",
    operation_id="healthz",
    summary="Liveness",
    description="The process is up. Does not touch the database, so it stays up during a database outage.",
)
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="Readiness",
    description="The database answers. Load balancers should route traffic only while this is 200.",
    responses=problem_responses(503),
)
async def readyz(session: Session) -> Health:
    await ping(session)
    return Health(status="ready")
