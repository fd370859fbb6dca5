"""One line of an import file (see the package docstring for the format)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, Field, field_validator, model_validator
from pydantic.networks import validate_email

from genk3600.citizens.schemas import CitizenIdentification
from genk3600.kit.schemas import InputModel, _has_nul
from genk3600.models.enums import Channel, Direction, Language, Priority

MAX_BODY_CHARS = 1_000_000


@lru_cache(maxsize=100_000)
def _valid_email(value: str) -> str:
    """EmailStr's own check (the same result and error), remembered: a history names the same citizens
    thousands of times, and the check is most of the cost of reading a line."""
    return validate_email(value)[1]


NUL_REFUSED = "text must not contain NUL (U+0000) characters"


def _storable_line(value: Any) -> Any:
    # InputModel's check of every field is a third of the cost of reading a line; `nul_in` checks the line
    # once instead (a raw NUL is invalid JSON already), and no field holds a float or free-form value.
    return value


class ImportedCitizen(CitizenIdentification):
    """A line's citizen: as in POST /v1/contacts."""

    email: Annotated[str, AfterValidator(_valid_email)] | None = None

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return _storable_line(value)


class ImportLine(InputModel):
    external_id: str = Field(min_length=1, max_length=200, description="The record's id in the old system.")
    channel: Channel
    direction: Direction = Direction.inbound
    occurred_at: AwareDatetime
    category: str | None = Field(default=None, max_length=100)
    unit: str | None = Field(default=None, max_length=100)
    subject: str | None = Field(default=None, max_length=500)
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)
    language: Language | None = None
    priority: Priority | None = None
    citizen: ImportedCitizen | None = None
    status: Literal["resolved", "closed"] = "closed"
    resolved_at: AwareDatetime | None = None

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return _storable_line(value)

    @model_validator(mode="after")
    def _resolved_after_it_happened(self) -> ImportLine:
        if self.resolved_at is not None and self.resolved_at < self.occurred_at:
            raise ValueError("resolved_at lies before occurred_at")
        return self

    @property
    def finished_at(self) -> datetime:
        return self.resolved_at or self.occurred_at


def nul_in(raw: bytes | str, line: ImportLine) -> bool:
    """Whether a parsed line holds U+0000 (which PostgreSQL text cannot): only an escaped one can be there."""
    escaped = b"\\u0000" in raw if isinstance(raw, bytes) else "\\u0000" in raw
    return escaped and _has_nul(line.model_dump())
