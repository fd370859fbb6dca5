"""GET /metrics in the Prometheus text format (outside /v1 and the OpenAPI spec: it is for scrapers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from genk3600.auth.dependencies import AppSettings
from genk3600.db import Database, Session
from genk3600.metrics import service

router = APIRouter()


async def metrics_access(
    request: Request, settings: AppSettings, authorization: Annotated[str | None, Header()] = None
) -> None:
    service.check_access(settings, authorization, request.client.host if request.client else None)


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(metrics_access)])
async def metrics(request: Request, session: Session) -> Response:
    database: Database = request.app.state.db
    body = await service.scrape(session, database.engine, request.app.state.request_histogram)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
