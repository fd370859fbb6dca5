"""The search query: the ticket's and its contacts' `search_vector`, ranked, keyset-paged.

The query text is matched as Dutch, French and word by word at once (OR), because a record is stemmed by its
own language and a searcher does not say which language they type in. Only a bounded set of candidates is
ranked, and the work of finding them is bounded too, for common words as for rare ones:

- **The newest matches.** The newest RECENT_WINDOW tickets (by their subject) and contacts are read backwards
  on the primary keys and matched one by one, keeping the newest RECENT_CANDIDATES visible matches of each. A
  common word (`grofvuil`: one ticket in nine) has them after a thousand rows or so: about a millisecond, where
  a GIN bitmap of its 111,000 matches costs 20 to 70 ms before the first row is read. These are always
  candidates.
- **Else also the GIN indexes.** When the window holds fewer than RECENT_CANDIDATES matches in all, the query
  is rare (among recent records at least), and the GIN bitmap scans add at most `candidate_limit` further
  visible matches each (in storage order, so the oldest first). The statement decides by itself (a one-time
  filter on the window's count), in one round trip.
- **Planned by the words' frequency** (`word_counts`: PostgreSQL's statistics). A GIN scan costs what its
  posting lists hold: intersecting two words of 111,000 records each costs 10 to 40 ms per index even when they
  never occur together, and a prefix (`opgehaald:*`) is a partial match whose every entry is collected into a
  bitmap first, whatever the other words. So an alternative whose words are all common (each in COMMON_RECORDS
  records or more) is not scanned: like a common word, it is answered from the window, its newest matches, and
  one rare word more makes it scanned again. In an alternative that is scanned, a common prefix is left out of
  the index condition (the rare words lead) and checked on the rows read, as the whole query is.

What the API promises from this (router description, README "Search"): best rank first, then newest, among
the candidates; the cursor pages through the candidates only. A common query thus shows the best of its newest
matches, and one more word narrows it; common words that rarely occur together are looked for among the newest
records only (`sluikstort opgehaald`), a rare word anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import REGCONFIG, TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from genk3600.auth.principal import Principal
from genk3600.kit.prepared import Prepared
from genk3600.links.repository import refers_to
from genk3600.models import Category, Citizen, Contact, Staff, Ticket, Unit
from genk3600.privacy.visibility import VISIBLE_TO_VIEWER, viewer_parameters
from genk3600.search.word_counts import WordCounts, word_counts
from genk3600.tickets.repository import ticket_columns

# An object in another system a ticket must be linked to: (system, object type, object id), each optional.
LinkedObject = tuple[str | None, str | None, str | None]

# Recent first (see the module's docstring): how many of the newest rows are matched one by one, and how many
# visible matches there suffice to leave the GIN indexes alone.
RECENT_WINDOW = 10_000
RECENT_CANDIDATES = 100
# A word (or prefix) in at least this many tickets or contacts is common: its posting list costs milliseconds
# per GIN scan (see the module's docstring).
COMMON_RECORDS = 10_000

# The text search configurations the records are stemmed with (see migration 0008_ticket_search).
STEMMED_CONFIGS = ("dutch", "french")
WORD_CONFIG = "simple"


@dataclass(frozen=True)
class SearchQuery:
    """A search as text search queries: `ranked` holds every alternative, matches the recent window's rows and
    every row the GIN scans read, and ranks the matches; `alternatives` are the GIN index conditions, each on its
    own scan (OR-ed by a BitmapOr), none implied by another, planned by the words' frequency (`scanned`): none
    when every alternative is common words only.

    One GIN scan of `a | b` walks the posting lists of every word of every alternative item by item; separate
    scans of `a` and `b` each start from their rarest word. An alternative whose words include all the words
    of another (`cart & d & identit:*` beside `cart & identit:*`) matches nothing more and is not scanned.
    """

    ranked: str
    alternatives: tuple[str, ...]
    # The newest ids at the time of the search: the recent window is above `… - RECENT_WINDOW`.
    newest_ticket_id: int = 0
    newest_contact_id: int = 0


def _terms(query: str) -> list[str] | None:
    """The terms of a query that is only terms joined by `&`, in order; None for anything else (phrases, OR,
    NOT)."""
    if any(operator in query for operator in ("|", "!", "<", "(")):
        return None
    return [term.strip() for term in query.split("&")]


def _and_terms(query: str) -> frozenset[str] | None:
    terms = _terms(query)
    return None if terms is None else frozenset(terms)


def _records(term: str, counts: WordCounts) -> float:
    """The estimated records of one term of a tsquery's text: `'word'` or the prefix `'word':*`."""
    prefix = term.endswith(":*")
    lexeme = term.removesuffix(":*").strip("'").replace("''", "'")
    return counts.of_prefix(lexeme) if prefix else counts.of_word(lexeme)


def scanned(alternatives: list[str], counts: WordCounts) -> tuple[str, ...]:
    """The GIN index conditions for `alternatives`: none for an alternative of two or more terms that are all
    common (answered from the recent window only); a common prefix left out of the others unless it is the only
    term (the rows read are checked against the whole query); then none implied by another (`without_implied`).

    A single common word stays scanned: it fills the window unless it went out of use, and then its older
    matches are what there is to find (one posting list, no intersection to prove)."""
    conditions: list[str] = []
    for query in alternatives:
        terms = _terms(query)
        if terms is None:
            conditions.append(query)
            continue
        common = [_records(term, counts) >= COMMON_RECORDS for term in terms]
        if len(terms) > 1 and all(common):
            continue
        kept = [term for term, is_common in zip(terms, common, strict=True) if not (is_common and term.endswith(":*"))]
        conditions.append(" & ".join(kept) if kept else query)
    return without_implied(list(dict.fromkeys(conditions)))


def without_implied(alternatives: list[str]) -> tuple[str, ...]:
    """The alternatives less those that require all the terms of another one (so match a subset of it)."""
    terms = [_and_terms(query) for query in alternatives]
    kept = []
    for index, query in enumerate(alternatives):
        mine = terms[index]
        implied = mine is not None and any(
            other is not None and other < mine for position, other in enumerate(terms) if position != index
        )
        if not implied:
            kept.append(query)
    return tuple(kept)


@dataclass(frozen=True)
class SearchPosition:
    """Where the previous page ended: its last ticket's rank and id."""

    rank: float
    ticket_id: int


def _tsquery(config: str, terms: ColumnElement[str]) -> ColumnElement[str]:
    return func.to_tsquery(literal(config, REGCONFIG), func.genk3600_unaccent(terms), type_=TSQUERY)


_CONFIGS = (*STEMMED_CONFIGS, WORD_CONFIG)
# The query in every configuration, the newest ids (read backwards on the primary keys), the database (whose
# word counts) and the transaction's settings: one statement, compiled once.
_PREPARE = Prepared.of(
    select(
        *(cast(_tsquery(config, bindparam("terms", type_=Text)), Text) for config in _CONFIGS),
        select(func.max(Ticket.id)).scalar_subquery(),
        select(func.max(Contact.id)).scalar_subquery(),
        func.current_database(),
        func.set_config("enable_seqscan", "off", True),
    )
)


async def prepare_search(session: AsyncSession, terms: str) -> SearchQuery | None:
    """The text search query for `terms` in every language at once, or None when the stemmed languages drop
    every word (stopwords only); and this transaction set up for the search.

    Identical stems are kept once (`grofvuil` is `grofvuil` in Dutch, French and word by word): each alternative
    costs an index lookup; which are scanned, and how, the words' frequency decides (`scanned`). Sequential scans
    are off for the rest of the transaction (the request's): with a LIMIT the planner otherwise prefers walking the
    table and filtering, which reads it whole when the matches are fewer than it estimates or sit at its far end
    (words common apart but rare together, a topic of last month). Index scans stay on: the recent window walks the
    primary keys backwards with them; the GIN scans are kept from doing the same by their shape (see
    `_search_statement`).
    """
    row = (await _PREPARE.fetch(session, terms=terms)).one()
    stemmed, words = [query for query in row[: len(STEMMED_CONFIGS)] if query], row[len(STEMMED_CONFIGS)]
    if not stemmed:
        return None
    alternatives = list(dict.fromkeys([*stemmed, words]))
    ranked = " | ".join(f"( {query} )" for query in alternatives)
    newest_ticket, newest_contact = int(row[len(_CONFIGS)] or 0), int(row[len(_CONFIGS) + 1] or 0)
    counts = await word_counts(session, row[len(_CONFIGS) + 2])
    return SearchQuery(ranked, scanned(alternatives, counts), newest_ticket, newest_contact)


async def search_tickets(
    session: AsyncSession,
    search: SearchQuery,
    viewer: Principal,
    after: SearchPosition | None,
    limit: int,
    candidate_limit: int,
    linked: LinkedObject | None = None,
) -> Sequence[Any]:
    """Visible tickets matching `search` (from prepare_search), best first, then newest; `limit` + 1 rows, each
    with `ticket_columns` and its `rank`. One statement, compiled once per shape (`_search_statement`). With
    `linked`, only tickets linked to such an object in another system (links/repository.refers_to)."""
    values: dict[str, Any] = {
        "query": search.ranked,
        **{f"alternative_{n}": alternative for n, alternative in enumerate(search.alternatives)},
        "ticket_floor": search.newest_ticket_id - RECENT_WINDOW,
        "contact_floor": search.newest_contact_id - RECENT_WINDOW,
        "candidate_limit": candidate_limit,
        "limit": limit + 1,
        **viewer_parameters(viewer),
    }
    if after is not None:
        values.update(after_rank=after.rank, after_id=after.ticket_id)
    given = (None, None, None) if linked is None else linked
    values.update({f"linked_{n}": value for n, value in enumerate(given) if value is not None})
    shape = tuple(value is not None for value in given)
    statement = _search_statement(len(search.alternatives), after is not None, shape)
    rows: Sequence[Any] = (await statement.fetch(session, **values)).all()
    return rows


def _rank(vector: ColumnElement[Any], query: ColumnElement[Any]) -> ColumnElement[float]:
    return func.ts_rank(vector, query).cast(Float(53)).label("rank")


@cache
def _search_statement(alternatives: int, after: bool, linked: tuple[bool, ...]) -> Prepared:
    """The search in one statement, for a query of `alternatives` GIN index conditions, from the start or
    `after` a position: the recent candidates, and the GIN scans' when the window holds too few (none without
    index conditions: every alternative common; see the module's docstring), ranked, the page cut,
    and the page's tickets with what `TicketOut` shows (tickets/repository.ticket_columns)."""
    query = cast(bindparam("query", type_=Text), TSQUERY).label("query")
    ticket_vector = Ticket.__table__.c.search_vector
    contact_vector = Contact.__table__.c.search_vector
    matches = [cast(bindparam(f"alternative_{n}", type_=Text), TSQUERY) for n in range(alternatives)]
    visible = VISIBLE_TO_VIEWER  # one condition object for every scan: its unit CTE is rendered once
    if any(linked):
        parts = (bindparam(f"linked_{n}", type_=Text) if wanted else None for n, wanted in enumerate(linked))
        visible = and_(visible, refers_to(*parts))
    ticket_rank, contact_rank = _rank(ticket_vector, query), _rank(contact_vector, query)
    # Recent first: the function form of `@@` is not an index condition, so these walk the primary key backwards
    # from the newest row down to the floor, matching row by row, and stop at the RECENT_CANDIDATES newest matches.
    # (A bitmap scan of the same range hands rows over in storage order, the oldest of the window first: a common
    # word's newest tickets were then never candidates.) Only the kept rows are ranked, outside.
    recent_tickets = (
        select(Ticket.id.label("ticket_id"), ticket_vector.label("vector"))
        .where(Ticket.id > bindparam("ticket_floor", type_=BigInteger), func.ts_match_vq(ticket_vector, query), visible)
        .order_by(Ticket.id.desc())
        .limit(RECENT_CANDIDATES)
        .cte("recent_tickets")
    )
    recent_contacts = (
        select(Ticket.id.label("ticket_id"), contact_vector.label("vector"))
        .join(Contact, Contact.ticket_id == Ticket.id)
        .where(
            Contact.id > bindparam("contact_floor", type_=BigInteger), func.ts_match_vq(contact_vector, query), visible
        )
        .order_by(Contact.id.desc())
        .limit(RECENT_CANDIDATES)
        .cte("recent_contacts")
    )
    recent = [
        select(recent_tickets.c.ticket_id, _rank(recent_tickets.c.vector, query)),
        select(recent_contacts.c.ticket_id, _rank(recent_contacts.c.vector, query)),
    ]
    if alternatives:
        found_recently = (
            select(func.count()).select_from(recent_tickets).scalar_subquery()
            + select(func.count()).select_from(recent_contacts).scalar_subquery()
        ) >= RECENT_CANDIDATES
        # Else also the GIN indexes; a one-time filter, so PostgreSQL runs their scans only when the count says
        # so. Each row read is matched against the whole query: an index condition may leave a common prefix out.
        candidate_limit = bindparam("candidate_limit", type_=Integer)
        on_ticket = (
            select(Ticket.id.label("ticket_id"), ticket_rank)
            .where(
                or_(*(ticket_vector.op("@@")(match) for match in matches)),
                func.ts_match_vq(ticket_vector, query),
                visible,
            )
            .limit(candidate_limit)
        )
        # `+ 0`: the contacts' ticket ids are not an ordered index here, so the planner cannot walk both tables in
        # id order and merge them to reach the LIMIT (which reads both whole when the matches are few): it starts
        # from the GIN bitmap and looks each ticket up.
        on_contact = (
            select(Ticket.id.label("ticket_id"), contact_rank)
            .join(Contact, Ticket.id == Contact.ticket_id + 0)
            .where(
                or_(*(contact_vector.op("@@")(match) for match in matches)),
                func.ts_match_vq(contact_vector, query),
                visible,
            )
            .limit(candidate_limit)
        )
        # The recent matches are candidates either way: the GIN scans' LIMIT takes rows in storage order (the
        # oldest first), and would otherwise leave out the newest matches of a word with many older ones.
        recent += [
            on_ticket.subquery().select().where(~found_recently),
            on_contact.subquery().select().where(~found_recently),
        ]
    hits = union_all(*recent).subquery("hits")
    grouped = select(hits.c.ticket_id, func.max(hits.c.rank).label("rank")).group_by(hits.c.ticket_id).subquery()
    # The page is cut from the ranked ids before the tickets are read: joining first would read every
    # candidate's ticket row only to keep `limit` + 1 of them.
    page = select(grouped.c.ticket_id, grouped.c.rank)
    if after:
        # Strictly after the last row shown in (rank desc, id desc) order; ranks are compared as float8 exactly.
        after_rank, after_id = bindparam("after_rank", type_=Float(53)), bindparam("after_id", type_=BigInteger)
        page = page.where(
            or_(grouped.c.rank < after_rank, and_(grouped.c.rank == after_rank, grouped.c.ticket_id < after_id))
        )
    best = (
        page.order_by(grouped.c.rank.desc(), grouped.c.ticket_id.desc())
        .limit(bindparam("limit", type_=Integer))
        .subquery("best")
    )
    owner, category, assignee, citizen = aliased(Unit), aliased(Category), aliased(Staff), aliased(Citizen)
    statement = (
        select(*ticket_columns(owner, category, assignee, citizen), best.c.rank)
        .select_from(Ticket)
        .join(best, best.c.ticket_id == Ticket.id)
        .join(owner, owner.id == Ticket.owning_unit_id)
        .outerjoin(category, category.id == Ticket.category_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_staff_id)
        .outerjoin(citizen, citizen.id == Ticket.citizen_id)
        .order_by(best.c.rank.desc(), Ticket.id.desc())
    )
    return Prepared.of(statement)
