from __future__ import annotations

from genk3600.errors import UnprocessableInput


class NothingToSuggestFrom(UnprocessableInput):
    slug = "nothing-to-suggest-from"


class NotEnoughHistory(Exception):
    """Too few resolved tickets to train on (the command says how many there are)."""
