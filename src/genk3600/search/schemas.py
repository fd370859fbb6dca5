"""Search answers with the ticket list's own page shape; only the cursor differs (it carries the rank)."""

from __future__ import annotations

import base64
import binascii
import json

from genk3600.i18n.catalogue import P_
from genk3600.kit.pagination import InvalidCursor
from genk3600.search.repository import SearchPosition


def encode_search_cursor(position: SearchPosition) -> str:
    raw = json.dumps({"rank": position.rank, "after": position.ticket_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_search_cursor(cursor: str) -> SearchPosition:
    problem = InvalidCursor(P_("The cursor is not one this search handed out; search again without a cursor."))
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
        rank, ticket_id = value["rank"], value["after"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise problem from exc
    if not isinstance(ticket_id, int) or isinstance(ticket_id, bool) or not isinstance(rank, float | int):
        raise problem
    if isinstance(rank, bool):
        raise problem
    return SearchPosition(rank=float(rank), ticket_id=ticket_id)
