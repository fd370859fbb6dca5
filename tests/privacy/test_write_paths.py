"""Write paths join a ticket only when the caller may see it (issue #15).

Follow-ups by citizen and category, mail threading by reference or Message-ID, and the duplicate answer to a
repeated call id or Message-ID all used to reach a social ticket whatever the caller: they attached to it,
reopened it and answered with its content. Every test asserts on content: a canary planted in the social
ticket's subject, body and citizen name appears nowhere in the answer's body or headers.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.kit.clock import FixedClock
from genk3600.models import ApiClient, Citizen, Contact, OutboundMail, Ticket, TicketEvent
from tests import factories
from tests.factories import World, web_contact

CANARY = "Zwaluwstaart"
MAIL = {"content-type": "message/rfc822"}
NATIONAL_NUMBER = "85.07.30-033.28"


def assert_clean(response: httpx.Response) -> None:
    assert CANARY.lower() not in response.text.lower(), response.text
    for name, value in response.headers.items():
        assert CANARY.lower() not in f"{name}: {value}".lower()


async def _key(session: AsyncSession, name: str, scopes: list[str], unit_id: int | None = None) -> dict[str, str]:
    key = await factories.api_key(session, name, scopes)
    if unit_id is not None:
        await session.execute(update(ApiClient).where(ApiClient.name == name).values(unit_id=unit_id))
        await session.flush()
    return {"X-API-Key": key}


async def _ocmw_key(session: AsyncSession, world: World) -> dict[str, str]:
    """The OCMW's own system: restricted to the social service, so it sees that unit's social tickets."""
    return await _key(session, "ocmw-system", ["contacts:write", "tickets:read"], world.sociale_dienst.id)


async def _contacts_on(session: AsyncSession, reference: str) -> int:
    statement = select(func.count()).select_from(Contact).join(Ticket).where(Ticket.reference == reference)
    return int(await session.scalar(statement) or 0)


async def _ticket(session: AsyncSession, reference: str) -> Ticket:
    ticket = await session.scalar(
        select(Ticket).where(Ticket.reference == reference).execution_options(populate_existing=True)
    )
    assert ticket is not None
    return ticket


def _mail(message_id: str, subject: str, body: str, in_reply_to: str | None = None) -> bytes:
    lines = [
        "From: Jan Janssens <canary@example.org>",
        "To: 3600@genk.example",
        f"Subject: {subject}",
        f"Message-ID: <{message_id}>",
        "Date: Mon, 23 Nov 2026 10:15:00 +0100",
        "Content-Type: text/plain; charset=utf-8",
    ]
    if in_reply_to:
        lines.append(f"In-Reply-To: <{in_reply_to}>")
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


@pytest.mark.parametrize(
    "identified_by",
    [{"email": "canary@example.org"}, {"phone": "+32 89 65 36 00"}, {"national_number": NATIONAL_NUMBER}],
)
async def test_a_follow_up_never_joins_a_social_ticket_out_of_sight(
    client: httpx.AsyncClient, session: AsyncSession, world: World, identified_by: dict[str, str]
) -> None:
    worker = await factories.staff(session, "mw.canary@genk.example", world.sociale_dienst, "case_worker")
    social = web_contact(
        category="social.living_wage",
        subject=f"Leefloon {CANARY}",
        body=f"Schulden en {CANARY}.",
        citizen={
            "email": "canary@example.org",
            "phone": "+32 89 65 36 00",
            "national_number": NATIONAL_NUMBER,
            "given_name": CANARY,
            "family_name": CANARY,
        },
    )
    first = await client.post("/v1/contacts", json=social, headers=await _ocmw_key(session, world))
    assert first.status_code == 201, first.text
    social_ref = first.json()["ticket"]["reference"]
    await session.execute(update(Citizen).where(Citizen.email == "canary@example.org").values(case_worker_id=worker.id))
    await session.flush()

    writer = await _key(session, "form-system", ["contacts:write"])
    follow_up = web_contact(category="social.living_wage", subject="Vraag", body="Hoe ver staat het?")
    follow_up["citizen"] = identified_by
    response = await client.post("/v1/contacts", json=follow_up, headers=writer)

    assert response.status_code == 201, response.text
    assert_clean(response)
    answer = response.json()
    assert answer["outcome"] == "created"  # was "attached", with the whole social ticket
    assert answer["ticket"] is None  # the new ticket is social as well: out of this caller's sight
    new_ref = answer["contact"]["ticket"]
    assert new_ref != social_ref
    assert answer["contact"]["body"] == "Hoe ver staat het?"
    assert await _contacts_on(session, social_ref) == 1
    # Routed as any new contact: continuity of care brings it to the OCMW and the citizen's case worker.
    new = await _ticket(session, new_ref)
    assert (new.owning_unit_id, new.assignee_staff_id, new.confidentiality) == (
        world.sociale_dienst.id,
        worker.id,
        "social",
    )


async def test_a_follow_up_still_joins_a_ticket_the_caller_sees(
    client: httpx.AsyncClient, session: AsyncSession, world: World
) -> None:
    ocmw = await _ocmw_key(session, world)
    social = web_contact(category="social.living_wage", citizen={"email": "canary@example.org"})
    social_ref = (await client.post("/v1/contacts", json=social, headers=ocmw)).json()["ticket"]["reference"]
    again = await client.post("/v1/contacts", json={**social, "subject": "Nog een vraag"}, headers=ocmw)
    assert again.json()["outcome"] == "attached"
    assert again.json()["ticket"]["reference"] == social_ref


async def test_mail_threading_to_a_ticket_out_of_sight_is_a_new_contact(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    clock: FixedClock,
) -> None:
    gateway = await _key(session, "mail-gateway", ["contacts:write"])
    first = await client.post(
        "/v1/intake/mail", content=_mail("m1@example.org", "Vraag", f"Eerste {CANARY}"), headers={**gateway, **MAIL}
    )
    assert first.status_code == 201, first.text
    reference = first.json()["ticket"]["reference"]
    # The case turned out to be social and went to the OCMW; then it was resolved.
    await session.execute(
        update(Ticket)
        .where(Ticket.reference == reference)
        .values(
            confidentiality="social",
            owning_unit_id=world.sociale_dienst.id,
            subject=f"Leefloon {CANARY}",
            status="resolved",
            resolved_at=clock.now(),
        )
    )
    await session.flush()

    for message_id, subject, reply_to in (
        ("m2@example.org", f"Re: [{reference}] Vraag", None),
        ("m3@example.org", "Re: Vraag", "m1@example.org"),
    ):
        reply = await client.post(
            "/v1/intake/mail",
            content=_mail(message_id, subject, "Nog een vraag.", reply_to),
            headers={**gateway, **MAIL},
        )
        assert reply.status_code == 201, reply.text
        assert_clean(reply)
        assert reply.json()["outcome"] == "created"  # was "reopened", with the whole ticket
        assert reply.json()["contact"]["ticket"] != reference
    ticket = await _ticket(session, reference)
    assert ticket.status == "resolved"  # not reopened
    assert await _contacts_on(session, reference) == 1


def _bounce(message_id: str, returned_id: str) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\nTo: 3600@genk.example\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n"
        "Final-Recipient: rfc822; canary@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{returned_id}>\r\n\r\n--B--\r\n"
    ).encode()


async def test_a_bounce_of_our_mail_on_a_ticket_out_of_sight_is_stored_apart(
    client: httpx.AsyncClient, session: AsyncSession, world: World
) -> None:
    gateway = await _key(session, "mail-gateway", ["contacts:write"])
    first = await client.post(
        "/v1/intake/mail", content=_mail("b1@example.org", "Vraag", f"Eerste {CANARY}"), headers={**gateway, **MAIL}
    )
    reference = first.json()["ticket"]["reference"]
    ack = await session.scalar(select(OutboundMail).join(Ticket).where(Ticket.reference == reference))
    assert ack is not None
    await session.execute(
        update(Ticket)
        .where(Ticket.reference == reference)
        .values(confidentiality="social", owning_unit_id=world.sociale_dienst.id, subject=f"Leefloon {CANARY}")
    )
    await session.flush()

    bounce = await client.post(
        "/v1/intake/mail", content=_bounce("b2@example.org", ack.message_id), headers={**gateway, **MAIL}
    )
    assert bounce.status_code == 201, bounce.text
    assert_clean(bounce)
    assert (bounce.json()["outcome"], bounce.json()["contact"]["ticket"]) == ("stored", None)
    assert "mail_bounced" not in bounce.json()["contact"]["flags"]
    await session.refresh(ack)
    assert ack.status == "pending"  # the OCMW's own mail, not this caller's to mark
    events = await session.scalars(select(TicketEvent.type).where(TicketEvent.ticket_id == ack.ticket_id))
    assert "mail_bounced" not in events.all()

    ocmw = await _ocmw_key(session, world)
    seen = await client.post(
        "/v1/intake/mail", content=_bounce("b3@example.org", ack.message_id), headers={**ocmw, **MAIL}
    )
    assert (seen.json()["outcome"], seen.json()["contact"]["ticket"]) == ("attached", reference)
    await session.refresh(ack)
    assert ack.status == "bounced"


async def test_mail_threading_still_joins_a_ticket_the_caller_sees(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    clock: FixedClock,
) -> None:
    gateway = await _key(session, "mail-gateway", ["contacts:write"])
    first = await client.post(
        "/v1/intake/mail", content=_mail("n1@example.org", "Vraag", "Eerst."), headers={**gateway, **MAIL}
    )
    reference = first.json()["ticket"]["reference"]
    await factories.set_status(session, reference, "resolved", resolved_at=clock.now())
    reply = await client.post(
        "/v1/intake/mail",
        content=_mail("n2@example.org", f"Re: [{reference}] Vraag", "Nog."),
        headers={**gateway, **MAIL},
    )
    assert reply.json()["outcome"] == "reopened"
    assert reply.json()["ticket"]["reference"] == reference


async def test_a_duplicate_answer_shows_only_what_the_caller_may_see(
    client: httpx.AsyncClient, session: AsyncSession, world: World
) -> None:
    ocmw = await _ocmw_key(session, world)
    call = {
        "channel": "phone",
        "category": "social.living_wage",
        "summary": f"Gesprek over {CANARY}.",
        "subject": f"Leefloon {CANARY}",
        "call_id": "pbx-canary-1",
        "citizen": {"email": "canary@example.org", "given_name": CANARY},
    }
    recorded = await client.post("/v1/contacts", json=call, headers=ocmw)
    assert recorded.status_code == 201, recorded.text
    contact_id = recorded.json()["contact"]["id"]
    raw = _mail("d1@example.org", f"Leefloon {CANARY}", f"Vertrouwelijk {CANARY}.")
    mailed = await client.post("/v1/intake/mail", content=raw, headers={**ocmw, **MAIL})
    mail_reference = mailed.json()["contact"]["ticket"]  # owned by the contact centre, out of its sight
    await session.execute(
        update(Ticket)
        .where(Ticket.reference == mail_reference)
        .values(confidentiality="social", owning_unit_id=world.sociale_dienst.id)
    )
    await session.flush()

    writer = await _key(session, "other-system", ["contacts:write"])
    again = await client.post("/v1/contacts", json={**call, "summary": "Iets anders."}, headers=writer)
    assert again.status_code == 200, again.text
    assert_clean(again)
    assert again.json() == {
        "outcome": "duplicate",
        "contact_id": contact_id,
        "contact": None,
        "ticket": None,
        "participations": [],
        "parties": [],
        "links": [],
        "access_code": None,
    }
    remailed = await client.post("/v1/intake/mail", content=raw, headers={**writer, **MAIL})
    assert remailed.status_code == 200, remailed.text
    assert_clean(remailed)
    assert (remailed.json()["outcome"], remailed.json()["contact"], remailed.json()["ticket"]) == (
        "duplicate",
        None,
        None,
    )

    # The OCMW's own system, which sees the ticket, still gets the first recording in full.
    own = await client.post("/v1/contacts", json=call, headers=ocmw)
    assert own.json()["contact"]["body"] == f"Gesprek over {CANARY}."
    assert own.json()["ticket"]["subject"] == f"Leefloon {CANARY}"


async def test_an_explicit_link_to_a_ticket_out_of_sight_answers_like_an_unknown_one(
    client: httpx.AsyncClient, session: AsyncSession, world: World, writer_headers: dict[str, str]
) -> None:
    waste = (await client.post("/v1/contacts", json=web_contact(citizen=None), headers=writer_headers)).json()
    ocmw = await _ocmw_key(session, world)  # sees only the social service's tickets
    link = {"channel": "phone", "summary": "Belt terug.", "ticket": waste["ticket"]["reference"]}
    refused = await client.post("/v1/contacts", json=link, headers=ocmw)
    unknown = await client.post("/v1/contacts", json={**link, "ticket": "G3600-2026-999999"}, headers=ocmw)
    assert refused.status_code == unknown.status_code == 422
    assert refused.json()["title"] == unknown.json()["title"]
