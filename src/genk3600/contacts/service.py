"""Recording contacts. Every channel ends here, in one function and one transaction:
identify the citizen, find or open the ticket, write the contact and the timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.audit.trail import audit_read, audit_reads
from genk3600.auth.principal import Principal
from genk3600.categories.service import active_category
from genk3600.citizens.service import Identification, identify
from genk3600.config import Settings
from genk3600.contacts import repository
from genk3600.contacts.errors import ContactNotFound, UnknownDesk, UnknownTicket
from genk3600.contacts.intake import DeliveryFailure, Intake, Outcome, Threading
from genk3600.contacts.schemas import (
    ContactOut,
    ContactPage,
    ContactRecorded,
    CounterContactIn,
    PhoneContactIn,
    WebContactIn,
)
from genk3600.contacts.subjects import subject_from_text
from genk3600.errors import Phrase, UnprocessableInput
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import Message
from genk3600.kit.clock import Clock
from genk3600.kit.pagination import PageParams, page_of
from genk3600.links import service as links
from genk3600.models import Category, Contact, ContactAttachment, OutboundMail, Ticket, Unit
from genk3600.models.enums import (
    FINISHED_STATUSES,
    Channel,
    Confidentiality,
    ContactFlag,
    DeskKind,
    Language,
    Role,
    TicketEventType,
    UnitKind,
)
from genk3600.notifications import repository as outbound
from genk3600.notifications.acknowledgement import acknowledge
from genk3600.participation.schemas import ParticipationIn
from genk3600.participation.service import record_participation
from genk3600.parties import service as parties
from genk3600.parties.schemas import PartyOut
from genk3600.routing import service as routing
from genk3600.tickets import repository as ticket_repository
from genk3600.tickets import service as tickets
from genk3600.tickets import timeline
from genk3600.units.repository import unit_by_code

# Citizens who wrote in get a written acknowledgement; callers and visitors hear it from the agent.
ACKNOWLEDGED_CHANNELS = (Channel.mail, Channel.web)


@dataclass(frozen=True)
class _Placement:
    ticket: Ticket | None
    outcome: Outcome
    why: Message  # the timeline's text, without the contact (filled in when the contact is written)
    routed: routing.RoutedTicket | None = None
    threaded_by: str | None = None  # the mail header (or subject reference) that named the ticket
    bounced: OutboundMail | None = None  # our mail this contact (a bounce) reports undelivered
    bounce_reason: str = ""
    # A new ticket written only if the citizen has no open ticket on its category opened since then (the check
    # inside the ticket's INSERT: tickets/repository.write_opened); None: checked already, or no follow-up possible.
    unless_follow_up_since: datetime | None = None


async def record_intake(
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    actor: Principal,
    intake: Intake,
    reader: Language = Language.en,
) -> ContactRecorded:
    """Record one contact from any channel and put it on the right ticket (or none, for auto-replies); the
    answer's names in the `reader`'s language."""
    now = clock.now()
    if intake.external_id:
        await repository.lock_external_id(session, intake.channel, intake.external_id)
        known = await repository.contact_by_external_id(session, intake.channel, intake.external_id)
        if known is not None:
            if ContactFlag.awaiting_summary.value in known.flags and intake.opens_ticket:
                return await _complete_call(session, settings, actor, known, intake, now, reader)
            return await _recorded(session, actor, known, Outcome.duplicate, reader=reader)
    category = await active_category(session, intake.category) if intake.category else None
    found = await _identify(session, settings, intake, category)
    flags = set(intake.flags) | ({ContactFlag.ambiguous_citizen} if found.ambiguous else set())
    if any(attachment.content is None for attachment in intake.attachments):
        flags.add(ContactFlag.attachment_over_cap)
    language = _language(intake, found)
    contact = Contact(
        citizen_id=found.citizen.id if found.citizen else None,
        channel=intake.channel.value,
        direction=intake.direction.value,
        language=language.value,
        subject=intake.subject,
        body=intake.body,
        channel_details=intake.channel_details,
        external_id=intake.external_id,
        flags=sorted(flag.value for flag in flags),
        occurred_at=intake.occurred_at or now,
        reached_citizen=intake.reached_citizen,
        answered_at_first_contact=intake.answered_at_first_contact,
        # The same instant: the column default (the transaction's start, the database's clock) would put a
        # contact recorded as it happens before its own occurrence, by however long the request had been running.
        created_at=now,
        actor_staff_id=actor.staff_id,
        actor_api_client_id=actor.api_client_id,
        actor_name=actor.display_name,
        attachments=[
            ContactAttachment(
                filename=a.filename,
                content_type=a.content_type,
                size=a.size,
                sha256=a.sha256,
                content=a.content,
            )
            for a in intake.attachments
        ],
    )
    # A contact with attachments is written by the ORM's flush, which has no such guard: check follow-ups first.
    placement = await _place(
        session, settings, actor, intake, category, found, language, now, guard_follow_up=not contact.attachments
    )
    # Through the relationship: a new ticket gets its id in the same flush that writes the contact.
    contact.ticket = placement.ticket
    _note_placement(contact, placement)
    year = now.astimezone(settings.zone).year
    ticket = placement.ticket
    written = False
    if (
        ticket is not None
        and placement.outcome is Outcome.created
        and ticket_repository.can_write_opened(ticket, contact, year)
    ):
        # A new ticket, its first contact and timeline: one statement, no unit of work (the intake's CPU budget,
        # #16). The entries' contact id is filled in by that statement.
        entries = _created_entries(placement, ticket, contact, category)
        since = placement.unless_follow_up_since
        written = await ticket_repository.write_opened(session, year, ticket, contact, actor, entries, since)
        if not written and category is not None and found.citizen is not None and since is not None:
            # The guard found the citizen's open ticket on this category: the contact joins it, as `_place` would
            # have had it checked first (the routed ticket was never written nor added to the session).
            same = await _follow_up(session, actor, found.citizen.id, category, since, locked=True)
            if same is not None:
                placement = same
                contact.ticket = placement.ticket
            else:  # resolved or closed since the guard looked: open the routed ticket after all
                written = await ticket_repository.write_opened(session, year, ticket, contact, actor, entries)
    elif placement.unless_follow_up_since is not None and category is not None and found.citizen is not None:
        # Not written by the guarded statement after all: the follow-up is looked for before the flush opens it.
        since = placement.unless_follow_up_since
        same = await _follow_up(session, actor, found.citizen.id, category, since, locked=True)
        if same is not None:
            placement = same
            contact.ticket = placement.ticket
    if not written:
        session.add(contact)
        await session.flush()
        if ticket is not None:
            await _log_placement(session, settings, actor, placement, contact, category)
    routed = placement.routed
    if routed and intake.channel in ACKNOWLEDGED_CHANNELS and found.citizen and found.citizen.email:
        opened_by = (contact.channel, contact.direction)
        await acknowledge(
            session, settings, routed.ticket, routed.access_code, found.citizen.email, now, opened_by, routed.owner
        )
    return await _recorded(
        session,
        actor,
        contact,
        placement.outcome,
        routed.access_code if routed else None,
        placement.ticket,
        reader,
        (routed.category, routed.owner) if routed else None,
    )


async def _identify(
    session: AsyncSession, settings: Settings, intake: Intake, category: Category | None
) -> Identification:
    """The contact's citizen; where the contact may join their open ticket on its category (`_place`), with their
    follow-ups on it locked by the identification (the e-mail lookup takes the lock in the same statement)."""
    if intake.citizen is None:
        return Identification(None)
    may_follow_up = (
        category is not None and settings.follow_up_window_hours and intake.opens_ticket and not intake.ticket_reference
    )
    return await identify(session, settings.secret, intake.citizen, category.id if may_follow_up and category else None)


async def _place(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    intake: Intake,
    category: Category | None,
    found: Identification,
    language: Language,
    now: datetime,
    *,
    guard_follow_up: bool = False,
) -> _Placement:
    """Decide which ticket the contact belongs to: an explicit link, a thread, a follow-up, or a new one.

    `guard_follow_up`: where the citizen's follow-ups are locked already, a new ticket is routed without looking
    for their open ticket first; the placement says since when one would count (`unless_follow_up_since`), and the
    ticket's own INSERT looks (tickets/repository.write_opened): one round trip less for every new ticket.

    Only tickets the actor may see are joined (DESIGN.md: visibility is decided once, write paths included).
    An explicit link to one out of sight answers like an unknown reference; a thread or follow-up whose
    ticket is out of sight is not followed, so the contact opens a ticket of its own, routed as any new one
    (continuity of care still sends a social matter to the OCMW and the citizen's case worker)."""
    if intake.ticket_reference:
        linked = await ticket_repository.ticket_by_reference(session, intake.ticket_reference, actor)
        if linked is None:
            raise UnknownTicket(intake.ticket_reference)
        return _Placement(linked, Outcome.attached, Message("ticket.contact_linked", {"who": actor.display_name}))
    if intake.delivery_failure is not None:
        bounced = await _bounced(session, intake.delivery_failure, actor)
        if bounced is not None:
            return bounced
    if not intake.opens_ticket:
        return _Placement(None, Outcome.stored, Message("ticket.contact_added"))
    threaded, threaded_by = await _thread(session, intake.threading, actor)
    if threaded is not None:
        continued = await _continue_thread(session, settings, threaded, now, threaded_by)
        if continued is not None:
            return continued
    # A citizen registered by this very contact has no ticket yet (nor can another transaction know their id):
    # nothing to look for or to lock.
    unless_follow_up_since = None
    if found.citizen is not None and not found.registered and category is not None and settings.follow_up_window_hours:
        since = now - timedelta(hours=settings.follow_up_window_hours)
        if guard_follow_up and found.follow_ups_locked and threaded is None:
            unless_follow_up_since = since
        else:
            same = await _follow_up(session, actor, found.citizen.id, category, since, locked=found.follow_ups_locked)
            if same is not None:
                return same
    facts = routing.facts_of(
        settings,
        intake.channel,
        category.code if category else None,
        intake.subject or "",
        intake.body,
        language,
        bool(found.citizen and found.citizen.case_worker_id),
        intake.occurred_at or now,
    )
    draft = routing.TicketDraft(intake.subject or subject_from_text(intake.body), language, category, found.citizen)
    try:
        routed = await routing.open_routed_ticket(session, settings, facts, draft, now)
    except UnprocessableInput:
        # Routing cannot place a new ticket (a unit removed, no OCMW unit): a follow-up joins its open ticket all
        # the same, as when it was looked for first.
        if unless_follow_up_since is None or found.citizen is None or category is None:
            raise
        same = await _follow_up(session, actor, found.citizen.id, category, unless_follow_up_since, locked=True)
        if same is None:
            raise
        return same
    why = Message("ticket.created", {"unit": routed.owner.code})
    if threaded is not None:
        why = Message(
            "ticket.created_follow_up",
            {**why.params, "reference": threaded.reference, "status": threaded.status},
        )
    return _Placement(
        routed.ticket, Outcome.created, why, routed, threaded_by, unless_follow_up_since=unless_follow_up_since
    )


async def _follow_up(
    session: AsyncSession, actor: Principal, citizen_id: int, category: Category, since: datetime, *, locked: bool
) -> _Placement | None:
    """The citizen's open ticket on this category (opened since `since`, visible to the actor), joined."""
    open_ticket = await ticket_repository.open_ticket_for(session, citizen_id, category.id, since, actor, locked=locked)
    if open_ticket is None:
        return None
    why = Message("ticket.contact_same_question", {"category": category.code, "reference": open_ticket.reference})
    return _Placement(open_ticket, Outcome.attached, why)


async def _thread(session: AsyncSession, threading: Threading, actor: Principal) -> tuple[Ticket | None, str | None]:
    """The ticket a mail reply continues, among those the actor may see, and what named it."""
    for reference in threading.ticket_references:
        ticket = await ticket_repository.ticket_by_reference(session, reference, actor)
        if ticket is not None:
            return ticket, f"subject reference {reference}"
    for header, message_ids in (("In-Reply-To", threading.in_reply_to), ("References", threading.references)):
        if not message_ids:
            continue
        ticket_id = await repository.ticket_id_of_mail(session, message_ids)
        # A reply to one of our own messages (an acknowledgement) names its Message-ID.
        ticket_id = ticket_id or await outbound.ticket_id_by_message_ids(session, message_ids)
        if ticket_id is not None:
            return await ticket_repository.ticket_by_id(session, ticket_id, actor), header
    return None, None


async def _bounced(session: AsyncSession, failure: DeliveryFailure, actor: Principal) -> _Placement | None:
    """A bounce of our own mail joins that mail's ticket, if the actor may see it (as any thread would)."""
    mail = await outbound.mail_by_message_ids(session, failure.message_ids)
    if mail is None or mail.ticket_id is None:
        return None
    ticket = await ticket_repository.ticket_by_id(session, mail.ticket_id, actor)
    if ticket is None:
        return None
    # Its timeline entry is the bounce itself (_log_placement), not "contact added".
    why = Message("ticket.contact_added")
    return _Placement(ticket, Outcome.attached, why, None, "returned Message-ID", mail, failure.reason)


def _note_placement(contact: Contact, placement: _Placement) -> None:
    """What the contact itself keeps of its placement: the header that threaded it, a bounce's flag."""
    if placement.threaded_by is not None:
        contact.channel_details = {**contact.channel_details, "threaded_by": placement.threaded_by}
    if placement.bounced is not None:
        contact.flags = sorted({*contact.flags, ContactFlag.mail_bounced.value})


async def _continue_thread(
    session: AsyncSession, settings: Settings, ticket: Ticket, now: datetime, threaded_by: str | None
) -> _Placement | None:
    """A reply joins its ticket; a recently resolved one reopens; an older or closed one starts afresh (None)."""
    locked = await ticket_repository.lock_ticket(session, ticket.id)
    ticket = locked or ticket
    if ticket.status not in FINISHED_STATUSES:
        reply = Message("ticket.contact_reply", {"reference": ticket.reference})
        return _Placement(ticket, Outcome.threaded, reply, None, threaded_by)
    window = timedelta(days=settings.reopen_window_days)
    if ticket.status == "resolved" and ticket.resolved_at and now - ticket.resolved_at <= window:
        reopens = Message("ticket.contact_reply_reopens", {"days": settings.reopen_window_days})
        return _Placement(ticket, Outcome.reopened, reopens, None, threaded_by)
    return None


async def _log_placement(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    placement: _Placement,
    contact: Contact,
    category: Category | None,
) -> None:
    ticket = placement.ticket
    if ticket is None:
        return
    facts = {"contact_id": contact.id, "channel": contact.channel, "outcome": placement.outcome.value}
    if placement.outcome is Outcome.created:
        await timeline.record_events(session, ticket, actor, _created_entries(placement, ticket, contact, category))
        return
    if placement.bounced is not None:
        reason = placement.bounce_reason
        await outbound.mark_bounced(session, placement.bounced.id, reason)
        await timeline.record_event(
            session,
            ticket,
            actor,
            TicketEventType.mail_bounced,
            Message("ticket.mail_bounced", {"reason": reason})
            if reason
            else Message("ticket.mail_bounced_unexplained"),
            {**facts, "outbound_mail_id": placement.bounced.id, "purpose": placement.bounced.purpose, "reason": reason},
        )
        return
    if placement.outcome is Outcome.reopened:
        reopened = Message("ticket.reopened", {"days": settings.reopen_window_days})
        await tickets.reopen(session, ticket, actor, reopened)
    await timeline.record_event(
        session,
        ticket,
        actor,
        TicketEventType.contact_added,
        Message(placement.why.code, {**placement.why.params, "contact": contact.channel}),
        facts,
    )


def _created_entries(
    placement: _Placement, ticket: Ticket, contact: Contact, category: Category | None
) -> list[timeline.TimelineEntry]:
    """A new ticket's first entries: created (naming the contact: its id is None until the contact is written),
    then what routing decided."""
    created = timeline.TimelineEntry(
        TicketEventType.created,
        Message(placement.why.code, {**placement.why.params, "contact": contact.channel}),
        {
            "contact_id": contact.id,
            "channel": contact.channel,
            "outcome": placement.outcome.value,
            "owning_unit": placement.routed.owner.code if placement.routed else ticket.owning_unit.code,
            "category": category.code if category else None,
            "priority": ticket.priority,
        },
    )
    routed = routing.routing_entries(placement.routed) if placement.routed is not None else []
    return [created, *routed]


async def _complete_call(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    pending: Contact,
    intake: Intake,
    now: datetime,
    reader: Language,
) -> ContactRecorded:
    """The agent's summary of a call the PBX already reported: the pending contact gets its ticket now."""
    category = await active_category(session, intake.category) if intake.category else None
    found = await _identify(session, settings, intake, category)
    language = _language(intake, found)
    placement = await _place(session, settings, actor, intake, category, found, language, now)
    pending.body = intake.body
    pending.subject = intake.subject
    pending.language = language.value
    pending.citizen_id = found.citizen.id if found.citizen else None
    pending.ticket = placement.ticket
    pending.channel_details = {**pending.channel_details, **_filled(intake.channel_details)}
    kept = {flag for flag in pending.flags if flag != ContactFlag.awaiting_summary.value}
    pending.flags = sorted(kept | ({ContactFlag.ambiguous_citizen.value} if found.ambiguous else set()))
    pending.actor_staff_id, pending.actor_api_client_id = actor.staff_id, actor.api_client_id
    if intake.reached_citizen is not None:
        pending.reached_citizen = intake.reached_citizen
    if intake.answered_at_first_contact is not None:
        pending.answered_at_first_contact = intake.answered_at_first_contact
    pending.actor_name = actor.display_name
    await session.flush()
    await _log_placement(session, settings, actor, placement, pending, category)
    routed = placement.routed
    opened_by_id = (routed.category, routed.owner) if routed else None
    return await _recorded(session, actor, pending, placement.outcome, None, placement.ticket, reader, opened_by_id)


def _filled(details: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in details.items() if value is not None}


async def _recorded(
    session: AsyncSession,
    actor: Principal,
    contact: Contact,
    outcome: Outcome,
    access_code: str | None = None,
    ticket: Ticket | None = None,
    reader: Language = Language.en,
    opened_by_id: tuple[Category | None, Unit] | None = None,
) -> ContactRecorded:
    """The answer, built from the rows this transaction holds; only what expired is read back (a ticket routing
    opened has its category and unit by id: `opened_by_id` gives their rows).

    It carries a ticket only when the actor may see it, as a GET would. A contact this request wrote is
    what the actor sent, so it is always shown (with the reference of a ticket it opened out of the actor's
    sight, which the citizen needs); a duplicate's earlier recording on such a ticket is not shown at all."""
    visible = contact.ticket_id is None or (
        # Attached, threaded and reopened tickets were found among those the actor sees.
        outcome not in (Outcome.created, Outcome.duplicate) or await _may_see(session, actor, contact.ticket_id, ticket)
    )
    if outcome is Outcome.duplicate and not visible:
        return ContactRecorded(contact_id=contact.id, contact=None, ticket=None, outcome=outcome)
    out = (
        await tickets.ticket_out(session, contact.ticket_id, ticket, reader, opened_by_id)
        if contact.ticket_id
        else None
    )
    reference = out.reference if out else None
    if not tickets.fully_loaded(contact, "attachments"):
        contact = await repository.contact_by_id(session, contact.id) or contact
    return ContactRecorded(
        contact_id=contact.id,
        contact=ContactOut.of(contact, reference),
        ticket=out if visible else None,
        outcome=outcome,
        access_code=access_code,
    )


async def _may_see(session: AsyncSession, actor: Principal, ticket_id: int, written: Ticket | None) -> bool:
    """`visible_tickets` for one ticket; decided without a query for machines when the ticket is at hand."""
    if actor.kind == "system":
        return True
    if actor.kind == "api_client" and written is not None and written.id == ticket_id:
        if actor.unit_id is not None:
            return written.owning_unit_id == actor.unit_id
        return written.confidentiality != Confidentiality.social.value
    return await ticket_repository.is_visible(session, ticket_id, actor)


def _language(intake: Intake, found: Identification) -> Language:
    if intake.language is not None:
        return intake.language
    return Language(found.citizen.preferred_language) if found.citizen else Language.nl


async def get_contact(
    session: AsyncSession, contact_id: int, viewer: Principal, language: Language = Language.en
) -> ContactOut:
    """One contact by id, if the viewer may see its ticket."""
    contact = await repository.contact_by_id(session, contact_id, viewer)
    if contact is None:
        raise ContactNotFound(contact_id)
    if contact.ticket is not None:
        await audit_read(session, viewer, "contact", str(contact.id), contact.ticket.confidentiality)
    return ContactOut.of(contact, contact.ticket.reference if contact.ticket else None, language)


async def list_contacts(
    session: AsyncSession,
    flag: ContactFlag | None,
    without_ticket: bool,
    params: PageParams,
    viewer: Principal,
    language: Language = Language.en,
) -> ContactPage:
    """Contacts for an agent's attention (flagged, or without a ticket), newest first."""
    rows = await repository.list_contacts(session, flag, without_ticket, params, viewer)
    await audit_reads(
        session,
        viewer,
        "list_contacts",
        [(c.ticket.id, c.ticket.confidentiality) for c in rows[: params.limit] if c.ticket is not None],
    )
    return page_of(
        ContactPage,
        rows,
        params,
        lambda c: c.id,
        lambda c: ContactOut.of(c, c.ticket.reference if c.ticket else None, language),
    )


DESK_WORDS = {
    DeskKind.reception: P_("reception"),
    DeskKind.quick_desk: P_("quick desk"),
    DeskKind.thematic_desk: P_("thematic desk"),
}
# Which unit kinds may host which desk.
_DESK_UNIT_KINDS = {
    DeskKind.reception: UnitKind.reception,
    DeskKind.quick_desk: UnitKind.quick_desk,
    DeskKind.thematic_desk: UnitKind.thematic_desk,
}


async def record_contact(
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    actor: Principal,
    data: WebContactIn | PhoneContactIn | CounterContactIn,
    reader: Language = Language.en,
) -> ContactRecorded:
    """The JSON channels (web, phone summary, counter visit) through the one intake path; names and role
    explanations in the `reader`'s language."""
    if isinstance(data, CounterContactIn):
        desk = await unit_by_code(session, data.unit)
        if desk is None or desk.kind != _DESK_UNIT_KINDS[data.desk].value:
            raise UnknownDesk(
                P_("There is no {desk} unit with code {unit!r}."),
                params={"desk": Phrase(DESK_WORDS[data.desk]), "unit": data.unit},
                unit=data.unit,
            )
    recorded = await record_intake(session, settings, clock, actor, data.to_intake(), reader)
    roles = data.participations
    if not roles and actor.kind == "staff" and recorded.outcome is not Outcome.duplicate:
        # The staff member who writes a contact down has at least registered its facts.
        roles = [ParticipationIn(role=Role.registering)]
    # Parties and links go with the contact as it is first recorded; a duplicate was recorded before.
    involved = recorded.outcome is not Outcome.duplicate and bool(data.parties or data.links)
    if not roles and not involved:
        return recorded
    contact = await repository.contact_by_id(session, recorded.contact_id)
    if contact is None:  # written in this very transaction
        raise ContactNotFound(recorded.contact_id)
    update: dict[str, object] = {}
    named: list[PartyOut] = []
    if involved:
        named = await parties.record_at_intake(
            session, actor, contact.id, contact.channel, contact.ticket_id, contact.citizen_id, data.parties
        )
        # Shown only with a ticket the caller may see (or none), as the ticket and its citizen are.
        update["parties"] = named if recorded.ticket is not None or contact.ticket_id is None else []
        update["links"] = await links.record_at_intake(session, actor, contact.id, contact.ticket_id, data.links)
    if roles:
        update["participations"] = [await record_participation(session, actor, contact, role, reader) for role in roles]
        if recorded.ticket is None and contact.ticket_id is not None and actor.kind == "staff":
            # Taking part may just have opened a normal ticket to this staff member (visible_tickets).
            if await ticket_repository.is_visible(session, contact.ticket_id, actor):
                update["ticket"] = await tickets.ticket_out(session, contact.ticket_id, language=reader)
                update["parties"] = named
    return recorded.model_copy(update=update)
