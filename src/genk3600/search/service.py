"""Turning what a person typed into a text search query, and the page of tickets it finds."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.audit.trail import audit_reads
from genk3600.auth.principal import Principal
from genk3600.config import Settings
from genk3600.i18n.catalogue import P_
from genk3600.kit.pagination import PageParams
from genk3600.search import repository
from genk3600.search.errors import UnsearchableQuery
from genk3600.search.repository import SearchPosition
from genk3600.search.schemas import decode_search_cursor, encode_search_cursor
from genk3600.tickets.repository import TicketFilter
from genk3600.tickets.schemas import TicketOut, TicketPage, ticket_fields

MAX_QUERY_CHARS = 200
MAX_WORDS = 10
# A shorter last word is taken as typed: "a:*" would match nearly everything and help nobody.
MIN_PREFIX_CHARS = 3
# Letters and digits only: nothing a person types can become a tsquery operator.
_WORD = re.compile(r"[^\W_]+")


def query_terms(text: str) -> str:
    """All words must match (AND); the last one also as the beginning of a word, as while typing."""
    words = _WORD.findall(text)
    if not words:
        raise UnsearchableQuery(P_("Type at least one word (letters or digits) to search for."))
    if len(words) > MAX_WORDS:
        raise UnsearchableQuery(
            P_("Search for at most {most} words at a time; this query has {count}."),
            params={"most": MAX_WORDS, "count": len(words)},
        )
    last = words[-1] + (":*" if len(words[-1]) >= MIN_PREFIX_CHARS else "")
    return " & ".join([*words[:-1], last])


async def search_tickets(
    session: AsyncSession,
    settings: Settings,
    text: str,
    params: PageParams,
    viewer: Principal,
    linked: TicketFilter | None = None,
) -> TicketPage:
    """Tickets the viewer may see whose subject or contacts match `text`, best match first; with `linked`, only
    those linked to the object in another system it names."""
    terms = query_terms(text)
    after = decode_search_cursor(params.cursor) if params.cursor else None
    search = await repository.prepare_search(session, terms)
    if search is None:
        raise UnsearchableQuery(
            P_("The query holds only very common words (such as 'de', 'het', 'le', 'la'); add a more specific word.")
        )
    wanted = (linked.object_system, linked.object_type, linked.object_id) if linked and linked.by_object else None
    rows = await repository.search_tickets(
        session, search, viewer, after, params.limit, settings.search_candidate_limit, wanted
    )
    shown = rows[: params.limit]
    await audit_reads(session, viewer, "search_tickets", [(row.id, row.confidentiality) for row in shown])
    next_cursor = None
    if len(rows) > params.limit and shown:
        last = shown[-1]
        next_cursor = encode_search_cursor(SearchPosition(rank=float(last.rank), ticket_id=last.id))
    return TicketPage(items=[TicketOut(**ticket_fields(row)) for row in shown], next_cursor=next_cursor)
