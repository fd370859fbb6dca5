"""Call-back requests (terugbelverzoeken) and contact outcomes.

A request is about a ticket (named directly or through the contact in which the citizen asked it) and goes to
a unit or a person, who must be able to read that ticket (need-to-know: a request never shows a ticket to
someone who could not GET it). It is due on the calendar of the unit that calls back (sla/deadlines: opening
hours, Belgian holidays, closing days), within the citizen's window. Every attempt records its outcome; the
citizen reached closes it as completed; `wrong_number`, or `max_attempts` attempts without reaching them, close
it as failed: the ticket gets the flag `callback_failed` (until a later call-back reaches the citizen) and the
citizen a mail in the request's language, or, without an e-mail address but with a postal address, the ticket
a letter task. Every step is a timeline entry (tickets/timeline.py), so an event in the outbox and an audit
entry in the same transaction.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.audit.trail import audit_read, audit_reads
from genk3600.auth.principal import Principal
from genk3600.callbacks import notice, repository
from genk3600.callbacks.errors import (
    AttemptBeforeRequest,
    CallbackClosed,
    CallbackNotFound,
    CallbackQueueEmpty,
    ContactNotOnTicket,
    DueOutOfReach,
    NoLetterToSend,
    SubjectNotFound,
    TargetCannotSeeTicket,
    UnknownCallbackTarget,
    WindowOver,
)
from genk3600.callbacks.repository import CallbackFilter, DueKey
from genk3600.callbacks.schemas import (
    FAILED_OUTCOMES,
    AttemptIn,
    CallbackIn,
    CallbackOut,
    CallbackPage,
    CancelIn,
    ContactOutcomeIn,
    ContactOutcomeOut,
    LetterSentIn,
)
from genk3600.config import Settings
from genk3600.contacts import repository as contacts_repository
from genk3600.contacts.errors import ContactNotFound
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import Message
from genk3600.kit.clock import Clock
from genk3600.kit.pagination import InvalidCursor, PageParams, encode_cursor
from genk3600.models import CallbackAttempt, CallbackRequest, Staff, Ticket, Unit
from genk3600.models.enums import (
    CallbackOutcome,
    CallbackStatus,
    CitizenNotice,
    Language,
    TicketEventType,
    TicketFlag,
)
from genk3600.privacy import ocmw
from genk3600.queues.errors import AssigneeMeNeedsStaff, ClaimNeedsStaff, NotInUnit
from genk3600.sla.deadlines import calendar_for_unit
from genk3600.sla.sla import BusinessCalendar
from genk3600.staff.repository import staff_by_id
from genk3600.tickets import repository as ticket_repository
from genk3600.tickets import timeline
from genk3600.tickets.timeline import TimelineEntry
from genk3600.units.errors import UnitNotFound
from genk3600.units.repository import unit_by_code, unit_by_id

FLAG = TicketFlag.callback_failed.value


def due_moment(
    calendar: BusinessCalendar,
    asked_at: datetime,
    minutes: int,
    window_start: datetime | None = None,
    window_end: datetime | None = None,
) -> datetime:
    """When a call-back asked at `asked_at` is due: `minutes` of the unit's opening time after it, or after the
    start of the citizen's window if that is later; never after the window's end (the citizen expects the call
    within it). ValueError when the calendar has no such time (a calendar without opening hours)."""
    start = max(asked_at, window_start) if window_start is not None else asked_at
    due = calendar.add_business_minutes(start, minutes)
    if window_end is not None and window_end < due:
        return window_end
    return due


# --- creating ---------------------------------------------------------------------------------------------


NO_CONTACT = P_("There is no contact with id {contact_id} to call back about.")


async def _subject(session: AsyncSession, data: CallbackIn, actor: Principal) -> Ticket:
    """The ticket the request is about, if the actor may see it (else 422, like an unknown reference)."""
    if data.ticket is not None:
        ticket = await ticket_repository.ticket_by_reference(session, data.ticket, actor)
        if ticket is None:
            raise SubjectNotFound(
                P_("There is no ticket with reference {reference!r} to call back about."),
                params={"reference": data.ticket},
            )
        return ticket
    contact_id = data.contact_id or 0
    contact = await contacts_repository.contact_by_id(session, contact_id, actor)
    if contact is None:
        raise SubjectNotFound(NO_CONTACT, params={"contact_id": contact_id}, contact_id=contact_id)
    if contact.ticket_id is None:
        raise ContactNotOnTicket(contact_id)
    ticket = await ticket_repository.ticket_by_id(session, contact.ticket_id, actor)
    if ticket is None:  # the contact is visible because its ticket is
        raise SubjectNotFound(NO_CONTACT, params={"contact_id": contact_id}, contact_id=contact_id)
    return ticket


async def _target(session: AsyncSession, data: CallbackIn, ticket: Ticket) -> tuple[Unit, Staff | None]:
    """The unit and (optionally) the person who call back; by default the ticket's owning unit."""
    staff = None
    if data.staff_id is not None:
        staff = await staff_by_id(session, data.staff_id)
        if staff is None or not staff.active:
            raise UnknownCallbackTarget(
                P_("There is no active staff member with id {staff_id}."), params={"staff_id": data.staff_id}
            )
    if data.unit is not None:
        unit = await unit_by_code(session, data.unit)
        if unit is None or not unit.active:
            raise UnknownCallbackTarget(
                P_("There is no active unit with code {unit!r}."), params={"unit": data.unit}, unit=data.unit
            )
        if staff is not None and all(m.unit_id != unit.id for m in staff.memberships):
            raise UnknownCallbackTarget(
                P_("{staff} does not work in {unit}."),
                params={"staff": staff.full_name, "unit": unit.name},
                unit=data.unit,
            )
        return unit, staff
    if staff is not None:
        if not staff.memberships:
            raise UnknownCallbackTarget(
                P_("{staff} belongs to no unit whose calendar could set the due time."),
                params={"staff": staff.full_name},
            )
        first = await unit_by_id(session, staff.memberships[0].unit_id)
        if first is None:  # a membership's unit exists (foreign key)
            raise UnknownCallbackTarget(P_("{staff} belongs to no unit."), params={"staff": staff.full_name})
        return first, staff
    return ticket.owning_unit, None


def _as_principal(staff: Staff) -> Principal:
    """A staff member as `visible_tickets` sees them (it needs only who they are)."""
    return Principal(kind="staff", id=staff.id, name=staff.full_name, scopes=frozenset())


async def _check_target_sees(session: AsyncSession, ticket: Ticket, unit: Unit, staff: Staff | None) -> None:
    """Whoever calls back must be able to read the ticket: a request opens no ticket to anyone."""
    if staff is not None:
        if not await ticket_repository.is_visible(session, ticket.id, _as_principal(staff)):
            raise TargetCannotSeeTicket(
                P_(
                    "{staff} cannot read ticket {reference}. Hand the ticket over first, or ask a unit that can "
                    "read it to call back."
                ),
                params={"staff": staff.full_name, "reference": ticket.reference},
                staff_id=staff.id,
            )
        # A social case is held only by OCMW staff who see it by right, not through a grant.
        await ocmw.check_assignee(session, ticket, staff)
        return
    if ocmw.is_social(ticket) and not ocmw.is_ocmw_unit(unit):
        # A social case stays in the OCMW: not even a unit above it that reads it (the city's root) calls back.
        raise ocmw.SocialStaysInOcmw(
            P_(
                "Ticket {reference} is a social (OCMW) case; only an OCMW service calls the citizen back about it, "
                "not {unit}."
            ),
            params={"reference": ticket.reference, "unit": unit.name},
            unit=unit.code,
        )
    if not await repository.unit_sees_ticket(session, unit.id, ticket.id):
        raise TargetCannotSeeTicket(
            P_(
                "The staff of {unit} cannot read ticket {reference} (it is neither theirs nor, for a front-office "
                "desk, an ordinary ticket). Hand the ticket over first, or name a person who can read it."
            ),
            params={"unit": unit.name, "reference": ticket.reference},
            unit=unit.code,
        )


def _language(data: CallbackIn, ticket: Ticket) -> Language:
    if data.language is not None:
        return data.language
    if ticket.citizen is not None:
        return Language(ticket.citizen.preferred_language)
    return Language(ticket.language)


async def create_callback(
    session: AsyncSession, settings: Settings, clock: Clock, actor: Principal, data: CallbackIn, language: Language
) -> CallbackOut:
    """Ask for a call-back; it is due on the calling unit's calendar and lands on its list (and the person's)."""
    now = clock.now()
    ticket = await _subject(session, data, actor)
    unit, staff = await _target(session, data, ticket)
    await _check_target_sees(session, ticket, unit, staff)
    if data.window_end is not None and data.window_end <= now:
        raise WindowOver(P_("The citizen's window has ended already; ask them for a time still to come."))
    calendar = await calendar_for_unit(session, unit.id, settings.timezone)
    try:
        due_at = due_moment(calendar, now, settings.callback_due_minutes, data.window_start, data.window_end)
    except ValueError as exc:
        raise DueOutOfReach(
            P_(
                "The calendar of {unit!r} has no opening hours to count the due time on; check its opening hours "
                "and closing days."
            ),
            params={"unit": unit.code},
            unit=unit.code,
        ) from exc
    callback = CallbackRequest(
        ticket=ticket,
        contact_id=data.contact_id,
        unit=unit,
        assignee=staff,
        phone=data.phone,
        language=_language(data, ticket).value,
        question=data.question,
        window_start=data.window_start,
        window_end=data.window_end,
        due_at=due_at,
        status=CallbackStatus.open.value,
        max_attempts=settings.callback_max_attempts,
        attempts=0,
        postal_address=data.postal_address,
        citizen_notice=None,
        outbound_mail_id=None,
        letter_sent_at=None,
        closed_at=None,
        actor_staff_id=actor.staff_id,
        actor_api_client_id=actor.api_client_id,
        actor_name=actor.display_name,
        created_at=now,
        attempt_rows=[],
    )
    session.add(callback)
    await session.flush()
    text = Message("callback.created", {"target": [unit.code, staff.full_name if staff else None], "due": _iso(due_at)})
    facts = {
        **_facts(callback),
        "contact_id": callback.contact_id,
        "language": callback.language,
        "due_at": _iso(due_at),
    }
    await timeline.record_event(session, ticket, actor, TicketEventType.callback_created, text, facts)
    return CallbackOut.of(callback, now, language)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _facts(callback: CallbackRequest) -> dict[str, Any]:
    """What every call-back entry says (ids and codes only: it goes out as the event's data). The unit's id
    tells the consoles of that unit that its call-back list changed (console/stream.py)."""
    return {
        "callback_id": callback.id,
        "callback_unit_id": callback.unit_id,
        "unit": callback.unit.code,
        "assignee_staff_id": callback.assignee_staff_id,
        "status": callback.status,
    }


# --- reading ----------------------------------------------------------------------------------------------


async def get_callback(
    session: AsyncSession, clock: Clock, viewer: Principal, callback_id: int, language: Language
) -> CallbackOut:
    """One request with its attempts, if the viewer may see its ticket."""
    callback = await repository.callback_by_id(session, callback_id, viewer)
    if callback is None:
        raise CallbackNotFound(callback_id)
    await audit_read(session, viewer, "callback_request", str(callback.id), callback.ticket.confidentiality)
    return CallbackOut.of(callback, clock.now(), language)


async def list_callbacks(
    session: AsyncSession,
    clock: Clock,
    viewer: Principal,
    where: CallbackFilter,
    params: PageParams,
    language: Language,
) -> CallbackPage:
    """Requests matching the filter, newest first."""
    rows = await repository.list_callbacks(session, where, params, viewer)
    shown = rows[: params.limit]
    await audit_reads(session, viewer, "list_callbacks", [(row.ticket_id, row.ticket.confidentiality) for row in shown])
    now = clock.now()
    more = len(rows) > params.limit
    return CallbackPage(
        items=[CallbackOut.of(row, now, language) for row in shown],
        next_cursor=encode_cursor(shown[-1].id) if more and shown else None,
    )


def encode_due_cursor(key: DueKey) -> str:
    payload = {"due": key.due.isoformat(), "id": key.id}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def decode_due_cursor(cursor: str) -> DueKey:
    """The place a cursor resumes after; anything this API did not hand out is an InvalidCursor (400)."""
    problem = InvalidCursor("The cursor is not one this list handed out; start again without a cursor.")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        due, callback_id = datetime.fromisoformat(payload["due"]), payload["id"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise problem from exc
    if not isinstance(callback_id, int) or isinstance(callback_id, bool) or due.tzinfo is None:
        raise problem
    return DueKey(due, callback_id)


async def unit_callbacks(
    session: AsyncSession,
    clock: Clock,
    viewer: Principal,
    unit_code: str,
    params: PageParams,
    language: Language,
    *,
    unassigned: bool = False,
    assigned_to_me: bool = False,
) -> CallbackPage:
    """A unit's open requests, earliest due first, each with its deadline colour."""
    if assigned_to_me and viewer.staff_id is None:
        raise AssigneeMeNeedsStaff()
    unit = await unit_by_code(session, unit_code)
    if unit is None:
        raise UnitNotFound(unit_code)
    after = decode_due_cursor(params.cursor) if params.cursor else None
    rows = await repository.unit_list(
        session,
        unit.id,
        after,
        params.limit,
        viewer,
        unassigned=unassigned,
        assignee_staff_id=viewer.staff_id if assigned_to_me else None,
    )
    shown = rows[: params.limit]
    await audit_reads(
        session, viewer, "list_unit_callbacks", [(row.ticket_id, row.ticket.confidentiality) for row in shown]
    )
    more = len(rows) > params.limit
    now = clock.now()
    return CallbackPage(
        items=[CallbackOut.of(row, now, language) for row in shown],
        next_cursor=encode_due_cursor(DueKey(shown[-1].due_at, shown[-1].id)) if more and shown else None,
    )


# --- working on a request -----------------------------------------------------------------------------------


async def _locked(session: AsyncSession, callback_id: int, actor: Principal) -> CallbackRequest:
    """The request, locked, if the actor may see it; 409 unless it is still open."""
    callback = await repository.callback_by_id(session, callback_id, actor, lock=True)
    if callback is None:
        raise CallbackNotFound(callback_id)
    if callback.status != CallbackStatus.open.value:
        raise CallbackClosed(callback.id, callback.status)
    return callback


async def claim_callback(
    session: AsyncSession, clock: Clock, actor: Principal, unit_code: str, language: Language
) -> CallbackOut:
    """Take the unit's earliest-due open request that nobody has yet (staff of the unit or a unit above it)."""
    staff_id = actor.staff_id
    if staff_id is None:
        raise ClaimNeedsStaff()
    found = await repository.unit_with_lineage(session, unit_code)
    if found is None:
        raise UnitNotFound(unit_code)
    unit, lineage = found
    if not any(membership.unit_id in lineage for membership in actor.memberships):
        raise NotInUnit(unit.code, unit.name)
    callback = await repository.lock_next_claimable(session, unit.id, actor)
    if callback is None:
        raise CallbackQueueEmpty(unit.code, unit.name)
    staff = await staff_by_id(session, staff_id)
    callback.assignee_staff_id, callback.assignee = staff_id, staff
    await session.flush()
    name = staff.full_name if staff else actor.display_name
    await timeline.record_event(
        session,
        callback.ticket,
        actor,
        TicketEventType.callback_assigned,
        Message("callback.assigned", {"assignee": name}),
        {**_facts(callback), "via": "claim"},
    )
    await audit_reads(session, actor, "claim_callback", [(callback.ticket_id, callback.ticket.confidentiality)])
    return CallbackOut.of(callback, clock.now(), language)


async def record_attempt(
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    actor: Principal,
    callback_id: int,
    data: AttemptIn,
    language: Language,
) -> CallbackOut:
    """Record one try; reaching the citizen completes the request, running out of tries fails it."""
    now = clock.now()
    callback = await _locked(session, callback_id, actor)
    at = data.attempted_at or now
    if at < callback.created_at:
        raise AttemptBeforeRequest(
            P_("The call was made before the call-back was asked; record it as a contact of its own instead.")
        )
    outcome = data.outcome
    attempt = CallbackAttempt(
        outcome=outcome.value,
        note=data.note,
        attempted_at=at,
        actor_staff_id=actor.staff_id,
        actor_api_client_id=actor.api_client_id,
        actor_name=actor.display_name,
        created_at=now,
    )
    callback.attempt_rows.append(attempt)
    callback.attempts += 1
    if callback.assignee_staff_id is None and await _may_take(session, callback, actor):
        # Whoever calls a request nobody had taken takes it: the next attempt is theirs to make.
        callback.assignee_staff_id = actor.staff_id
        callback.assignee = await staff_by_id(session, actor.staff_id or 0)
    number = callback.attempts
    entries = []
    closing = outcome is CallbackOutcome.reached or outcome is CallbackOutcome.wrong_number
    failed = outcome in FAILED_OUTCOMES and (closing or number >= callback.max_attempts)
    ticket = callback.ticket
    if outcome is CallbackOutcome.reached or failed:
        callback.status = (
            CallbackStatus.completed if outcome is CallbackOutcome.reached else CallbackStatus.failed
        ).value
        callback.closed_at = at
        # The ticket's flag changes with it: locked and read afresh (another request may just have changed it).
        ticket = await ticket_repository.lock_ticket(session, callback.ticket_id) or ticket
    await session.flush()
    said = Message(f"callback.outcome.{outcome.value}").as_json()
    entries.append(
        TimelineEntry(
            TicketEventType.callback_attempt_recorded,
            Message(
                "callback.attempt",
                {"attempt": number, "max_attempts": callback.max_attempts, "outcome": said, "note": data.note},
            ),
            {**_facts(callback), "attempt_id": attempt.id, "attempt": number, "outcome": outcome.value},
        )
    )
    if outcome is CallbackOutcome.reached:
        if FLAG in ticket.flags:
            ticket.flags = [flag for flag in ticket.flags if flag != FLAG]
        entries.append(
            TimelineEntry(
                TicketEventType.callback_completed,
                Message("callback.completed"),
                {**_facts(callback), "attempts": number, "flag_cleared": FLAG not in ticket.flags},
            )
        )
    elif failed:
        entries.append(await _fail(session, settings, ticket, callback, outcome, now))
    await timeline.record_events(session, ticket, actor, entries)
    return CallbackOut.of(callback, now, language)


async def _may_take(session: AsyncSession, callback: CallbackRequest, actor: Principal) -> bool:
    """A staff member may hold the request: any who sees a normal ticket; for a social case only OCMW staff who see
    it by right (a break-the-glass grant lets a supervisor call, not keep the request)."""
    if actor.staff_id is None:
        return False
    if not ocmw.is_social(callback.ticket):
        return True
    return await ticket_repository.may_hold_social(session, callback.ticket_id, actor.staff_id)


async def _fail(
    session: AsyncSession,
    settings: Settings,
    ticket: Ticket,
    callback: CallbackRequest,
    last_outcome: CallbackOutcome,
    now: datetime,
) -> TimelineEntry:
    """Flag the ticket and tell the citizen in writing: a mail if they have an e-mail address, else a letter task
    if the request has a postal address, else nothing (and the timeline says so)."""
    if FLAG not in ticket.flags:
        ticket.flags = sorted({*ticket.flags, FLAG})
    citizen = ticket.citizen
    facts: dict[str, Any] = {**_facts(callback), "attempts": callback.attempts, "flag": FLAG}
    if citizen is not None and citizen.email:
        mail = await notice.mail_not_reached(session, settings, ticket, callback, last_outcome, citizen.email, now)
        callback.citizen_notice, callback.outbound_mail_id = CitizenNotice.mail.value, mail.id
        code = "callback.failed_mailed"
        facts["outbound_mail_id"] = mail.id
    elif callback.postal_address:
        callback.citizen_notice = CitizenNotice.letter.value
        code = "callback.failed_letter"
    else:
        callback.citizen_notice = CitizenNotice.none.value
        code = "callback.failed_no_address"
    await session.flush()
    facts["citizen_notice"] = callback.citizen_notice
    return TimelineEntry(TicketEventType.callback_failed, Message(code, {"attempts": callback.attempts}), facts)


async def cancel_callback(
    session: AsyncSession, clock: Clock, actor: Principal, callback_id: int, data: CancelIn, language: Language
) -> CallbackOut:
    """Close an open request without calling (the citizen got their answer another way)."""
    now = clock.now()
    callback = await _locked(session, callback_id, actor)
    callback.status, callback.closed_at = CallbackStatus.cancelled.value, now
    await session.flush()
    await timeline.record_event(
        session,
        callback.ticket,
        actor,
        TicketEventType.callback_cancelled,
        Message("callback.cancelled", {"note": data.reason}),
        _facts(callback),
    )
    return CallbackOut.of(callback, now, language)


async def record_letter(
    session: AsyncSession, clock: Clock, actor: Principal, callback_id: int, data: LetterSentIn, language: Language
) -> CallbackOut:
    """The letter task of a failed request is done: the letter went out."""
    now = clock.now()
    callback = await repository.callback_by_id(session, callback_id, actor, lock=True)
    if callback is None:
        raise CallbackNotFound(callback_id)
    if callback.citizen_notice != CitizenNotice.letter.value or callback.letter_sent_at is not None:
        sent = callback.letter_sent_at is not None
        raise NoLetterToSend(
            P_("Call-back request {callback_id} has no letter waiting to be sent (it was sent already).")
            if sent
            else P_(
                "Call-back request {callback_id} has no letter waiting to be sent: only a failed request without an "
                "e-mail address has one."
            ),
            params={"callback_id": callback.id},
            callback_id=callback.id,
        )
    callback.letter_sent_at = now
    await session.flush()
    await timeline.record_event(
        session,
        callback.ticket,
        actor,
        TicketEventType.callback_letter_sent,
        Message("callback.letter_sent", {"note": data.note}),
        _facts(callback),
    )
    return CallbackOut.of(callback, now, language)


# --- contact outcomes ---------------------------------------------------------------------------------------


def _yes_no(prefix: str, value: bool | None) -> dict[str, Any]:
    word = "unknown" if value is None else ("yes" if value else "no")
    return Message(f"{prefix}.{word}").as_json()


async def set_contact_outcome(
    session: AsyncSession, actor: Principal, contact_id: int, data: ContactOutcomeIn
) -> ContactOutcomeOut:
    """Record (or correct) whether a contact reached the citizen and answered their question at first contact."""
    contact = await contacts_repository.contact_by_id(session, contact_id, actor)
    if contact is None:
        raise ContactNotFound(contact_id)
    fields = data.model_fields_set
    if "reached_citizen" in fields:
        contact.reached_citizen = data.reached_citizen
    if "answered_at_first_contact" in fields:
        contact.answered_at_first_contact = data.answered_at_first_contact
    await session.flush()
    if contact.ticket is not None:
        await timeline.record_event(
            session,
            contact.ticket,
            actor,
            TicketEventType.note,
            Message(
                "contact.outcome_recorded",
                {
                    "contact": contact.channel,
                    "reached": _yes_no("contact.reached", contact.reached_citizen),
                    "answered": _yes_no("contact.answered", contact.answered_at_first_contact),
                },
            ),
            {
                "contact_id": contact.id,
                "reached_citizen": contact.reached_citizen,
                "answered_at_first_contact": contact.answered_at_first_contact,
            },
        )
    return ContactOutcomeOut(
        contact_id=contact.id,
        ticket=contact.ticket.reference if contact.ticket else None,
        reached_citizen=contact.reached_citizen,
        answered_at_first_contact=contact.answered_at_first_contact,
    )
