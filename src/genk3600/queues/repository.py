from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Integer,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from genk3600.audit import trail
from genk3600.auth.principal import Principal
from genk3600.events import outbox
from genk3600.kit.prepared import Prepared
from genk3600.models import Category, Citizen, Staff, Ticket, Unit
from genk3600.models.enums import OPEN_STATUSES, Confidentiality, TicketEventType, TicketStatus
from genk3600.models.ticket import QUEUE_PRIORITY_ARRAY_SQL, QUEUE_PRIORITY_ORDER
from genk3600.privacy.visibility import VISIBLE_TO_VIEWER, may_hold_social_ticket, viewer_parameters
from genk3600.tickets import timeline
from genk3600.tickets.repository import ticket_columns

# Queue order: most urgent first. Lower rank = earlier in the queue.
PRIORITY_RANK: dict[str, int] = {priority: rank for rank, priority in enumerate(QUEUE_PRIORITY_ORDER)}


@dataclass(frozen=True)
class QueueKey:
    """A ticket's place in the queue: the sort key, so a cursor can resume right after it."""

    rank: int
    due: datetime | None
    id: int


@dataclass(frozen=True)
class QueueFilter:
    unassigned: bool = False
    assignee_staff_id: int | None = None


def _constant(value: str) -> ColumnElement[str]:
    return literal_column(f"'{value}'")


def _number(value: int) -> ColumnElement[int]:
    return literal_column(str(value), Integer)


def _rank() -> ColumnElement[int]:
    """The priority rank with constants, exactly as the queue indexes (models/ticket.py) compute it: with
    bound parameters the planner could not match the indexes' expression."""
    position = func.array_position(literal_column(QUEUE_PRIORITY_ARRAY_SQL), Ticket.priority, type_=Integer)
    return position - _number(1)


def _is_open() -> ColumnElement[bool]:
    """The open statuses as constants, so the partial index ix_ticket_queue_order is provably usable."""
    return Ticket.status.in_([_constant(status) for status in OPEN_STATUSES])


def _in_queue_order() -> tuple[ColumnElement[int] | ColumnElement[datetime | None], ...]:
    return (_rank().asc(), Ticket.resolution_due_at.asc().nulls_last(), Ticket.id.asc())


def _after(key: QueueKey) -> ColumnElement[bool]:
    """Rows strictly after `key` in queue order (deadlines ascending, tickets without one last)."""
    return _after_values(key.rank, key.due, key.id, due_is_none=key.due is None)


def _after_values(key_rank: Any, key_due: Any, key_id: Any, *, due_is_none: bool) -> ColumnElement[bool]:
    """`_after` from values or bind parameters standing for them."""
    rank, due, ticket_id = _rank(), Ticket.resolution_due_at, Ticket.id
    if due_is_none:
        same_rank_later = and_(due.is_(None), ticket_id > key_id)
    else:
        same_rank_later = or_(
            due > key_due,
            due.is_(None),
            and_(due == key_due, ticket_id > key_id),
        )
    # `rank >= key.rank` is implied by the rest; stated on its own it bounds the index scan.
    return and_(rank >= key_rank, or_(rank > key_rank, and_(rank == key_rank, same_rank_later)))


# The ticket's own columns among what `TicketOut` shows: what the claim's UPDATE returns.
_TICKET_OUT_COLUMNS = tuple(
    column.key for column in ticket_columns(Unit, Category, Staff, Citizen) if getattr(column, "class_", None) is Ticket
)


def _claim_statement() -> Prepared:
    """Claim-next in one statement (a CTE), compiled once; see `claim`."""
    ticket = cast(Table, Ticket.__table__)
    staff_id = bindparam("staff_id", type_=BigInteger)
    unit_code = bindparam("unit_code", type_=Text)

    # The unit by code, the ids of it and every unit above it, and the claimer's languages.
    start = select(Unit.id, Unit.parent_id).where(Unit.code == unit_code)
    lineage = start.cte("lineage", recursive=True)
    # UNION (not UNION ALL) drops rows already seen, so even a cycle in the tree ends the recursion.
    lineage = lineage.union(select(Unit.id, Unit.parent_id).where(Unit.id == lineage.c.parent_id))
    queue_unit = aliased(Unit)
    context = (
        select(
            queue_unit.id,
            queue_unit.code,
            queue_unit.name,
            select(func.array_agg(lineage.c.id)).scalar_subquery().label("lineage"),
            select(Staff.languages).where(Staff.id == staff_id).scalar_subquery().label("languages"),
        )
        .where(queue_unit.code == unit_code)
        .cte("context")
    )
    languages = sql_cast(select(context.c.languages).scalar_subquery(), ARRAY(Text))

    # The first unassigned new ticket in queue order that no concurrent claimer holds and the claimer may hold
    # (their languages, if they have any; a social ticket only OCMW staff who see it by right: privacy.ocmw),
    # only if the claimer is a member of the unit or of a unit above it. SKIP LOCKED makes claimers pass each
    # other instead of queueing behind one row; a row another claimer assigned and committed meanwhile is
    # re-checked by PostgreSQL and no longer matches.
    picked = (
        select(Ticket.id, Ticket.version, Ticket.updated_at)
        .where(
            Ticket.owning_unit_id == select(context.c.id).scalar_subquery(),
            # Constants, as in the predicate of the partial index ix_ticket_claimable_order.
            Ticket.status == _constant(TicketStatus.new.value),
            Ticket.assignee_staff_id.is_(None),
            select(context.c.lineage).scalar_subquery().op("&&")(bindparam("member_unit_ids", type_=ARRAY(BigInteger))),
            or_(func.coalesce(func.cardinality(languages), 0) == 0, Ticket.language == any_(languages)),
            or_(Ticket.confidentiality != _constant(Confidentiality.social.value), may_hold_social_ticket(staff_id)),
        )
        .order_by(*_in_queue_order())
        .limit(1)
        .with_for_update(skip_locked=True, of=Ticket)
        .cte("picked")
    )
    # The version (the ETag) is bumped as the ORM's versioned UPDATE would; the row is ours (locked above).
    claimed = (
        update(ticket)
        .where(ticket.c.id == picked.c.id)
        .values(
            assignee_staff_id=staff_id,
            status=TicketStatus.assigned.value,
            version=ticket.c.version + 1,
            updated_at=func.now(),
        )
        .returning(
            *(ticket.c[name] for name in _TICKET_OUT_COLUMNS),
            ticket.c.owning_unit_id,
            ticket.c.category_id,
            picked.c.version.label("old_version"),
            picked.c.updated_at.label("old_updated_at"),
        )
        .cte("claimed")
    )

    # Its timeline entry, the entry's outbox event and the audit entries, in the same statement (the writers'
    # one-statement forms): the ticket's UPDATE, the entry's INSERT, and the read of a social ticket.
    data = func.jsonb_build_object("assignee_staff_id", staff_id, "via", "claim")
    entry = timeline.insert_from(
        select(
            claimed.c.id,
            literal(TicketEventType.assigned.value, Text),
            literal("ticket.claimed", Text),
            func.jsonb_build_object("unit", unit_code),
            data,
            staff_id,
            null(),
            bindparam("actor_name", type_=Text),
        )
    ).cte("entry")
    event = outbox.insert_from(
        select(
            literal(outbox.ticket_event_type(TicketEventType.assigned), Text),
            claimed.c.id,
            claimed.c.reference,
            claimed.c.confidentiality,
            claimed.c.owning_unit_id,
            data,
        )
    ).cte("event")

    def change(before: Any, after: Any) -> Any:
        return func.jsonb_build_object("from", func.jsonb_build_array(before), "to", func.jsonb_build_array(after))

    ticket_id_text = sql_cast(claimed.c.id, Text)
    audit_rows = union_all(
        select(
            literal(1).label("n"),
            literal("update", Text).label("action"),
            literal("ticket", Text).label("target_type"),
            ticket_id_text.label("target_id"),
            func.jsonb_build_object(
                "assignee_staff_id",
                change(null(), claimed.c.assignee_staff_id),
                "status",
                change(literal(TicketStatus.new.value, Text), claimed.c.status),
                "version",
                change(claimed.c.old_version, claimed.c.version),
                "updated_at",
                change(claimed.c.old_updated_at, claimed.c.updated_at),
            ).label("changes"),
        ),
        select(
            literal(2),
            literal("insert", Text),
            literal("ticket_event", Text),
            sql_cast(entry.c.id, Text),
            func.jsonb_build_object(
                "id",
                entry.c.id,
                "ticket_id",
                entry.c.ticket_id,
                "type",
                entry.c.type,
                "code",
                entry.c.code,
                "params",
                entry.c.params,
                "data",
                entry.c.data,
                "actor_staff_id",
                entry.c.actor_staff_id,
                "actor_api_client_id",
                entry.c.actor_api_client_id,
                "actor_name",
                entry.c.actor_name,
            ),
        ),
        select(
            literal(3),
            literal("read", Text),
            literal("ticket", Text),
            ticket_id_text,
            func.jsonb_build_object(
                "via", "claim_from_queue", "social_ticket_ids", func.jsonb_build_array(claimed.c.id)
            ),
        ).where(claimed.c.confidentiality == _constant(Confidentiality.social.value)),
    ).subquery("audit_rows")
    audited = trail.insert_from(audit_rows).cte("audited")

    # The answer: the unit (no row: no such unit), and the claimed ticket with what `TicketOut` shows (NULLs:
    # nothing was claimed), its joins as in tickets/repository.ticket_columns.
    owner, category, assignee, citizen = aliased(Unit), aliased(Category), aliased(Staff), aliased(Citizen)
    shown = [
        claimed.c[column.key].label(column.key) if getattr(column, "class_", None) is Ticket else column
        for column in ticket_columns(owner, category, assignee, citizen)
    ]
    details = (
        select(*shown)
        .select_from(claimed)
        .join(owner, owner.id == claimed.c.owning_unit_id)
        .outerjoin(category, category.id == claimed.c.category_id)
        .outerjoin(assignee, assignee.id == claimed.c.assignee_staff_id)
        .outerjoin(citizen, citizen.id == claimed.c.citizen_id)
        .subquery("details")
    )
    statement = (
        select(
            context.c.code.label("unit_code"),
            context.c.name.label("unit_name"),
            context.c.lineage,
            context.c.languages,
            details,
        )
        .select_from(context)
        .outerjoin(details, true())
        # Data-modifying CTEs run whether or not the answer reads them; named here so they are rendered.
        .add_cte(entry, event, audited)
    )
    return Prepared.of(statement)


_CLAIM = _claim_statement()


async def claim(session: AsyncSession, unit_code: str, claimer: Principal) -> Any:
    """Claim the next ticket of the unit with `unit_code` for `claimer` (staff), in one statement: the row has
    the unit (`unit_code`, `unit_name`, `lineage`: its id and those above it, `languages`: the claimer's) and
    the claimed ticket as `ticket_columns` (`id` None: nothing claimed, because the queue holds nothing for
    the claimer or the claimer is not in the unit's lineage); None if there is no such unit.

    The assignment, its timeline entry, outbox event and audit entries are written by this one statement, so
    it needs no transaction of its own (db.AUTOCOMMIT_OPERATIONS)."""
    global _CLAIM
    if _CLAIM is None:
        _CLAIM = _claim_statement()
    return (
        await _CLAIM.fetch(
            session,
            unit_code=unit_code,
            staff_id=claimer.staff_id,
            member_unit_ids=sorted({membership.unit_id for membership in claimer.memberships}),
            actor_name=claimer.display_name,
            **trail.statement_parameters(),
        )
    ).first()


@cache
def _page_statement(unassigned: bool, assigned_to_me: bool, after: Literal["none", "due", "no_due"]) -> Prepared:
    """A queue page in one statement, one variant per shape of the filter, each compiled once: the unit by its
    code (no row: no such unit), and beside it (LATERAL) one more than `limit` of its open tickets that the
    viewer may see (VISIBLE_TO_VIEWER), in queue order, with what `TicketOut` shows. Bounds stay in the SQL as
    `_after` writes them, so the queue index still bounds a later page's scan."""
    queue_unit, category, assignee, citizen = aliased(Unit), aliased(Category), aliased(Staff), aliased(Citizen)
    page = (
        select(*ticket_columns(queue_unit, category, assignee, citizen))
        .select_from(Ticket)
        .outerjoin(category, category.id == Ticket.category_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_staff_id)
        .outerjoin(citizen, citizen.id == Ticket.citizen_id)
        .where(Ticket.owning_unit_id == queue_unit.id, _is_open(), VISIBLE_TO_VIEWER)
    )
    if unassigned:
        page = page.where(Ticket.assignee_staff_id.is_(None))
    if assigned_to_me:
        page = page.where(Ticket.assignee_staff_id == bindparam("assignee_staff_id", type_=BigInteger))
    if after != "none":
        due = None if after == "no_due" else bindparam("after_due", type_=DateTime(timezone=True))
        rank, ticket_id = bindparam("after_rank", type_=Integer), bindparam("after_id", type_=BigInteger)
        page = page.where(_after_values(rank, due, ticket_id, due_is_none=after == "no_due"))
    rows = page.order_by(*_in_queue_order()).limit(bindparam("limit", type_=Integer)).lateral("page")
    statement = (
        select(queue_unit.id.label("unit_id"), rows)
        .select_from(queue_unit)
        .outerjoin(rows, true())
        .where(queue_unit.code == bindparam("unit_code", type_=Text))
    )
    return Prepared.of(statement)


async def queue_page_rows(
    session: AsyncSession,
    unit_code: str,
    where: QueueFilter,
    after: QueueKey | None,
    limit: int,
    viewer: Principal,
) -> list[Any] | None:
    """The open tickets of the unit with `unit_code` that the viewer may see, in queue order, one more than
    `limit`, as rows of `ticket_columns`; None if there is no such unit. One statement."""
    shape: Literal["none", "due", "no_due"] = "none" if after is None else ("no_due" if after.due is None else "due")
    values: dict[str, Any] = {"unit_code": unit_code, "limit": limit + 1, **viewer_parameters(viewer)}
    if where.assignee_staff_id is not None:
        values["assignee_staff_id"] = where.assignee_staff_id
    if after is not None:
        values.update(after_rank=after.rank, after_due=after.due, after_id=after.id)
    statement = _page_statement(where.unassigned, where.assignee_staff_id is not None, shape)
    rows = (await statement.fetch(session, **values)).all()
    if not rows:
        return None
    return [row for row in rows if row.id is not None]
