from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from genk3600.auth.dependencies import AppSettings, TicketReader
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.kit.pagination import Pages
from genk3600.search import service
from genk3600.search.service import MAX_QUERY_CHARS
from genk3600.tickets.repository import TicketFilter
from genk3600.tickets.router import object_filter
from genk3600.tickets.schemas import TicketPage

router = APIRouter(prefix="/v1/search", tags=["search"])


@router.get(
    "/tickets",
    operation_id="search_tickets",
    summary="Search tickets",
    description=(
        "Full-text search in ticket subjects and in the subjects and bodies of their contacts, in Dutch and "
        "French (word forms are matched: `afspraken` finds `afspraak`), ignoring accents (`ecole` finds "
        "`école`); every word must occur, the last one may be the beginning of a word. Only tickets the caller "
        "may see are searched (social cases only within need-to-know). What is ranked: the newest 100 visible "
        "tickets whose subject matches and the newest 100 visible contacts that match, within the newest 10,000 "
        "tickets and contacts; when those are fewer than 100 together, also up to 2,000 more matches of each "
        "kind (`GENK3600_SEARCH_CANDIDATE_LIMIT`), oldest first, unless every word of the query is common (in "
        "10,000 tickets or contacts or more, by the database's statistics): two common words that rarely occur "
        "together are looked for among the newest 10,000 only; one rare word more and everywhere again. These "
        "are answered best match first (a word in a subject weighs more than in a body), then newest; "
        "`next_cursor` pages through them and no further, so a common word shows the best of its newest "
        "matches: add a word to narrow it. "
        "Same page shape as `GET /v1/tickets`. 422 for a query without words, with only very common words "
        "(stopwords), or with more than 10 words. `object_system`, `object_type` and `object_id` narrow the search "
        "to tickets linked to such an object in another system, as on `GET /v1/tickets`."
    ),
    responses=problem_responses(400, 422, *AUTH_PROBLEMS),
)
async def search_tickets(
    session: Session,
    settings: AppSettings,
    viewer: TicketReader,
    q: Annotated[
        str,
        Query(
            max_length=MAX_QUERY_CHARS,
            description="The words to search for.",
            examples=["grofvuil opgehaald", "carte d'identité"],
        ),
    ],
    params: Pages,
    linked: Annotated[TicketFilter, Depends(object_filter)],
) -> TicketPage:
    return await service.search_tickets(session, settings, q, params, viewer, linked)
