from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from pydantic import ConfigDict, Field, field_validator, model_validator

from genk3600.errors import Invalid
from genk3600.i18n.catalogue import P_
from genk3600.kit.pagination import Page
from genk3600.kit.schemas import InputModel, LocalTime, OutputModel
from genk3600.models import ClosingDay, OpeningHours, SlaPolicy
from genk3600.models.organisation import CODE_PATTERN
from genk3600.sla.deadlines import HoursSource
from genk3600.units.schemas import UnitCode

# A year of business minutes is far beyond any real target; larger numbers are typing mistakes.
MAX_TARGET_MINUTES = 366 * 24 * 60

SlaCode = Annotated[str, Field(min_length=2, max_length=64, pattern=CODE_PATTERN, examples=["standard"])]
Minutes = Annotated[int, Field(gt=0, le=MAX_TARGET_MINUTES)]
Weekday = Annotated[int, Field(ge=0, le=6, description="0 = Monday … 6 = Sunday.", examples=[0])]
CalendarUnit = Annotated[
    UnitCode | None,
    Field(description="Unit code; null for the city-wide calendar that units without their own use."),
]


class SlaPolicyIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "standard",
                    "name": "Standaard: antwoord binnen 1 werkdag",
                    "first_response_minutes": 420,
                    "resolution_minutes": 4200,
                    "warning_fraction": 0.8,
                }
            ]
        }
    )

    code: SlaCode = Field(description="Stable identifier: lower case letters, digits and `_`.")
    name: str = Field(min_length=1, max_length=200, examples=["Standaard: antwoord binnen 1 werkdag"])
    first_response_minutes: Minutes = Field(description="Business minutes to the first response.", examples=[420])
    resolution_minutes: Minutes = Field(description="Business minutes to resolution.", examples=[4200])
    warning_fraction: float = Field(
        default=0.8, gt=0, lt=1, description="Warn when this share of the resolution time is used up."
    )
    breach_unit: UnitCode | None = Field(
        default=None, description="On a breach, hand the ticket to this unit (tier + 1, asking for a decision)."
    )

    @model_validator(mode="after")
    def _response_before_resolution(self) -> SlaPolicyIn:
        if self.first_response_minutes > self.resolution_minutes:
            raise Invalid(P_("first_response_minutes must not exceed resolution_minutes"))
        return self


class SlaPolicyOut(OutputModel):
    id: int
    code: str = Field(examples=["standard"])
    name: str
    first_response_minutes: int = Field(examples=[420])
    resolution_minutes: int = Field(examples=[4200])
    warning_fraction: float = Field(examples=[0.8])
    breach_unit: str | None = Field(description="Unit code.", examples=["klachtenbeheer"])
    created_at: datetime

    @classmethod
    def of(cls, policy: SlaPolicy, breach_unit: str | None) -> SlaPolicyOut:
        return cls(
            id=policy.id,
            code=policy.code,
            name=policy.name,
            first_response_minutes=policy.first_response_minutes,
            resolution_minutes=policy.resolution_minutes,
            warning_fraction=policy.warning_fraction,
            breach_unit=breach_unit,
            created_at=policy.created_at,
        )


class SlaPolicyPage(Page[SlaPolicyOut]):
    """A page of SLA policies."""


class OpeningHoursIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"unit": "burgerzaken", "weekday": 0, "opens": "08:30", "closes": "12:00"}]}
    )

    unit: CalendarUnit = None
    weekday: Weekday
    opens: LocalTime = Field(description="Local wall-clock time.", examples=["08:30"])
    closes: LocalTime = Field(description="Local wall-clock time, after `opens`.", examples=["12:00"])

    @field_validator("opens", "closes")
    @classmethod
    def _local_time(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise Invalid(P_("give a local wall-clock time without offset; the calendar's time zone applies"))
        return value

    @model_validator(mode="after")
    def _closes_after_opens(self) -> OpeningHoursIn:
        if self.closes <= self.opens:
            raise Invalid(P_("closes must be after opens"))
        return self


class OpeningHoursOut(OutputModel):
    id: int
    unit: str | None = Field(description="Unit code; null for the city-wide hours.", examples=["burgerzaken"])
    weekday: int = Field(description="0 = Monday … 6 = Sunday.", examples=[0])
    opens: LocalTime = Field(examples=["08:30:00"])
    closes: LocalTime = Field(examples=["12:00:00"])

    @classmethod
    def of(cls, hours: OpeningHours, unit: str | None) -> OpeningHoursOut:
        return cls(id=hours.id, unit=unit, weekday=hours.weekday, opens=hours.opens, closes=hours.closes)


class OpeningHoursPage(Page[OpeningHoursOut]):
    """A page of opening hours."""


class ClosingDayIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"unit": None, "day": "2026-07-11", "reason": "Feestdag van de Vlaamse Gemeenschap"}]
        }
    )

    unit: CalendarUnit = None
    day: date = Field(examples=["2026-07-11"])
    reason: str = Field(min_length=1, max_length=200, examples=["Feestdag van de Vlaamse Gemeenschap"])


class ClosingDayOut(OutputModel):
    id: int
    unit: str | None = Field(description="Unit code; null for a city-wide closing day.", examples=[None])
    day: date = Field(examples=["2026-07-11"])
    reason: str
    created_at: datetime

    @classmethod
    def of(cls, day: ClosingDay, unit: str | None) -> ClosingDayOut:
        return cls(id=day.id, unit=unit, day=day.day, reason=day.reason, created_at=day.created_at)


class ClosingDayPage(Page[ClosingDayOut]):
    """A page of closing days."""


class DeadlineOut(OutputModel):
    unit: str = Field(examples=["burgerzaken"])
    since: datetime = Field(description="Where counting started (UTC).")
    start: datetime = Field(description="Old name of `since`.", json_schema_extra={"deprecated": True})
    minutes: int = Field(description="Business minutes counted.", examples=[120])
    deadline: datetime = Field(description="When those business minutes have passed (UTC).")
    local_deadline: datetime = Field(description="The same moment in the calendar's time zone.")
    timezone: str = Field(examples=["Europe/Brussels"])
    hours_source: HoursSource = Field(
        description="Whose opening hours applied: the unit's own, the city-wide ones, or the built-in default."
    )
