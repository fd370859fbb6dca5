"""Appointments and home visits over the API: free slots with the case worker first, booking as the first
response, the held visit recorded as a contact with its role, no-shows, moves, cancellations, need-to-know,
the staff calendar feed and the citizen's own booking with their access code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.models import Appointment, Contact, ContactParty, OutboundMail, Participation, Ticket, TicketEvent
from tests import factories
from tests.appointments.helpers import FIRST_VISIT, SOCIAL_SUBJECT, Case, social_case
from tests.factories import World, assert_problem, bearer

HOME = "Stadsplein 1, 3600 Genk"
MONDAY_AFTER = datetime(2027, 3, 29, 12, 0, tzinfo=UTC)  # Easter Monday, after the first two visits


async def _case(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, clock: FixedClock, world: World,
    admin: dict[str, str],
) -> Case:  # fmt: skip
    return await social_case(client, session, settings, clock, world, admin)


async def _book(client: httpx.AsyncClient, case: Case, **more: object) -> httpx.Response:
    body = {"ticket": case.reference, "kind": "social.home_visit", "starts_at": FIRST_VISIT.isoformat(),
            "staff_id": case.worker.id, "address": HOME, **more}  # fmt: skip
    return await client.post("/v1/appointments", json=body, headers=case.worker_headers)


async def _types(session: AsyncSession, reference: str) -> list[str]:
    rows = await session.scalars(
        select(TicketEvent.type).join(Ticket, Ticket.id == TicketEvent.ticket_id).where(Ticket.reference == reference)
        .order_by(TicketEvent.id)
    )  # fmt: skip
    return list(rows)


async def test_the_case_worker_is_offered_first_and_booking_stops_the_first_response_clock(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
) -> None:
    case = await _case(client, session, settings, clock, world, admin_headers)
    slots = await client.get(
        f"/v1/tickets/{case.reference}/appointment-slots", params={"kind": "social.home_visit", "limit": 6},
        headers=case.worker_headers,
    )  # fmt: skip
    assert slots.status_code == 200, slots.text
    items = slots.json()["items"]
    # Tuesday and Thursday 09:00-12:00 with 20 minutes' travel either side: 09:20 and 10:20 local each day.
    assert [(i["staff"]["id"], i["starts_at"], i["case_worker"]) for i in items[:4]] == [
        (case.worker.id, "2027-03-23T08:20:00Z", True),
        (case.worker.id, "2027-03-23T09:20:00Z", True),
        (case.worker.id, "2027-03-25T08:20:00Z", True),
        (case.worker.id, "2027-03-25T09:20:00Z", True),
    ]
    # Four weeks of the case worker's slots come before anyone else's.
    everyone = await client.get(
        f"/v1/tickets/{case.reference}/appointment-slots", params={"kind": "social.home_visit", "limit": 100},
        headers=case.worker_headers,
    )  # fmt: skip
    order = [i["staff"]["id"] for i in everyone.json()["items"]]
    assert set(order) == {case.worker.id, case.colleague.id}
    assert order == sorted(order, key=lambda staff_id: staff_id != case.worker.id)

    ticket = await session.scalar(select(Ticket).where(Ticket.reference == case.reference))
    assert ticket is not None
    assert ticket.first_responded_at is None
    booked = await _book(client, case, representative={"name": "Els Peeters", "relationship": "daughter"})
    assert booked.status_code == 201, booked.text
    out = booked.json()
    assert out["status"] == "booked"
    assert out["home_visit"] is True
    assert (out["starts_at"], out["ends_at"]) == ("2027-03-23T08:20:00Z", "2027-03-23T09:20:00Z")
    assert (out["blocked_starts_at"], out["blocked_ends_at"]) == ("2027-03-23T08:00:00Z", "2027-03-23T09:40:00Z")
    assert out["representative"]["name"] == "Els Peeters"
    assert out["reminder_due_at"] == "2027-03-22T09:00:00Z"  # Monday 10:00 local, the day before
    assert booked.headers["Location"] == f"/v1/appointments/{out['id']}"

    await session.refresh(ticket)
    assert ticket.first_responded_at == clock.now()
    assert "appointment_booked" in await _types(session, case.reference)
    mail = await session.scalar(select(OutboundMail).where(OutboundMail.purpose == "appointment_booked"))
    assert mail is not None
    assert mail.to_address == "client@example.org"
    assert mail.language == "nl"
    assert case.reference in mail.subject
    invite = Calendar.from_ical(mail.calendar)
    assert invite["METHOD"] == "REQUEST"

    # The slot is gone from the answer; the overlapping travel time takes the next one too.
    again = await client.get(
        f"/v1/tickets/{case.reference}/appointment-slots", params={"kind": "social.home_visit"},
        headers=case.worker_headers,
    )  # fmt: skip
    worker_starts = [i["starts_at"] for i in again.json()["items"] if i["staff"]["id"] == case.worker.id]
    assert worker_starts[:2] == ["2027-03-25T08:20:00Z", "2027-03-25T09:20:00Z"]


async def test_the_same_slot_twice_is_a_409_naming_the_next_free_slots(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
) -> None:
    case = await _case(client, session, settings, clock, world, admin_headers)
    assert (await _book(client, case)).status_code == 201
    second = await _book(client, case)
    problem = assert_problem(second, 409)
    assert problem["type"].endswith("/slot-taken")
    alternatives = problem["alternatives"]
    assert alternatives
    assert alternatives[0]["staff"]["id"] == case.worker.id
    # 10:20 local would overlap the booked visit's travel: the next free one is Thursday's.
    assert alternatives[0]["starts_at"] == "2027-03-25T08:20:00Z"
    assert await session.scalar(select(func.count()).select_from(Appointment)) == 1

    naive = await client.get(
        f"/v1/tickets/{case.reference}/appointment-slots",
        params={"kind": "social.home_visit", "since": "2027-03-23T09:00:00"}, headers=case.worker_headers,
    )  # fmt: skip
    assert_problem(naive, 422)
    far = await client.get(
        f"/v1/tickets/{case.reference}/appointment-slots",
        params={"kind": "social.home_visit", "until": "2099-01-01T00:00:00Z", "limit": 100},
        headers=case.worker_headers,
    )  # fmt: skip
    assert far.status_code == 200
    assert max(item["starts_at"] for item in far.json()["items"]) < "2027-06-23"  # at most 92 days ahead

    off_grid = await _book(client, case, starts_at=(FIRST_VISIT + timedelta(minutes=5)).isoformat())
    assert assert_problem(off_grid, 422)["type"].endswith("/not-a-slot")
    no_address = await _book(client, case, address=None, starts_at="2027-03-25T08:20:00Z")
    assert assert_problem(no_address, 422)["type"].endswith("/not-a-slot")


async def test_a_held_home_visit_lands_on_the_ticket_as_a_contact_with_its_role(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
) -> None:
    case = await _case(client, session, settings, clock, world, admin_headers)
    appointment_id = (await _book(client, case)).json()["id"]
    early = await client.post(
        f"/v1/appointments/{appointment_id}/outcome", json={"outcome": "held"}, headers=case.worker_headers
    )
    assert assert_problem(early, 409)["type"].endswith("/appointment-still-ahead")

    clock.set(FIRST_VISIT + timedelta(minutes=70))
    worker = bearer(settings, clock, case.worker.email)
    held = await client.post(
        f"/v1/appointments/{appointment_id}/outcome",
        json={"outcome": "held", "role": "advising", "note": "Thuissituatie bekeken."},
        headers=worker,
    )
    assert held.status_code == 200, held.text
    assert held.json()["status"] == "held"
    contact = await session.get(Contact, held.json()["contact_id"])
    assert contact is not None
    assert contact.channel == "home_visit"
    ticket = await session.scalar(select(Ticket).where(Ticket.reference == case.reference))
    assert ticket is not None
    assert contact.ticket_id == ticket.id
    role = await session.scalar(select(Participation).where(Participation.contact_id == contact.id))
    assert role is not None
    assert (role.staff_id, role.role) == (case.worker.id, "advising")
    assert (await _types(session, case.reference))[-3:] == [
        "contact_added", "participation_recorded", "appointment_held"]  # fmt: skip

    twice = await client.post(f"/v1/appointments/{appointment_id}/outcome", json={"outcome": "no_show"}, headers=worker)
    assert assert_problem(twice, 409)["type"].endswith("/appointment-closed")


async def test_a_no_show_is_an_outcome_without_a_contact(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
) -> None:
    case = await _case(client, session, settings, clock, world, admin_headers)
    appointment_id = (await _book(client, case)).json()["id"]
    contacts = await session.scalar(select(func.count()).select_from(Contact))
    clock.set(FIRST_VISIT + timedelta(minutes=30))
    missed = await client.post(
        f"/v1/appointments/{appointment_id}/outcome", json={"outcome": "no_show"},
        headers=bearer(settings, clock, case.worker.email),
    )  # fmt: skip
    assert missed.status_code == 200, missed.text
    assert missed.json()["status"] == "no_show"
    assert missed.json()["contact_id"] is None
    assert await session.scalar(select(func.count()).select_from(Contact)) == contacts
    assert (await _types(session, case.reference))[-1] == "appointment_no_show"


async def test_move_and_cancel_mail_the_citizen_and_free_the_time(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
) -> None:
    case = await _case(client, session, settings, clock, world, admin_headers)
    appointment_id = (await _book(client, case)).json()["id"]
    moved = await client.post(
        f"/v1/appointments/{appointment_id}/move", json={"starts_at": "2027-03-25T08:20:00Z"},
        headers=case.worker_headers,
    )  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert moved.json()["starts_at"] == "2027-03-25T08:20:00Z"
    # The first slot is free again: someone else can take it.
    other = await _book(client, case, staff_id=case.worker.id)
    assert other.status_code == 201, other.text
    busy = await client.post(
        f"/v1/appointments/{appointment_id}/move", json={"starts_at": FIRST_VISIT.isoformat()},
        headers=case.worker_headers,
    )  # fmt: skip
    assert assert_problem(busy, 409)["type"].endswith("/slot-taken")

    cancelled = await client.post(
        f"/v1/appointments/{appointment_id}/cancel", json={"reason": "De burger is ziek."}, headers=case.worker_headers
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    purposes = list(await session.scalars(select(OutboundMail.purpose).order_by(OutboundMail.id)))
    assert purposes[-4:] == ["appointment_booked", "appointment_moved", "appointment_booked", "appointment_cancelled"]
    cancel_mail = await session.scalar(select(OutboundMail).where(OutboundMail.purpose == "appointment_cancelled"))
    assert cancel_mail is not None
    assert cancel_mail.calendar is not None
    event = Calendar.from_ical(cancel_mail.calendar)
    assert event["METHOD"] == "CANCEL"
    assert event.walk("VEVENT")[0]["SEQUENCE"] == 2
    types = await _types(session, case.reference)
    assert {"appointment_moved", "appointment_cancelled"} <= set(types)


async def test_appointments_of_a_social_case_are_need_to_know(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
) -> None:
    case = await _case(client, session, settings, clock, world, admin_headers)
    appointment_id = (await _book(client, case)).json()["id"]
    agent = bearer(settings, clock, world.agent.email)
    for method, path, body in (
        ("GET", f"/v1/appointments/{appointment_id}", None),
        ("POST", f"/v1/appointments/{appointment_id}/move", {"starts_at": "2027-03-23T09:20:00Z"}),
        ("POST", f"/v1/appointments/{appointment_id}/cancel", {"reason": "x"}),
        ("POST", f"/v1/appointments/{appointment_id}/outcome", {"outcome": "no_show"}),
    ):
        hidden = await client.request(method, path, json=body, headers=agent)
        assert assert_problem(hidden, 404)["type"].endswith("/appointment-not-found"), path
        assert "CANARY" not in hidden.text
    listed = await client.get("/v1/appointments", headers=agent)
    assert listed.status_code == 200
    assert listed.json()["items"] == []
    slots = await client.get(
        f"/v1/tickets/{case.reference}/appointment-slots", params={"kind": "social.home_visit"}, headers=agent
    )
    assert slots.status_code == 404
    booking = await client.post(
        "/v1/appointments",
        json={"ticket": case.reference, "kind": "social.home_visit", "starts_at": "2027-03-25T08:20:00Z",
              "staff_id": case.worker.id, "address": HOME},
        headers=agent,
    )  # fmt: skip
    assert assert_problem(booking, 422)["type"].endswith("/unknown-appointment-subject")
    seen = await client.get("/v1/appointments", params={"ticket": case.reference}, headers=case.worker_headers)
    assert [item["id"] for item in seen.json()["items"]] == [appointment_id]


async def test_the_staff_feed_needs_its_token_and_says_only_reference_and_kind(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
) -> None:
    case = await _case(client, session, settings, clock, world, admin_headers)
    booked = (await _book(client, case)).json()
    issued = await client.post(f"/v1/staff/{case.worker.id}/calendar-feed", headers=case.worker_headers)
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    assert issued.json()["feed_url"].endswith(f"/v1/public/staff/{case.worker.id}/calendar-feed?token={token}")
    not_theirs = await client.post(f"/v1/staff/{case.worker.id}/calendar-feed", headers=case.colleague_headers)
    assert_problem(not_theirs, 404)

    feed = await client.get(f"/v1/public/staff/{case.worker.id}/calendar-feed", params={"token": token})
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.text)
    assert calendar["METHOD"] == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == f"{case.reference} · social.home_visit"
    assert event.decoded("DTSTART").isoformat() == booked["blocked_starts_at"].replace("Z", "+00:00")
    assert "CANARY" not in feed.text
    assert SOCIAL_SUBJECT not in feed.text
    assert "Stadsplein" not in feed.text

    wrong = await client.get(f"/v1/public/staff/{case.worker.id}/calendar-feed", params={"token": "nope"})
    assert assert_problem(wrong, 404)["type"].endswith("/calendar-feed-not-found")
    other = await client.get(f"/v1/public/staff/{case.colleague.id}/calendar-feed", params={"token": token})
    assert_problem(other, 404)
    # Issuing again withdraws the old address.
    await client.post(f"/v1/staff/{case.worker.id}/calendar-feed", headers=case.worker_headers)
    stale = await client.get(f"/v1/public/staff/{case.worker.id}/calendar-feed", params={"token": token})
    assert_problem(stale, 404)


async def test_the_citizen_books_with_their_access_code_only_kinds_open_to_citizens(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
) -> None:
    case = await _case(client, session, settings, clock, world, admin_headers)
    path = f"/v1/public/tickets/{case.reference}"
    slots = await client.get(f"{path}/appointment-slots", params={"code": case.access_code, "lang": "fr"})
    assert slots.status_code == 200, slots.text
    assert slots.headers["Cache-Control"] == "no-store"
    first = slots.json()["items"][0]
    assert first == {"kind": "social.home_visit", "kind_name": "Visite à domicile", "home_visit": True,
                     "starts_at": "2027-03-23T08:20:00Z", "ends_at": "2027-03-23T09:20:00Z"}  # fmt: skip
    assert "Sofie" not in slots.text
    assert "CANARY" not in slots.text

    wrong = await client.get(f"{path}/appointment-slots", params={"code": "WRONG-CODE"})
    assert_problem(wrong, 404)
    booked = await client.post(
        f"{path}/appointments", params={"code": case.access_code},
        json={"kind": "social.home_visit", "starts_at": first["starts_at"], "address": HOME},
    )  # fmt: skip
    assert booked.status_code == 201, booked.text
    assert booked.json()["when"].startswith("dinsdag 23 maart 2027")
    appointment = await session.scalar(select(Appointment))
    assert appointment is not None
    assert (appointment.staff_id, appointment.booked_via) == (case.worker.id, "citizen")  # the case worker first
    again = await client.post(
        f"{path}/appointments", params={"code": case.access_code},
        json={"kind": "social.home_visit", "starts_at": first["starts_at"], "address": HOME},
    )  # fmt: skip
    # The colleague is free at that time too: the second booking goes to them.
    assert again.status_code == 201, again.text
    third = await client.post(
        f"{path}/appointments", params={"code": case.access_code},
        json={"kind": "social.home_visit", "starts_at": first["starts_at"], "address": HOME},
    )  # fmt: skip
    problem = assert_problem(third, 409)
    assert problem["alternatives"]
    assert "staff" not in problem["alternatives"][0]

    closed = {**{"name": "Loket", "unit": "sociale_dienst", "duration_minutes": 30}, "citizen_bookable": False}
    assert (
        await client.put("/v1/appointment-kinds/social.desk", json=closed, headers=admin_headers)
    ).status_code == 200
    refused = await client.post(
        f"{path}/appointments", params={"code": case.access_code},
        json={"kind": "social.desk", "starts_at": "2027-03-25T08:00:00Z"},
    )  # fmt: skip
    assert assert_problem(refused, 422)["type"].endswith("/unknown-appointment-kind")


async def test_subject_access_exports_and_erasure_erases_the_appointments(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
) -> None:
    from genk3600.models import Citizen
    from tests import factories

    case = await _case(client, session, settings, clock, world, admin_headers)
    booked = await _book(client, case, representative={"name": "Els Peeters", "contact": "+32 470 12 34 56"})
    assert booked.status_code == 201
    citizen = await session.scalar(select(Citizen).where(Citizen.email == "client@example.org"))
    assert citizen is not None
    dpo = {"X-API-Key": await factories.api_key(session, "dpo", ["citizens:export"])}
    exported = await client.get(f"/v1/citizens/{citizen.id}/export", headers=dpo)
    assert exported.status_code == 200, exported.text
    [visit] = exported.json()["tickets"][0]["appointments"]
    assert (visit["address"], visit["representative_name"]) == (HOME, "Els Peeters")

    erased = await client.post(f"/v1/citizens/{citizen.id}/erasure", json={"reason": "AVG artikel 17."}, headers=dpo)
    assert erased.status_code == 200, erased.text
    assert erased.json()["appointments"] == 1
    appointment = await session.get(Appointment, booked.json()["id"], populate_existing=True)
    assert appointment is not None
    assert (appointment.address, appointment.representative_name) == ("[erased]", "[erased]")
    assert appointment.representative_contact == "[erased]"
    mails = (await session.scalars(select(OutboundMail).where(OutboundMail.purpose == "appointment_booked"))).all()
    assert [mail.calendar for mail in mails] == [None]


async def test_a_desk_is_booked_once_per_slot_and_closes_on_its_closing_days(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
) -> None:
    from datetime import date

    from genk3600.models import ClosingDay
    from tests import factories
    from tests.appointments.helpers import MONDAY
    from tests.factories import web_contact

    clock.set(MONDAY)
    desk = await factories.unit(session, "themabalie", "thematic_desk", world.contact_centre)
    # Thursday 25 March 2027 the desk is closed (a local closing day of its own).
    session.add(ClosingDay(unit_id=desk.id, day=date(2027, 3, 25), reason="Opleiding"))
    await session.flush()
    kind = {"name": "Identiteitskaart aan de balie", "unit": "themabalie", "category_prefix": "civil.",
            "duration_minutes": 20, "citizen_bookable": True}  # fmt: skip
    assert (await client.put("/v1/appointment-kinds/civil.desk", json=kind, headers=admin_headers)).is_success
    hours = {"windows": [{"weekday": day, "opens": "13:00", "closes": "14:00"} for day in (1, 3, 4)]}
    not_a_desk = await client.put("/v1/units/omgeving/availability", json=hours, headers=admin_headers)
    assert assert_problem(not_a_desk, 422)["type"].endswith("/availability-invalid")
    made = await client.put("/v1/units/themabalie/availability", json=hours, headers=admin_headers)
    assert made.status_code == 200, made.text
    assert made.json()["desk"] == "themabalie"

    created = await client.post("/v1/contacts", json=web_contact(category="civil.id_card"), headers=admin_headers)
    reference = created.json()["ticket"]["reference"]
    slots = await client.get(
        f"/v1/tickets/{reference}/appointment-slots", params={"kind": "civil.desk"}, headers=admin_headers
    )
    starts = [item["starts_at"] for item in slots.json()["items"]]
    # Tuesday 13:00, 13:20, 13:40 local, then Friday: Thursday is the desk's closing day.
    assert starts[:4] == ["2027-03-23T12:00:00Z", "2027-03-23T12:20:00Z", "2027-03-23T12:40:00Z",
                          "2027-03-26T12:00:00Z"]  # fmt: skip
    assert {item["desk"] for item in slots.json()["items"]} == {"themabalie"}
    body = {"ticket": reference, "kind": "civil.desk", "starts_at": starts[0], "desk": "themabalie"}
    first = await client.post("/v1/appointments", json=body, headers=admin_headers)
    assert first.status_code == 201, first.text
    assert (first.json()["desk"], first.json()["staff"]) == ("themabalie", None)
    second = await client.post("/v1/appointments", json=body, headers=admin_headers)
    problem = assert_problem(second, 409)
    assert problem["alternatives"][0]["starts_at"] == starts[1]


async def test_the_appointments_report_counts_how_they_went(
    app: object,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
) -> None:
    case = await _case(client, session, settings, clock, world, admin_headers)
    held = (await _book(client, case)).json()["id"]
    missed = (await _book(client, case, starts_at="2027-03-25T08:20:00Z")).json()["id"]
    dropped = (await _book(client, case, staff_id=case.colleague.id)).json()["id"]
    await _book(client, case, starts_at="2027-03-30T07:20:00Z")  # after the switch to summer time: still ahead
    await client.post(f"/v1/appointments/{dropped}/cancel", json={"reason": "Ziek."}, headers=case.worker_headers)
    clock.set(MONDAY_AFTER)
    worker = bearer(settings, clock, case.worker.email)
    for appointment_id, outcome in ((held, "held"), (missed, "no_show")):
        done = await client.post(
            f"/v1/appointments/{appointment_id}/outcome", json={"outcome": outcome}, headers=worker
        )
        assert done.status_code == 200, done.text

    app.state.settings = settings.model_copy(update={"report_small_count_threshold": 1})  # type: ignore[attr-defined]
    admin = bearer(settings, clock, world.admin.email)
    period = {"first_day": "2027-03-22", "last_day": "2027-03-31"}
    report = await client.get("/v1/reports/appointments", params=period, headers=admin)
    assert report.status_code == 200, report.text
    [row] = report.json()["rows"]
    assert row == {
        "unit": "sociale_dienst", "unit_name": "Sociale Dienst", "kind": "social.home_visit", "appointments": 4,
        "held": 1, "no_show": 1, "cancelled": 1, "still_booked": 1, "no_show_percent": 50.0,
    }  # fmt: skip


async def test_a_known_representative_comes_only_within_their_consent(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: FixedClock,
    world: World,
    admin_headers: dict[str, str],
) -> None:
    """A citizen of the register named as the one who comes for the client acts for them (households/): only
    with a representation covering appointments on the visit's day; otherwise 422 and nothing is booked."""
    case = await _case(client, session, settings, clock, world, admin_headers)
    client_id = await session.scalar(select(Ticket.citizen_id).where(Ticket.reference == case.reference))
    assert client_id is not None
    daughter = await factories.citizen(session, given_name="Els", family_name="Peeters", email="els@example.org")
    # Consent for information only, then for appointments until the day before the visit.
    await factories.representation(session, client_id, daughter, scopes=("information",))
    await factories.representation(
        session, client_id, daughter, scopes=("appointments",), last_day=FIRST_VISIT.date() - timedelta(days=1)
    )
    refused = await _book(client, case, representative={"citizen_id": daughter.id, "relationship": "daughter"})
    problem = assert_problem(refused, 422)
    assert problem["type"].endswith("/outside-consent")
    assert str(FIRST_VISIT.date()) in problem["detail"]
    assert await session.scalar(select(func.count()).select_from(Appointment)) == 0
    assert "appointment_booked" not in await _types(session, case.reference)

    # Appointments alone do not do on a social case: the visit becomes a contact on it.
    await factories.representation(session, client_id, daughter, scopes=("appointments",))
    social = assert_problem(
        await _book(client, case, representative={"citizen_id": daughter.id, "relationship": "informal_carer"}), 422
    )
    assert "'social'" in social["detail"]
    assert await session.scalar(select(func.count()).select_from(Appointment)) == 0

    await factories.representation(session, client_id, daughter, scopes=("social",))
    booked = await _book(client, case, representative={"citizen_id": daughter.id, "relationship": "informal_carer"})
    assert booked.status_code == 201, booked.text
    assert booked.json()["representative"]["citizen_id"] == daughter.id

    # Held, the visit is a contact with the daughter as the representative party.
    clock.set(FIRST_VISIT + timedelta(minutes=70))
    held = await client.post(
        f"/v1/appointments/{booked.json()['id']}/outcome", json={"outcome": "held", "role": "registering"},
        headers=bearer(settings, clock, case.worker.email),
    )  # fmt: skip
    assert held.status_code == 200, held.text
    parties = await session.execute(
        select(ContactParty.role, ContactParty.citizen_id, ContactParty.relationship)
        .where(ContactParty.contact_id == held.json()["contact_id"])
        .order_by(ContactParty.id)
    )
    assert [tuple(row) for row in parties] == [
        ("subject", client_id, None),
        ("representative", daughter.id, "informal_carer"),
    ]
