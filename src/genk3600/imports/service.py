"""Writing history in batches: validate every line first, then COPY the batch in one transaction."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from genk3600.audit.trail import audit_act
from genk3600.auth.principal import system_principal
from genk3600.citizens.identifiers import masked_national_number, national_number_hash
from genk3600.config import Settings
from genk3600.contacts.subjects import subject_from_text
from genk3600.db import Database
from genk3600.imports import repository
from genk3600.imports.repository import CategoryFacts, KnownCitizen
from genk3600.imports.schemas import NUL_REFUSED, ImportLine, nul_in
from genk3600.kit.copy import copy_json, copy_records
from genk3600.kit.reference import format_reference
from genk3600.models.enums import Confidentiality, ContactFlag, Language, UnitKind
from genk3600.tickets import timeline

ACTOR_NAME = "Bulk import"
IMPORTER = system_principal(ACTOR_NAME)  # the author of the imported timeline entries
EXTERNAL_ID_PREFIX = "import:"  # keeps imported ids apart from live Message-IDs and call ids
DEFAULT_BATCH_SIZE = 1000
# Batches written at once, each in its own transaction on its own connection (plus one connection that holds the
# import lock): PostgreSQL's work on a batch is most of the import's CPU, and one backend uses one core. More
# backends than cores still helped (a backend waiting for its commit's flush or for the next rows leaves its core
# to another): 200,000 contacts in 21.4 / 21.1 s with 3, 20.1 / 18.7 s with 4 (bench/README.md).
WRITERS = 4
CONNECTIONS = WRITERS + 1
LOCK_POLL_SECONDS = 1.0

log = logging.getLogger(__name__)

_TICKET_COLUMNS = (
    "id",
    "reference",
    "status",
    "priority",
    "subject",
    "language",
    "confidentiality",
    "category_id",
    "citizen_id",
    "owning_unit_id",
    "resolved_at",
    "created_at",
    "updated_at",
)
_CONTACT_COLUMNS = (
    "id",
    "ticket_id",
    "citizen_id",
    "channel",
    "external_id",
    "flags",
    "direction",
    "language",
    "subject",
    "body",
    "channel_details",
    "occurred_at",
    "actor_name",
)
_CITIZEN_COLUMNS = (
    "id",
    "national_number_hash",
    "national_number_masked",
    "given_name",
    "family_name",
    "email",
    "phone",
    "preferred_language",
)


class ImportRefused(Exception):
    """The import cannot start (e.g. no contact-centre unit to own uncategorised contacts)."""


@dataclass
class ImportReport:
    imported: int = 0
    already_imported: int = 0
    bad_lines: int = 0
    citizens_registered: int = 0


@dataclass
class _Citizenship:
    citizen_id: int | None
    language: str | None
    ambiguous: bool = False


@dataclass
class _NewCitizens:
    """Citizens registered by this batch, found again by national number or e-mail within it."""

    rows: list[tuple[object, ...]] = field(default_factory=list)
    by_key: dict[str, int] = field(default_factory=dict)
    citizens: list[KnownCitizen] = field(default_factory=list)


class _KnownCitizens:
    """Citizens already in the database, indexed the ways a line may name them."""

    def __init__(self, citizens: list[KnownCitizen]) -> None:
        self.by_hash = {c.national_number_hash: c for c in citizens if c.national_number_hash}
        self.by_email: dict[str, list[KnownCitizen]] = {}
        self.by_phone: dict[str, list[KnownCitizen]] = {}
        for citizen in citizens:
            if citizen.email:
                self.by_email.setdefault(citizen.email, []).append(citizen)
            if citizen.phone:
                self.by_phone.setdefault(citizen.phone, []).append(citizen)


BadLineHandler = Callable[[int, str], None]


class Importer:
    """Feed it numbered lines; it writes them in batches and tells `on_bad_line` what it skipped and why."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        source: str,
        on_bad_line: BadLineHandler,
        batch_size: int = DEFAULT_BATCH_SIZE,
        on_batch: Callable[[ImportReport], None] | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.source = source
        self.on_bad_line = on_bad_line
        self.batch_size = batch_size
        self.on_batch = on_batch or (lambda _report: None)
        self.report = ImportReport()
        self._categories: dict[str, CategoryFacts] = {}
        self._units: dict[str, tuple[int, str]] = {}
        self._unit_names: dict[int, tuple[str, str]] = {}
        self._ocmw_units: set[int] = set()
        self._front_office = 0
        self._details_prefix: str | None = None
        self._sequences = repository.IdSequences("", "", "", "")
        self._zone = settings.zone  # a property that looks the zone up on every call

    async def run(self, lines: Iterable[tuple[int, bytes | str]]) -> ImportReport:
        """Import every line; returns the counts.

        A thread reads and validates the next batch while up to WRITERS batches are written, each in its own
        transaction on its own connection: PostgreSQL's work on them (COPY, foreign keys, indexes, search vectors)
        runs on as many cores. What they write is as if they were written one after the other (see `_Batch`).
        """
        await self._load_reference_data()
        numbered = iter(lines)
        async with self.database.engine.connect() as connection:
            # In autocommit: a session idle in a transaction for the whole import could be ended by the server.
            holder = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await self._lock(holder)
            writing: deque[_Batch] = deque()
            try:
                while valid := await asyncio.to_thread(self._next_batch, numbered):
                    if len(writing) == WRITERS:
                        await writing.popleft().written
                    writing.append(await self._start(valid, tuple(writing)))
                while writing:
                    await writing.popleft().written
            finally:
                for batch in writing:
                    batch.written.cancel()
                await asyncio.gather(*(batch.written for batch in writing), return_exceptions=True)
                for batch in writing:  # a task cancelled before it started has not closed its session
                    await batch.session.close()
                await repository.unlock_imports(holder)
        return self.report

    async def _lock(self, holder: AsyncConnection) -> None:
        """The import lock, for the whole run; waits (polling, not a statement that times out) for one that runs."""
        waiting = False
        while not await repository.try_lock_imports(holder):
            if not waiting:
                log.warning("another import is running; this one starts when it has finished")
                waiting = True
            await asyncio.sleep(LOCK_POLL_SECONDS)

    def _next_batch(self, numbered: Iterator[tuple[int, bytes | str]]) -> list[tuple[int, ImportLine]]:
        """Up to `batch_size` valid lines; bad ones are reported and skipped on the way."""
        batch: list[tuple[int, ImportLine]] = []
        for number, raw in numbered:
            if not raw.strip():
                continue
            parsed = self._parse(number, raw)
            if parsed is not None:
                batch.append((number, parsed))
            if len(batch) >= self.batch_size:
                break
        return batch

    async def _load_reference_data(self) -> None:
        async with self.database.sessions.begin() as session:
            self._categories = await repository.categories(session)
            self._units = await repository.units(session)
            self._ocmw_units = await repository.ocmw_unit_ids(session)
            self._sequences = await repository.id_sequences(session)
        self._unit_names = {unit_id: (code, name) for code, (unit_id, name) in self._units.items()}
        front_offices = await self._front_office_id()
        if front_offices is None:
            raise ImportRefused("no active unit of kind 'contact_centre' exists to own contacts without a category")
        self._front_office = front_offices

    async def _front_office_id(self) -> int | None:
        from genk3600.units.repository import first_unit_of_kind

        async with self.database.sessions.begin() as session:
            unit = await first_unit_of_kind(session, UnitKind.contact_centre)
            return unit.id if unit else None

    def _parse(self, number: int, raw: bytes | str) -> ImportLine | None:
        try:
            line = ImportLine.model_validate_json(raw)
        except ValidationError as exc:
            self._bad(number, _describe(exc))
            return None
        if nul_in(raw, line):
            self._bad(number, NUL_REFUSED)
            return None
        if line.category is not None and line.category not in self._categories:
            self._bad(number, f"unknown category {line.category!r}")
            return None
        if line.unit is not None and line.unit not in self._units:
            self._bad(number, f"unknown or inactive unit {line.unit!r}")
            return None
        category = self._categories.get(line.category) if line.category else None
        if category is not None and category.confidentiality == Confidentiality.social.value:
            owner = self._units[line.unit][0] if line.unit is not None else category.owning_unit_id
            if owner not in self._ocmw_units:
                # Social tickets never leave the OCMW (privacy.ocmw), history included.
                self._bad(number, f"social category {line.category!r} needs an OCMW unit as owner")
                return None
        return line

    def _bad(self, number: int, message: str) -> None:
        self.report.bad_lines += 1
        self.on_bad_line(number, message)

    async def _start(self, valid: list[tuple[int, ImportLine]], writing: tuple[_Batch, ...]) -> _Batch:
        """Open the batch's transaction and prepare its rows, then write them in a task of their own. `writing`:
        the batches before it still being written (perhaps not yet committed), in order."""
        session = self.database.sessions()
        try:
            await session.begin()
            batch = await self._prepare(session, valid, writing)
        except BaseException:
            await session.close()
            raise
        batch.session = session
        batch.written = asyncio.create_task(self._write(batch, writing))
        return batch

    async def _prepare(
        self, session: AsyncSession, valid: list[tuple[int, ImportLine]], writing: tuple[_Batch, ...]
    ) -> _Batch:
        """Which lines are new, who their citizens are, fresh ids, and the rows to write."""
        keys = [(line.channel.value, EXTERNAL_ID_PREFIX + line.external_id) for _, line in valid]
        known = await repository.imported_keys(session, keys)
        for earlier in writing:
            known.update(earlier.keys.intersection(keys))
        batch = _Batch()
        for (number, line), key in zip(valid, keys, strict=True):
            if key in known:
                self.report.already_imported += 1
                continue
            known.add(key)  # the same record twice in one file counts once
            batch.keys.add(key)
            batch.fresh.append((number, line))
        if not batch.fresh:
            return batch
        fresh = batch.fresh
        lines = [line for _, line in fresh]
        digests, known_citizens = await self._known_citizens(session, lines, writing)
        # Enough citizen ids for every line that might register someone; unused ones are gaps, as sequences
        # allow.
        wanted = sum(
            _registrable(line, digest, known_citizens.by_hash) for line, digest in zip(lines, digests, strict=True)
        )
        ids = await repository.batch_ids(session, self._sequences, wanted, len(fresh))
        citizenships, new_citizens = self._citizens(lines, digests, known_citizens, iter(ids.citizens))
        batch.new_citizens = new_citizens.rows
        batch.registered = new_citizens.citizens
        batch.contact_ids = ids.contacts
        batch.ticket_ids = ids.tickets
        history = _History(created_ids=ids.entries[0::2], status_changed_ids=ids.entries[1::2])
        for (number, line), citizenship, ticket_id, contact_id, ticket_number in zip(
            fresh, citizenships, ids.tickets, ids.contacts, ids.ticket_numbers, strict=True
        ):
            ticket, contact = self._records(number, line, citizenship, ticket_id, contact_id, ticket_number, history)
            batch.tickets.append(ticket)
            batch.contacts.append(contact)
            if citizenship.citizen_id is not None:
                batch.citizen_ids.add(citizenship.citizen_id)
        batch.history = history.parameters()
        return batch

    async def _write(self, batch: _Batch, writing: tuple[_Batch, ...]) -> None:
        async with batch.session as session:  # closing it rolls back what was not committed
            if batch.fresh:
                registering = [
                    earlier for earlier in writing if not batch.citizen_ids.isdisjoint(earlier.registered_ids)
                ]
                if registering:
                    await registering[-1].written  # its new citizens (and earlier ones') must be committed first
                await copy_records(session, "citizen", _CITIZEN_COLUMNS, batch.new_citizens)
                await copy_records(session, "ticket", _TICKET_COLUMNS, batch.tickets)
                await copy_records(session, "contact", _CONTACT_COLUMNS, batch.contacts)
                await timeline.insert_history_from(
                    session,
                    repository.HISTORY,
                    {**batch.history, "source": self.source, "actor_name": IMPORTER.display_name},
                    batch.ticket_ids,
                    2 * len(batch.fresh),
                )
                await audit_act(
                    session,
                    "import",
                    "contact",
                    f"{batch.contact_ids[0]}-{batch.contact_ids[-1]}",
                    f"bulk import of historical contacts from {self.source}",
                    {
                        "source": self.source,
                        "first_line": batch.fresh[0][0],
                        "last_line": batch.fresh[-1][0],
                        "contacts": len(batch.fresh),
                        "tickets": len(batch.fresh),
                        "citizens_registered": len(batch.new_citizens),
                    },
                )
            if writing:
                await writing[-1].written  # batches commit in the file's order (and so do their audit entries)
            await session.commit()
        self.report.imported += len(batch.fresh)
        self.report.citizens_registered += len(batch.new_citizens)
        self.on_batch(self.report)

    async def _known_citizens(
        self, session: AsyncSession, lines: list[ImportLine], writing: tuple[_Batch, ...]
    ) -> tuple[list[str | None], _KnownCitizens]:
        """Each line's national number digest, and the citizens already known by any of the lines' identifiers:
        those in the database and those that the batches being written register (perhaps not yet committed)."""
        secret = self.settings.secret
        digests = [
            national_number_hash(secret, line.citizen.national_number)
            if line.citizen and line.citizen.national_number
            else None
            for line in lines
        ]
        people = [line.citizen for line in lines if line.citizen]
        citizens = await repository.citizens_matching(
            session,
            {digest for digest in digests if digest},
            {who.email for who in people if who.email},
            {who.phone for who in people if who.phone},
        )
        found = {citizen.id for citizen in citizens}
        citizens.extend(citizen for earlier in writing for citizen in earlier.registered if citizen.id not in found)
        return digests, _KnownCitizens(citizens)

    def _citizens(
        self, lines: list[ImportLine], digests: list[str | None], known: _KnownCitizens, fresh_ids: Iterator[int]
    ) -> tuple[list[_Citizenship], _NewCitizens]:
        """Match each line's citizen as intake does (number, e-mail, phone), registering the unknown with
        `fresh_ids`."""
        by_hash = known.by_hash
        new = _NewCitizens()
        result = []
        for line, digest in zip(lines, digests, strict=True):
            who = line.citizen
            if who is None:
                result.append(_Citizenship(None, None))
                continue
            if digest and digest in by_hash:
                match = by_hash[digest]
                result.append(_Citizenship(match.id, match.preferred_language))
                continue
            found = _match(known, digest, who.email, who.phone)
            if found is not None:
                result.append(found)
                continue
            if not _registrable(line, digest, by_hash):
                result.append(_Citizenship(None, None))
                continue
            key = f"nn:{digest}" if digest else f"email:{who.email}"
            citizen_id = new.by_key.get(key)
            language = (who.preferred_language or Language.nl).value
            if citizen_id is None:
                citizen_id = next(fresh_ids)
                new.rows.append(
                    (
                        citizen_id,
                        digest,
                        masked_national_number(who.national_number) if who.national_number else None,
                        who.given_name,
                        who.family_name,
                        who.email,
                        who.phone,
                        language,
                    )
                )
                new.by_key[key] = citizen_id
                new.citizens.append(KnownCitizen(citizen_id, digest, who.email, who.phone, language))
                if digest and who.email:
                    new.by_key.setdefault(f"email:{who.email}", citizen_id)
            result.append(_Citizenship(citizen_id, language))
        return result, new

    def _records(
        self,
        number: int,
        line: ImportLine,
        citizenship: _Citizenship,
        ticket_id: int,
        contact_id: int,
        ticket_number: int,
        history: _History,
    ) -> tuple[tuple[object, ...], tuple[object, ...]]:
        """The ticket and contact rows of one line; its two timeline entries go to `history`."""
        category = self._categories.get(line.category) if line.category else None
        if line.unit is not None:
            owner = self._units[line.unit][0]
        else:
            owner = category.owning_unit_id if category else self._front_office
        unit_code, _unit_name = self._unit_names[owner]
        language = (line.language.value if line.language else None) or citizenship.language or Language.nl.value
        priority = line.priority.value if line.priority else (category.default_priority if category else "normal")
        confidentiality = category.confidentiality if category else Confidentiality.normal.value
        year = line.occurred_at.astimezone(self._zone).year
        subject = line.subject or subject_from_text(line.body)
        finished = line.finished_at
        ticket = (
            ticket_id,
            format_reference(year, ticket_number),
            line.status,
            priority,
            subject,
            language,
            confidentiality,
            category.id if category else None,
            citizenship.citizen_id,
            owner,
            finished,
            line.occurred_at,
            finished,
        )
        flags = [ContactFlag.ambiguous_citizen.value] if citizenship.ambiguous else []
        contact = (
            contact_id,
            ticket_id,
            citizenship.citizen_id,
            line.channel.value,
            EXTERNAL_ID_PREFIX + line.external_id,
            flags,
            line.direction.value,
            language,
            line.subject,
            line.body,
            self._channel_details(number),
            line.occurred_at,
            ACTOR_NAME,
        )
        history.add(ticket_id, contact_id, number, unit_code, line, priority, finished)
        return ticket, contact

    def _channel_details(self, number: int) -> str:
        """The contact's channel details as COPY takes JSON: `{"imported_from": source, "line": number}`."""
        if self._details_prefix is None:
            self._details_prefix = copy_json({"imported_from": self.source})[:-1] + ',"line":'
        return f"{self._details_prefix}{number}}}"


@dataclass
class _Batch:
    """A batch from its preparation to its commit.

    A batch is prepared after the one before it (so its ids follow, in the file's order) while earlier ones may
    still be writing: it counts their records as imported and knows the citizens they register, as it would find
    both in the database had they committed; it waits for their commit before its rows refer to one of those
    citizens, and commits after them (so audit entries follow the file's order too, and a batch that fails leaves
    the ones after it unwritten, as when they were written one by one)."""

    fresh: list[tuple[int, ImportLine]] = field(default_factory=list)
    keys: set[tuple[str, str]] = field(default_factory=set)
    new_citizens: list[tuple[object, ...]] = field(default_factory=list)
    citizen_ids: set[int] = field(default_factory=set)  # every citizen the batch's rows refer to
    ticket_ids: list[int] = field(default_factory=list)
    contact_ids: list[int] = field(default_factory=list)
    tickets: list[tuple[object, ...]] = field(default_factory=list)
    contacts: list[tuple[object, ...]] = field(default_factory=list)
    history: dict[str, object] = field(default_factory=dict)
    session: AsyncSession = field(init=False)  # its transaction, open from its preparation to its commit
    written: asyncio.Task[None] = field(init=False)

    registered: list[KnownCitizen] = field(default_factory=list)  # the new citizens, as the next batch finds them

    @property
    def registered_ids(self) -> set[int]:
        return {citizen.id for citizen in self.registered}


@dataclass
class _History:
    """The columns of a batch's timeline history, one list each (imports/repository.HISTORY builds the entries:
    `created` at `occurred_at`, `status_changed` at `resolved_at`, with the texts ticket.imported and
    ticket.imported_status)."""

    created_ids: list[int]
    status_changed_ids: list[int]
    ticket_ids: list[int] = field(default_factory=list)
    contact_ids: list[int] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    categories: list[str | None] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    occurred: list[datetime] = field(default_factory=list)
    finished: list[datetime] = field(default_factory=list)

    def add(
        self,
        ticket_id: int,
        contact_id: int,
        number: int,
        unit: str,
        line: ImportLine,
        priority: str,
        finished: datetime,
    ) -> None:
        self.ticket_ids.append(ticket_id)
        self.contact_ids.append(contact_id)
        self.lines.append(number)
        self.units.append(unit)
        self.channels.append(line.channel.value)
        self.categories.append(line.category)
        self.priorities.append(priority)
        self.statuses.append(line.status)
        self.occurred.append(line.occurred_at)
        self.finished.append(finished)

    def parameters(self) -> dict[str, object]:
        return {
            "created_ids": self.created_ids,
            "status_changed_ids": self.status_changed_ids,
            "ticket_ids": self.ticket_ids,
            "contact_ids": self.contact_ids,
            "lines": self.lines,
            "units": self.units,
            "channels": self.channels,
            "categories": self.categories,
            "priorities": self.priorities,
            "statuses": self.statuses,
            "occurred": self.occurred,
            "finished": self.finished,
        }


def _registrable(line: ImportLine, digest: str | None, by_hash: dict[str, KnownCitizen]) -> bool:
    """Whether this line would register a citizen (intake's rule: a national number or an e-mail suffices)."""
    who = line.citizen
    if who is None or (digest and digest in by_hash):
        return False
    return bool(digest or who.email or (who.phone and (who.given_name or who.family_name)))


def _match(known: _KnownCitizens, digest: str | None, email: str | None, phone: str | None) -> _Citizenship | None:
    """Intake's rule: by e-mail, then by phone; with a national number only records without one qualify."""
    for value, index in ((email, known.by_email), (phone, known.by_phone)):
        if not value:
            continue
        fitting = [c for c in index.get(value, ()) if digest is None or c.national_number_hash is None]
        if len(fitting) > 1:
            return _Citizenship(None, None, ambiguous=True)
        if len(fitting) == 1:
            return _Citizenship(fitting[0].id, fitting[0].preferred_language)
    return None


def _describe(error: ValidationError) -> str:
    parts = []
    for problem in error.errors()[:3]:
        where = ".".join(str(part) for part in problem["loc"]) or "line"
        parts.append(f"{where}: {problem['msg']}")
    return "; ".join(parts)
