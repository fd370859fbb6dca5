"""The search query: GIN index scans on the ticket's and its contacts' `search_vector`, ranked, keyset-paged.

The query text is matched as Dutch, French and word by word at once (OR), because a record is stemmed by its
own language and a searcher does not say which language they type in. Ranking is bounded: each index scan
hands over at most `candidate_limit` visible matches, and only those are ranked, so a word found in half of a
million tickets costs what `candidate_limit` rows cost, not what the match set costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Float, and_, func, literal, or_, select, union_all
from sqlalchemy.dialects.postgresql import REGCONFIG, TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from genk3600.auth.principal import Principal
from genk3600.models import Contact, Ticket
from genk3600.privacy.visibility import visible_tickets

# The text search configurations the records are stemmed with (see migration 0008_ticket_search).
STEMMED_CONFIGS = ("dutch", "french")
WORD_CONFIG = "simple"

_TICKET_DETAILS = (
    selectinload(Ticket.category),
    selectinload(Ticket.owning_unit),
    selectinload(Ticket.assignee),
    selectinload(Ticket.citizen),
)


@dataclass(frozen=True)
class SearchPosition:
    """Where the previous page ended: its last ticket's rank and id."""

    rank: float
    ticket_id: int


def _tsquery(config: str, terms: str) -> ColumnElement[str]:
    return func.to_tsquery(literal(config, REGCONFIG), func.genk3600_unaccent(terms), type_=TSQUERY)


def _any_language(terms: str) -> ColumnElement[str]:
    queries = [_tsquery(config, terms) for config in (*STEMMED_CONFIGS, WORD_CONFIG)]
    combined = queries[0]
    for query in queries[1:]:
        combined = combined.op("||", return_type=TSQUERY)(query)
    return combined


async def has_searchable_words(session: AsyncSession, terms: str) -> bool:
    """False when the stemmed languages drop every word (stopwords only)."""
    counts = [func.numnode(_tsquery(config, terms)) for config in STEMMED_CONFIGS]
    return bool(await session.scalar(select(or_(*(count > 0 for count in counts)))))


async def search_tickets(
    session: AsyncSession,
    terms: str,
    viewer: Principal,
    after: SearchPosition | None,
    limit: int,
    candidate_limit: int,
) -> Sequence[tuple[Ticket, float]]:
    """Visible tickets matching `terms` (a to_tsquery expression), best first, then newest; `limit` + 1 rows."""
    query = _any_language(terms).label("query")
    ticket_vector = Ticket.__table__.c.search_vector
    contact_vector = Contact.__table__.c.search_vector
    visible = visible_tickets(viewer)  # one condition object for both scans: its unit CTE is rendered once
    on_ticket = (
        select(Ticket.id.label("ticket_id"), func.ts_rank(ticket_vector, query).cast(Float(53)).label("rank"))
        .where(ticket_vector.op("@@")(query), visible)
        .limit(candidate_limit)
    )
    on_contact = (
        select(Ticket.id.label("ticket_id"), func.ts_rank(contact_vector, query).cast(Float(53)).label("rank"))
        .join(Contact, Contact.ticket_id == Ticket.id)
        .where(contact_vector.op("@@")(query), visible)
        .limit(candidate_limit)
    )
    hits = union_all(on_ticket.subquery().select(), on_contact.subquery().select()).subquery("hits")
    best = select(hits.c.ticket_id, func.max(hits.c.rank).label("rank")).group_by(hits.c.ticket_id).subquery("best")
    statement = (
        select(Ticket, best.c.rank)
        .join(best, best.c.ticket_id == Ticket.id)
        .options(*_TICKET_DETAILS)
        .order_by(best.c.rank.desc(), Ticket.id.desc())
        .limit(limit + 1)
    )
    if after is not None:
        # Strictly after the last row shown in (rank desc, id desc) order; ranks are compared as float8 exactly.
        statement = statement.where(
            or_(best.c.rank < after.rank, and_(best.c.rank == after.rank, Ticket.id < after.ticket_id))
        )
    rows = (await session.execute(statement)).all()
    return [(ticket, float(rank)) for ticket, rank in rows]
