"""Query parameters that got a better name: the old name is still accepted, documented as deprecated.

The API style guide (docs/api-style.md) renamed a few parameters; clients written against the old names keep
working until the next major version. Giving both names with different values is a mistake we say out loud.
"""

from __future__ import annotations

from typing import TypeVar

from genk3600.errors import UnprocessableInput
from genk3600.i18n.catalogue import P_

T = TypeVar("T")


class RenamedParameterConflict(UnprocessableInput):
    title = P_("Parameter given twice")
    slug = "renamed-parameter-conflict"


def renamed(new: T | None, old: T | None, new_name: str, old_name: str) -> T | None:
    """The value under its new name, else under its deprecated old name."""
    if new is not None and old is not None and new != old:
        raise RenamedParameterConflict(
            P_("`{old}` is the old name of `{new}` and they differ here; give only `{new}`."),
            params={"old": old_name, "new": new_name},
        )
    return new if new is not None else old
