"""One line of an import file (see the package docstring for the format)."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, Field, field_validator, model_validator
from pydantic.networks import validate_email
from pydantic_core import PydanticCustomError

from genk3600.citizens.schemas import CitizenIdentification
from genk3600.kit.schemas import InputModel, _has_nul
from genk3600.models.enums import Channel, Direction, Language, Priority

MAX_BODY_CHARS = 1_000_000


# An address of lower-case letters, digits and `._+-` whose domain is host names: a dot-atom before the @-sign,
# which email-validator takes as it is (and checks no further but for the whole address's length), so the address
# is valid, and its own normalised form, exactly when its domain is. The domain is checked once, not once per
# address: the check of an address seen for the first time was half the cost of reading a line (bench/README.md).
_PLAIN_EMAIL = re.compile(r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@([a-z0-9-]+(?:\.[a-z0-9-]+)+)")
_EMAIL_MAX_LENGTH = 254  # email-validator's limit (RFC 5321)


@lru_cache(maxsize=10_000)
def _plain_domain(domain: str) -> bool:
    """Whether EmailStr takes `local@domain` as it is for a plain local part."""
    address = f"x@{domain}"
    try:
        return validate_email(address)[1] == address
    except PydanticCustomError:
        return False


@lru_cache(maxsize=100_000)
def _checked_email(value: str) -> str:
    return validate_email(value)[1]


def _valid_email(value: str) -> str:
    """EmailStr's own check (the same result and error), remembered: a history names the same citizens
    thousands of times."""
    plain = _PLAIN_EMAIL.fullmatch(value)
    if plain is not None and len(value) <= _EMAIL_MAX_LENGTH and _plain_domain(plain[1]):
        return value
    return _checked_email(value)


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
