from __future__ import annotations

from genk3600.errors import UnprocessableInput


class UnsearchableQuery(UnprocessableInput):
    """Nothing in the query can be searched for (no words, only stopwords, too many words)."""

    title = "Unsearchable query"
    slug = "unsearchable-query"
