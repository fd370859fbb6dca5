"""How many SQL statements one web intake costs: pinned, so an N+1 or a needless re-read cannot creep in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import World, web_contact

# The full path: API key, Idempotency-Key, category, citizen match, follow-up check, units and routing rules,
# ticket number, ticket + contact, timeline, outbox, acknowledgement mail, audit entries. 38 before the profile,
# 22 after (bench/profile-intake.md); a category with an SLA policy adds its policy and calendar (3). Since
# #9: +1 for the per-API-key rate limit's upsert and +1 for the lock that serialises a citizen's follow-ups.
# Second pass: -1, the API key's `last_used_at` is only written when the row just read shows it stale.
# Third: -1, an acknowledgement of a new ticket does not look for hand-offs it cannot have yet.
# #16: audit entries and outbox events are written at the commit, one INSERT each (3 audit + 1 outbox -> 2).
# Then -5: units, categories (with deciders), routing rules and API keys come from the in-process reference cache;
# its version row is read once per transaction here (tests run no listener; a replica that follows
# `NOTIFY genk3600_reference` skips that read between checks).
# Then 14 -> 10 (intake fast path, #16): the acknowledgement knows the ticket's first contact (it just wrote it), the
# ticket is numbered inside its own INSERT (no nextval round trip), and the audit entries, outbox events and the
# idempotency record go out together as one statement at the commit. SLA policies and calendars now come from
# the reference cache too, so a category with a policy no longer adds 3.
# Then 10 -> 8 (#16, fourth pass): a new ticket, its first contact and its first timeline entries are one statement
# (tickets/repository.write_opened: WITH ticket, contact, entries), no ORM unit of work for them.
# Then 8 -> 7 (#16, fifth pass): the follow-up lock is taken by the e-mail lookup that finds the citizen
# (citizens/repository.follow_up_lock), not by a statement of its own; 7 -> 6: the acknowledgement's mail is
# written with the commit's combined write (notifications/repository.queue_mail).
# Then 6 -> 5 (#16, sixth pass): a new ticket's INSERT carries the follow-up check (tickets/repository.write_opened,
# `unless_follow_up_since`), the citizen's follow-ups being locked by the statement that found them.
MAX_STATEMENTS = 5

RULE = {
    "name": "Grofvuil",
    "position": 10,
    "conditions": {"keywords": ["grofvuil"]},
    "actions": {"owning_unit": "omgeving", "priority": "high"},
}


@contextmanager
def _statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):  # the test's own transaction nesting
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_one_web_intake_stays_within_its_statement_budget(
    client: httpx.AsyncClient, engine: AsyncEngine, world: World, admin_headers: dict[str, str]
) -> None:
    assert (await client.post("/v1/routing/rules", json=RULE, headers=admin_headers)).status_code == 201
    known = web_contact(citizen={"email": "known@example.org"}, subject="Eerste vraag", body="Iets anders.")
    assert (await client.post("/v1/contacts", json=known, headers=admin_headers)).status_code == 201
    contact = web_contact(
        citizen={"email": "known@example.org"}, category="civil.id_card", body="Mijn grofvuil staat er nog."
    )

    with _statements(engine) as statements:
        response = await client.post(
            "/v1/contacts", json=contact, headers={**admin_headers, "Idempotency-Key": "pin-statements-1"}
        )

    assert response.status_code == 201, response.text
    assert response.json()["outcome"] == "created"
    assert response.json()["ticket"]["owning_unit"] == "omgeving"  # the routing rule decided
    assert len(statements) <= MAX_STATEMENTS, "\n\n".join(statements)
