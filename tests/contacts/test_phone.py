"""CTI: call events from the PBX, the screen pop, and the agent's summary completing the call."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.tokens import issue_dev_token
from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.models import Contact, Ticket
from tests import factories
from tests.factories import World, assert_problem


async def _event(client: httpx.AsyncClient, headers: dict[str, str], **body: object) -> dict[str, object]:
    response = await client.post("/v1/intake/phone/events", json=body, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


async def test_answered_call_becomes_contact_then_agent_completes_it(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    await _event(
        client,
        writer_headers,
        event="ringing",
        call_id="c-1",
        caller_number="0470 12 34 56",
        called_number="3600",
        at="2026-11-23T09:00:00Z",
    )
    await _event(
        client, writer_headers, event="answered", call_id="c-1", agent=world.agent.email, at="2026-11-23T09:00:20Z"
    )
    ended = await _event(client, writer_headers, event="ended", call_id="c-1", at="2026-11-23T09:04:20Z")

    assert ended["state"] == "ended"
    assert ended["caller_number"] == "+32470123456"
    assert ended["agent"] == world.agent.email
    assert ended["duration_seconds"] == 240
    pending = (await client.get(f"/v1/contacts/{ended['contact_id']}", headers=writer_headers)).json()
    assert pending["ticket"] is None
    assert pending["flags"] == ["awaiting_summary"]
    assert pending["channel_details"]["duration_seconds"] == 240
    assert await factories.count(session, Ticket) == 0

    summary = {
        "channel": "phone",
        "call_id": "c-1",
        "category": "civil.id_card",
        "summary": "Vraagt naar de status van haar identiteitskaart.",
        "citizen": {"phone": "0470 12 34 56", "given_name": "Mila", "family_name": "Peeters"},
    }
    completed = await client.post("/v1/contacts", json=summary, headers=writer_headers)

    assert completed.status_code == 201, completed.text
    body = completed.json()
    assert body["outcome"] == "created"
    assert body["contact"]["id"] == ended["contact_id"]
    assert body["contact"]["flags"] == []
    assert body["contact"]["channel_details"]["caller_number"] == "+32470123456"
    assert body["ticket"]["owning_unit"] == "burgerzaken"
    assert body["ticket"]["citizen"]["family_name"] == "Peeters"
    assert await factories.count(session, Contact) == 1

    repeated = await client.post("/v1/contacts", json=summary, headers=writer_headers)
    assert repeated.status_code == 200
    assert repeated.json()["outcome"] == "duplicate"
    assert await factories.count(session, Ticket) == 1


async def test_missed_call_and_late_events(
    client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]
) -> None:
    await _event(client, writer_headers, event="ringing", call_id="c-2", caller_number="089 65 36 00")
    ended = await _event(client, writer_headers, event="ended", call_id="c-2")
    late = await _event(client, writer_headers, event="ringing", call_id="c-2")

    assert late["state"] == "ended"
    assert late["contact_id"] == ended["contact_id"]
    contact = (await client.get(f"/v1/contacts/{ended['contact_id']}", headers=writer_headers)).json()
    assert contact["flags"] == ["missed_call"]
    missed = await client.get("/v1/contacts", params={"flag": "missed_call"}, headers=writer_headers)
    assert [c["id"] for c in missed.json()["items"]] == [ended["contact_id"]]


async def test_withheld_number_has_no_screen_pop(
    client: httpx.AsyncClient, world: World, writer_headers: dict[str, str]
) -> None:
    ringing = await _event(client, writer_headers, event="ringing", call_id="c-3", caller_number="anonymous")
    assert ringing["caller_number"] == "withheld"
    assert ringing["screen_pop"] is None


async def test_unknown_agent_and_bad_events_are_refused(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    unknown = {"event": "answered", "call_id": "c-4", "agent": "nobody@genk.example"}
    assert_problem(await client.post("/v1/intake/phone/events", json=unknown, headers=writer_headers), 422)
    bad = {"event": "exploded", "call_id": "c-4", "caller_number": "12"}
    problem = assert_problem(await client.post("/v1/intake/phone/events", json=bad, headers=writer_headers), 422)
    assert {"body.event", "body.caller_number"} <= {error["field"] for error in problem["errors"]}
    assert await factories.count(session, Contact) == 0


async def test_screen_pop_hides_social_content_outside_the_ocmw(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    writer_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    case_worker = await factories.staff(session, "cas.worker@genk.example", world.sociale_dienst, "case_worker")
    mila = await factories.citizen(session, phone="+32470123456", family_name="Peeters", case_worker_id=case_worker.id)
    for category, subject in (("social.living_wage", "Leefloon aanvraag"), ("waste.pickup", "Grofvuil")):
        payload = {
            "channel": "web",
            "category": category,
            "subject": subject,
            "body": "...",
            "citizen": {"phone": "0470 12 34 56"},
        }
        assert (await client.post("/v1/contacts", json=payload, headers=writer_headers)).status_code == 201

    # A bare PBX key (contacts:write) gets the call without the register; one given citizens:lookup, the pop.
    bare = await _event(client, writer_headers, event="ringing", call_id="c-5", caller_number="0470123456")
    assert bare["screen_pop"] is None
    pbx = {"X-API-Key": await factories.api_key(session, "pbx", ["contacts:write", "citizens:lookup"])}
    pop = await _event(client, pbx, event="answered", call_id="c-5", caller_number="0470123456")
    [match] = pop["screen_pop"]["matches"]  # type: ignore[index]
    assert match["citizen"]["id"] == mila.id
    assert match["has_case_worker"] is True
    by_subject = {ticket["owning_unit"]: ticket for ticket in match["open_tickets"]}
    assert by_subject["sociale_dienst"]["social"] is True
    assert by_subject["sociale_dienst"]["subject"] is None  # the PBX is no OCMW unit
    assert by_subject["sociale_dienst"]["hand_over_to"] == world.sociale_dienst.name
    assert by_subject["omgeving"]["subject"] == "Grofvuil"

    async def social_subject(email: str) -> object:
        token = issue_dev_token(settings, clock, email)
        found = await client.get(
            "/v1/citizens/lookup", params={"phone": "+32 470 12 34 56"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert found.status_code == 200, found.text
        [citizen] = found.json()["matches"]
        return next(t["subject"] for t in citizen["open_tickets"] if t["social"])

    assert await social_subject(world.agent.email) is None  # contact-centre agent: existence only
    assert await social_subject(case_worker.email) == "Leefloon aanvraag"


async def test_lookup_by_name_email_and_national_number(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    payload = {
        "channel": "web",
        "subject": "x",
        "body": "y",
        "citizen": {"national_number": "01020312345", "email": "el@example.org", "family_name": "Çelik"},
    }
    assert (await client.post("/v1/contacts", json=payload, headers=writer_headers)).status_code == 201
    lookup = {"X-API-Key": await factories.api_key(session, "screen-pop", ["citizens:lookup"])}
    for params in ({"name": "çelik"}, {"email": "EL@example.org"}, {"national_number": "01.02.03-123.45"}):
        found = await client.get("/v1/citizens/lookup", params=params, headers=lookup)
        assert [m["citizen"]["family_name"] for m in found.json()["matches"]] == ["Çelik"], params
    assert_problem(await client.get("/v1/citizens/lookup", headers=lookup), 422)
    assert_problem(await client.get("/v1/citizens/lookup", params={"national_number": "123"}, headers=lookup), 422)
