"""Tickets: opening them and reading them back (their timeline is written by tickets/timeline.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from genk3600.audit.trail import audit_read, audit_reads
from genk3600.auth.principal import Principal
from genk3600.config import Settings
from genk3600.households.service import household_from_json
from genk3600.i18n.names import load_names
from genk3600.i18n.texts import BRUSSELS, Message
from genk3600.kit.pagination import PageParams, page_of
from genk3600.links.service import links_from_json
from genk3600.models import Category, Citizen, Staff, Ticket, Unit
from genk3600.models.enums import Confidentiality, Language, Priority, TicketEventType, TicketStatus
from genk3600.participation.service import roles_from_json
from genk3600.parties.service import parties_from_json
from genk3600.public.access import new_access_code
from genk3600.tickets import repository, timeline
from genk3600.tickets.errors import TicketNotFound
from genk3600.tickets.repository import TicketFilter
from genk3600.tickets.schemas import TicketDetailOut, TicketEventOut, TicketEventPage, TicketOut, TicketPage


@dataclass(frozen=True)
class NewTicket:
    subject: str
    language: Language
    owning_unit: Unit
    category: Category | None
    citizen: Citizen | None
    priority: Priority | None = None  # None: the category's default
    confidentiality: Confidentiality | None = None  # never lowers the category's
    tier: int = 1
    assignee_staff_id: int | None = None
    routing_rule_version_id: int | None = None
    # The unit and category are the reference cache's shared rows: the ticket gets their ids, not the rows (its
    # `owning_unit` and `category` stay unloaded; routing hands the rows on with the ticket), and is not added to
    # the session (add_ticket).
    by_id: bool = False


async def open_ticket(session: AsyncSession, settings: Settings, new: NewTicket, now: datetime) -> Ticket:
    """Insert a ticket with a fresh reference; what routing did not decide comes from the category."""
    ticket = await add_ticket(session, settings, new, now)
    await session.flush()
    return ticket


async def add_ticket(session: AsyncSession, settings: Settings, new: NewTicket, now: datetime) -> Ticket:
    """open_ticket without the flush: the caller can still set deadlines and add the first contact, and one
    flush writes them all. A ticket opened `by_id` is not added to the session: its caller writes it with its
    first contact (tickets/repository.write_opened), or adds the contact, which brings the ticket along."""
    year = now.astimezone(settings.zone).year
    category = new.category
    default_priority = category.default_priority if category else Priority.normal.value
    confidentiality = category.confidentiality if category else Confidentiality.normal.value
    if new.confidentiality is Confidentiality.social:
        confidentiality = Confidentiality.social.value
    related: dict[str, object] = (
        {"owning_unit_id": new.owning_unit.id, "category_id": category.id if category else None}
        if new.by_id
        else {"owning_unit": new.owning_unit, "category": category}
    )
    ticket = Ticket(
        # Numbered by the INSERT itself; the value is read back with its RETURNING.
        reference=repository.new_reference(year),
        subject=new.subject,
        language=new.language.value,
        **related,
        citizen=new.citizen,
        priority=new.priority.value if new.priority else default_priority,
        confidentiality=confidentiality,
        tier=new.tier,
        assignee_staff_id=new.assignee_staff_id,
        status=TicketStatus.assigned.value if new.assignee_staff_id else TicketStatus.new.value,
        routing_rule_version_id=new.routing_rule_version_id,
        # Known to be empty; said explicitly so the written ticket can be shown without reading it back.
        resolved_at=None,
        first_responded_at=None,
        paused_at=None,
    )
    if not new.by_id:
        session.add(ticket)
    return ticket


def issue_access_code(settings: Settings, ticket: Ticket) -> str:
    """A fresh citizen access code for the public status page; only its keyed hash is kept."""
    code, digest = new_access_code(settings.secret)
    ticket.access_code_hash = digest
    return code


async def _ticket(session: AsyncSession, reference: str, viewer: Principal) -> Ticket:
    """Out of the viewer's sight answers exactly like a ticket that does not exist."""
    ticket = await repository.ticket_by_reference(session, reference, viewer)
    if ticket is None:
        raise TicketNotFound(reference)
    return ticket


async def get_ticket(
    session: AsyncSession, reference: str, viewer: Principal, on_day: date, language: Language = Language.en
) -> TicketDetailOut:
    """One ticket by reference, with who did what in which role (sentences in `language`): one statement (plus
    the audit entry of a social ticket's read)."""
    row = await repository.ticket_detail_by_reference(session, reference, viewer, on_day, language)
    if row is None:  # out of the viewer's sight answers exactly like a ticket that does not exist
        raise TicketNotFound(reference)
    await audit_read(session, viewer, "ticket", str(row.id), row.confidentiality)
    # JSON arrives decoded: the asyncpg dialect registers a json codec on every connection.
    return TicketDetailOut.of_row(
        row,
        roles_from_json(row.roles, language),
        parties_from_json(row.parties),
        links_from_json(row.links),
        # Relatives are people of their own: shown to those who may look citizens up (staff, lookup keys).
        household_from_json(row.household, row.citizen_id) if viewer.may_identify_citizens() else None,
    )


def fully_loaded(row: object, *relations: str) -> bool:
    """Whether the columns of `row` and the related rows named can be read without touching the database
    (nothing expired, nothing left to load)."""
    state = inspect(row)
    columns = {attribute.key for attribute in state.mapper.column_attrs}
    if state.unloaded & (columns | set(relations)):
        return False
    for name in relations:
        value = getattr(row, name)
        for other in value if isinstance(value, list) else [value]:
            if other is not None and not fully_loaded(other):
                return False
    return True


async def ticket_out(
    session: AsyncSession,
    ticket_id: int,
    written: Ticket | None = None,
    language: Language = Language.en,
    opened_by_id: tuple[Category | None, Unit] | None = None,
) -> TicketOut:
    """A ticket just written in this transaction, with its relations: from `written` when this session holds
    all of it (nothing expired), else read back; names in `language`. `opened_by_id` is the category and unit of a
    ticket given them by id (`NewTicket.by_id`): the reference cache's rows, read for their names."""
    if written is not None and written.id == ticket_id:
        state = inspect(written)
        if "assignee" in state.unloaded and "assignee_staff_id" not in state.unloaded:
            # Set by id only; the person is in the identity map when routing just looked them up.
            staff_id = written.assignee_staff_id
            assignee = await session.get(Staff, staff_id) if staff_id is not None else None
            set_committed_value(written, "assignee", assignee)
        if opened_by_id is not None and fully_loaded(written, "assignee", "citizen"):
            return TicketOut.of_parts(written, *opened_by_id, language)
        if fully_loaded(written, "category", "owning_unit", "assignee", "citizen"):
            return TicketOut.of(written, language)
    ticket = await repository.ticket_by_id(session, ticket_id)
    if ticket is None:  # written earlier in this transaction, so only a bug can get here
        raise RuntimeError(f"ticket {ticket_id} vanished within its own transaction")
    return TicketOut.of(ticket, language)


async def list_tickets(session: AsyncSession, where: TicketFilter, params: PageParams, viewer: Principal) -> TicketPage:
    """Tickets matching the filter, newest first."""
    rows = await repository.list_tickets(session, where, params, viewer)
    await audit_reads(session, viewer, "list_tickets", [(t.id, t.confidentiality) for t in rows[: params.limit]])
    return page_of(TicketPage, rows, params, lambda ticket: ticket.id, TicketOut.of)


async def list_events(
    session: AsyncSession,
    reference: str,
    params: PageParams,
    viewer: Principal,
    language: Language = Language.en,
    zone: tzinfo = BRUSSELS,
) -> TicketEventPage:
    """A ticket's timeline, oldest first, its texts in `language` (moments in `zone`)."""
    ticket = await _ticket(session, reference, viewer)
    await audit_read(session, viewer, "ticket_event", str(ticket.id), ticket.confidentiality)
    rows = await repository.events_of(session, ticket.id, params)
    names = await load_names(session)
    return page_of(
        TicketEventPage, rows, params, lambda event: event.id, lambda row: TicketEventOut.of(row, language, names, zone)
    )


async def reopen(session: AsyncSession, ticket: Ticket, actor: Principal, text: Message) -> None:
    """Back to work: to the assignee if there is one, else to the owning unit's queue."""
    previous = ticket.status
    ticket.status = TicketStatus.assigned.value if ticket.assignee_staff_id else TicketStatus.new.value
    ticket.resolved_at = None
    await session.flush()
    await timeline.record_event(
        session,
        ticket,
        actor,
        TicketEventType.status_changed,
        text,
        {"from": previous, "to": ticket.status, "reason": "citizen_reply"},
    )
