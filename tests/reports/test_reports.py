"""Report figures checked against a small hand-countable data set around the spring DST change.

Europe/Brussels moves from CET (UTC+1) to CEST (UTC+2) at 2026-03-29 01:00 UTC. The period asked is
28..30 March 2026 (local days), i.e. [2026-03-27 23:00Z, 2026-03-30 22:00Z). Units: stad > burgerzaken >
identiteit, stad > contact_centre, omgeving, sociale_dienst (OCMW).

Tickets (Z = UTC; "local" = Brussels):
  A burgerzaken  id_card  created 28 09:00Z, resolved 28 13:00Z, due 28 15:00Z (on time); 1 inbound phone 28 09:00Z,
                          recorded as not answered at the first contact
  B burgerzaken  id_card  created 28 23:30Z (local 29th), resolved 30 07:30Z, due 30 07:00Z (late);
                          inbound mail 28 23:30Z (local 29th), inbound phone 29 08:00Z, outbound phone 30 07:00Z;
                          escalated from contact_centre (needs_expertise) 29 08:10Z
  C sociale_dienst social created 29 00:30Z, resolved 30 10:00Z, due 31 12:00Z (on time); inbound web 29 00:30Z,
                          recorded as answered at the first contact (the decision came later, without a new contact);
                          escalated from contact_centre (needs_decision) 29 09:00Z, returned by sociale_dienst 30 09:00Z
  D omgeving     waste    created 30 21:30Z (local 30th 23:30), open; inbound web then
  E omgeving     waste    created 30 22:30Z (local 31st 00:30: outside), open; inbound web then
  F omgeving     waste    created 20 10:00Z, open; inbound mail 27 22:30Z (local 27th: outside), outbound phone
                          27 23:30Z (local 28th), inbound phone 29 22:30Z (local 30th 00:30 CEST)
  G identiteit   id_card  created 29 10:00Z, resolved 29 12:00Z, no deadline; inbound counter 29 10:00Z
  H burgerzaken  id_card  created 25 08:00Z, resolved 30 22:30Z (local 31st: outside); escalated from
                          burgerzaken 25 09:00Z (outside)
  I burgerzaken  id_card  created 29 12:00Z, resolved 29 13:00Z, no contacts, no deadline
  plus an auto-reply on the 29th that opened no ticket.
Offers (automatic assignment, omgeving): F to bo 29 10:00Z, not answered (expired 10:01Z); D to bo 30 21:35Z,
declined 21:36Z, then to loket 30 21:40Z, accepted 30 s later; E to bo 30 22:35Z (local 31st: outside), accepted.
Call-back requests (unit, due, end, attempts):
  K1 burgerzaken    due 28 15:00Z, reached 28 14:00Z (on time) after no answer 28 10:00Z: 2 attempts
  K2 burgerzaken    due 29 10:00Z, reached 30 08:00Z (late): 1 attempt
  K3 burgerzaken    due 30 09:00Z, failed 30 12:00Z: no answer, voicemail, no answer (3 attempts)
  K4 contact_centre due 30 21:30Z (local 30th 23:30), still open, no attempts
  K5 contact_centre due 30 22:30Z (local 31st: outside), reached 30 21:45Z (local 30th 23:45): 1 attempt
  K6 contact_centre due 29 12:00Z, cancelled 29 11:00Z, no attempts
  K7 sociale_dienst due 29 15:00Z, failed 29 14:00Z: wrong number (1 attempt)
  K8 omgeving       due 27 12:00Z (outside), reached 28 08:00Z (late) after no answer 27 16:00Z: 2 attempts
Appointments (unit, kind, start, how it went):
  P1 burgerzaken civil.desk 28 09:00Z held; P2 29 09:00Z no-show; P3 30 09:00Z still booked; P4 30 22:30Z (local
  31st: outside) held
  P5 sociale_dienst social.home_visit 29 10:00Z cancelled
Roles: agent (contact_centre) registers A, B-mail, C, E and informs B-phone, D; bo (burgerzaken) decides on
B-outbound; loket (identiteit) informs on G; mw (sociale_dienst) decides on C.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.service import create_api_client
from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.kit.reference import format_reference
from genk3600.models import (
    Appointment,
    AppointmentKind,
    AssignmentOffer,
    CallbackAttempt,
    CallbackRequest,
    Contact,
    Escalation,
    Participation,
    Staff,
    Ticket,
    Unit,
)
from genk3600.models.enums import Scope
from genk3600.reports import catalogue
from tests import factories
from tests.factories import World, assert_problem, bearer

PERIOD = {"first_day": "2026-03-28", "last_day": "2026-03-30"}


def z(moment: str) -> datetime:
    return datetime.fromisoformat(f"2026-03-{moment}+00:00")


@dataclass
class Seeded:
    identiteit: Unit
    supervisor: Staff  # supervises burgerzaken (and so identiteit below it)
    agent: Staff


async def _seed(session: AsyncSession, world: World) -> Seeded:
    identiteit = await factories.unit(session, "identiteit", "department", world.burgerzaken)
    agent = world.agent
    bo = await factories.staff(session, "bo@genk.example", world.burgerzaken, "back_office")
    loket = await factories.staff(session, "loket@genk.example", identiteit, "back_office")
    mw = await factories.staff(session, "mw@genk.example", world.sociale_dienst, "case_worker")
    supervisor = await factories.staff(session, "sup@genk.example", world.burgerzaken, "supervisor")
    id_card, waste, social = world.id_card.id, world.waste.id, world.living_wage.id
    numbers = iter(range(1, 100))

    async def ticket(unit: Unit, category: int, created: str, **fields: Any) -> Ticket:
        row = Ticket(
            reference=format_reference(2026, next(numbers)),
            subject="test",
            owning_unit_id=unit.id,
            category_id=category,
            created_at=z(created),
            confidentiality="social" if category == social else "normal",
            status="resolved" if fields.get("resolved_at") else "in_progress",
            **fields,
        )
        session.add(row)
        await session.flush()
        return row

    async def contact(
        ticket: Ticket | None,
        channel: str,
        at: str,
        direction: str = "inbound",
        role: tuple[Staff, str] | None = None,
        answered: bool | None = None,
    ) -> None:
        row = Contact(
            answered_at_first_contact=answered,
            ticket_id=ticket.id if ticket else None,
            channel=channel,
            direction=direction,
            language="nl",
            body="test",
            occurred_at=z(at),
            actor_name="test",
            flags=[] if ticket else ["automated"],
        )
        session.add(row)
        await session.flush()
        if role:
            session.add(Participation(contact_id=row.id, staff_id=role[0].id, role=role[1]))

    async def escalation(ticket: Ticket, source: Unit, target: Unit, reason: str, at: str) -> None:
        session.add(
            Escalation(
                ticket_id=ticket.id,
                from_unit_id=source.id,
                to_unit_id=target.id,
                from_tier=1,
                to_tier=2,
                reason=reason,
                requested_role="advising",
                actor_name="test",
                created_at=z(at),
            )
        )

    a = await ticket(world.burgerzaken, id_card, "28T09:00", resolved_at=z("28T13:00"), resolution_due_at=z("28T15:00"))
    await contact(a, "phone", "28T09:00", role=(agent, "registering"), answered=False)
    b = await ticket(world.burgerzaken, id_card, "28T23:30", resolved_at=z("30T07:30"), resolution_due_at=z("30T07:00"))
    await contact(b, "mail", "28T23:30", role=(agent, "registering"))
    await contact(b, "phone", "29T08:00", role=(agent, "informing"))
    await contact(b, "phone", "30T07:00", "outbound", role=(bo, "deciding"))
    await escalation(b, world.contact_centre, world.burgerzaken, "needs_expertise", "29T08:10")
    c = await ticket(
        world.sociale_dienst, social, "29T00:30", resolved_at=z("30T10:00"), resolution_due_at=z("31T12:00")
    )
    await contact(c, "web", "29T00:30", role=(agent, "registering"), answered=True)
    session.add(Participation(contact_id=(await _last_contact(session)).id, staff_id=mw.id, role="deciding"))
    await escalation(c, world.contact_centre, world.sociale_dienst, "needs_decision", "29T09:00")
    await escalation(c, world.sociale_dienst, world.contact_centre, "returned", "30T09:00")
    d = await ticket(world.omgeving, waste, "30T21:30")
    await contact(d, "web", "30T21:30", role=(agent, "informing"))
    e = await ticket(world.omgeving, waste, "30T22:30")
    await contact(e, "web", "30T22:30", role=(agent, "registering"))
    f = await ticket(world.omgeving, waste, "20T10:00")
    await contact(f, "mail", "27T22:30")
    await contact(f, "phone", "27T23:30", "outbound")
    await contact(f, "phone", "29T22:30")
    g = await ticket(identiteit, id_card, "29T10:00", resolved_at=z("29T12:00"))
    await contact(g, "counter", "29T10:00", role=(loket, "informing"))
    h = await ticket(world.burgerzaken, id_card, "25T08:00", resolved_at=z("30T22:30"))
    await contact(h, "phone", "25T08:00")
    await escalation(h, world.burgerzaken, identiteit, "needs_expertise", "25T09:00")
    await ticket(world.burgerzaken, id_card, "29T12:00", resolved_at=z("29T13:00"))
    await contact(None, "mail", "29T12:00")

    def offer(offered: Ticket, staff: Staff, at: str, state: str, answered: str) -> AssignmentOffer:
        return AssignmentOffer(
            ticket_id=offered.id,
            staff_id=staff.id,
            unit_id=world.omgeving.id,
            state=state,
            offered_at=z(at),
            expires_at=z(at) + timedelta(minutes=1),
            answered_at=z(answered),
            code="assignment.offered",
            ticket_version=1,
        )

    session.add_all(
        [
            offer(f, bo, "29T10:00", "expired", "29T10:01"),
            offer(d, bo, "30T21:35", "declined", "30T21:36"),
            offer(d, loket, "30T21:40", "accepted", "30T21:40:30"),
            offer(e, bo, "30T22:35", "accepted", "30T22:35:10"),
        ]
    )

    async def callback(
        ticket: Ticket, unit: Unit, due: str, status: str, closed: str | None, *outcomes: tuple[str, str]
    ) -> None:
        row = CallbackRequest(
            ticket_id=ticket.id,
            unit_id=unit.id,
            phone="+3289654411",
            language="nl",
            question="test",
            due_at=z(due),
            status=status,
            closed_at=z(closed) if closed else None,
            max_attempts=3,
            attempts=len(outcomes),
            actor_name="test",
            created_at=z("20T08:00"),
            attempt_rows=[
                CallbackAttempt(outcome=outcome, attempted_at=z(at), actor_name="test") for outcome, at in outcomes
            ],
        )
        session.add(row)

    await callback(
        a, world.burgerzaken, "28T15:00", "completed", "28T14:00", ("no_answer", "28T10:00"), ("reached", "28T14:00")
    )
    await callback(b, world.burgerzaken, "29T10:00", "completed", "30T08:00", ("reached", "30T08:00"))
    await callback(
        b, world.burgerzaken, "30T09:00", "failed", "30T12:00",
        ("no_answer", "29T10:00"), ("voicemail_left", "30T08:30"), ("no_answer", "30T12:00"),
    )  # fmt: skip
    await callback(f, world.contact_centre, "30T21:30", "open", None)
    await callback(f, world.contact_centre, "30T22:30", "completed", "30T21:45", ("reached", "30T21:45"))
    await callback(d, world.contact_centre, "29T12:00", "cancelled", "29T11:00")
    await callback(c, world.sociale_dienst, "29T15:00", "failed", "29T14:00", ("wrong_number", "29T14:00"))
    await callback(
        d, world.omgeving, "27T12:00", "completed", "28T08:00", ("no_answer", "27T16:00"), ("reached", "28T08:00")
    )
    desk = AppointmentKind(code="civil.desk", name="Balie", unit_id=world.burgerzaken.id, duration_minutes=30)
    visit = AppointmentKind(
        code="social.home_visit", name="Huisbezoek", unit_id=world.sociale_dienst.id, duration_minutes=60,
        home_visit=True, travel_minutes=0,
    )  # fmt: skip
    session.add_all([desk, visit])
    await session.flush()

    def appointment(ticket: Ticket, kind: AppointmentKind, staff: Staff, at: str, status: str) -> Appointment:
        starts = z(at)
        ends = starts + timedelta(minutes=kind.duration_minutes)
        return Appointment(
            ticket_id=ticket.id, kind_id=kind.id, unit_id=kind.unit_id, staff_id=staff.id, starts_at=starts,
            ends_at=ends, blocked=Range(starts, ends), status=status, home_visit=kind.home_visit,
            address="Stadsplein 1" if kind.home_visit else None, language="nl", uid=f"{at}@test", actor_name="test",
        )  # fmt: skip

    session.add_all(
        [
            appointment(b, desk, bo, "28T09:00", "held"),
            appointment(b, desk, bo, "29T09:00", "no_show"),
            appointment(b, desk, bo, "30T09:00", "booked"),
            appointment(b, desk, bo, "30T22:30", "held"),
            appointment(c, visit, bo, "29T10:00", "cancelled"),
        ]
    )
    await session.flush()
    return Seeded(identiteit, supervisor, agent)


async def _last_contact(session: AsyncSession) -> Contact:
    row = await session.scalar(factories.select(Contact).order_by(Contact.id.desc()).limit(1))
    assert row is not None
    return row


@pytest.fixture
async def seeded(session: AsyncSession, world: World) -> Seeded:
    return await _seed(session, world)


# The English names of the codes in the rows (no Accept-Language): units and categories of the test world are
# named by their code (factories), the closed vocabularies by the catalogue.
NAMES: dict[str, dict[str | None, str | None]] = {
    "channel": {"phone": "phone", "mail": "e-mail", "web": "web form", "counter": "counter"},
    "age_band": {"<1d": "less than 1 day", "3-7d": "3 to 7 days", "7-30d": "7 to 30 days"},
    "reason": {
        "needs_decision": "needs a decision",
        "needs_expertise": "needs expertise",
        "returned": "returned to the front office",
    },
    "role": {"deciding": "deciding", "informing": "informing", "registering": "registering"},
}


def _name(column: str, code: Any) -> Any:
    if code is None:
        return None
    if column == "category":
        return code
    return NAMES[column][code]


def _row(columns: str, *values: Any) -> dict[str, Any]:
    """A row as the report answers it: each code column followed by its name column (`unit_name` is given)."""
    row: dict[str, Any] = {}
    for column, value in zip(columns.split(), values, strict=True):
        row[column] = value
        if column in ("channel", "category", "age_band", "reason", "role"):
            row[f"{column}_name"] = _name(column, value)
    return row


CPC = "day channel inbound outbound contacts"
FCR = "unit unit_name resolved first_contact fcr_percent outcome_recorded"
SLA = "unit unit_name category resolved on_time late compliance_percent"
AGE = "unit unit_name age_band tickets"
ESC = "unit unit_name tickets escalated_tickets escalation_rate_percent reason escalations"
ROLES = "unit unit_name role participations share_percent"
AHT = "unit unit_name resolved average_hours median_hours"
OFFERS = "day unit unit_name offered accepted declined expired withdrawn accepted_percent median_seconds_to_accept"
CBT = "unit unit_name due on_time late failed cancelled still_open on_time_percent"
CBA = "unit unit_name ended reached failed attempts attempts_per_success"
APT = "unit unit_name kind appointments held no_show cancelled still_booked no_show_percent"

EXPECTED: dict[str, list[dict[str, Any]]] = {
    "contacts-per-channel": [
        _row(CPC, "2026-03-28", "phone", 1, 1, 2),  # A; F's outbound at 23:30Z on the 27th is the 28th locally
        _row(CPC, "2026-03-29", "counter", 1, 0, 1),
        _row(CPC, "2026-03-29", "mail", 1, 0, 1),  # B at 23:30Z on the 28th (CET)
        _row(CPC, "2026-03-29", "phone", 1, 0, 1),
        _row(CPC, "2026-03-29", "web", 1, 0, 1),
        _row(CPC, "2026-03-30", "phone", 1, 1, 2),  # F at 22:30Z on the 29th (CEST: 00:30 on the 30th), B outbound
        _row(CPC, "2026-03-30", "web", 1, 0, 1),  # D; E (local 31st) is outside
    ],
    "first-contact-resolution": [
        # A recorded "not answered" (one contact, never handed over: it would count otherwise); B two inbound; I none
        _row(FCR, "burgerzaken", "Burgerzaken", 3, 0, 0.0, 1),
        _row(FCR, "identiteit", "Identiteit", 1, 1, 100.0, 0),  # G: one contact, never handed over
        _row(FCR, "sociale_dienst", "Sociale Dienst", 1, 1, 100.0, 1),  # C recorded "answered", though escalated
    ],
    "sla-compliance": [
        _row(SLA, "burgerzaken", "Burgerzaken", "civil.id_card", 2, 1, 1, 50.0),
        _row(SLA, "sociale_dienst", "Sociale Dienst", "social.living_wage", 1, 1, 0, 100.0),
    ],
    "backlog-age": [
        _row(AGE, "burgerzaken", "Burgerzaken", "3-7d", 1),  # H: resolved only after the period ended
        _row(AGE, "omgeving", "Omgeving", "<1d", 1),  # D, 30 minutes old; E not created yet
        _row(AGE, "omgeving", "Omgeving", "7-30d", 1),  # F
    ],
    "escalations": [
        _row(ESC, "burgerzaken", "Burgerzaken", 2, 0, 0.0, None, 0),  # A, I
        _row(ESC, "contact_centre", "Contact Centre", 2, 2, 100.0, "needs_decision", 1),  # B, C
        _row(ESC, "contact_centre", "Contact Centre", 2, 2, 100.0, "needs_expertise", 1),
        _row(ESC, "identiteit", "Identiteit", 1, 0, 0.0, None, 0),
        _row(ESC, "omgeving", "Omgeving", 1, 0, 0.0, None, 0),  # D
        _row(ESC, "sociale_dienst", "Sociale Dienst", 0, 0, None, "returned", 1),
    ],
    "roles-per-unit": [
        _row(ROLES, "burgerzaken", "Burgerzaken", "deciding", 1, 100.0),
        _row(ROLES, "contact_centre", "Contact Centre", "informing", 2, 40.0),
        _row(ROLES, "contact_centre", "Contact Centre", "registering", 3, 60.0),
        _row(ROLES, "identiteit", "Identiteit", "informing", 1, 100.0),
        _row(ROLES, "sociale_dienst", "Sociale Dienst", "deciding", 1, 100.0),
    ],
    "handling-time": [
        # A 4 h, B 32 h (wall clock across the DST change: 33 h on the clock face), I 1 h
        _row(AHT, "burgerzaken", "Burgerzaken", 3, 12.33, 4.0),
        _row(AHT, "identiteit", "Identiteit", 1, 2.0, 2.0),
        _row(AHT, "sociale_dienst", "Sociale Dienst", 1, 33.5, 33.5),
    ],
    "assignment-offers": [
        _row(OFFERS, "2026-03-29", "omgeving", "Omgeving", 1, 0, 0, 1, 0, 0.0, None),  # F
        _row(OFFERS, "2026-03-30", "omgeving", "Omgeving", 2, 1, 1, 0, 0, 50.0, 30.0),  # D twice; E is the 31st
    ],
    "callbacks-on-time": [
        _row(CBT, "burgerzaken", "Burgerzaken", 3, 1, 1, 1, 0, 0, 33.3),  # K1 on time, K2 late, K3 failed
        _row(CBT, "contact_centre", "Contact Centre", 2, 0, 0, 0, 1, 1, 0.0),  # K6 cancelled, K4 open; K5 outside
        _row(CBT, "sociale_dienst", "Sociale Dienst", 1, 0, 0, 1, 0, 0, 0.0),  # K7; K8 (omgeving) was due before
    ],
    "callback-attempts": [
        _row(CBA, "burgerzaken", "Burgerzaken", 3, 2, 1, 6, 3.0),  # K1 2 + K2 1 + K3 3 calls for 2 successes
        _row(CBA, "contact_centre", "Contact Centre", 1, 1, 0, 1, 1.0),  # K5 (due after the period, ended in it)
        _row(CBA, "omgeving", "Omgeving", 1, 1, 0, 2, 2.0),  # K8 (due before the period, ended in it)
        _row(CBA, "sociale_dienst", "Sociale Dienst", 1, 0, 1, 1, None),  # K7: no success to divide by
    ],
    "appointments": [
        _row(APT, "burgerzaken", "Burgerzaken", "civil.desk", 3, 1, 1, 0, 1, 50.0),  # P1-P3; P4 outside
        _row(APT, "sociale_dienst", "Sociale Dienst", "social.home_visit", 1, 0, 0, 1, 0, None),  # P5
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_report_figures_on_the_seeded_data(
    app: FastAPI,
    client: httpx.AsyncClient,
    settings: Settings,
    world: World,
    seeded: Seeded,
    name: str,
    clock: FixedClock,
) -> None:
    # The exact figures: no small-group hiding (see the test after this one for that).
    app.state.settings = settings.model_copy(update={"report_small_count_threshold": 1})
    admin = bearer(settings, clock, world.admin.email)
    answer = await client.get(f"/v1/reports/{name}", params=PERIOD, headers=admin)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["report"], body["first_day"], body["last_day"]) == (name, "2026-03-28", "2026-03-30")
    assert (body["from"], body["to"]) == ("2026-03-28", "2026-03-30")  # the deprecated names, until v2
    assert [column["name"] for column in body["columns"]] == list(EXPECTED[name][0])
    assert body["rows"] == EXPECTED[name]

    exported = await client.get(f"/v1/reports/{name}", params={**PERIOD, "format": "csv"}, headers=admin)
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["content-disposition"] == f'attachment; filename="{name}_2026-03-28_2026-03-30.csv"'
    lines = list(csv.reader(io.StringIO(exported.text)))
    assert lines[0] == list(EXPECTED[name][0])
    assert lines[1:] == [["" if value is None else str(value) for value in row.values()] for row in EXPECTED[name]]


HIDDEN = "< 5"
# With the default threshold, rows about social work show small counts as "< 5" and no derived figures.
SMALL_SOCIAL_GROUPS: dict[str, list[dict[str, Any]]] = {
    "first-contact-resolution": [
        _row(FCR, "burgerzaken", "Burgerzaken", 3, 0, 0.0, 1),
        _row(FCR, "identiteit", "Identiteit", 1, 1, 100.0, 0),
        _row(FCR, "sociale_dienst", "Sociale Dienst", HIDDEN, HIDDEN, None, HIDDEN),
    ],
    "sla-compliance": [
        _row(SLA, "burgerzaken", "Burgerzaken", "civil.id_card", 2, 1, 1, 50.0),
        _row(SLA, "sociale_dienst", "Sociale Dienst", "social.living_wage", HIDDEN, HIDDEN, 0, None),
    ],
    "escalations": [
        *EXPECTED["escalations"][:-1],
        _row(ESC, "sociale_dienst", "Sociale Dienst", 0, 0, None, "returned", HIDDEN),
    ],
    "handling-time": [
        *EXPECTED["handling-time"][:-1],
        _row(AHT, "sociale_dienst", "Sociale Dienst", HIDDEN, None, None),
    ],
    "callbacks-on-time": [
        *EXPECTED["callbacks-on-time"][:-1],
        _row(CBT, "sociale_dienst", "Sociale Dienst", HIDDEN, 0, 0, HIDDEN, 0, 0, None),
    ],
    "callback-attempts": [
        *EXPECTED["callback-attempts"][:-1],
        _row(CBA, "sociale_dienst", "Sociale Dienst", HIDDEN, 0, HIDDEN, HIDDEN, None),
    ],
    "appointments": [
        *EXPECTED["appointments"][:-1],
        _row(APT, "sociale_dienst", "Sociale Dienst", "social.home_visit", HIDDEN, 0, 0, HIDDEN, 0, None),
    ],
    # Without a unit column, the figures include the OCMW service's contacts: every small count is hidden.
    "contacts-per-channel": [
        {**row, **{k: HIDDEN if isinstance(v, int) and v > 0 else v for k, v in row.items()}}
        for row in EXPECTED["contacts-per-channel"]
    ],
}


@pytest.mark.parametrize("name", sorted(SMALL_SOCIAL_GROUPS))
async def test_small_social_groups_are_not_shown_exactly(
    client: httpx.AsyncClient, settings: Settings, world: World, seeded: Seeded, name: str, clock: FixedClock
) -> None:
    admin = bearer(settings, clock, world.admin.email)
    answer = await client.get(f"/v1/reports/{name}", params=PERIOD, headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == SMALL_SOCIAL_GROUPS[name]
    exported = await client.get(f"/v1/reports/{name}", params={**PERIOD, "format": "csv"}, headers=admin)
    lines = list(csv.reader(io.StringIO(exported.text)))
    expected = SMALL_SOCIAL_GROUPS[name]
    assert lines[1:] == [["" if value is None else str(value) for value in row.values()] for row in expected]


async def test_catalogue_describes_every_report_and_its_chart(
    client: httpx.AsyncClient, settings: Settings, world: World, clock: FixedClock
) -> None:
    answer = await client.get("/v1/reports", headers=bearer(settings, clock, world.admin.email))
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert sorted(item["name"] for item in items) == sorted(EXPECTED)
    for item in items:
        columns = list(EXPECTED[item["name"]][0])
        chart = item["chart"]
        assert chart["type"] in {"bar", "line"}
        assert {chart["x"], *chart["y"]} <= set(columns)
        assert chart["series"] is None or chart["series"] in columns
        assert "period" in item["description"]
        assert "“< 5”" in item["description"]
        # Plain words, not formulas over column names.
        assert not {"`", "÷", "_"} & set(item["description"]), item["description"]


async def test_the_catalogue_names_the_configured_threshold(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, world: World, clock: FixedClock
) -> None:
    headers = bearer(settings, clock, world.admin.email)
    app.state.settings = settings.model_copy(update={"report_small_count_threshold": 10})
    ten = (await client.get("/v1/reports", headers=headers)).json()["items"]
    app.state.settings = settings.model_copy(update={"report_small_count_threshold": 1})
    off = (await client.get("/v1/reports", headers=headers)).json()["items"]

    assert all("from 1 to 9 is shown as “< 10”" in item["description"] for item in ten)
    assert not any("privacy" in item["description"] for item in off)  # nothing is hidden, nothing to say


# Every English text of the reports' metadata (titles, descriptions with their common sentences, labels).
ENGLISH = {
    text
    for report in catalogue.REPORTS
    for text in (
        report.title,
        report.description,
        catalogue.PERIOD,
        catalogue.SMALL_GROUPS,
        *(column.label for column in report.columns),
    )
}


@pytest.mark.parametrize(
    ("accept_language", "title", "description_words", "label"),
    [
        ("nl-BE,nl;q=0.9", "Contacten per kanaal per dag", ("kalenderdagen", "privacy", "„< 5”"), "Kanaal"),
        ("fr-BE,fr;q=0.9", "Contacts par canal et par jour", ("jours calendrier", "vie privée", "« < 5 »"), "Canal"),
        ("de", "Kontakte pro Kanal und Tag", ("Kalendertage", "Privatsphäre", "„< 5“"), "Kanal"),
        (None, "Contacts per channel per day", ("calendar days", "privacy", "“< 5”"), "Channel"),
    ],
)
async def test_catalogue_in_the_readers_language(
    client: httpx.AsyncClient,
    settings: Settings,
    world: World,
    clock: FixedClock,
    accept_language: str | None,
    title: str,
    description_words: tuple[str, ...],
    label: str,
) -> None:
    headers = bearer(settings, clock, world.admin.email)
    if accept_language:
        headers["Accept-Language"] = accept_language
    items = {item["name"]: item for item in (await client.get("/v1/reports", headers=headers)).json()["items"]}
    table = (await client.get("/v1/reports/contacts-per-channel", params=PERIOD, headers=headers)).json()

    assert items["contacts-per-channel"]["title"] == table["title"] == title
    for word in description_words:
        assert word in items["contacts-per-channel"]["description"]
    # Column names stay codes; the code column points at the column of names people read.
    assert table["columns"][1] == {
        "name": "channel",
        "label": f"{label} ({'Code' if accept_language == 'de' else 'code'})",
        "type": "string",
        "names": "channel_name",
    }
    assert table["columns"][2] == {"name": "channel_name", "label": label, "type": "string", "names": None}


@pytest.mark.parametrize("language", ["nl", "fr"])
async def test_no_english_metadata_reaches_a_dutch_or_french_reader(
    client: httpx.AsyncClient, settings: Settings, world: World, clock: FixedClock, language: str
) -> None:
    headers = {**bearer(settings, clock, world.admin.email), "Accept-Language": language}
    items = (await client.get("/v1/reports", headers=headers)).json()["items"]
    served: list[str] = []
    for item in items:
        served += [item["title"], item["description"]]
        table = await client.get(f"/v1/reports/{item['name']}", params=PERIOD, headers=headers)
        assert table.status_code == 200, table.text
        served += [table.json()["title"], *(column["label"] for column in table.json()["columns"])]
        exported = await client.get(f"/v1/reports/{item['name']}", params={**PERIOD, "format": "csv"}, headers=headers)
        served += next(csv.reader(io.StringIO(exported.text)))

    english = [text for text in served if text in ENGLISH]
    assert not english, english
    for text in ENGLISH:  # nor a whole English sentence inside a served text
        if " " in text:
            assert not any(text in served_text for served_text in served), text


async def test_csv_header_in_the_readers_language_or_codes_for_scripts(
    client: httpx.AsyncClient, settings: Settings, world: World, seeded: Seeded, clock: FixedClock
) -> None:
    admin = bearer(settings, clock, world.admin.email)
    params = {**PERIOD, "format": "csv"}

    dutch = await client.get("/v1/reports/escalations", params=params, headers={**admin, "Accept-Language": "nl"})
    french = await client.get("/v1/reports/escalations", params=params, headers={**admin, "Accept-Language": "fr-BE"})
    script = await client.get("/v1/reports/escalations", params=params, headers=admin)

    # A person's spreadsheet: names, not the code columns beside them.
    assert next(csv.reader(io.StringIO(dutch.text))) == [
        "Dienst",
        "Aangemaakte vragen",
        "Doorgegeven vragen",
        "Doorgegeven (%)",
        "Reden",
        "Doorgaven om deze reden",
    ]
    assert next(csv.reader(io.StringIO(french.text)))[:3] == ["Service", "Demandes créées", "Demandes transmises"]
    assert next(csv.reader(io.StringIO(script.text))) == list(EXPECTED["escalations"][0])
    # The same rows and figures; the reasons by name in the reader's language.
    rows = {
        language: list(csv.reader(io.StringIO(answer.text)))[1:] for language, answer in (("nl", dutch), ("fr", french))
    }
    assert len(rows["nl"]) == len(rows["fr"]) == len(script.text.splitlines()) - 1
    assert [row[4] for row in rows["nl"]][1:3] == ["er is een beslissing nodig", "er is expertise nodig"]
    assert [row[4] for row in rows["fr"]][1:3] == ["une décision est nécessaire", "une expertise est nécessaire"]


async def test_a_supervisor_sees_their_units_and_those_below(
    client: httpx.AsyncClient, settings: Settings, world: World, seeded: Seeded, clock: FixedClock
) -> None:
    mine = bearer(settings, clock, seeded.supervisor.email)
    answer = await client.get("/v1/reports/handling-time", params=PERIOD, headers=mine)
    assert answer.status_code == 200, answer.text
    assert [row["unit"] for row in answer.json()["rows"]] == ["burgerzaken", "identiteit"]

    narrowed = await client.get("/v1/reports/handling-time", params={**PERIOD, "unit": "identiteit"}, headers=mine)
    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.json()["rows"] == [_row(AHT, "identiteit", "Identiteit", 1, 2.0, 2.0)]

    elsewhere = await client.get("/v1/reports/handling-time", params={**PERIOD, "unit": "omgeving"}, headers=mine)
    assert "outside the units" in assert_problem(elsewhere, 403)["detail"]


async def test_agents_may_not_read_reports(
    client: httpx.AsyncClient, settings: Settings, world: World, seeded: Seeded, clock: FixedClock
) -> None:
    agent = bearer(settings, clock, seeded.agent.email)
    assert_problem(await client.get("/v1/reports", headers=agent), 403)
    assert_problem(await client.get("/v1/reports/handling-time", params=PERIOD, headers=agent), 403)


async def test_an_api_key_with_the_scope_sees_the_whole_organisation(
    client: httpx.AsyncClient, session: AsyncSession, seeded: Seeded
) -> None:
    key = {"X-API-Key": await factories.api_key(session, "dashboard", ["reports:read"])}
    answer = await client.get("/v1/reports/first-contact-resolution", params=PERIOD, headers=key)
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == SMALL_SOCIAL_GROUPS["first-contact-resolution"]


async def test_an_api_key_bound_to_a_unit_sees_that_unit_and_those_below(
    client: httpx.AsyncClient, session: AsyncSession, seeded: Seeded
) -> None:
    _client, key = await create_api_client(session, "loket-dashboard", [Scope.reports_read], "burgerzaken")
    answer = await client.get("/v1/reports/sla-compliance", params=PERIOD, headers={"X-API-Key": key})
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == EXPECTED["sla-compliance"][:1]
    problem = assert_problem(
        await client.get("/v1/reports/sla-compliance", params={"unit": "omgeving"}, headers={"X-API-Key": key}), 403
    )
    assert "omgeving" in problem["detail"]


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"first_day": "2026-03-31", "last_day": "2026-03-01"}, 422, "is after"),
        ({"first_day": "2025-01-01", "last_day": "2026-01-02"}, 422, "at most 366"),
        ({"first_day": "2026-02-30"}, 422, "first_day"),
        ({"first_day": "2026-03-01", "from": "2026-03-02"}, 422, "old name"),
        ({"from": "yesterday"}, 422, "from"),
        ({"to": "9999-12-31"}, 422, "must lie between"),
        ({"unit": "nowhere"}, 422, "no unit with code 'nowhere'"),
        ({"unit": "Not a code\u0000"}, 422, "query.unit"),
        ({"format": "xlsx"}, 422, "format"),
    ],
)
async def test_bad_parameters_are_clear_problems(
    client: httpx.AsyncClient,
    settings: Settings,
    world: World,
    params: dict[str, str],
    status: int,
    words: str,
    clock: FixedClock,
) -> None:
    answer = await client.get(
        "/v1/reports/handling-time", params=params, headers=bearer(settings, clock, world.admin.email)
    )
    problem = assert_problem(answer, status)
    assert words in problem["detail"] + str(problem.get("errors"))


async def test_unknown_report_is_404_naming_the_reports(
    client: httpx.AsyncClient, settings: Settings, world: World, clock: FixedClock
) -> None:
    problem = assert_problem(
        await client.get("/v1/reports/happiness", headers=bearer(settings, clock, world.admin.email)), 404
    )
    assert "contacts-per-channel" in problem["detail"]


async def test_a_full_leap_year_is_allowed(
    client: httpx.AsyncClient, settings: Settings, world: World, clock: FixedClock
) -> None:
    answer = await client.get(
        "/v1/reports/contacts-per-channel",
        params={"from": "2028-01-01", "to": "2028-12-31"},
        headers=bearer(settings, clock, world.admin.email),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == []
