from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from genk3600.db import READY_TIMEOUT_SECONDS, ready
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
    description="The database answers. Load balancers should route traffic only while this is 200. Answers within "
    f"{READY_TIMEOUT_SECONDS:g} s even when the database hangs (503 then).",
    responses=problem_responses(503),
)
async def readyz(request: Request) -> Health:
    await ready(request.app.state.db)
    return Health(status="ready")
