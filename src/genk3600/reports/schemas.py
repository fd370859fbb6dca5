"""The reports' JSON: the catalogue (with chart hints for the console) and one report's table."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from genk3600.models.enums import Language
from genk3600.reports import catalogue
from genk3600.reports.catalogue import Column, ColumnType, Report

Cell = str | int | float | None


class ChartOut(BaseModel):
    type: Literal["bar", "line"] = Field(examples=["bar"])
    x: str = Field(description="The column on the x axis.", examples=["day"])
    y: list[str] = Field(description="The columns plotted as values.", examples=[["contacts"]])
    series: str | None = Field(
        description="The column that splits the values into series, if any.", examples=["channel"]
    )


class ReportInfo(BaseModel):
    name: str = Field(examples=["contacts-per-channel"])
    title: str = Field(description="In the reader's language.", examples=["Contacts per channel per day"])
    description: str = Field(description="What the figures count, in plain words in the reader's language.")
    chart: ChartOut

    @classmethod
    def of(cls, report: Report, language: Language, threshold: int) -> ReportInfo:
        chart = ChartOut(type=report.chart.type, x=report.chart.x, y=list(report.chart.y), series=report.chart.series)
        return cls(
            name=report.name,
            title=catalogue.title(report, language),
            description=catalogue.description(report, language, threshold),
            chart=chart,
        )


class ReportList(BaseModel):
    items: list[ReportInfo]


class ColumnOut(BaseModel):
    name: str = Field(description="The key in each row (stable, never translated).", examples=["channel"])
    label: str = Field(description="The column's name in the reader's language.", examples=["Channel (code)"])
    type: ColumnType = Field(examples=["string"])
    names: str | None = Field(
        default=None,
        description="For a column of codes (units, categories, channels, reasons, roles, age bands): the column "
        "holding their names in the reader's language (`channel` → `channel_name`), which people read; null "
        "for every other column.",
        examples=["channel_name"],
    )

    @classmethod
    def of(cls, column: Column, report: Report, language: Language) -> ColumnOut:
        twin = next((other.name for other in report.columns if other.names and other.names[0] == column.name), None)
        return cls(name=column.name, label=catalogue.label(column, language), type=column.type, names=twin)


class ReportTable(BaseModel):
    """One report over one period: its columns and rows (dates as YYYY-MM-DD)."""

    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "report": "contacts-per-channel",
                    "title": "Contacts per channel per day",
                    "first_day": "2026-03-01",
                    "last_day": "2026-03-31",
                    "from": "2026-03-01",
                    "to": "2026-03-31",
                    "columns": [
                        {"name": "day", "label": "Day", "type": "date", "names": None},
                        {"name": "channel", "label": "Channel (code)", "type": "string", "names": "channel_name"},
                        {"name": "channel_name", "label": "Channel", "type": "string", "names": None},
                        {"name": "inbound", "label": "Incoming", "type": "integer", "names": None},
                        {"name": "outbound", "label": "Outgoing", "type": "integer", "names": None},
                        {"name": "contacts", "label": "Contacts", "type": "integer", "names": None},
                    ],
                    "rows": [
                        {
                            "day": "2026-03-02",
                            "channel": "phone",
                            "channel_name": "phone",
                            "inbound": 41,
                            "outbound": 3,
                            "contacts": 44,
                        }
                    ],
                }
            ]
        },
    )

    report: str
    title: str = Field(description="In the reader's language.")
    first_day: date = Field(description="First day of the period, included.")
    last_day: date = Field(description="Last day of the period, included.")
    from_: date = Field(alias="from", description="Old name of `first_day`.", json_schema_extra={"deprecated": True})
    to: date = Field(description="Old name of `last_day`.", json_schema_extra={"deprecated": True})
    columns: list[ColumnOut]
    rows: list[dict[str, Cell]] = Field(
        description="One object per row, keyed by column name; a name column holds the name of its code column's "
        "code in the reader's language. In rows about social work an `integer` cell "
        "below the small-group threshold is the string `< 5` (threshold per setting, default 5) and that row's "
        "`number` cells are null."
    )
