"""Schema base classes: strict input (unknown fields refused), output read from ORM objects."""

from __future__ import annotations

import math
from datetime import time
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, WithJsonSchema, field_validator

from genk3600.errors import Invalid
from genk3600.i18n.catalogue import P_

# A wall-clock time of day without offset ("19:00", "19:00:00"), read in the calendar's time zone. Not JSON
# Schema's `format: time`: that is RFC 3339's full-time, which requires an offset, and the server neither
# writes one nor accepts one. The pattern is RFC 3339's partial-time (seconds optional on input).
LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"
LocalTime = Annotated[time, WithJsonSchema({"type": "string", "pattern": LOCAL_TIME_PATTERN})]

# Keys are bigint identities: larger ids cannot exist, and would overflow in the driver (a 500, not a 404).
MAX_ID = 2**63 - 1


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    return False


def _has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_non_finite(item) for item in value)
    if isinstance(value, dict):
        return any(_has_non_finite(item) for item in value.values())
    return False


class InputModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        # Every field of every input passes here: plain text without NUL, None, integers and booleans are let
        # through without the walks below (a web intake's body has about twenty fields; #16, the intake's CPU).
        kind = type(value)
        if (kind is str and "\x00" not in value) or value is None or kind is int or kind is bool:
            return value
        # PostgreSQL text cannot hold U+0000: refuse it here (422) rather than fail in the database (500).
        if _has_nul(value):
            raise Invalid(P_("text must not contain NUL (U+0000) characters"))
        # JSON has no NaN or Infinity, but Python's parser reads them (and 1e400 as infinity). PostgreSQL
        # refuses them in JSONB (a 500 whose log carried the statement), and they mean nothing anyway. Typed
        # floats refuse them by `allow_inf_nan=False`; this catches them in free-form values (`Any`, dicts).
        if _has_non_finite(value):
            raise Invalid(P_("numbers must be finite: no NaN, Infinity, or values beyond the float range"))
        return value


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)
