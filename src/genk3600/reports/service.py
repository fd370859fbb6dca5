"""Reports: check the period and the reader's reach, run the report's one query, shape JSON or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.principal import Principal
from genk3600.i18n.catalogue import P_, translator
from genk3600.i18n.names import load_names
from genk3600.i18n.texts import Kind, NameBook, label, role_label
from genk3600.models.enums import Language, Position
from genk3600.reports import catalogue as texts
from genk3600.reports import repository
from genk3600.reports.catalogue import BY_NAME, REPORTS, NameKind, Report
from genk3600.reports.errors import InvalidPeriod, ReportNotFound, UnitOutOfReach
from genk3600.reports.schemas import Cell, ColumnOut, ReportInfo, ReportList, ReportTable
from genk3600.units.errors import UnknownUnit

MAX_DAYS = 366  # a leap year; longer ranges are a data export, not a report
DEFAULT_DAYS = 30
# Far enough for any real question, near enough that date arithmetic never overflows.
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[local midnight of `first`, local midnight after `last`): DST days are 23 or 25 hours long."""
        start = datetime.combine(self.first, time(), tzinfo=zone)
        end = datetime.combine(self.last + timedelta(days=1), time(), tzinfo=zone)
        return start, end


def catalogue(language: Language = Language.en, small_count_threshold: int = 5) -> ReportList:
    """Every report with what it counts (in `language`) and how to chart it."""
    return ReportList(items=[ReportInfo.of(report, language, small_count_threshold) for report in REPORTS])


def report_named(name: str) -> Report:
    report = BY_NAME.get(name)
    if report is None:
        raise ReportNotFound(name, sorted(BY_NAME))
    return report


def period(first: date | None, last: date | None, zone: ZoneInfo, now: datetime) -> Period:
    """The period asked for; without a last day it ends today, without a first day it spans 30 days."""
    last = last or now.astimezone(zone).date()
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    for name, day in (("first_day", first), ("last_day", last)):
        if not EARLIEST <= day <= LATEST:
            raise InvalidPeriod(
                P_("'{name}' must lie between {earliest} and {latest}, not {day}."),
                params={"name": name, "earliest": EARLIEST, "latest": LATEST, "day": day},
            )
    if first > last:
        raise InvalidPeriod(
            P_("'first_day' ({first}) is after 'last_day' ({last})."), params={"first": first, "last": last}
        )
    days = (last - first).days + 1
    if days > MAX_DAYS:
        raise InvalidPeriod(
            P_("The period spans {days} days; a report covers at most {most}."), params={"days": days, "most": MAX_DAYS}
        )
    return Period(first, last)


def reach(principal: Principal) -> list[int] | None:
    """The units whose subtrees the reader's figures cover; None = the whole organisation."""
    if principal.kind == "api_client":
        return None if principal.unit_id is None else [principal.unit_id]
    if principal.kind == "system" or any(m.position == Position.admin for m in principal.memberships):
        return None
    return [m.unit_id for m in principal.memberships if m.position == Position.supervisor]


async def unit_scope(session: AsyncSession, principal: Principal, unit_code: str | None) -> list[int]:
    """The units the report covers: the reader's reach, or the asked unit and those below it (within reach)."""
    allowed = await repository.units_below(session, reach(principal))
    if unit_code is None:
        return sorted(allowed)
    unit = await repository.unit_by_code(session, unit_code)
    if unit is None:
        raise UnknownUnit(unit_code)
    if unit.id not in allowed:
        raise UnitOutOfReach(unit_code)
    return sorted(await repository.units_below(session, [unit.id]))


async def run_report(
    session: AsyncSession,
    principal: Principal,
    zone: ZoneInfo,
    name: str,
    asked: Period,
    unit_code: str | None,
    small_count_threshold: int = 5,
    language: Language = Language.en,
) -> ReportTable:
    """Report `name` over `asked` for the units within the reader's reach; small social counts shown as "< N"."""
    report = report_named(name)
    unit_ids = await unit_scope(session, principal, unit_code)
    start, end = asked.bounds(zone)
    rows = await repository.report_rows(session, report.name, start, end, zone.key, unit_ids)
    words = _Words(language, await load_names(session))
    cells = [
        {
            column.name: words(column.names, row) if column.names else _cell(row[column.name])
            for column in report.columns
        }
        for row in rows
    ]
    social_units, social_categories, social_unit_ids = await repository.social_codes(session)
    for row in cells:
        if "unit" in row or "category" in row:
            social = row.get("unit") in social_units or row.get("category") in social_categories
        else:
            social = not social_unit_ids.isdisjoint(unit_ids)
        if social:
            _hide_small_counts(report, row, small_count_threshold)
    return ReportTable(
        report=report.name,
        title=texts.title(report, language),
        first_day=asked.first,
        last_day=asked.last,
        from_=asked.first,
        to=asked.last,
        columns=[ColumnOut.of(column, report, language) for column in report.columns],
        rows=cells,
    )


class _Words:
    """A code of a report's row as a name in the reader's language."""

    def __init__(self, language: Language, names: NameBook) -> None:
        self.language, self.names = language, names

    def __call__(self, named: tuple[str, NameKind], row: Mapping[str, Any]) -> str | None:
        column, kind = named
        code = row[column]
        if code is None:
            return None
        if kind == "unit":
            return self.names.unit(code, self.language)
        if kind == "category":
            return self.names.category(code, self.language)
        if kind == "age_band":
            return translator(self.language).gettext(texts.AGE_BANDS[code]) if code in texts.AGE_BANDS else code
        if kind == "role":
            return role_label(code, self.language)
        return label(Kind.channel if kind == "channel" else Kind.reason, code, self.language)


def _hide_small_counts(report: Report, row: dict[str, Cell], threshold: int) -> None:
    # 0 identifies nobody; 1..threshold-1 might (see catalogue.SMALL_GROUPS). A share or an average of such a
    # group would give it away again, so the row's derived figures go too.
    small = [
        column.name
        for column in report.columns
        if column.type == "integer" and isinstance(count := row[column.name], int) and 0 < count < threshold
    ]
    if not small:
        return
    for name in small:
        row[name] = f"< {threshold}"
    for column in report.columns:
        if column.type == "number":
            row[column.name] = None


def _cell(value: object) -> Cell:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(f"unexpected report value {value!r}")


def as_csv(table: ReportTable, *, labels: bool = False) -> str:
    """The table as CSV, headed by the column names (or, for a person, by their `labels` in the table's language,
    without the code columns whose names are there); empty cells for missing values."""
    out = io.StringIO()
    writer = csv.writer(out)
    columns = [column for column in table.columns if not (labels and column.names)]
    names: Sequence[str] = [column.name for column in columns]
    writer.writerow([_csv_cell(column.label) for column in columns] if labels else names)
    for row in table.rows:
        writer.writerow([_csv_cell(row[name]) for name in names])
    return out.getvalue()


def _csv_cell(value: Cell) -> Cell:
    # A leading =, +, - or @ would make a spreadsheet run a unit's name as a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def csv_filename(table: ReportTable) -> str:
    return f"{table.report}_{table.first_day}_{table.last_day}.csv"
