from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    DateTime,
    Table,
    Text,
    bindparam,
    exists,
    func,
    insert,
    inspect,
    literal_column,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import MANYTOONE, aliased, make_transient_to_detached, selectinload

from genk3600.audit import trail
from genk3600.auth.principal import Principal
from genk3600.citizens.repository import lock_follow_ups
from genk3600.households.repository import household_of_ticket_json
from genk3600.kit.pagination import PageParams, keyset
from genk3600.kit.prepared import Prepared
from genk3600.kit.reference import format_reference
from genk3600.links.repository import links_of_ticket_json, refers_to
from genk3600.models import (
    Base,
    Category,
    Citizen,
    Contact,
    Participation,
    Staff,
    StaffMembership,
    Ticket,
    TicketEvent,
    Unit,
    ticket_number_seq,
)
from genk3600.models.enums import FINISHED_STATUSES, Language, TicketFlag, TicketStatus
from genk3600.models.ticket import FLAGGED_SQL
from genk3600.parties.repository import parties_of_ticket_json
from genk3600.privacy.visibility import VISIBLE_TO_VIEWER, may_hold_social_ticket, viewer_parameters, visible_tickets
from genk3600.tickets import timeline

_TICKET_DETAILS = (
    selectinload(Ticket.category),
    selectinload(Ticket.owning_unit),
    selectinload(Ticket.assignee),
    selectinload(Ticket.citizen),
)


@dataclass(frozen=True)
class TicketFilter:
    status: TicketStatus | None = None
    unit_code: str | None = None
    category_code: str | None = None
    flag: TicketFlag | None = None
    # Tickets that refer (themselves or through a contact) to an object in another system; any subset.
    object_system: str | None = None
    object_type: str | None = None
    object_id: str | None = None

    @property
    def by_object(self) -> bool:
        return any(value is not None for value in (self.object_system, self.object_type, self.object_id))


async def next_ticket_number(session: AsyncSession) -> int:
    return int(await session.scalar(ticket_number_seq.next_value()) or 0)


_NUMBER = ticket_number_seq.next_value().label("number")


def reference_sql(year: int, number: Any) -> Any:
    """kit.reference.format_reference in SQL, of a year and a SQL number: zero-padded to six digits, longer
    numbers as they are."""
    digits = func.cast(number, Text)
    padded = func.lpad(digits, func.greatest(6, func.length(digits)), "0")
    prefix = bindparam("reference_prefix", format_reference(year, 0).removesuffix("000000"), type_=Text)
    return prefix.concat(padded)


@lru_cache(maxsize=4)
def new_reference(year: int) -> Any:
    """The reference of a new ticket as SQL, for the ticket's own INSERT (no round trip for its number): the
    year's reference of the next ticket number. The ORM reads the value back with the INSERT's RETURNING."""
    numbered = select(_NUMBER).subquery("n")
    return select(reference_sql(year, numbered.c.number)).scalar_subquery()


_BY_REFERENCE = select(Ticket).options(*_TICKET_DETAILS)


async def ticket_by_reference(session: AsyncSession, reference: str, viewer: Principal) -> Ticket | None:
    """The ticket, if it exists and `viewer` may see it."""
    return await session.scalar(_BY_REFERENCE.where(Ticket.reference == reference, visible_tickets(viewer)))


# The language the unit's and category's names are read in (`localised_name` in SQL); English unless the caller
# binds the reader's.
NAMES_LANGUAGE = bindparam("names_language", Language.en.value, type_=Text)


def localised_name_sql(table: Any) -> Any:
    """i18n.texts.localised_name in SQL: the unit's or category's name in NAMES_LANGUAGE, else its canonical name.
    Read as text (`->>`), so a row costs no JSON decoding of the whole `names` object (a queue page had 50)."""
    return func.coalesce(func.nullif(table.names.op("->>", return_type=Text)(NAMES_LANGUAGE), ""), table.name)


def ticket_columns(owner: Any, category: Any, assignee: Any, citizen: Any) -> list[Any]:
    """The ticket's columns and those of its owner, category, assignee and citizen that `TicketOut` shows
    (tickets/schemas.ticket_fields), for hot-path statements that join them; the names in NAMES_LANGUAGE. The
    joined tables are aliases, so the visibility condition's own subqueries on the same tables are never
    correlated to them."""
    return [
        Ticket.id,
        Ticket.reference,
        Ticket.status,
        Ticket.priority,
        Ticket.subject,
        Ticket.language,
        Ticket.confidentiality,
        Ticket.tier,
        Ticket.citizen_id,
        Ticket.assignee_staff_id,
        Ticket.first_response_due_at,
        Ticket.resolution_due_at,
        Ticket.resolved_at,
        Ticket.first_responded_at,
        Ticket.paused_at,
        Ticket.routing_rule_version_id,
        Ticket.flags,
        Ticket.version,
        Ticket.created_at,
        Ticket.updated_at,
        category.code.label("category_code"),
        localised_name_sql(category).label("category_name"),
        owner.code.label("owning_unit_code"),
        localised_name_sql(owner).label("owning_unit_name"),
        assignee.full_name.label("assignee_full_name"),
        citizen.given_name.label("citizen_given_name"),
        citizen.family_name.label("citizen_family_name"),
        citizen.national_number_masked.label("citizen_national_number_masked"),
        citizen.email.label("citizen_email"),
        citizen.phone.label("citizen_phone"),
        citizen.preferred_language.label("citizen_preferred_language"),
    ]


def _with_details(*extra: Any) -> Any:
    """SELECT the ticket with `ticket_columns` (and `extra`) FROM the ticket joined to what they come from."""
    owner, category, assignee, citizen = aliased(Unit), aliased(Category), aliased(Staff), aliased(Citizen)
    return (
        select(*ticket_columns(owner, category, assignee, citizen), *extra)
        .select_from(Ticket)
        .join(owner, owner.id == Ticket.owning_unit_id)
        .outerjoin(category, category.id == Ticket.category_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_staff_id)
        .outerjoin(citizen, citizen.id == Ticket.citizen_id)
    )


def _detail_statement() -> Any:
    """A ticket by reference, as far as the viewer may see it, with everything its detail shows: owner, category,
    assignee, citizen and, as one JSON array, who played which role in its contacts (oldest first); its parties and
    links; and its citizen's household as it holds on `on_day` (a subquery here, not a second round trip)."""
    units = (
        select(func.array_agg(aggregate_order_by(Unit.code, StaffMembership.id)))
        .select_from(StaffMembership)
        .join(Unit, Unit.id == StaffMembership.unit_id)
        .where(StaffMembership.staff_id == Participation.staff_id)
        .correlate(Participation)
        .scalar_subquery()
    )
    positions = (
        select(func.array_agg(aggregate_order_by(StaffMembership.position, StaffMembership.id)))
        .where(StaffMembership.staff_id == Participation.staff_id)
        .correlate(Participation)
        .scalar_subquery()
    )
    role = func.json_build_object(
        "contact_id", Participation.contact_id, "channel", Contact.channel, "staff_id", Participation.staff_id,
        "staff_name", Staff.full_name, "units", units, "positions", positions, "role", Participation.role,
        "note", Participation.note, "created_at", Participation.created_at,
    )  # fmt: skip
    roles = (
        select(func.json_agg(aggregate_order_by(role, Participation.created_at, Participation.id)))
        .select_from(Participation)
        .join(Contact, Contact.id == Participation.contact_id)
        .join(Staff, Staff.id == Participation.staff_id)
        .where(Contact.ticket_id == Ticket.id)
        .correlate(Ticket)
        .scalar_subquery()
    )
    return _with_details(
        roles.label("roles"),
        parties_of_ticket_json().label("parties"),
        links_of_ticket_json().label("links"),
        household_of_ticket_json().label("household"),
    ).where(Ticket.reference == bindparam("reference", type_=Text), VISIBLE_TO_VIEWER)


_DETAIL_BY_REFERENCE = Prepared.of(_detail_statement())
_ROW_BY_ID = Prepared.of(_with_details().where(Ticket.id == bindparam("ticket_id", type_=BigInteger)))


async def ticket_row_by_id(session: AsyncSession, ticket_id: int) -> Any:
    """The ticket with what `TicketOut` shows (tickets/schemas.ticket_fields), whoever asks: one statement, for a
    ticket the caller just wrote (flushed) in this transaction."""
    return (await _ROW_BY_ID.fetch(session, ticket_id=ticket_id)).one()


async def ticket_detail_by_reference(
    session: AsyncSession, reference: str, viewer: Principal, on_day: date, language: Language = Language.en
) -> Any:
    """GET by reference in one statement: the ticket's row with its details and roles (see _detail_statement),
    the names in `language`, if it exists and `viewer` may see it; else None."""
    values = {"reference": reference, "on_day": on_day, "names_language": language.value}
    rows = await _DETAIL_BY_REFERENCE.fetch(session, **values, **viewer_parameters(viewer))
    return rows.first()


async def ticket_by_reference_unchecked(session: AsyncSession, reference: str) -> Ticket | None:
    """The ticket, whoever asks: for callers that must find it beyond the caller's sight and answer for what
    they do with it (breaking the glass, a contact's link or mail thread); the rest pass their viewer."""
    return await session.scalar(_BY_REFERENCE.where(Ticket.reference == reference))


async def ticket_by_id(session: AsyncSession, ticket_id: int, viewer: Principal | None = None) -> Ticket | None:
    """Fresh from the database, relations included, even if this session already holds the ticket; only if
    `viewer` (when given) may see it."""
    statement = select(Ticket).options(*_TICKET_DETAILS).where(Ticket.id == ticket_id)
    if viewer is not None:
        statement = statement.where(visible_tickets(viewer))
    return await session.scalar(statement.execution_options(populate_existing=True))


async def is_visible(session: AsyncSession, ticket_id: int, viewer: Principal) -> bool:
    """Whether `viewer` may see the ticket: the very check a GET of it makes."""
    return bool(await session.scalar(select(exists().where(Ticket.id == ticket_id, visible_tickets(viewer)))))


async def may_hold_social(session: AsyncSession, ticket_id: int, staff_id: int) -> bool:
    """Whether the staff member may be the assignee of this social ticket (see `may_hold_social_ticket`)."""
    condition = exists().where(Ticket.id == ticket_id, may_hold_social_ticket(staff_id))
    return bool(await session.scalar(select(condition)))


async def list_tickets(
    session: AsyncSession, where: TicketFilter, params: PageParams, viewer: Principal
) -> Sequence[Ticket]:
    statement = select(Ticket).options(*_TICKET_DETAILS).where(visible_tickets(viewer))
    if where.status is not None:
        statement = statement.where(Ticket.status == where.status.value)
    if where.unit_code is not None:
        statement = statement.join(Unit, Ticket.owning_unit_id == Unit.id).where(Unit.code == where.unit_code)
    if where.category_code is not None:
        statement = statement.join(Category, Ticket.category_id == Category.id).where(
            Category.code == where.category_code
        )
    if where.by_object:
        statement = statement.where(refers_to(where.object_system, where.object_type, where.object_id))
    if where.flag is not None:
        # The partial index's own predicate, so the flagged few are read instead of every ticket.
        statement = statement.where(text(FLAGGED_SQL), Ticket.flags.contains([where.flag.value]))
    return (await session.scalars(keyset(statement, Ticket.id, params, newest_first=True))).all()


async def events_of(session: AsyncSession, ticket_id: int, params: PageParams) -> Sequence[TicketEvent]:
    statement = keyset(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id), TicketEvent.id, params)
    return (await session.scalars(statement)).all()


async def open_ticket_for(
    session: AsyncSession,
    citizen_id: int,
    category_id: int,
    created_after: datetime,
    viewer: Principal,
    *,
    locked: bool = False,
) -> Ticket | None:
    """The citizen's newest open ticket on this category that `viewer` may see, if opened after `created_after`.

    A follow-up joins only a ticket its caller may see: one out of sight (a social case, for most callers)
    stays untouched, and the contact opens a ticket of its own, routed as any new one.

    Locks the pair (citizen, category) until the transaction ends: two contacts of one citizen arriving at
    once would otherwise both find no open ticket and open one each. The second now waits here for the
    first to commit, then finds (and joins) the ticket the first opened. `locked`: the caller holds that lock
    already (`citizens.repository.follow_up_lock`, taken when the citizen was identified).
    """
    if not locked:
        await lock_follow_ups(session, citizen_id, category_id)
    found = (
        await _OPEN_FOR.fetch(
            session,
            citizen_id=citizen_id,
            category_id=category_id,
            created_after=created_after,
            **viewer_parameters(viewer),
        )
    ).first()
    # Locked above; read with its relations only when there is one to join (most contacts open a ticket).
    return await ticket_by_id(session, found.id) if found is not None else None


# The guard of a new ticket's INSERT (`write_opened` with `unless_follow_up`): `_OPEN_FOR`'s condition on the
# ticket's own citizen and category parameters.
_FOLLOW_UP = select(Ticket.id).where(
    Ticket.citizen_id == bindparam("t_citizen_id", type_=BigInteger),
    Ticket.category_id == bindparam("t_category_id", type_=BigInteger),
    *(Ticket.status != status for status in FINISHED_STATUSES),
    Ticket.created_at >= bindparam("g_created_after", type_=DateTime(timezone=True)),
    VISIBLE_TO_VIEWER,
)

# Built once (kit/prepared.py): the intake's follow-up check runs on every contact of a known citizen.
_OPEN_FOR = Prepared.of(
    select(Ticket.id)
    .where(
        Ticket.citizen_id == bindparam("citizen_id", type_=BigInteger),
        Ticket.category_id == bindparam("category_id", type_=BigInteger),
        *(Ticket.status != status for status in FINISHED_STATUSES),  # no expanding IN: compiled once
        Ticket.created_at >= bindparam("created_after", type_=DateTime(timezone=True)),
        VISIBLE_TO_VIEWER,
    )
    .order_by(Ticket.id.desc())
    .limit(literal_column("1"))
    .with_for_update(of=Ticket)
)


async def lock_ticket(session: AsyncSession, ticket_id: int) -> Ticket | None:
    """Lock the row and read it afresh: another writer (e.g. the SLA sweeper) may have changed it meanwhile."""
    statement = select(Ticket).options(*_TICKET_DETAILS).where(Ticket.id == ticket_id).with_for_update()
    return await session.scalar(statement.execution_options(populate_existing=True))


# --- a new ticket and its first contact, written together (the intake's hot path) ---------------------------------
_TICKET_TABLE = cast(Table, Ticket.__table__)
_CONTACT_TABLE = cast(Table, Contact.__table__)
# The JSONB columns, whose values go to the driver as JSON text (`write_opened`).
_TICKET_JSON = frozenset(column.name for column in _TICKET_TABLE.c if isinstance(column.type, JSONB))
_CONTACT_JSON = frozenset(column.name for column in _CONTACT_TABLE.c if isinstance(column.type, JSONB))
_TICKET_RETURNED = tuple(attribute.key for attribute in inspect(Ticket).column_attrs)
_CONTACT_RETURNED = tuple(attribute.key for attribute in inspect(Contact).column_attrs)
# The opened statements by the columns given (and whether a follow-up guards them): an intake's tickets and
# contacts set the same few sets.
_OPENED: dict[tuple[tuple[str, ...], tuple[str, ...], bool], Prepared] = {}
_ENTRY_IDS = "e_ids"
# The statement's row by position: the ticket's columns, the contact's, the entries' ids (last).
_TICKET_SLICE = slice(0, len(_TICKET_RETURNED))
_CONTACT_SLICE = slice(len(_TICKET_RETURNED), len(_TICKET_RETURNED) + len(_CONTACT_RETURNED))


def _opened_statement(ticket_columns: tuple[str, ...], contact_columns: tuple[str, ...], guarded: bool) -> Prepared:
    """`WITH t AS (INSERT INTO ticket … RETURNING …), c AS (INSERT INTO contact … SELECT …, t.id FROM t RETURNING …),
    e AS (INSERT INTO ticket_event … SELECT … FROM t, c, unnest(…) RETURNING id) SELECT t.*, c.*, e's ids`: the
    ticket, its first contact and its first timeline entries in one round trip, the ticket numbered inside its
    INSERT (`new_reference`), its version 1 as the ORM's version counter starts it. `guarded`: the ticket's INSERT
    writes nothing (and so nothing else does: no row comes back) when the citizen has an open ticket on the
    category, opened since `g_created_after`, that the viewer may see (`_FOLLOW_UP`). Compiled once per pair of
    column sets."""
    key = (ticket_columns, contact_columns, guarded)
    prepared = _OPENED.get(key)
    if prepared is None:
        numbered = select(_NUMBER).subquery("n")
        prefix = bindparam("t_reference_prefix", type_=Text)
        reference = select(prefix.concat(_padded(numbered.c.number))).scalar_subquery()
        ticket_values: dict[str, Any] = {
            name: bindparam(f"t_{name}", type_=_TICKET_TABLE.c[name].type) for name in ticket_columns
        }
        ticket_values = {**ticket_values, "reference": reference, "version": literal_column("1")}
        values = select(*ticket_values.values())
        if guarded:
            values = values.where(~_FOLLOW_UP.exists())
        new_ticket = (
            insert(_TICKET_TABLE)
            .from_select(list(ticket_values), values)
            .returning(*_TICKET_TABLE.c[_TICKET_RETURNED])
            .cte("new_ticket")
        )
        contact_values = [bindparam(f"c_{name}", type_=_CONTACT_TABLE.c[name].type) for name in contact_columns]
        new_contact = (
            insert(_CONTACT_TABLE)
            .from_select([*contact_columns, "ticket_id"], select(*contact_values, new_ticket.c.id))
            .returning(*_CONTACT_TABLE.c[_CONTACT_RETURNED])
            .cte("new_contact")
        )
        both = new_ticket.join(new_contact, true())
        new_entries = timeline.insert_opening(new_ticket.c.id, new_contact.c.id, both).cte("new_entries")
        prepared = _OPENED[key] = Prepared.of(
            select(
                *(new_ticket.c[name].label(f"t_{name}") for name in _TICKET_RETURNED),
                *(new_contact.c[name].label(f"c_{name}") for name in _CONTACT_RETURNED),
                select(func.array_agg(new_entries.c.id)).scalar_subquery().label(_ENTRY_IDS),
            ).select_from(both)
        )
    return prepared


def _padded(number: Any) -> Any:
    digits = func.cast(number, Text)
    return func.lpad(digits, func.greatest(6, func.length(digits)), "0")


def _given_columns(row: Base, *left_out: str) -> dict[str, Any]:
    """The column values set on a new ORM row, with the foreign keys of the many-to-one rows it was given."""
    state = inspect(row)
    given = state.dict
    values: dict[str, Any] = {}
    for relation in state.mapper.relationships:
        if relation.direction is MANYTOONE and relation.key in given:
            related = given[relation.key]
            for local, remote in relation.local_remote_pairs:
                # Attributes are named as their columns in this schema (so are the statement's parameters).
                values[local.name] = None if related is None else getattr(related, remote.name)
    for attribute in state.mapper.column_attrs:
        if attribute.key in given:
            values[attribute.key] = given[attribute.key]
    for name in left_out:
        values.pop(name, None)
    return values


def can_write_opened(ticket: Ticket, contact: Contact, year: int) -> bool:
    """Whether `write_opened` can take this pair: a ticket not written yet (new, or only added to the session) and
    numbered for `year` (`new_reference`), a contact with nothing of its own to write beside it (attachments go
    through the ORM)."""
    state = inspect(ticket)
    return (
        (state.transient or state.pending)
        and state.dict.get("reference") is new_reference(year)
        and not contact.attachments
        and inspect(contact).transient
    )


async def write_opened(
    session: AsyncSession,
    year: int,
    ticket: Ticket,
    contact: Contact,
    actor: Principal,
    entries: Sequence[timeline.TimelineEntry],
    unless_follow_up_since: datetime | None = None,
) -> bool:
    """Write a new ticket (from `tickets.add_ticket`, not yet flushed), its first contact and
    its first timeline `entries` (by `actor`; see `timeline.insert_opening` for the contact's id in their data) in
    one statement instead of the ORM's unit of work and a statement per table. The ticket and the contact become
    persistent rows of the session as after a flush: every column loaded from the statement's RETURNING, their
    audit entries recorded as the flush's listener records them (every column, `trail.inserted`); the entries get
    their audit entries and outbox events as `timeline.record_many` gives them. Other pending rows (a citizen
    registered by this contact) are flushed first: the ticket and the contact point at them.

    `unless_follow_up_since`: write nothing, and answer False, when the ticket's citizen has an open ticket on its
    category opened since then that `actor` may see (the check of `open_ticket_for`, inside this statement). The
    caller holds the citizen's follow-up lock (taken by an earlier statement), so this statement's snapshot sees
    every ticket another contact of theirs opened: one round trip instead of a check and then the write."""
    if inspect(ticket).pending:
        session.expunge(ticket)
    if session.new:
        await session.flush()
    ticket_values = _given_columns(ticket, "id", "reference", "version")
    contact_values = _given_columns(contact, "id", "ticket_id")
    guarded = unless_follow_up_since is not None
    statement = _opened_statement(tuple(ticket_values), tuple(contact_values), guarded)
    parameters = {
        "t_reference_prefix": format_reference(year, 0).removesuffix("000000"),
        # SQL text on the session's connection skips SQLAlchemy's bind processing: JSON goes as its text.
        **{
            f"t_{name}": json.dumps(value) if name in _TICKET_JSON and value is not None else value
            for name, value in ticket_values.items()
        },
        **{
            f"c_{name}": json.dumps(value) if name in _CONTACT_JSON and value is not None else value
            for name, value in contact_values.items()
        },
        **timeline.opening_parameters(actor, entries),
    }
    if guarded:
        parameters.update(g_created_after=unless_follow_up_since, **viewer_parameters(actor))
    rows = await statement.fetch(session, **parameters)
    row = rows.first() if guarded else rows.one()
    if row is None:  # the guard found the follow-up: nothing was written
        return False
    written_ticket = dict(zip(_TICKET_RETURNED, row[_TICKET_SLICE], strict=True))
    written_contact = dict(zip(_CONTACT_RETURNED, row[_CONTACT_SLICE], strict=True))
    # Every column as the statement returned it, then committed as one: make_transient_to_detached commits the
    # whole instance dict (what `set_committed_value` per column did, ~50 calls an intake).
    inspect(ticket).dict.update(written_ticket)
    inspect(contact).dict.update(written_contact)
    make_transient_to_detached(ticket)
    make_transient_to_detached(contact)
    session.add_all([ticket, contact])
    await trail.record_writes(
        session,
        [
            trail.inserted("ticket", ticket.id, written_ticket),
            trail.inserted("contact", contact.id, written_contact),
        ],
    )
    await timeline.opening_written(session, actor, ticket.id, contact.id, row[-1], entries)
    return True
