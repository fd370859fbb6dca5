from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from genk3600.audit import service
from genk3600.audit.repository import AuditFilter
from genk3600.audit.schemas import CSV_COLUMNS, AuditPage
from genk3600.auth.dependencies import Auditor
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.kit.pagination import Pages
from genk3600.kit.schemas import MAX_ID

router = APIRouter(prefix="/v1/audit", tags=["privacy"])


def audit_filter(
    actor_kind: Annotated[Literal["staff", "api_client", "system"] | None, Query()] = None,
    actor_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    action: Annotated[Literal["insert", "update", "delete", "read"] | None, Query()] = None,
    target_type: Annotated[str | None, Query(max_length=64, examples=["ticket"])] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[datetime | None, Query(description="From this moment (inclusive).")] = None,
    until: Annotated[datetime | None, Query(description="Before this moment.")] = None,
) -> AuditFilter:
    return AuditFilter(actor_kind, actor_id, action, target_type, target_id, since, until)


@router.get(
    "",
    operation_id="list_audit_entries",
    response_model=AuditPage,
    summary="The audit trail",
    description=(
        "Who did or saw what, when, from where and in which request: every write (captured in the same "
        "transaction) and every read of social (OCMW) content. Newest first; filter by actor, action, target "
        "and period. `format=csv` gives the same page as CSV. The trail is append-only in the database. "
        "Needs the `audit:read` scope (the DPO's and auditors' key), which administrators do not have by default."
    ),
    responses={
        200: {
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": ",".join(CSV_COLUMNS) + "\r\n812,2026-11-23T08:16:02Z,api_client,3,mijnGenk,[],create,"
                    "ticket,41,,3f2a9c1e5b7d4e0f,10.20.0.7\r\n",
                }
            },
            "headers": {
                "Content-Disposition": {
                    "description": "With `format=csv`: `attachment` with a file name, for a browser download.",
                    "schema": {"type": "string", "examples": ['attachment; filename="audit.csv"']},
                },
                "Link": {
                    "description": 'With `format=csv` when there is a next page: its URL (RFC 8288, `rel="next"`); '
                    "JSON answers carry `next_cursor` instead.",
                    "schema": {"type": "string", "examples": ['<?cursor=eyJpZCI6NDJ9&format=csv>; rel="next"']},
                },
            },
        },
        **problem_responses(400, *AUTH_PROBLEMS),
    },
)
async def list_audit_entries(
    session: Session,
    _: Auditor,
    where: Annotated[AuditFilter, Depends(audit_filter)],
    params: Pages,
    response: Response,
    format: Annotated[Literal["json", "csv"], Query(description="`csv` for a spreadsheet.")] = "json",
) -> AuditPage | Response:
    page = await service.list_entries(session, where, params)
    if format == "csv":
        headers = {"Content-Disposition": 'attachment; filename="audit.csv"'}
        if page.next_cursor:
            headers["Link"] = f'<?cursor={page.next_cursor}&format=csv>; rel="next"'
        return Response(service.as_csv(page), media_type="text/csv; charset=utf-8", headers=headers)
    return page
