"""Keyset (cursor) pagination: stable under concurrent inserts, no OFFSET scans."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from genk3600.errors import AppError
from genk3600.i18n.catalogue import P_

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

ItemT = TypeVar("ItemT")
RowT = TypeVar("RowT")
SelectT = TypeVar("SelectT", bound=Select[Any])
PageT = TypeVar("PageT", bound="Page[Any]")


class InvalidCursor(AppError):
    status = 400
    title = P_("Invalid cursor")
    slug = "invalid-cursor"


# PEP 695 generics would need Python 3.12; the project supports 3.11.
class Page(BaseModel, Generic[ItemT]):
    """One page of a list; subclassed per item type so the spec names it (`UnitPage`, `TicketPage`)."""

    items: list[ItemT]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page.", examples=[None]
    )


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    problem = InvalidCursor(P_("The cursor is not one this API handed out; start again without a cursor."))
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise problem from exc
    if not isinstance(value, int) or isinstance(value, bool):
        raise problem
    return value


class PageParams(BaseModel):
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT

    @property
    def after_id(self) -> int | None:
        return decode_cursor(self.cursor) if self.cursor else None


# async, like every dependency on the hot path: FastAPI runs a plain `def` dependency in the thread pool.
async def page_params(
    cursor: Annotated[str | None, Query(description="Opaque cursor from a previous page's `next_cursor`.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = DEFAULT_LIMIT,
) -> PageParams:
    return PageParams(cursor=cursor, limit=limit)


# What a list endpoint declares to take `?cursor=&limit=`.
Pages = Annotated[PageParams, Depends(page_params)]


def keyset(
    statement: SelectT, id_column: InstrumentedAttribute[int], params: PageParams, newest_first: bool = False
) -> SelectT:
    """Apply cursor and limit (+1, to learn whether another page exists) to a query ordered by id."""
    after = params.after_id
    if after is not None:
        statement = statement.where(id_column < after if newest_first else id_column > after)
    order = id_column.desc() if newest_first else id_column.asc()
    return statement.order_by(order).limit(params.limit + 1)


def page_of(
    page: type[PageT],
    rows: Sequence[RowT],
    params: PageParams,
    row_id: Callable[[RowT], int],
    to_out: Callable[[RowT], Any],
) -> PageT:
    """Cut the extra row off and make the next cursor from the last row shown."""
    shown = list(rows[: params.limit])
    more = len(rows) > params.limit
    return page(
        items=[to_out(row) for row in shown],
        next_cursor=encode_cursor(row_id(shown[-1])) if more and shown else None,
    )
