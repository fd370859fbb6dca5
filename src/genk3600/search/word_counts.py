"""How many records hold a word, as PostgreSQL's own statistics estimate it: what the search plans its GIN scans by.

ANALYZE keeps, per `search_vector` column, the most common lexemes and the share of rows holding each
(`pg_stats.most_common_elems` / `most_common_elem_freqs`, up to ten times the statistics target: 1,000 by
default). Their share times the table's row count (`pg_class.reltuples`) is the estimate; a lexeme not among
them is rare. The larger of the ticket and contact estimates is kept.

Read at most every REFRESH_SECONDS per process and database (ANALYZE itself runs only as autovacuum decides),
in the search's transaction. The lexemes stay in this process's memory and are only compared with what a
searcher typed, never shown; a word of a record erased since the last ANALYZE can at most keep a query on the
bounded path until the next one (the matching itself always reads the records as they are).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

REFRESH_SECONDS = 300.0

_READ = text(
    """
    SELECT word, max(share * greatest(class.reltuples, 0)) AS records
    FROM pg_stats AS stats
    JOIN pg_class AS class ON class.oid = format('%I.%I', stats.schemaname, stats.tablename)::regclass
    CROSS JOIN LATERAL unnest(stats.most_common_elems::text::text[], stats.most_common_elem_freqs)
        AS common(word, share)
    WHERE stats.schemaname = current_schema()
      AND stats.tablename IN ('ticket', 'contact')
      AND stats.attname = 'search_vector'
      AND common.word IS NOT NULL
    GROUP BY word
    """
)


@dataclass
class WordCounts:
    """The estimated records per common lexeme, of one database, as read at `read_at` (time.monotonic)."""

    database: str
    read_at: float
    records: dict[str, float] = field(default_factory=dict)

    def of_word(self, lexeme: str) -> float:
        return self.records.get(lexeme, 0.0)

    def of_prefix(self, prefix: str) -> float:
        """Records holding a lexeme that begins with `prefix` (a sum of estimates: an upper bound of the
        records, a lower bound of the posting-list entries a GIN partial match collects)."""
        return sum(records for lexeme, records in self.records.items() if lexeme.startswith(prefix))


_CACHED: dict[str, WordCounts] = {}


def forget() -> None:
    """Drop what was read (tests that ANALYZE within their own transaction)."""
    _CACHED.clear()


async def word_counts(session: AsyncSession, database: str) -> WordCounts:
    """The counts of `database` (the session's), read again when older than REFRESH_SECONDS."""
    now = time.monotonic()
    cached = _CACHED.get(database)
    if cached is not None and now - cached.read_at < REFRESH_SECONDS:
        return cached
    rows = (await session.execute(_READ)).all()
    counts = WordCounts(database, now, {word: float(records) for word, records in rows})
    _CACHED[database] = counts
    return counts
