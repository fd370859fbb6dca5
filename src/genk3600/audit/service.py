"""The audit trail for the DPO: filtered pages, and CSV for spreadsheets."""

from __future__ import annotations

import csv
import io

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.audit import repository
from genk3600.audit.repository import AuditFilter
from genk3600.audit.schemas import CSV_COLUMNS, AuditEntryOut, AuditPage
from genk3600.kit.pagination import PageParams, page_of


async def list_entries(session: AsyncSession, where: AuditFilter, params: PageParams) -> AuditPage:
    """Audit entries matching the filter, newest first."""
    rows = await repository.entries(session, where, params)
    return page_of(AuditPage, rows, params, lambda row: row.id, AuditEntryOut.model_validate)


def as_csv(page: AuditPage) -> str:
    """One page as CSV (the `changes` detail stays in the JSON form)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for entry in page.items:
        # A leading =, +, - or @ would make a spreadsheet run the cell as a formula.
        writer.writerow({key: _cell(value) for key, value in entry.model_dump(mode="json").items()})
    return out.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
