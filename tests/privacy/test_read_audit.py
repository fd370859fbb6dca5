"""Every read of social content is on the record, in lists, search, queues, lookups and exports too (issue #15):
one audit entry per request naming the social tickets it returned. And the screen pop's citizen lookup is for
staff or a key made for it, with a minimum query, a cap, and an audit entry for every lookup."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.service import create_api_client
from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.models import AuditEntry, Citizen, Ticket
from genk3600.models.enums import Scope
from tests import factories
from tests.factories import World, assert_problem, bearer, web_contact

SUBJECT = "Kanarie-onderwerp-4417"
BODY = "Kanarie-bericht-4417 over huurschulden"
NAME = "Kanarievogel"


async def _social_ticket(client: httpx.AsyncClient, session: AsyncSession, writer_headers: dict[str, str]) -> Ticket:
    contact = web_contact(
        category="social.living_wage",
        subject=SUBJECT,
        body=BODY,
        citizen={"email": "kanarie@example.org", "given_name": NAME, "family_name": NAME},
    )
    created = await client.post("/v1/contacts", json=contact, headers=writer_headers)
    assert created.status_code == 201, created.text
    ticket = await session.scalar(select(Ticket).where(Ticket.reference == created.json()["contact"]["ticket"]))
    assert ticket is not None
    assert ticket.confidentiality == "social"
    return ticket


async def _reads(session: AsyncSession, request_id: str) -> list[AuditEntry]:
    rows = await session.scalars(
        select(AuditEntry).where(AuditEntry.request_id == request_id, AuditEntry.action == "read")
    )
    return list(rows)


async def test_lists_search_queues_and_exports_name_the_social_tickets_they_returned(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    ticket = await _social_ticket(client, session, writer_headers)
    assert (await client.post("/v1/contacts", json=web_contact(), headers=writer_headers)).status_code == 201
    worker = await factories.staff(session, "maat.schappelijk@genk.example", world.sociale_dienst, "case_worker")
    staff = bearer(settings, clock, worker.email)
    dpo = {"X-API-Key": await factories.api_key(session, "dpo", ["citizens:export"])}
    reads = [
        ("list", "/v1/tickets", {}, staff, "list_tickets"),
        ("search", "/v1/search/tickets", {"q": "Kanarie-onderwerp-4417"}, staff, "search_tickets"),
        ("queue", "/v1/queues/sociale_dienst", {}, staff, "list_queue"),
        ("export", f"/v1/citizens/{ticket.citizen_id}/export", {}, dpo, "export_citizen"),
    ]
    for name, url, params, headers, via in reads:
        response = await client.get(url, params=params, headers={**headers, "X-Request-ID": f"req-{name}"})
        assert response.status_code == 200, (name, response.text)
        assert ticket.reference in response.text, name  # it did return the social ticket …
        entries = [e for e in await _reads(session, f"req-{name}") if e.changes.get("via") == via]
        assert len(entries) == 1, name  # … and says so, once for the whole answer
        assert entries[0].changes["social_ticket_ids"] == [ticket.id]
        assert entries[0].target_id == str(ticket.id)

    # A list without social tickets costs no audit entry: normal content is not logged on read.
    normal_only = await client.get(
        "/v1/tickets", headers={**bearer(settings, clock, world.agent.email), "X-Request-ID": "req-normal"}
    )
    assert normal_only.status_code == 200
    assert await _reads(session, "req-normal") == []


@pytest.mark.parametrize("who", ["unit-bound reader", "unit-less reader"])
async def test_a_ticket_reader_key_cannot_look_citizens_up(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str], who: str
) -> None:
    await _social_ticket(client, session, writer_headers)
    for number in range(25):
        await factories.citizen(session, given_name=f"Kim{number}", family_name="Peeters")
    unit = "omgeving" if who == "unit-bound reader" else None
    _client, key = await create_api_client(session, f"reader-{who}", [Scope.tickets_read], unit)

    for name in ("K", "Kanarie", "Peeters"):
        response = await client.get("/v1/citizens/lookup", params={"name": name}, headers={"X-API-Key": key})
        assert_problem(response, 403)
        for canary in (SUBJECT, BODY, NAME, "Peeters"):
            assert canary not in response.text
            assert canary not in str(dict(response.headers))


async def test_lookup_needs_a_real_query_is_capped_and_always_audited(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    ticket = await _social_ticket(client, session, writer_headers)
    for number in range(25):
        await factories.citizen(session, given_name=f"Kim{number}", family_name="Peeters")
    _client, key = await create_api_client(session, "screen-pop", [Scope.citizens_lookup])
    pop = {"X-API-Key": key}

    for short in ("K", "Ka", "  P  "):
        assert_problem(await client.get("/v1/citizens/lookup", params={"name": short}, headers=pop), 422)

    many = await client.get("/v1/citizens/lookup", params={"name": "Peeters"}, headers={**pop, "X-Request-ID": "r1"})
    assert many.status_code == 200, many.text
    assert (len(many.json()["matches"]), many.json()["truncated"]) == (10, True)
    [entry] = await _reads(session, "r1")
    assert (entry.changes["via"], entry.changes["by"], entry.changes["social_ticket_ids"]) == (
        "lookup_citizens",
        ["name"],
        [],
    )
    assert len(entry.changes["citizen_ids"]) == 10
    assert "Peeters" not in str(entry.changes)  # the trail records who looked, not the search words

    # The key finds the caller and sees that a social case exists, not what it is about.
    found = await client.get("/v1/citizens/lookup", params={"name": "Kanarie"}, headers={**pop, "X-Request-ID": "r2"})
    assert found.status_code == 200, found.text
    [match] = found.json()["matches"]
    [hint] = match["open_tickets"]
    assert (hint["reference"], hint["social"], hint["subject"]) == (ticket.reference, True, None)
    assert SUBJECT not in found.text
    assert BODY not in found.text
    [entry] = await _reads(session, "r2")
    assert entry.changes["social_ticket_ids"] == [ticket.id]

    # Staff may look up too; the case's own unit sees the subject, and that read is on the record as well.
    worker = await factories.staff(session, "maat.schappelijk@genk.example", world.sociale_dienst, "case_worker")
    for number, (email, subject) in enumerate(((world.agent.email, None), (worker.email, SUBJECT))):
        headers = {**bearer(settings, clock, email), "X-Request-ID": f"r-staff-{number}"}
        answer = await client.get("/v1/citizens/lookup", params={"email": "kanarie@example.org"}, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["matches"][0]["open_tickets"][0]["subject"] == subject
        [entry] = await _reads(session, f"r-staff-{number}")
        assert entry.changes["social_ticket_ids"] == [ticket.id]
    citizen = await session.scalar(select(Citizen).where(Citizen.email == "kanarie@example.org"))
    assert citizen is not None


async def test_lookup_hides_the_subject_of_a_normal_ticket_the_caller_cannot_get(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    created = await client.post(
        "/v1/contacts", json=web_contact(subject="Grofvuil Kanarie-4417"), headers=writer_headers
    )
    assert created.status_code == 201, created.text
    _client, key = await create_api_client(
        session, "burgerzaken-pop", [Scope.citizens_lookup, Scope.tickets_read], "burgerzaken"
    )
    headers = {"X-API-Key": key}
    reference = created.json()["ticket"]["reference"]
    assert (await client.get(f"/v1/tickets/{reference}", headers=headers)).status_code == 404
    found = await client.get("/v1/citizens/lookup", params={"email": "jan.janssens@example.org"}, headers=headers)
    assert found.status_code == 200, found.text
    [hint] = found.json()["matches"][0]["open_tickets"]
    assert (hint["reference"], hint["subject"]) == (reference, None)
    assert "Kanarie-4417" not in found.text
