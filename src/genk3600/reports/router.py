"""GET /v1/reports (the catalogue) and GET /v1/reports/{report_name} (one report, JSON or CSV)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Response

from genk3600.auth.dependencies import AppClock, AppSettings, require
from genk3600.auth.principal import Principal
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.i18n import negotiate, requested_language
from genk3600.kit.reader import ACCEPT_LANGUAGE_DESCRIPTION, DEFAULT_API_LANGUAGE, ReaderLanguage
from genk3600.kit.renamed import renamed
from genk3600.models.enums import Scope
from genk3600.reports import service
from genk3600.reports.catalogue import REPORTS
from genk3600.reports.schemas import ReportList, ReportTable
from genk3600.units.schemas import UnitCode

router = APIRouter(prefix="/v1/reports", tags=["reports"])

ReportReader = Annotated[Principal, Depends(require(Scope.reports_read))]

REACH = (
    "Figures are aggregates only (no names, no ticket contents) and cover the units the caller supervises and "
    "the units below them; admin staff and API keys without a unit restriction see the whole organisation. "
    "Social (OCMW) tickets count in the figures of their unit, but in rows about social work a count below "
    "the threshold (setting, default 5) is the text `< 5` and the row's percentages and averages are null, so "
    "that small groups cannot be recognised. Needs the `reports:read` scope (staff "
    "supervisors and admins have it). Titles, column labels and descriptions are in the reader's language "
    "(`Accept-Language`: nl, fr, en or de; English without it), and so are the cells of the name columns "
    "(`unit_name`, `category_name`, `channel_name`, `reason_name`, `role_name`, `age_band_name`) beside the code "
    "columns they name; report and column names and the code columns never change."
)


@router.get(
    "",
    operation_id="list_reports",
    response_model=ReportList,
    summary="The reports",
    description="Every report with an exact definition of its figures and a chart hint for dashboards. " + REACH,
    responses=problem_responses(*AUTH_PROBLEMS),
)
async def list_reports(_: ReportReader, settings: AppSettings, language: ReaderLanguage) -> ReportList:
    return service.catalogue(language, settings.report_small_count_threshold)


@router.get(
    "/{report_name}",
    operation_id="get_report",
    response_model=ReportTable,
    summary="One report over a period",
    description=(
        "The figures of one report over a period of local calendar days (Europe/Brussels), `first_day` and "
        "`last_day` included, at most 366 days; without `last_day` the period ends today, without `first_day` it "
        "spans 30 days. `unit` narrows the figures to one unit and the units below it. `format=csv` gives the same "
        "table as a CSV download: its header row holds the column labels in the language `Accept-Language` asks "
        "for (and the code columns are left out, their names are there), or the column names (codes) and every "
        "column when the request asks for no supported language, for scripts. " + REACH
    ),
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": "day,channel,inbound,outbound,contacts\n"}
            }
        },
        **problem_responses(404, *AUTH_PROBLEMS),
    },
)
async def get_report(
    session: Session,
    principal: ReportReader,
    settings: AppSettings,
    clock: AppClock,
    report_name: Annotated[
        str,
        Path(
            max_length=64,
            description="The report's name (see `GET /v1/reports`).",
            examples=[report.name for report in REPORTS],
        ),
    ],
    first_day: Annotated[
        date | None, Query(description="First day of the period, included (YYYY-MM-DD).", examples=["2026-03-01"])
    ] = None,
    last_day: Annotated[
        date | None, Query(description="Last day of the period, included (YYYY-MM-DD).", examples=["2026-03-31"])
    ] = None,
    first: Annotated[date | None, Query(alias="from", deprecated=True, description="Old name of `first_day`.")] = None,
    last: Annotated[date | None, Query(alias="to", deprecated=True, description="Old name of `last_day`.")] = None,
    unit: Annotated[UnitCode | None, Query(description="A unit's code: only that unit and the units below it.")] = None,
    format: Annotated[Literal["json", "csv"], Query(description="`csv` for a spreadsheet.")] = "json",
    accept_language: Annotated[
        str | None,
        Header(alias="Accept-Language", max_length=500, description=ACCEPT_LANGUAGE_DESCRIPTION),
    ] = None,
) -> ReportTable | Response:
    language = negotiate(accept_language, None, DEFAULT_API_LANGUAGE)
    asked = service.period(
        renamed(first_day, first, "first_day", "from"),
        renamed(last_day, last, "last_day", "to"),
        settings.zone,
        clock.now(),
    )
    table = await service.run_report(
        session, principal, settings.zone, report_name, asked, unit, settings.report_small_count_threshold, language
    )
    if format == "csv":
        headers = {"Content-Disposition": f'attachment; filename="{service.csv_filename(table)}"'}
        # A person's spreadsheet gets the labels in their language; a script that asks for none keeps the codes.
        labels = requested_language(accept_language, None) is not None
        return Response(service.as_csv(table, labels=labels), media_type="text/csv; charset=utf-8", headers=headers)
    return table
