"""Round trips per request on the read hot paths, pinned (DESIGN.md: hot paths have a CPU budget).

Each request is measured on an app with a real pool after warm-up requests of the same kind, counting every
statement, BEGIN/COMMIT/ROLLBACK and pooled-connection liveness check that reaches PostgreSQL
(tests/round_trips.py). A budget that grows means a statement, a second connection or a re-read crept in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from genk3600.auth.service import create_api_client
from genk3600.auth.tokens import issue_dev_token
from genk3600.db import Database
from genk3600.events.router import events_router
from genk3600.kit.clock import FixedClock
from genk3600.models import Ticket
from genk3600.models.enums import Scope
from genk3600.public.access import new_access_code
from tests import factories
from tests.round_trips import Counter, RoundTrips

# GET /v1/tickets/{reference}: one pooled checkout without a pre-ping (db.py: `_replace_closed`), no BEGIN or
# COMMIT (a hot read, db.AUTOCOMMIT_OPERATIONS), no rate-limit statement (counted in process): the API key
# (authentication, not cached) and the ticket with everything it shows in one statement.
GET_TICKET = 2
# A social ticket's read is on the audit trail: one INSERT more.
GET_SOCIAL_TICKET = 3
# Queue page, staff token: the reference version (the staff member with their memberships comes from the
# in-process reference cache; a replica that listens for its notifications skips even this read), then the
# unit and its page in one statement, without BEGIN and COMMIT (a hot read).
QUEUE_PAGE = 2
# Claim-next, staff token, without BEGIN/COMMIT: the staff member from the reference cache (its version read
# where nobody listens), then one statement that finds the unit, locks the next ticket, assigns it and writes its
# timeline entry, outbox event and audit entries, and answers the ticket (queues/repository.claim).
CLAIM_NEXT = 2
# The citizen's status page (no credentials), without BEGIN/COMMIT: its per-address and per-reference counts in
# one statement on the request's own connection (they stand whatever the answer), then the ticket, its last
# hand-off and the deciders, and whose words the subject is (the ticket's first contact: only a citizen's own
# mail or form text is shown back to them).
PUBLIC_STATUS = 5
# A feed page with an API key, without BEGIN/COMMIT: the key, the snapshot's horizon, the page.
FEED_PAGE = 3


@dataclass
class Scene:
    app: FastAPI
    database: Database
    counter: Counter
    client: httpx.AsyncClient
    reader: dict[str, str]
    staff: dict[str, str]
    normal: str
    social: str
    access_code: str


@pytest.fixture
async def scene(scratch_app: tuple[FastAPI, Database], clock: FixedClock) -> AsyncIterator[Scene]:
    app, database = scratch_app
    counter = Counter(database.engine)
    paths = {getattr(route, "path", None) for route in app.routes}
    if "/v1/events" not in paths:
        app.include_router(events_router)
    async with database.sessions.begin() as session:
        world = await factories.small_world(session)
        admin = {"X-API-Key": await factories.api_key(session, "writer", ["admin", "contacts:write"])}
        reader = {"X-API-Key": await factories.api_key(session, "reader", ["tickets:read"])}
        worker = await factories.staff(session, "back.office@genk.example", world.omgeving, "back_office")
    staff = {"Authorization": f"Bearer {issue_dev_token(app.state.settings, clock, worker.email)}"}
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        for number, category in enumerate(["waste.pickup", "waste.pickup", "waste.pickup", "social.living_wage"]):
            contact = factories.web_contact(citizen={"email": f"c{number}@example.org"}, category=category)
            created = await client.post("/v1/contacts", json=contact, headers=admin)
            assert created.status_code == 201, created.text
        async with database.sessions.begin() as session:
            references = list((await session.scalars(select(Ticket.reference).order_by(Ticket.id))).all())
            code, digest = new_access_code(app.state.settings.secret)
            await session.execute(
                update(Ticket).where(Ticket.reference == references[0]).values(access_code_hash=digest)
            )
        yield Scene(app, database, counter, client, reader, staff, references[0], references[-1], code)


async def _measure(scene: Scene, method: str, url: str, headers: dict[str, str], status: int) -> RoundTrips:
    # Twice: the first request stamps the key's last_used_at, which moves the reference data's version
    # (reference/cache.py), so the second reloads the cache; the measured one finds it warm.
    for _ in range(2):
        warm = await scene.client.request(method, url, headers=headers)
        assert warm.status_code == status, warm.text
    async with scene.counter.measure() as seen:
        answer = await scene.client.request(method, url, headers=headers)
    assert answer.status_code == status, answer.text
    print(url, seen)  # noqa: T201
    return seen


async def test_get_ticket_by_reference(scene: Scene) -> None:
    seen = await _measure(scene, "GET", f"/v1/tickets/{scene.normal}", scene.reader, 200)
    assert seen.checkouts == 1, str(seen)
    assert seen.total <= GET_TICKET, str(seen)


async def test_get_social_ticket_by_reference(scene: Scene) -> None:
    async with scene.database.sessions.begin() as session:
        _client, key = await create_api_client(session, "ocmw", [Scope.tickets_read], "sociale_dienst")
    ocmw = {"X-API-Key": key}
    seen = await _measure(scene, "GET", f"/v1/tickets/{scene.social}", ocmw, 200)
    assert seen.total <= GET_SOCIAL_TICKET, str(seen)


async def test_queue_page(scene: Scene) -> None:
    seen = await _measure(scene, "GET", "/v1/queues/omgeving?limit=25", scene.staff, 200)
    assert seen.total <= QUEUE_PAGE, str(seen)


async def test_claim_next(scene: Scene) -> None:
    seen = await _measure(scene, "POST", "/v1/queues/omgeving/claim", scene.staff, 200)
    assert seen.total <= CLAIM_NEXT, str(seen)


async def test_public_status(scene: Scene) -> None:
    url = f"/v1/public/tickets/{scene.normal}?code={scene.access_code}"
    seen = await _measure(scene, "GET", url, {}, 200)
    assert seen.checkouts == 1, str(seen)
    assert seen.total <= PUBLIC_STATUS, str(seen)


async def test_feed_page(scene: Scene) -> None:
    seen = await _measure(scene, "GET", "/v1/events?limit=25", scene.reader, 200)
    assert seen.checkouts == 1, str(seen)
    assert seen.total <= FEED_PAGE, str(seen)
