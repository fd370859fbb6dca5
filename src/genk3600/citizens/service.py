"""Identify the citizen a contact is from: link exactly one match, never guess between several."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.audit.trail import audit_reads
from genk3600.auth.principal import Principal
from genk3600.citizens import repository
from genk3600.citizens.identifiers import (
    e164_phone,
    masked_national_number,
    national_number_hash,
    valid_national_number,
)
from genk3600.citizens.schemas import (
    CitizenIdentification,
    CitizenLookup,
    CitizenMatch,
    CitizenSummary,
    OpenTicketHint,
)
from genk3600.errors import UnprocessableInput
from genk3600.households.service import active_households
from genk3600.i18n.catalogue import P_
from genk3600.kit.clock import Clock
from genk3600.models import Citizen, Ticket
from genk3600.models.enums import Confidentiality, Language


@dataclass(frozen=True)
class Identification:
    citizen: Citizen | None
    ambiguous: bool = False  # several citizens fit: the contact stays unlinked and is flagged
    registered: bool = False  # a new citizen was created
    follow_ups_locked: bool = False  # the citizen's follow_up_lock on the category asked for is held


async def identify(
    session: AsyncSession, secret: bytes, who: CitizenIdentification, follow_up_category_id: int | None = None
) -> Identification:
    """Match by national number, then e-mail, then phone; register a new citizen when identity suffices.

    With `follow_up_category_id` (a contact that may join the citizen's open ticket on that category), the citizen
    found is locked for follow-ups on it (`repository.follow_up_lock`) before their row is written: by the e-mail
    lookup itself, or by a statement of its own on the other paths."""
    digest = national_number_hash(secret, who.national_number) if who.national_number else None
    if digest:
        citizen = await repository.citizen_by_national_number_hash(session, digest)
        if citizen is not None:
            return await _identified(session, citizen, who, digest, follow_up_category_id)
    for candidates, locked in await _candidate_sets(session, who, follow_up_category_id):
        # With a national number, only records without one may be that person; others are namesakes.
        fitting = [c for c in candidates if digest is None or c.national_number_hash is None]
        if len(fitting) > 1:
            return Identification(None, ambiguous=True)
        if len(fitting) == 1:
            return await _identified(session, fitting[0], who, digest, follow_up_category_id, locked=locked)
    # A record merged into another keeps its e-mail and phone: they lead to the survivor (identity/).
    survivors = await _survivors_of_merged(session, who.email, who.phone)
    fitting = [c for c in survivors if digest is None or c.national_number_hash is None]
    if len(fitting) > 1:
        return Identification(None, ambiguous=True)
    if len(fitting) == 1:
        return await _identified(session, fitting[0], who, digest, follow_up_category_id)
    if not _enough_to_register(who):
        return Identification(None)
    # Every optional field said explicitly (empty until _complete fills it), so the new citizen can be shown
    # without reading it back.
    citizen = Citizen(
        preferred_language=(who.preferred_language or Language.nl).value,
        national_number_hash=None,
        national_number_masked=None,
        given_name=None,
        family_name=None,
        email=None,
        phone=None,
        case_worker_id=None,
        legal_hold_reason=None,
    )
    session.add(citizen)
    await _complete(session, citizen, who, digest)
    return Identification(citizen, registered=True)


async def _identified(
    session: AsyncSession,
    citizen: Citizen,
    who: CitizenIdentification,
    digest: str | None,
    follow_up_category_id: int | None,
    *,
    locked: bool = False,
) -> Identification:
    """An existing citizen found: their follow-ups locked (if asked and not yet), then what we learnt filled in."""
    if follow_up_category_id is not None and not locked:
        await repository.lock_follow_ups(session, citizen.id, follow_up_category_id)
    await _complete(session, citizen, who, digest)
    return Identification(citizen, follow_ups_locked=follow_up_category_id is not None)


async def _candidate_sets(
    session: AsyncSession, who: CitizenIdentification, follow_up_category_id: int | None = None
) -> list[tuple[Sequence[Citizen], bool]]:
    """The citizens by e-mail, then by phone, each set with whether its follow-up locks are held (the e-mail
    lookup takes them in the same statement)."""
    sets: list[tuple[Sequence[Citizen], bool]] = []
    if who.email:
        by_email = await repository.citizens_by_email(session, who.email, follow_up_category_id=follow_up_category_id)
        sets.append((by_email, follow_up_category_id is not None))
    if who.phone:
        sets.append((await repository.citizens_by_phone(session, who.phone), False))
    return sets


async def _survivors_of_merged(session: AsyncSession, email: str | None, phone: str | None) -> list[Citizen]:
    """The distinct live records that merged records with this e-mail or phone lead to."""
    found: dict[int, Citizen] = {}
    for merged in await repository.merged_records_by(session, email=email, phone=phone):
        survivor = await repository.survivor_of(session, merged)
        found.setdefault(survivor.id, survivor)
    return list(found.values())


def _enough_to_register(who: CitizenIdentification) -> bool:
    """A national number or an e-mail address identifies a person; a bare phone number (a caller id) does not."""
    return bool(who.national_number or who.email or (who.phone and (who.given_name or who.family_name)))


async def _complete(session: AsyncSession, citizen: Citizen, who: CitizenIdentification, digest: str | None) -> None:
    """Fill in what we did not know yet; never overwrite what we knew."""
    if digest and who.national_number and citizen.national_number_hash is None:
        citizen.national_number_hash = digest
        citizen.national_number_masked = masked_national_number(who.national_number)
    _assign(citizen, "email", citizen.email or who.email)
    _assign(citizen, "phone", citizen.phone or who.phone)
    _assign(citizen, "given_name", citizen.given_name or who.given_name)
    _assign(citizen, "family_name", citizen.family_name or who.family_name)
    if who.preferred_language is not None:
        _assign(citizen, "preferred_language", who.preferred_language.value)
    # A flush of a session with nothing to write returns at once; asked here only when there is something.
    if session.new or session.dirty or session.deleted:
        await session.flush()


def _assign(citizen: Citizen, name: str, value: object) -> None:
    """Set a column only when its value changes: any assignment marks the row modified, even of an equal value, and
    the flush then runs the whole unit of work and the audit listener to write nothing (#16: about 3 % of a web
    intake's CPU, where a known citizen's e-mail was assigned to itself)."""
    if getattr(citizen, name) != value:
        setattr(citizen, name, value)


@dataclass(frozen=True)
class LookupQuery:
    phone: str | None = None
    email: str | None = None
    national_number: str | None = None
    name: str | None = None


MIN_NAME_LENGTH = 3  # a name part, not a letter: a lookup finds a caller, it does not list the register


def may_look_up(principal: Principal) -> bool:
    """Staff at a screen (who read tickets), or a system given the scope made for this: not every reader."""
    return principal.may_identify_citizens()


async def lookup(
    session: AsyncSession, secret: bytes, clock: Clock, viewer: Principal, query: LookupQuery
) -> CitizenLookup:
    """Screen pop: citizens matching any given identifier, with their open tickets (unreadable ones masked).

    At most LOOKUP_LIMIT people, each with their household and active representatives (names and consent, never
    the relatives' tickets); every lookup is on the audit trail with the social tickets it showed.
    """
    found: dict[int, Citizen] = {}
    for citizen in await _lookup_candidates(session, secret, query):
        found.setdefault(citizen.id, citizen)
    truncated = len(found) > repository.LOOKUP_LIMIT
    shown = dict(list(found.items())[: repository.LOOKUP_LIMIT])
    tickets = await repository.open_tickets_of(session, list(shown), viewer) if shown else []
    closed = await repository.closed_tickets_of(session, list(shown), viewer) if shown else []
    households = await active_households(session, clock, list(shown))
    matches = []
    for citizen in shown.values():
        matches.append(
            CitizenMatch(
                citizen=CitizenSummary.of(citizen),
                has_case_worker=citizen.case_worker_id is not None,
                open_tickets=[_hint(ticket, visible) for ticket, visible in tickets if ticket.citizen_id == citizen.id],
                recent_closed_tickets=[
                    _hint(ticket, visible) for ticket, visible in closed if ticket.citizen_id == citizen.id
                ],
                household=households.get(citizen.id),
            )
        )
    tickets = tickets + closed
    given = [field for field in ("phone", "email", "national_number", "name") if getattr(query, field)]
    await audit_reads(
        session,
        viewer,
        "lookup_citizens",
        [(ticket.id, ticket.confidentiality) for ticket, _visible in tickets],
        always=True,
        details={"citizen_ids": sorted(shown), "by": given},
    )
    return CitizenLookup(matches=matches, truncated=truncated)


def _hint(ticket: Ticket, visible: bool) -> OpenTicketHint:
    return OpenTicketHint(
        reference=ticket.reference,
        status=ticket.status,
        owning_unit=ticket.owning_unit.code,
        hand_over_to=ticket.owning_unit.name,
        social=ticket.confidentiality == Confidentiality.social,
        subject=ticket.subject if visible else None,
    )


async def _lookup_candidates(session: AsyncSession, secret: bytes, query: LookupQuery) -> list[Citizen]:
    if not any((query.phone, query.email, query.national_number, query.name)):
        raise UnprocessableInput(P_("Give at least one of phone, email, national_number or name to look up."))
    name = query.name.strip() if query.name else ""
    if name and len(name) < MIN_NAME_LENGTH:
        raise UnprocessableInput(
            P_("Give at least {count} characters of a name to look up."),
            params={"count": MIN_NAME_LENGTH},
            field="name",
        )
    # One more than shown, to tell the caller there are more.
    limit = repository.LOOKUP_LIMIT + 1
    found: list[Citizen] = []
    phone: str | None = None
    try:
        if query.national_number:
            digest = national_number_hash(secret, valid_national_number(query.national_number))
            by_number = await repository.citizen_by_national_number_hash(session, digest)
            found += [by_number] if by_number else []
        if query.phone:
            phone = e164_phone(query.phone)
            found += await repository.citizens_by_phone(session, phone, limit)
    except ValueError as exc:
        raise UnprocessableInput(P_("Cannot look that up: {exc}."), params={"exc": exc}) from exc
    email = query.email.strip().lower() if query.email else None
    if email:
        found += await repository.citizens_by_email(session, email, limit)
    # By the identifiers of records merged into another: their survivor (identity/).
    found += await _survivors_of_merged(session, email, phone)
    if name:
        found += await repository.citizens_by_name(session, name, limit)
    return found
