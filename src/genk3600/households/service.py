"""Households and representatives: who is related to a citizen, who may act for them, within what consent.

A relation or a representation only names people: it never opens anyone's tickets (visibility is decided by
the ticket alone, privacy/visibility.py), so a daughter who cares for her mother sees nothing of her mother's
social case through it, nor do the agents who serve the daughter.

Consent scopes (ConsentScope) and what needs them:
- `information`: being told about the citizen's questions and their progress;
- `applications`: acting for the citizen in normal matters: a contact recorded with them as the citizen's
  representative (a party of the contact) needs it;
- `appointments`: booking, moving and cancelling appointments and home visits (appointments call
  `active_representation` with it);
- `social`: OCMW matters: a contact on a social ticket with them as representative needs it (instead of
  `applications`);
- `all`: every one of these.
A representation holds from its `first_day` to its `last_day` (both inclusive), read as days in Europe/Brussels
from the injected clock; from the day after `last_day` the representative may no longer act and is no longer
shown as active (only in the household's history).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.audit.trail import audit_reads
from genk3600.auth.principal import Principal
from genk3600.households import repository
from genk3600.households.errors import (
    AlreadyEnded,
    BadPeriod,
    CitizenNotFound,
    OutsideConsent,
    RelationExists,
    RelationNotFound,
    RepresentationNotFound,
    SelfRelation,
    UnknownRelative,
)
from genk3600.households.schemas import (
    EndIn,
    HouseholdOut,
    RelationIn,
    RelationOut,
    RepresentationChange,
    RepresentationIn,
    RepresentationOut,
    household_fields,
)
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import BRUSSELS
from genk3600.kit.clock import Clock
from genk3600.kit.preconditions import check_if_match
from genk3600.models import CitizenRelation, Representation
from genk3600.models.enums import Confidentiality, ConsentScope, PartyRole, RelationKind
from genk3600.parties.schemas import PartyIn


def today(clock: Clock) -> date:
    """The day it is in Genk: consent periods are days there."""
    return day_of(clock.now())


def day_of(moment: datetime) -> date:
    """The day a moment falls on in Genk (a consent covers days)."""
    return moment.astimezone(BRUSSELS).date()


def _unnamed(person: dict[str, Any]) -> dict[str, Any]:
    return {**person, "given_name": None, "family_name": None}


def _relation_out(item: dict[str, Any], viewer: Principal) -> RelationOut:
    """A writer who may not look citizens up (a system key with `tickets:write` only) learns ids, not the register's
    names: the answer of a write shows no more than a read by the same caller would."""
    if not viewer.may_identify_citizens():
        item = {**item, "relative": _unnamed(item["relative"])}
    return RelationOut(**item)


def _representation_shown(item: dict[str, Any], viewer: Principal) -> RepresentationOut:
    if not viewer.may_identify_citizens():
        item = {**item, "citizen": _unnamed(item["citizen"]), "representative": _unnamed(item["representative"])}
    return RepresentationOut(**item)


def _actor(actor: Principal) -> dict[str, Any]:
    return {
        "actor_staff_id": actor.staff_id,
        "actor_api_client_id": actor.api_client_id,
        "actor_name": actor.display_name,
    }


async def _citizen(session: AsyncSession, citizen_id: int) -> None:
    if not await repository.citizen_exists(session, citizen_id):
        raise CitizenNotFound(citizen_id)


# --- reading ---------------------------------------------------------------------------------------------------


async def get_household(session: AsyncSession, clock: Clock, viewer: Principal, citizen_id: int) -> HouseholdOut:
    """The citizen's relations and representations, ended ones included (`active` says which hold today); on the
    audit trail as a look at the citizen."""
    household = await repository.full_household(session, citizen_id, today(clock))
    if household is None:
        raise CitizenNotFound(citizen_id)
    await audit_reads(
        session, viewer, "get_household", [], always=True, target_type="citizen", details={"citizen_ids": [citizen_id]}
    )
    return HouseholdOut(**household_fields(household, citizen_id))


async def active_households(session: AsyncSession, clock: Clock, citizen_ids: Sequence[int]) -> dict[int, HouseholdOut]:
    """The households of several citizens as they hold today (the screen pop's): one statement."""
    if not citizen_ids:
        return {}
    rows = await repository.active_households(session, citizen_ids, today(clock))
    return {citizen_id: HouseholdOut(**household_fields(value, citizen_id)) for citizen_id, value in rows.items()}


def household_from_json(value: dict[str, Any] | None, citizen_id: int | None) -> HouseholdOut | None:
    """HouseholdOut from the JSON a ticket's detail statement aggregates (tickets/repository.py)."""
    return None if citizen_id is None else HouseholdOut(**household_fields(value, citizen_id))


# --- relations -------------------------------------------------------------------------------------------------


def _stored(citizen_id: int, related_citizen_id: int, kind: RelationKind) -> tuple[int, int, str]:
    """The one row a relation is kept as (models/household.py): a child as the inverse parent row, symmetric kinds
    with the lower id first."""
    if kind is RelationKind.child:
        return related_citizen_id, citizen_id, RelationKind.parent.value
    if kind is RelationKind.parent:
        return citizen_id, related_citizen_id, kind.value
    low, high = sorted((citizen_id, related_citizen_id))
    return low, high, kind.value


async def add_relation(
    session: AsyncSession, clock: Clock, actor: Principal, citizen_id: int, data: RelationIn
) -> RelationOut:
    """Record how another citizen is related to this one; 409 if that is already recorded and not ended."""
    await _citizen(session, citizen_id)
    if data.related_citizen_id == citizen_id:
        raise SelfRelation("related_citizen_id")
    if not await repository.citizen_exists(session, data.related_citizen_id):
        raise UnknownRelative(data.related_citizen_id, "related_citizen_id")
    first, second, kind = _stored(citizen_id, data.related_citizen_id, data.kind)
    if data.last_day is None:
        existing = await repository.current_relation(session, first, second, kind)
        if existing is not None:
            raise RelationExists(existing.id)
    relation = CitizenRelation(
        citizen_id=first,
        related_citizen_id=second,
        kind=kind,
        first_day=data.first_day,
        last_day=data.last_day,
        **_actor(actor),
    )
    session.add(relation)
    await session.flush()
    return _relation_out(await repository.relation_json(session, citizen_id, relation.id, today(clock)), actor)


async def end_relation(
    session: AsyncSession, clock: Clock, actor: Principal, citizen_id: int, relation_id: int, data: EndIn
) -> RelationOut:
    """End a relation (a divorce, a move out): it stays in the history with its last day."""
    relation = await repository.relation_of(session, citizen_id, relation_id)
    if relation is None:
        raise RelationNotFound(citizen_id, relation_id)
    day = today(clock)
    last_day = data.last_day or day
    if relation.last_day is not None and relation.last_day < day:
        raise AlreadyEnded(relation.last_day)
    if relation.first_day is not None and last_day < relation.first_day:
        raise BadPeriod(relation.first_day, last_day)
    relation.last_day = last_day
    await session.flush()
    return _relation_out(await repository.relation_json(session, citizen_id, relation.id, day), actor)


# --- representations -------------------------------------------------------------------------------------------


async def add_representation(
    session: AsyncSession, clock: Clock, actor: Principal, citizen_id: int, data: RepresentationIn
) -> RepresentationOut:
    """Record who may act for the citizen, within which consent, for which period, on what ground."""
    await _citizen(session, citizen_id)
    if data.representative_citizen_id is not None:
        if data.representative_citizen_id == citizen_id:
            raise SelfRelation("representative_citizen_id")
        if not await repository.citizen_exists(session, data.representative_citizen_id):
            raise UnknownRelative(data.representative_citizen_id, "representative_citizen_id")
    representation = Representation(
        citizen_id=citizen_id,
        representative_citizen_id=data.representative_citizen_id,
        representative_name=data.representative_name,
        organisation_name=data.organisation_name,
        kind=data.kind.value,
        scopes=[scope.value for scope in data.scopes],
        first_day=data.first_day,
        last_day=data.last_day,
        source=data.source.value,
        source_reference=data.source_reference,
        version=1,
        **_actor(actor),
    )
    session.add(representation)
    await session.flush()
    return await _representation_out(session, clock, actor, citizen_id, representation.id)


async def _representation_out(
    session: AsyncSession, clock: Clock, viewer: Principal, citizen_id: int, representation_id: int
) -> RepresentationOut:
    item = await repository.representation_json(session, citizen_id, representation_id, today(clock))
    return _representation_shown(item, viewer)


async def _for_change(
    session: AsyncSession, citizen_id: int, representation_id: int, if_match: str | None
) -> Representation:
    representation = await repository.representation_of(session, citizen_id, representation_id)
    if representation is None:
        raise RepresentationNotFound(citizen_id, representation_id)
    check_if_match(
        representation.version,
        if_match,
        P_("Send If-Match with the representation's ETag (from GET /v1/citizens/{citizen_id}/household)."),
        P_("The representation has changed since you read it (now version {version}); read it again."),
    )
    return representation


async def change_representation(
    session: AsyncSession,
    clock: Clock,
    actor: Principal,
    citizen_id: int,
    representation_id: int,
    if_match: str | None,
    data: RepresentationChange,
) -> RepresentationOut:
    """Change a representation's scopes, period or source (If-Match: 428 without, 412 if changed since)."""
    representation = await _for_change(session, citizen_id, representation_id, if_match)
    given = data.model_fields_set
    first_day = data.first_day if "first_day" in given and data.first_day else representation.first_day
    last_day = data.last_day if "last_day" in given else representation.last_day
    if last_day is not None and last_day < first_day:
        raise BadPeriod(first_day, last_day)
    if data.scopes is not None:
        representation.scopes = [scope.value for scope in data.scopes]
    if data.source is not None:
        representation.source = data.source.value
    if "source_reference" in given:
        representation.source_reference = data.source_reference
    representation.first_day, representation.last_day = first_day, last_day
    representation.version += 1
    await session.flush()
    return await _representation_out(session, clock, actor, citizen_id, representation.id)


async def end_representation(
    session: AsyncSession,
    clock: Clock,
    actor: Principal,
    citizen_id: int,
    representation_id: int,
    if_match: str | None,
    data: EndIn,
) -> RepresentationOut:
    """End the consent (withdrawn, or the court's order lifted): from the day after its last day the representative
    may no longer act for the citizen."""
    representation = await _for_change(session, citizen_id, representation_id, if_match)
    day = today(clock)
    last_day = data.last_day or day
    if representation.last_day is not None and representation.last_day < day:
        raise AlreadyEnded(representation.last_day)
    if last_day < representation.first_day:
        raise BadPeriod(representation.first_day, last_day)
    representation.last_day = last_day
    representation.version += 1
    await session.flush()
    return await _representation_out(session, clock, actor, citizen_id, representation.id)


# --- acting for a citizen --------------------------------------------------------------------------------------


async def active_representation(
    session: AsyncSession,
    *,
    citizen_id: int,
    representative_citizen_id: int,
    scope: ConsentScope | str,
    on_day: date,
) -> int | None:
    """The id of a representation letting `representative_citizen_id` act for `citizen_id` in `scope` on `on_day`
    (`all` covers every scope), or None: for every capability that lets someone act for a citizen."""
    return await repository.covering_representation(
        session,
        citizen_id=citizen_id,
        representative_citizen_id=representative_citizen_id,
        scope=ConsentScope(scope).value,  # an unknown scope is a caller's bug: ValueError
        on_day=on_day,
    )


def scope_for(confidentiality: str | None) -> ConsentScope:
    """The scope acting on a contact needs: `social` on a social case, `applications` otherwise."""
    return ConsentScope.social if confidentiality == Confidentiality.social.value else ConsentScope.applications


async def check_acting(session: AsyncSession, contact_id: int, parties: Iterable[PartyIn]) -> None:
    """Refuse (422 `outside-consent`) representatives who are known citizens acting for the contact's citizen(s)
    without a representation covering it on the contact's day. `parties` are those being added (the
    contact's subjects already recorded, and its citizen, count too). Nothing to check without such a party."""
    parties = list(parties)
    acting = {p.citizen_id for p in parties if p.role is PartyRole.representative and p.citizen_id is not None}
    if not acting:
        return
    facts = await repository.acting_facts(session, contact_id)
    subjects = {p.citizen_id for p in parties if p.role is PartyRole.subject and p.citizen_id is not None}
    subjects |= set(facts.subjects or ())
    if facts.citizen_id is not None:
        subjects.add(facts.citizen_id)
    on_day = facts.occurred_at.astimezone(BRUSSELS).date()
    scope = scope_for(facts.confidentiality)
    for representative in sorted(acting):
        for subject in sorted(subjects - {representative}):
            found = await active_representation(
                session, citizen_id=subject, representative_citizen_id=representative, scope=scope, on_day=on_day
            )
            if found is None:
                raise OutsideConsent(representative, subject, scope.value, on_day)


async def get_representation(
    session: AsyncSession, clock: Clock, viewer: Principal, citizen_id: int, representation_id: int
) -> RepresentationOut:
    """One representation of the citizen, with its version (for If-Match)."""
    if await repository.representation_of(session, citizen_id, representation_id, lock=False) is None:
        raise RepresentationNotFound(citizen_id, representation_id)
    return await _representation_out(session, clock, viewer, citizen_id, representation_id)


# --- merging two citizens (the seam for citizen merge/unmerge) ---------------------------------------------------


@dataclass(frozen=True)
class HouseholdMove:
    """What moving a citizen's household rows changed, to undo it exactly: each moved row's citizen columns as
    they were, and the rows dropped (as they were) because the merged pair would be related to, or represent,
    themselves, or because the survivor already held the same current relation."""

    moved: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)  # (table, id, columns before)
    dropped: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (table, every column)

    def as_json(self) -> dict[str, Any]:
        """The move as JSON, for the merge record that must undo it later (dates as ISO text)."""
        as_json: dict[str, Any] = to_jsonable_python({"moved": self.moved, "dropped": self.dropped})
        return as_json

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HouseholdMove:
        """Back from `as_json`: each dropped row's values typed again by its table's columns."""
        dropped = []
        for table, columns in data.get("dropped", []):
            model = _MODELS[table]
            dropped.append((table, {name: _typed(model, name, value) for name, value in columns.items()}))
        return cls(moved=[(table, row_id, before) for table, row_id, before in data.get("moved", [])], dropped=dropped)


def _typed(model: type[CitizenRelation] | type[Representation], name: str, value: Any) -> Any:
    """A JSON value as the column holds it: dates and moments come back from their ISO text."""
    if isinstance(value, str):
        kind = model.__table__.columns[name].type.python_type
        if kind is datetime:
            return datetime.fromisoformat(value)
        if kind is date:
            return date.fromisoformat(value)
    return value


_MODELS: dict[str, type[CitizenRelation] | type[Representation]] = {
    CitizenRelation.__tablename__: CitizenRelation,
    Representation.__tablename__: Representation,
}
_CITIZEN_COLUMNS = {
    CitizenRelation.__tablename__: ("citizen_id", "related_citizen_id"),
    Representation.__tablename__: ("citizen_id", "representative_citizen_id"),
}


def _columns(row: CitizenRelation | Representation) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


async def move_citizen(session: AsyncSession, *, from_citizen_id: int, into_citizen_id: int) -> HouseholdMove:
    """Point every relation and representation of `from_citizen_id` at `into_citizen_id` (a merge of two
    records of one person); audited like every ORM write. Undo with `restore_citizen`."""
    move = HouseholdMove()
    pair = {from_citizen_id, into_citizen_id}
    relations, representations = await repository.household_rows(session, [from_citizen_id, into_citizen_id])
    kept: list[CitizenRelation | Representation] = []
    rows: list[CitizenRelation | Representation] = [*relations, *representations]
    for row in rows:
        first, second = _CITIZEN_COLUMNS[row.__tablename__]
        if {getattr(row, first), getattr(row, second)} == pair:
            move.dropped.append((row.__tablename__, _columns(row)))
            await session.delete(row)
        elif from_citizen_id in (getattr(row, first), getattr(row, second)):
            kept.append(row)
    current = {
        (row.citizen_id, row.related_citizen_id, row.kind)
        for row in relations
        if row.last_day is None and from_citizen_id not in (row.citizen_id, row.related_citizen_id)
    }
    for row in kept:
        first, second = _CITIZEN_COLUMNS[row.__tablename__]
        before = {first: getattr(row, first), second: getattr(row, second)}
        for column in (first, second):
            if getattr(row, column) == from_citizen_id:
                setattr(row, column, into_citizen_id)
        if isinstance(row, CitizenRelation):
            if row.kind != RelationKind.parent.value and row.citizen_id > row.related_citizen_id:
                row.citizen_id, row.related_citizen_id = row.related_citizen_id, row.citizen_id
            fact = (row.citizen_id, row.related_citizen_id, row.kind)
            if row.last_day is None and fact in current:
                # The survivor already holds this relation: one row of a fact (the unique index wants it so).
                row.citizen_id, row.related_citizen_id = before[first], before[second]
                move.dropped.append((row.__tablename__, _columns(row)))
                await session.delete(row)
                continue
            if row.last_day is None:
                current.add(fact)
        move.moved.append((row.__tablename__, row.id, before))
    await session.flush()
    return move


async def restore_citizen(session: AsyncSession, move: HouseholdMove) -> None:
    """Undo `move_citizen` (an unmerge): moved rows get their citizen columns back, dropped rows return."""
    for table, row_id, before in move.moved:
        row = await session.get(_MODELS[table], row_id, with_for_update=True)
        if row is not None:
            for column, value in before.items():
                setattr(row, column, value)
    await session.flush()
    for table, columns in move.dropped:
        session.add(_MODELS[table](**columns))
    await session.flush()
