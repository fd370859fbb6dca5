"""The import's queries: what is known already and fresh ids in bulk (COPY itself is kit/copy.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Text, any_, bindparam, column, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from genk3600.models import Category, Citizen, Contact, Unit
from genk3600.models.enums import OCMW_UNIT_KIND
from genk3600.tickets.timeline import HISTORY_COLUMNS


@dataclass(frozen=True)
class CategoryFacts:
    id: int
    owning_unit_id: int
    confidentiality: str
    default_priority: str


@dataclass(frozen=True)
class KnownCitizen:
    id: int
    national_number_hash: str | None
    email: str | None
    phone: str | None
    preferred_language: str


async def categories(session: AsyncSession) -> dict[str, CategoryFacts]:
    rows = await session.execute(
        select(Category.code, Category.id, Category.owning_unit_id, Category.confidentiality, Category.default_priority)
    )
    return {
        code: CategoryFacts(category_id, owner, confidentiality, priority)
        for code, category_id, owner, confidentiality, priority in rows
    }


async def units(session: AsyncSession) -> dict[str, tuple[int, str]]:
    """Unit code → (id, name), active units only."""
    rows = await session.execute(select(Unit.code, Unit.id, Unit.name).where(Unit.active))
    return {code: (unit_id, name) for code, unit_id, name in rows}


async def ocmw_unit_ids(session: AsyncSession) -> set[int]:
    """Ids of the OCMW units: the only possible owners of social tickets (privacy.ocmw)."""
    return set((await session.scalars(select(Unit.id).where(Unit.kind == OCMW_UNIT_KIND))).all())


# One import at a time: two would both find a line new. The lock belongs to a connection the import holds for its
# whole run (its batches are written on others, up to service.WRITERS at a time), and goes with that connection if
# the process dies.
_IMPORT_LOCK = "hashtextextended('genk3600:import', 3600)"


async def try_lock_imports(connection: AsyncConnection) -> bool:
    """Take the import lock for this connection's session; False (at once) if another import holds it."""
    return bool(await connection.scalar(text(f"SELECT pg_try_advisory_lock({_IMPORT_LOCK})")))


async def unlock_imports(connection: AsyncConnection) -> None:
    await connection.execute(text(f"SELECT pg_advisory_unlock({_IMPORT_LOCK})"))


# Arrays as one parameter each: a batch's thousands of keys are not compiled into as many bind parameters.
_IMPORTED_KEYS = select(Contact.channel, Contact.external_id).where(
    Contact.channel == any_(bindparam("channels", type_=ARRAY(Text))),
    Contact.external_id == any_(bindparam("external_ids", type_=ARRAY(Text))),
)
_CITIZENS_MATCHING = (
    select(Citizen.id, Citizen.national_number_hash, Citizen.email, Citizen.phone, Citizen.preferred_language)
    .where(
        (Citizen.national_number_hash == any_(bindparam("hashes", type_=ARRAY(Text))))
        | (Citizen.email == any_(bindparam("emails", type_=ARRAY(Text))))
        | (Citizen.phone == any_(bindparam("phones", type_=ARRAY(Text))))
    )
    .order_by(Citizen.id)
)


async def imported_keys(session: AsyncSession, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (channel, external_id) pairs are recorded already."""
    channels = sorted({channel for channel, _ in keys})
    external_ids = [external_id for _, external_id in keys]
    rows = await session.execute(_IMPORTED_KEYS, {"channels": channels, "external_ids": external_ids})
    return {(channel, external_id) for channel, external_id in rows if external_id is not None}


async def citizens_matching(
    session: AsyncSession, hashes: Iterable[str], emails: Iterable[str], phones: Iterable[str]
) -> list[KnownCitizen]:
    hashes, emails, phones = list(hashes), list(emails), list(phones)
    if not (hashes or emails or phones):
        return []
    rows = await session.execute(_CITIZENS_MATCHING, {"hashes": hashes, "emails": emails, "phones": phones})
    return [KnownCitizen(*row) for row in rows]


@dataclass(frozen=True)
class IdSequences:
    """The identity sequences of the rows a batch writes, by name (resolved once per import, not per row)."""

    citizen: str
    ticket: str
    contact: str
    ticket_event: str


@dataclass(frozen=True)
class BatchIds:
    citizens: list[int]
    tickets: list[int]
    contacts: list[int]
    ticket_numbers: list[int]
    entries: list[int]  # two timeline entries per ticket


async def id_sequences(session: AsyncSession) -> IdSequences:
    row = (
        await session.execute(
            text(
                "SELECT pg_get_serial_sequence('citizen', 'id'), pg_get_serial_sequence('ticket', 'id'), "
                "pg_get_serial_sequence('contact', 'id'), pg_get_serial_sequence('ticket_event', 'id')"
            )
        )
    ).one()
    return IdSequences(*row)


# A batch's fresh ids and ticket numbers in one round trip: rows refer to each other before COPY. The sequences
# are named once (a per-row pg_get_serial_sequence cost ~3 µs a value, 1.9 s of an import of 200,000 contacts).
# The timeline entries' ids are drawn here too, not as they are inserted: several batches are written at once, and
# every id still follows the file's order.
_BATCH_IDS = text(
    """
    SELECT ARRAY(SELECT nextval(CAST(:citizen_seq AS regclass)) FROM generate_series(1, :citizens)),
           ARRAY(SELECT nextval(CAST(:ticket_seq AS regclass)) FROM generate_series(1, :tickets)),
           ARRAY(SELECT nextval(CAST(:contact_seq AS regclass)) FROM generate_series(1, :tickets)),
           ARRAY(SELECT nextval('ticket_number_seq') FROM generate_series(1, :tickets)),
           ARRAY(SELECT nextval(CAST(:ticket_event_seq AS regclass)) FROM generate_series(1, 2 * :tickets))
    """
)


async def batch_ids(session: AsyncSession, sequences: IdSequences, citizens: int, tickets: int) -> BatchIds:
    """`citizens` fresh citizen ids; `tickets` fresh ticket ids, contact ids and ticket numbers, and twice as many
    timeline entry ids, each ascending."""
    row = (
        await session.execute(
            _BATCH_IDS,
            {
                "citizen_seq": sequences.citizen,
                "ticket_seq": sequences.ticket,
                "contact_seq": sequences.contact,
                "ticket_event_seq": sequences.ticket_event,
                "citizens": citizens,
                "tickets": tickets,
            },
        )
    ).one()
    return BatchIds(*(list(values) for values in row))


# The two timeline entries of each imported ticket (created, then status_changed), built by PostgreSQL from
# one array per column: no JSON is encoded in Python and the batch is one statement. Their ids come with them
# (batch_ids, in the order they happened: each ticket's created entry, then its status_changed entry).
HISTORY = text(
    """
    SELECT CASE k.kind WHEN 1 THEN h.created_id ELSE h.status_changed_id END,
           h.ticket_id,
           k.type,
           k.code,
           CASE k.kind WHEN 1 THEN jsonb_build_object('source', CAST(:source AS text), 'line', h.line, 'unit', h.unit)
                       ELSE jsonb_build_object('status', h.status) END,
           CASE k.kind WHEN 1 THEN jsonb_build_object('contact_id', h.contact_id, 'channel', h.channel,
                                                      'outcome', 'imported', 'owning_unit', h.unit,
                                                      'category', h.category, 'priority', h.priority)
                       ELSE jsonb_build_object('from', 'new', 'to', h.status, 'reason', 'import') END,
           CASE k.kind WHEN 1 THEN h.occurred_at ELSE h.finished_at END,
           CAST(NULL AS bigint),
           CAST(NULL AS bigint),
           CAST(:actor_name AS text)
    FROM unnest(CAST(:created_ids AS bigint[]), CAST(:status_changed_ids AS bigint[]), CAST(:ticket_ids AS bigint[]),
                CAST(:contact_ids AS bigint[]), CAST(:lines AS integer[]), CAST(:units AS text[]),
                CAST(:channels AS text[]), CAST(:categories AS text[]), CAST(:priorities AS text[]),
                CAST(:statuses AS text[]), CAST(:occurred AS timestamptz[]), CAST(:finished AS timestamptz[]))
         AS h(created_id, status_changed_id, ticket_id, contact_id, line, unit, channel, category, priority, status,
              occurred_at, finished_at)
    CROSS JOIN (VALUES (1, 'created', 'ticket.imported'), (2, 'status_changed', 'ticket.imported_status'))
         AS k(kind, type, code)
    ORDER BY h.ticket_id, k.kind
    """
).columns(*(column(name) for name in HISTORY_COLUMNS))
