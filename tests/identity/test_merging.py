"""Duplicate candidates, merging two citizen records and undoing it: counts and timelines stay consistent."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.db import Database
from genk3600.kit.clock import FixedClock
from genk3600.models import AuditEntry, Citizen, CitizenMerge, Contact, Ticket
from tests import factories
from tests.factories import World, assert_problem, bearer
from tests.races.scene import client_of

MARIE_PHONE = "+32470987654"


@pytest.fixture
async def screen_pop(session: AsyncSession) -> dict[str, str]:
    return {"X-API-Key": await factories.api_key(session, "phone-desk", ["citizens:lookup"])}


@pytest.fixture
async def steward(session: AsyncSession) -> dict[str, str]:
    key = await factories.api_key(session, "steward", ["citizens:merge", "contacts:write", "tickets:read"])
    return {"X-API-Key": key}


async def _contact(client: httpx.AsyncClient, headers: dict[str, str], citizen: dict[str, Any], **more: Any) -> str:
    body = factories.web_contact(citizen=citizen, **more)
    created = await client.post("/v1/contacts", json=body, headers=headers)
    assert created.status_code == 201, created.text
    reference: str = created.json()["ticket"]["reference"]
    return reference


async def _pair(
    client: httpx.AsyncClient, session: AsyncSession, headers: dict[str, str]
) -> tuple[Citizen, Citizen, list[str], list[str]]:
    """Marie Claes with e-mail and phone (two tickets), and 'Mare Claes' with the same phone (one ticket)."""
    marie = await factories.citizen(
        session, given_name="Marie", family_name="Claes", email="marie.claes@example.org", phone=MARIE_PHONE
    )
    mare = await factories.citizen(session, given_name="Mare", family_name="Claes", email="m.claes@example.org")
    mare.phone = MARIE_PHONE
    await session.flush()
    own = [
        await _contact(client, headers, {"email": "marie.claes@example.org"}),
        await _contact(client, headers, {"email": "marie.claes@example.org"}, category="civil.id_card"),
    ]
    other = [await _contact(client, headers, {"email": "m.claes@example.org"}, subject="Paspoort aanvragen")]
    return marie, mare, own, other


async def _counts(session: AsyncSession, citizen_id: int) -> tuple[int, int]:
    tickets = await session.scalar(select(func.count()).where(Ticket.citizen_id == citizen_id))
    contacts = await session.scalar(select(func.count()).where(Contact.citizen_id == citizen_id))
    return int(tickets or 0), int(contacts or 0)


async def _types(client: httpx.AsyncClient, headers: dict[str, str], reference: str) -> list[str]:
    events = await client.get(f"/v1/tickets/{reference}/events", headers=headers)
    assert events.status_code == 200, events.text
    return [event["type"] for event in events.json()["items"]]


async def test_a_likely_duplicate_shows_with_its_score_and_reasons(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    admin_headers: dict[str, str],
    steward: dict[str, str],
) -> None:
    marie, mare, _own, _other = await _pair(client, session, admin_headers)
    # The same phone with another name is a family member's landline, not a duplicate.
    await factories.citizen(session, given_name="Piet", family_name="Vermeulen", phone=MARIE_PHONE)
    # The same e-mail address is one without a name.
    same_mail = await factories.citizen(session, email="marie.claes@example.org")

    answer = await client.get(f"/v1/citizens/{marie.id}/duplicates", headers={**steward, "Accept-Language": "nl"})
    assert answer.status_code == 200, answer.text
    candidates = answer.json()["candidates"]
    by_other = {(c["citizen"]["id"], c["other_citizen"]["id"]): c for c in candidates}
    assert set(by_other) == {(marie.id, mare.id), (marie.id, same_mail.id)}
    phone_pair = by_other[(marie.id, mare.id)]
    assert phone_pair["score"] == 50
    assert [reason["code"] for reason in phone_pair["reasons"]] == ["same_phone", "similar_name"]
    assert phone_pair["reasons"][0]["text"] == "Zelfde telefoonnummer"
    assert phone_pair["other_citizen"]["tickets"] == 1
    mail_pair = by_other[(marie.id, same_mail.id)]
    assert mail_pair["score"] == 60
    assert [reason["code"] for reason in mail_pair["reasons"]] == ["same_email"]

    listed = await client.get("/v1/citizen-duplicates", params={"limit": 1}, headers=steward)
    assert listed.status_code == 200, listed.text
    first = listed.json()
    assert [(c["citizen"]["id"], c["other_citizen"]["id"]) for c in first["items"]] == [(marie.id, same_mail.id)]
    second = await client.get(
        "/v1/citizen-duplicates", params={"limit": 1, "cursor": first["next_cursor"]}, headers=steward
    )
    assert [(c["citizen"]["id"], c["other_citizen"]["id"]) for c in second.json()["items"]] == [(marie.id, mare.id)]
    assert second.json()["next_cursor"] is None

    dismissed = await client.post(
        "/v1/citizen-duplicates/dismissals",
        json={"citizen_id": same_mail.id, "other_citizen_id": marie.id, "reason": "Gedeeld gezinsadres."},
        headers=steward,
    )
    assert dismissed.status_code == 201, dismissed.text
    assert (dismissed.json()["citizen_id"], dismissed.json()["other_citizen_id"]) == (marie.id, same_mail.id)
    again = await client.get(f"/v1/citizens/{marie.id}/duplicates", headers=steward)
    assert [c["other_citizen"]["id"] for c in again.json()["candidates"]] == [mare.id]
    twice = await client.post(
        "/v1/citizen-duplicates/dismissals",
        json={"citizen_id": marie.id, "other_citizen_id": same_mail.id, "reason": "Nogmaals."},
        headers=steward,
    )
    assert assert_problem(twice, 409)["type"].endswith("/duplicate-already-dismissed")
    assert_problem(await client.get("/v1/citizen-duplicates", params={"cursor": "bm9wZQ"}, headers=steward), 400)


async def test_merge_and_unmerge_keep_counts_and_timelines_consistent(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    admin_headers: dict[str, str],
    steward: dict[str, str],
    screen_pop: dict[str, str],
) -> None:
    marie, mare, own, other = await _pair(client, session, admin_headers)
    before = {marie.id: await _counts(session, marie.id), mare.id: await _counts(session, mare.id)}
    assert before == {marie.id: (2, 2), mare.id: (1, 1)}
    total_tickets = await factories.count(session, Ticket)

    merged = await client.post(
        f"/v1/citizens/{marie.id}/merges",
        json={"merged_citizen_id": mare.id, "reason": "Zelfde persoon, bevestigd aan de balie."},
        headers=steward,
    )
    assert merged.status_code == 201, merged.text
    merge = merged.json()
    assert merged.headers["Location"] == f"/v1/citizen-merges/{merge['id']}"
    assert (await client.get(merged.headers["Location"], headers=steward)).json() == merge
    assert merge["moved"] == {
        "ticket.citizen_id": 1,
        "contact.citizen_id": 1,
        "contact_party.citizen_id": 0,
        "appointment.representative_citizen_id": 0,
    }
    assert merge["taken_over"] == []
    assert await _counts(session, marie.id) == (3, 3)
    assert await _counts(session, mare.id) == (0, 0)
    assert await factories.count(session, Ticket) == total_tickets
    for reference in own + other:
        assert (await _types(client, admin_headers, reference))[-1] == "citizen_merged"

    # Both records answer: the merged one points at the survivor.
    for citizen_id in (marie.id, mare.id):
        history = await client.get(f"/v1/citizens/{citizen_id}/merges", headers=steward)
        assert history.status_code == 200, history.text
        assert [m["id"] for m in history.json()["merges"]] == [merge["id"]]
    mare_history = (await client.get(f"/v1/citizens/{mare.id}/merges", headers=steward)).json()
    assert mare_history["merged_into_id"] == marie.id
    merged_dupes = (await client.get(f"/v1/citizens/{mare.id}/duplicates", headers=steward)).json()
    assert merged_dupes == {"citizen_id": mare.id, "merged_into_id": marie.id, "candidates": []}
    assert (await client.get(f"/v1/citizens/{marie.id}/duplicates", headers=steward)).json()["candidates"] == []

    # The merged record's e-mail still finds the person: the screen pop and a new contact.
    lookup = await client.get("/v1/citizens/lookup", params={"email": "m.claes@example.org"}, headers=screen_pop)
    assert [match["citizen"]["id"] for match in lookup.json()["matches"]] == [marie.id]
    await factories.category(session, "civil.moving", world.burgerzaken)  # a new ticket, not a follow-up
    later = await _contact(client, admin_headers, {"email": "m.claes@example.org"}, category="civil.moving")
    assert (await session.scalar(select(Ticket.citizen_id).where(Ticket.reference == later))) == marie.id

    audit = (await session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "citizen"))).all()
    assert "merge" in audit

    undone = await client.post(
        f"/v1/citizen-merges/{merge['id']}/undo", json={"reason": "Toch twee personen."}, headers=steward
    )
    assert undone.status_code == 200, undone.text
    assert undone.json()["unmerged_by_name"] == "steward (API)"
    # Exactly the moved rows go back; the ticket opened on the survivor after the merge stays there.
    assert await _counts(session, mare.id) == (1, 1)
    assert await _counts(session, marie.id) == (3, 3)
    for reference in [*own, *other, later]:
        assert (await _types(client, admin_headers, reference))[-1] == "citizen_unmerged"
    assert await session.scalar(select(Citizen.merged_into_id).where(Citizen.id == mare.id)) is None
    assert (
        "unmerge" in (await session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "citizen"))).all()
    )
    again = await client.post(f"/v1/citizen-merges/{merge['id']}/undo", json={"reason": "Nogmaals."}, headers=steward)
    assert assert_problem(again, 409)["type"].endswith("/citizen-merge-undone")


async def test_the_survivor_takes_over_what_it_lacks_and_gives_it_back(
    client: httpx.AsyncClient, session: AsyncSession, world: World, steward: dict[str, str]
) -> None:
    case_worker = await factories.staff(session, "mw.claes@genk.example", world.sociale_dienst, "case_worker")
    survivor = await factories.citizen(session, email="s@example.org")
    merged = await factories.citizen(
        session,
        given_name="Els",
        phone=MARIE_PHONE,
        national_number_hash="ab" * 32,
        national_number_masked="xx.xx.xx-xxx.28",
        case_worker_id=case_worker.id,
        legal_hold=True,
        legal_hold_reason="Lopende procedure.",
    )
    answer = await client.post(
        f"/v1/citizens/{survivor.id}/merges",
        json={"merged_citizen_id": merged.id, "reason": "Zelfde."},
        headers=steward,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["taken_over"] == ["given_name", "phone", "case_worker_id", "legal_hold", "national_number"]
    await session.refresh(survivor)
    await session.refresh(merged)
    assert (survivor.given_name, survivor.phone, survivor.case_worker_id) == ("Els", MARIE_PHONE, case_worker.id)
    assert survivor.national_number_hash == "ab" * 32
    assert merged.national_number_hash is None
    assert survivor.legal_hold

    undone = await client.post(
        f"/v1/citizen-merges/{answer.json()['id']}/undo", json={"reason": "Twee personen."}, headers=steward
    )
    assert undone.status_code == 200, undone.text
    await session.refresh(survivor)
    await session.refresh(merged)
    assert (survivor.given_name, survivor.phone, survivor.case_worker_id, survivor.national_number_hash) == (
        None,
        None,
        None,
        None,
    )
    assert not survivor.legal_hold
    assert (merged.national_number_hash, merged.case_worker_id, merged.merged_into_id) == (
        "ab" * 32,
        case_worker.id,
        None,
    )


async def test_after_the_window_an_unmerge_is_refused(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    settings: Settings,
    steward: dict[str, str],
    clock: FixedClock,
) -> None:
    survivor = await factories.citizen(session, email="a@example.org")
    merged = await factories.citizen(session, email="b@example.org")
    answer = await client.post(
        f"/v1/citizens/{survivor.id}/merges",
        json={"merged_citizen_id": merged.id, "reason": "Zelfde."},
        headers=steward,
    )
    assert answer.status_code == 201, answer.text
    clock.advance(timedelta(days=settings.citizen_unmerge_days, seconds=1))
    late = await client.post(
        f"/v1/citizen-merges/{answer.json()['id']}/undo", json={"reason": "Te laat."}, headers=steward
    )
    problem = assert_problem(late, 409)
    assert problem["type"].endswith("/unmerge-window-over")
    assert problem["unmerge_until"] == answer.json()["unmerge_until"].replace("Z", "+00:00")
    await session.refresh(merged)
    assert merged.merged_into_id == survivor.id


async def test_bad_merges_answer_4xx_and_write_nothing(
    client: httpx.AsyncClient, session: AsyncSession, world: World, steward: dict[str, str]
) -> None:
    first_worker = await factories.staff(session, "mw.een@genk.example", world.sociale_dienst, "case_worker")
    second_worker = await factories.staff(session, "mw.twee@genk.example", world.sociale_dienst, "case_worker")
    a = await factories.citizen(session, email="a@example.org", case_worker_id=first_worker.id)
    b = await factories.citizen(session, email="b@example.org", case_worker_id=second_worker.id)
    c = await factories.citizen(session, email="c@example.org", national_number_hash="cd" * 32,
                                national_number_masked="xx.xx.xx-xxx.11")  # fmt: skip
    d = await factories.citizen(session, email="d@example.org", national_number_hash="ef" * 32,
                                national_number_masked="xx.xx.xx-xxx.22")  # fmt: skip
    audit_before = await factories.count(session, AuditEntry)

    async def merge(survivor: int, merged: int) -> httpx.Response:
        body = {"merged_citizen_id": merged, "reason": "Zelfde persoon."}
        return await client.post(f"/v1/citizens/{survivor}/merges", json=body, headers=steward)

    assert assert_problem(await merge(a.id, a.id), 422)["type"].endswith("/merge-into-itself")
    assert assert_problem(await merge(999_999_999, a.id), 404)["type"].endswith("/citizen-not-found")
    assert assert_problem(await merge(a.id, 999_999_999), 422)["type"].endswith("/unknown-citizen-to-merge")
    conflict = assert_problem(await merge(a.id, b.id), 409)
    assert conflict["type"].endswith("/case-worker-conflict")
    assert "Mw Een" in conflict["detail"]
    assert "Mw Twee" in conflict["detail"]
    assert assert_problem(await merge(c.id, d.id), 409)["type"].endswith("/different-national-numbers")
    assert_problem(await client.post(f"/v1/citizens/{a.id}/merges", json={"reason": "x"}, headers=steward), 422)
    assert_problem(await client.post("/v1/citizen-merges/999999/undo", json={"reason": "Niets."}, headers=steward), 404)
    assert_problem(await client.get("/v1/citizen-merges/999999", headers=steward), 404)
    assert await factories.count(session, CitizenMerge) == 0
    assert await factories.count(session, AuditEntry) == audit_before

    # Into or from a record that is merged already: 409 naming the record that answers now.
    assert (await merge(c.id, a.id)).status_code == 201
    into_merged = assert_problem(await merge(a.id, d.id), 409)
    assert into_merged["type"].endswith("/citizen-already-merged")
    assert into_merged["merged_into_id"] == c.id
    assert assert_problem(await merge(d.id, a.id), 409)["merged_into_id"] == c.id


async def test_chained_merges_are_undone_newest_first(
    screen_pop: dict[str, str],
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    admin_headers: dict[str, str],
    steward: dict[str, str],
) -> None:
    a = await factories.citizen(session, email="a@example.org")
    b = await factories.citizen(session, email="b@example.org")
    c = await factories.citizen(session, email="c@example.org")
    ticket_of_a = await _contact(client, admin_headers, {"email": "a@example.org"})

    async def merge(survivor: int, merged: int) -> dict[str, Any]:
        body = {"merged_citizen_id": merged, "reason": "Zelfde persoon."}
        answer = await client.post(f"/v1/citizens/{survivor}/merges", json=body, headers=steward)
        assert answer.status_code == 201, answer.text
        result: dict[str, Any] = answer.json()
        return result

    first = await merge(b.id, a.id)
    second = await merge(c.id, b.id)
    assert await _counts(session, c.id) == (1, 1)
    # A's e-mail leads through B to C.
    lookup = await client.get("/v1/citizens/lookup", params={"email": "a@example.org"}, headers=screen_pop)
    assert [match["citizen"]["id"] for match in lookup.json()["matches"]] == [c.id]

    early = await client.post(f"/v1/citizen-merges/{first['id']}/undo", json={"reason": "Eerst."}, headers=steward)
    assert assert_problem(early, 409)["type"].endswith("/survivor-merged-since")
    for merge_id in (second["id"], first["id"]):
        undone = await client.post(f"/v1/citizen-merges/{merge_id}/undo", json={"reason": "Terug."}, headers=steward)
        assert undone.status_code == 200, undone.text
    assert [await _counts(session, citizen.id) for citizen in (a, b, c)] == [(1, 1), (0, 0), (0, 0)]
    assert (await _types(client, admin_headers, ticket_of_a))[-4:] == [
        "citizen_merged",
        "citizen_merged",
        "citizen_unmerged",
        "citizen_unmerged",
    ]


async def test_a_merge_shows_no_social_case_to_anyone_new(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    settings: Settings,
    clock: FixedClock,
    admin_headers: dict[str, str],
) -> None:
    """The merged record's social case stays need-to-know: the steward who merges, the contact centre and other
    case workers still get 404; the person's one case worker follows it, as before."""
    thuiszorg = await factories.unit(session, "thuiszorg", "ocmw_service")  # not the owning unit
    case_worker = await factories.staff(session, "mw.sociaal@genk.example", thuiszorg, "case_worker")
    other_worker = await factories.staff(session, "mw.ander@genk.example", thuiszorg, "case_worker")
    supervisor = await factories.staff(session, "sup.cc@genk.example", world.contact_centre, "supervisor")
    survivor = await factories.citizen(session, email="leefloon@example.org", given_name="Lea")
    merged = await factories.citizen(session, email="lea.p@example.org", case_worker_id=case_worker.id)
    subject = "Leefloon aanvraag Geheim7Q"
    body = factories.web_contact(citizen={"email": "lea.p@example.org"}, category="social.living_wage", subject=subject)
    assert (await client.post("/v1/contacts", json=body, headers=admin_headers)).status_code == 201
    social = await session.scalar(select(Ticket.reference).where(Ticket.citizen_id == merged.id))
    who = {
        "steward": bearer(settings, clock, supervisor.email),
        "agent": bearer(settings, clock, world.agent.email),
        "other case worker": bearer(settings, clock, other_worker.email),
        "case worker": bearer(settings, clock, case_worker.email),
    }

    async def seen() -> dict[str, int]:
        return {name: (await client.get(f"/v1/tickets/{social}", headers=h)).status_code for name, h in who.items()}

    before = await seen()
    assert before == {"steward": 404, "agent": 404, "other case worker": 404, "case worker": 200}
    merged_answer = await client.post(
        f"/v1/citizens/{survivor.id}/merges",
        json={"merged_citizen_id": merged.id, "reason": "Zelfde persoon."},
        headers=who["steward"],
    )
    assert merged_answer.status_code == 201, merged_answer.text
    assert await seen() == before
    for path in (
        f"/v1/citizens/{survivor.id}/merges",
        f"/v1/citizens/{survivor.id}/duplicates",
        "/v1/citizen-duplicates",
    ):
        answer = await client.get(path, headers=who["steward"])
        assert answer.status_code == 200
        assert "Geheim7Q" not in answer.text
    assert "Geheim7Q" not in merged_answer.text
    undone = await client.post(
        f"/v1/citizen-merges/{merged_answer.json()['id']}/undo", json={"reason": "Terug."}, headers=who["steward"]
    )
    assert undone.status_code == 200
    assert "Geheim7Q" not in undone.text
    assert await seen() == before


async def test_agents_may_not_merge(
    client: httpx.AsyncClient, session: AsyncSession, world: World, settings: Settings, clock: FixedClock
) -> None:
    a = await factories.citizen(session, email="a@example.org")
    b = await factories.citizen(session, email="b@example.org")
    answer = await client.post(
        f"/v1/citizens/{a.id}/merges",
        json={"merged_citizen_id": b.id, "reason": "Zelfde."},
        headers=bearer(settings, clock, world.agent.email),
    )
    assert_problem(answer, 403)


async def test_concurrent_merges_of_one_pair_merge_once(
    scratch_app: tuple[FastAPI, Database], settings: Settings, clock: FixedClock
) -> None:
    """Both directions at once, several times over: the rows are locked in id order, one merge wins and the others
    see a merged record (409); nobody deadlocks."""
    app, database = scratch_app
    async with database.sessions.begin() as session:
        a = await factories.citizen(session, email="a@example.org")
        b = await factories.citizen(session, email="b@example.org")
        key = await factories.api_key(session, "steward", ["citizens:merge"])
    pairs = [(a.id, b.id), (b.id, a.id)] * 4
    async with client_of(app) as client:
        answers = await asyncio.gather(
            *(
                client.post(
                    f"/v1/citizens/{survivor}/merges",
                    json={"merged_citizen_id": merged, "reason": "Zelfde persoon."},
                    headers={"X-API-Key": key},
                )
                for survivor, merged in pairs
            )
        )
    assert sorted(answer.status_code for answer in answers) == [201] + [409] * 7, [a.text for a in answers]
    async with database.sessions() as session:
        assert await factories.count(session, CitizenMerge) == 1
        pointers = (await session.scalars(select(Citizen.merged_into_id).order_by(Citizen.id))).all()
        assert sorted(pointers, key=lambda p: p is None) in ([a.id, None], [b.id, None])


async def test_the_timeline_says_it_in_the_readers_language(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    admin_headers: dict[str, str],
    steward: dict[str, str],
) -> None:
    marie, mare, own, _other = await _pair(client, session, admin_headers)
    body = {"merged_citizen_id": mare.id, "reason": "Zelfde persoon."}
    assert (await client.post(f"/v1/citizens/{marie.id}/merges", json=body, headers=steward)).status_code == 201
    texts = {}
    for language in ("nl", "fr", "de", "en"):
        events = await client.get(
            f"/v1/tickets/{own[0]}/events", headers={**admin_headers, "Accept-Language": language}
        )
        texts[language] = events.json()["items"][-1]["summary"]
    merged_nl = f"voegde burgerdossier {mare.id} samen met {marie.id}: beide zijn één persoon, burger {marie.id}."
    assert texts["nl"] == f"steward (API) {merged_nl}"
    assert texts["en"].startswith(f"steward (API) merged citizen record {mare.id} into {marie.id}")
    assert len(set(texts.values())) == 4


async def test_erasing_the_survivor_erases_the_records_merged_into_it(
    client: httpx.AsyncClient, session: AsyncSession, world: World, steward: dict[str, str]
) -> None:
    survivor = await factories.citizen(session, email="s@example.org")
    merged = await factories.citizen(
        session, email="m@example.org", phone=MARIE_PHONE, given_name="Mari",
        national_number_hash="ab" * 32, national_number_masked="xx.xx.xx-xxx.28",
    )  # fmt: skip
    body = {"merged_citizen_id": merged.id, "reason": "Zelfde persoon."}
    merge = await client.post(f"/v1/citizens/{survivor.id}/merges", json=body, headers=steward)
    assert merge.status_code == 201, merge.text
    dpo = {"X-API-Key": await factories.api_key(session, "dpo", ["citizens:export"])}
    exported = (await client.get(f"/v1/citizens/{survivor.id}/export", headers=dpo)).json()
    assert [(r["id"], r["email"], r["merged_into_id"]) for r in exported["merged_records"]] == [
        (merged.id, "m@example.org", survivor.id)
    ]
    erased = await client.post(f"/v1/citizens/{survivor.id}/erasure", json={"reason": "AVG art. 17."}, headers=dpo)
    assert erased.status_code == 200, erased.text
    await session.refresh(merged)
    assert (merged.email, merged.phone, merged.given_name, merged.national_number_hash) == (None, None, None, None)
    kept = await session.scalar(select(CitizenMerge.national_number_hash).where(CitizenMerge.id == merge.json()["id"]))
    assert kept is None


async def test_a_merged_records_identifiers_still_find_duplicates_of_its_survivor(
    client: httpx.AsyncClient, session: AsyncSession, world: World, steward: dict[str, str]
) -> None:
    survivor = await factories.citizen(session, email="s@example.org")
    merged = await factories.citizen(session, email="oud.adres@example.org")
    body = {"merged_citizen_id": merged.id, "reason": "Zelfde persoon."}
    assert (await client.post(f"/v1/citizens/{survivor.id}/merges", json=body, headers=steward)).status_code == 201
    # Registered later (an import, a counter) with the old address: a duplicate of the survivor, not of the merged.
    later = await factories.citizen(session, email="oud.adres@example.org")
    for citizen_id in (survivor.id, later.id):
        answer = (await client.get(f"/v1/citizens/{citizen_id}/duplicates", headers=steward)).json()
        pairs = [(c["citizen"]["id"], c["other_citizen"]["id"], c["score"]) for c in answer["candidates"]]
        assert pairs == [(survivor.id, later.id, 60)]


async def test_a_merge_takes_the_household_along_and_the_undo_gives_it_back(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_headers: dict[str, str],
    steward: dict[str, str],
    screen_pop: dict[str, str],
) -> None:
    """Relations and representations of the merged record move to the survivor (the merge record keeps how, as
    JSON with dates), and the un-merge puts them back, including the relation between the two records dropped."""
    marie = await factories.citizen(session, given_name="Marie", family_name="Claes", email="marie.claes@example.org")
    mare = await factories.citizen(session, given_name="Mare", family_name="Claes", email="m.claes@example.org")
    mother = await factories.citizen(session, given_name="Rosa", family_name="Claes", email="rosa.claes@example.org")
    relate = {"related_citizen_id": mother.id, "kind": "parent", "first_day": "2001-05-01"}
    related = await client.post(f"/v1/citizens/{mare.id}/relations", json=relate, headers=admin_headers)
    assert related.status_code == 201, related.text
    to_self = {"related_citizen_id": marie.id, "kind": "household_member"}
    with_self = await client.post(f"/v1/citizens/{mare.id}/relations", json=to_self, headers=admin_headers)
    assert with_self.status_code == 201, with_self.text
    await factories.representation(session, mother, mare, scopes=("information",))

    async def household(citizen: Citizen) -> tuple[list[tuple[str, int]], list[int], list[int]]:
        read = await client.get(f"/v1/citizens/{citizen.id}/household", headers=screen_pop)
        assert read.status_code == 200, read.text
        body = read.json()
        return (
            sorted((r["kind"], r["relative"]["citizen_id"]) for r in body["relations"]),
            [r["citizen"]["citizen_id"] for r in body["represents"]],
            [r["representative"]["citizen_id"] for r in body["representatives"]],
        )

    before = {marie.id: await household(marie), mare.id: await household(mare), mother.id: await household(mother)}
    assert before[mare.id] == ([("household_member", marie.id), ("parent", mother.id)], [mother.id], [])

    merge = {"merged_citizen_id": mare.id, "reason": "Zelfde persoon."}
    merged = await client.post(f"/v1/citizens/{marie.id}/merges", json=merge, headers=steward)
    assert merged.status_code == 201, merged.text
    # The relation between the two records of one person is gone; the mother is Marie's now, in both directions.
    assert await household(marie) == ([("parent", mother.id)], [mother.id], [])
    assert await household(mother) == ([("child", marie.id)], [], [marie.id])

    undone = await client.post(
        f"/v1/citizen-merges/{merged.json()['id']}/undo", json={"reason": "Toch twee personen."}, headers=steward
    )
    assert undone.status_code == 200, undone.text
    after = {marie.id: await household(marie), mare.id: await household(mare), mother.id: await household(mother)}
    assert after == before
