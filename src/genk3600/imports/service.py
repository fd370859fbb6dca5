"""Writing history in batches: validate every line first, then COPY the batch in one transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.audit.trail import audit_act
from genk3600.auth.principal import system_principal
from genk3600.citizens.identifiers import masked_national_number, national_number_hash
from genk3600.config import Settings
from genk3600.contacts.service import subject_from_text
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
        self._sequences = repository.IdSequences("", "", "")

    async def run(self, lines: Iterable[tuple[int, bytes | str]]) -> ImportReport:
        """Import every line; returns the counts.

        Reading and validating the next batch (in a thread) overlaps with writing the previous one, so the
        database's work and ours run side by side; batches are still written one after the other, in order.
        """
        await self._load_reference_data()
        numbered = iter(lines)
        writing: asyncio.Task[None] | None = None
        try:
            while batch := await asyncio.to_thread(self._next_batch, numbered):
                if writing is not None:
                    await writing
                writing = asyncio.create_task(self._write(batch))
            if writing is not None:
                await writing
        finally:
            if writing is not None and not writing.done():
                writing.cancel()
        return self.report

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

    async def _write(self, batch: list[tuple[int, ImportLine]]) -> None:
        async with self.database.sessions.begin() as session:
            await repository.lock_imports(session)
            keys = [(line.channel.value, EXTERNAL_ID_PREFIX + line.external_id) for _, line in batch]
            known = await repository.imported_keys(session, keys)
            fresh: list[tuple[int, ImportLine]] = []
            for (number, line), key in zip(batch, keys, strict=True):
                if key in known:
                    self.report.already_imported += 1
                    continue
                known.add(key)  # the same record twice in one file counts once
                fresh.append((number, line))
            if not fresh:
                return
            lines = [line for _, line in fresh]
            digests, known_citizens = await self._known_citizens(session, lines)
            # Enough citizen ids for every line that might register someone; unused ones are gaps, as sequences
            # allow.
            wanted = sum(
                _registrable(line, digest, known_citizens.by_hash) for line, digest in zip(lines, digests, strict=True)
            )
            ids = await repository.batch_ids(session, self._sequences, wanted, len(fresh))
            citizenships, new_citizens = self._citizens(lines, digests, known_citizens, iter(ids.citizens))
            ticket_ids, contact_ids, numbers = ids.tickets, ids.contacts, ids.ticket_numbers
            tickets, contacts = [], []
            history = _History()
            for (number, line), citizenship, ticket_id, contact_id, ticket_number in zip(
                fresh, citizenships, ticket_ids, contact_ids, numbers, strict=True
            ):
                ticket, contact = self._records(
                    number, line, citizenship, ticket_id, contact_id, ticket_number, history
                )
                tickets.append(ticket)
                contacts.append(contact)
            await copy_records(session, "citizen", _CITIZEN_COLUMNS, new_citizens.rows)
            await copy_records(session, "ticket", _TICKET_COLUMNS, tickets)
            await copy_records(session, "contact", _CONTACT_COLUMNS, contacts)
            await timeline.insert_history_from(
                session,
                repository.HISTORY,
                {**history.parameters(), "source": self.source, "actor_name": IMPORTER.display_name},
                ticket_ids,
                2 * len(fresh),
            )
            await audit_act(
                session,
                "import",
                "contact",
                f"{contact_ids[0]}-{contact_ids[-1]}",
                f"bulk import of historical contacts from {self.source}",
                {
                    "source": self.source,
                    "first_line": fresh[0][0],
                    "last_line": fresh[-1][0],
                    "contacts": len(fresh),
                    "tickets": len(fresh),
                    "citizens_registered": len(new_citizens.rows),
                },
            )
        self.report.imported += len(fresh)
        self.report.citizens_registered += len(new_citizens.rows)
        self.on_batch(self.report)

    async def _known_citizens(
        self, session: AsyncSession, lines: list[ImportLine]
    ) -> tuple[list[str | None], _KnownCitizens]:
        """Each line's national number digest, and the citizens already known by any of the lines' identifiers."""
        secret = self.settings.secret
        digests = [
            national_number_hash(secret, line.citizen.national_number)
            if line.citizen and line.citizen.national_number
            else None
            for line in lines
        ]
        people = [line.citizen for line in lines if line.citizen]
        known = _KnownCitizens(
            await repository.citizens_matching(
                session,
                {digest for digest in digests if digest},
                {who.email for who in people if who.email},
                {who.phone for who in people if who.phone},
            )
        )
        return digests, known

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
        year = line.occurred_at.astimezone(self.settings.zone).year
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
class _History:
    """The columns of a batch's timeline history, one list each (imports/repository.HISTORY builds the entries:
    `created` at `occurred_at`, `status_changed` at `resolved_at`, with the texts ticket.imported and
    ticket.imported_status)."""

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
