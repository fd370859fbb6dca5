"""Merging two citizen records into one, and undoing it within the configured window.

The survivor keeps its own identity and takes over what it lacks from the merged record (names, e-mail,
phone, national number, case worker, a legal hold); every row in identity/moves.py moves to it, with the
moved ids kept on the merge record. The merged record stays, pointing at the survivor (`merged_into_id`)
with its e-mail and phone, so that lookups by them still find the person; only a national number the
survivor took over leaves it (the column is unique) and waits on the merge record until an un-merge gives
it back.

Need-to-know: a social ticket is visible to its citizen's case worker. A merge never puts social cases of
one case worker's client in front of another case worker: two different case workers refuse the merge (409).
With one case worker, that person follows the whole person afterwards, as the survivor's rules give. The
merge reads no ticket content and answers only counts.

Un-merge moves exactly the recorded rows back (those still on the survivor: a row moved elsewhere since stays
where it is), empties the fields the survivor took over where they still hold the merged record's value and
gives the merged record back its national number. Rows created on the survivor after the merge stay with the
survivor: nothing says which record they were about.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.audit import trail
from genk3600.auth.principal import Principal
from genk3600.citizens import repository as citizens_repository
from genk3600.config import Settings
from genk3600.households import service as households
from genk3600.i18n.texts import Message
from genk3600.identity import repository
from genk3600.identity.errors import (
    CaseWorkerConflict,
    CitizenAlreadyMerged,
    CitizenNotFound,
    CitizenToMergeNotFound,
    DifferentNationalNumbers,
    MergeAlreadyUndone,
    MergeIntoItself,
    MergeNotFound,
    SurvivorMergedSince,
    UnmergeWindowOver,
)
from genk3600.identity.moves import CITIZEN_REFERENCES, CitizenReference
from genk3600.identity.schemas import CitizenMergeHistory, MergeIn, MergeOut, UnmergeIn
from genk3600.kit.clock import Clock
from genk3600.models import CitizenMerge
from genk3600.models.enums import TicketEventType
from genk3600.tickets import timeline

# Fields the survivor takes over when it has none (the national number is handled on its own: it is unique).
TAKEN_OVER_FIELDS = ("given_name", "family_name", "email", "phone", "case_worker_id")
NATIONAL_NUMBER = "national_number"
LEGAL_HOLD = "legal_hold"


async def merge(
    session: AsyncSession, settings: Settings, clock: Clock, actor: Principal, survivor_id: int, data: MergeIn
) -> MergeOut:
    """Merge `data.merged_citizen_id` into the survivor: its rows move, the act is audited and on every ticket."""
    merged_id = data.merged_citizen_id
    if merged_id == survivor_id:
        raise MergeIntoItself(survivor_id)
    locked = await repository.lock_citizens(session, [survivor_id, merged_id])
    survivor, merged = locked.get(survivor_id), locked.get(merged_id)
    if survivor is None:
        raise CitizenNotFound(survivor_id)
    if merged is None:
        raise CitizenToMergeNotFound(merged_id)
    for citizen in (merged, survivor):
        if citizen.merged_into_id is not None:
            final = await citizens_repository.survivor_of(session, citizen)
            raise CitizenAlreadyMerged(citizen.id, final.id)
    if (
        survivor.national_number_hash is not None
        and merged.national_number_hash is not None
        and survivor.national_number_hash != merged.national_number_hash
    ):
        raise DifferentNationalNumbers(survivor_id, merged_id)
    if (
        survivor.case_worker_id is not None
        and merged.case_worker_id is not None
        and survivor.case_worker_id != merged.case_worker_id
    ):
        raise CaseWorkerConflict(
            survivor_id,
            await repository.staff_name(session, survivor.case_worker_id),
            merged_id,
            await repository.staff_name(session, merged.case_worker_id),
        )

    moved: dict[str, list[int]] = {}
    writes: list[trail.Write] = []
    for reference in CITIZEN_REFERENCES:
        row_ids = await repository.move_all(session, reference, merged_id, survivor_id)
        moved[reference.key] = row_ids
        writes += _moves(reference, row_ids, merged_id, survivor_id)
    await trail.record_writes(session, writes)
    household = await households.move_citizen(session, from_citizen_id=merged_id, into_citizen_id=survivor_id)

    taken_over = [name for name in TAKEN_OVER_FIELDS if getattr(survivor, name) is None and getattr(merged, name)]
    for name in taken_over:
        setattr(survivor, name, getattr(merged, name))
    if merged.legal_hold and not survivor.legal_hold:
        # The person's data is under a legal hold: it stays so, wherever the rows now are.
        survivor.legal_hold, survivor.legal_hold_reason = True, merged.legal_hold_reason
        taken_over.append(LEGAL_HOLD)
    record = CitizenMerge(
        survivor_citizen_id=survivor_id,
        merged_citizen_id=merged_id,
        reason=data.reason,
        merged_at=clock.now(),
        moved=moved,
        taken_over=taken_over,
        household_move=household.as_json(),
        national_number_hash=None,
        national_number_masked=None,
        unmerged_at=None,
        unmerged_by_name=None,
        unmerge_reason=None,
        actor_staff_id=actor.staff_id,
        actor_api_client_id=actor.api_client_id,
        actor_name=actor.display_name,
    )
    if survivor.national_number_hash is None and merged.national_number_hash is not None:
        # Unique: off the merged record first, then onto the survivor.
        record.national_number_hash, record.national_number_masked = (
            merged.national_number_hash,
            merged.national_number_masked,
        )
        merged.national_number_hash = merged.national_number_masked = None
        await session.flush()
        survivor.national_number_hash, survivor.national_number_masked = (
            record.national_number_hash,
            record.national_number_masked,
        )
        taken_over.append(NATIONAL_NUMBER)
        record.taken_over = list(taken_over)
    merged.merged_into_id = survivor_id
    session.add(record)
    await session.flush()

    counts = {key: len(ids) for key, ids in moved.items()}
    await trail.audit_act(
        session,
        "merge",
        "citizen",
        str(survivor_id),
        data.reason,
        {"merge_id": record.id, "merged_citizen_id": merged_id, "moved": counts, "taken_over": taken_over},
    )
    text = Message("citizen.merged", {"merged": merged_id, "survivor": survivor_id})
    await _on_timelines(session, actor, survivor_id, TicketEventType.citizen_merged, text, record, counts)
    return merge_out(record, settings)


async def unmerge(
    session: AsyncSession, settings: Settings, clock: Clock, actor: Principal, merge_id: int, data: UnmergeIn
) -> MergeOut:
    """Undo a merge within the window: exactly the moved rows go back, the merged record is itself again."""
    record = await repository.merge_by_id(session, merge_id, lock=True)
    if record is None:
        raise MergeNotFound(merge_id)
    if record.unmerged_at is not None:
        raise MergeAlreadyUndone(merge_id)
    until = record.merged_at + timedelta(days=settings.citizen_unmerge_days)
    if clock.now() > until:
        raise UnmergeWindowOver(merge_id, until, settings.citizen_unmerge_days)
    survivor_id, merged_id = record.survivor_citizen_id, record.merged_citizen_id
    locked = await repository.lock_citizens(session, [survivor_id, merged_id])
    survivor, merged = locked[survivor_id], locked[merged_id]
    if survivor.merged_into_id is not None:
        raise SurvivorMergedSince(merge_id, survivor_id, survivor.merged_into_id)

    back: dict[str, list[int]] = {}
    writes: list[trail.Write] = []
    references = {reference.key: reference for reference in CITIZEN_REFERENCES}
    for key, row_ids in record.moved.items():
        reference = references.get(key) or CitizenReference(*key.split(".", 1))
        returned = await repository.move_back(session, reference, row_ids, survivor_id, merged_id)
        back[key] = returned
        writes += _moves(reference, returned, survivor_id, merged_id)
    await trail.record_writes(session, writes)
    if record.household_move is not None:
        await households.restore_citizen(session, households.HouseholdMove.from_json(record.household_move))

    for name in record.taken_over:
        if name in TAKEN_OVER_FIELDS and getattr(survivor, name) == getattr(merged, name):
            setattr(survivor, name, None)
    if LEGAL_HOLD in record.taken_over and survivor.legal_hold_reason == merged.legal_hold_reason:
        survivor.legal_hold, survivor.legal_hold_reason = False, None
    if NATIONAL_NUMBER in record.taken_over and record.national_number_hash is not None:
        if survivor.national_number_hash == record.national_number_hash:
            survivor.national_number_hash = survivor.national_number_masked = None
            await session.flush()
        merged.national_number_hash, merged.national_number_masked = (
            record.national_number_hash,
            record.national_number_masked,
        )
        record.national_number_hash = record.national_number_masked = None
    merged.merged_into_id = None
    record.unmerged_at = clock.now()
    record.unmerged_by_name = actor.display_name
    record.unmerge_reason = data.reason
    await session.flush()

    counts = {key: len(ids) for key, ids in back.items()}
    await trail.audit_act(
        session,
        "unmerge",
        "citizen",
        str(survivor_id),
        data.reason,
        {"merge_id": merge_id, "merged_citizen_id": merged_id, "moved_back": counts},
    )
    text = Message("citizen.unmerged", {"merged": merged_id, "survivor": survivor_id})
    tickets = await repository.ticket_ids_of(session, survivor_id) + back.get("ticket.citizen_id", [])
    await timeline.record_many(
        session,
        actor,
        [
            (ticket_id, timeline.TimelineEntry(TicketEventType.citizen_unmerged, text, _event_data(record, counts)))
            for ticket_id in sorted(set(tickets))
        ],
    )
    return merge_out(record, settings)


async def history(session: AsyncSession, settings: Settings, citizen_id: int) -> CitizenMergeHistory:
    """A citizen record's merges (as survivor or merged record), for either id."""
    citizen = await repository.citizen_by_id(session, citizen_id)
    if citizen is None:
        raise CitizenNotFound(citizen_id)
    merges = await repository.merges_of(session, citizen_id)
    return CitizenMergeHistory(
        citizen_id=citizen_id,
        merged_into_id=citizen.merged_into_id,
        merges=[merge_out(record, settings) for record in merges],
    )


async def get_merge(session: AsyncSession, settings: Settings, merge_id: int) -> MergeOut:
    record = await repository.merge_by_id(session, merge_id)
    if record is None:
        raise MergeNotFound(merge_id)
    return merge_out(record, settings)


def merge_out(record: CitizenMerge, settings: Settings) -> MergeOut:
    return MergeOut(
        id=record.id,
        survivor_citizen_id=record.survivor_citizen_id,
        merged_citizen_id=record.merged_citizen_id,
        reason=record.reason,
        actor_name=record.actor_name,
        merged_at=record.merged_at,
        moved={key: len(ids) for key, ids in record.moved.items()},
        taken_over=list(record.taken_over),
        unmerge_until=record.merged_at + timedelta(days=settings.citizen_unmerge_days),
        unmerged_at=record.unmerged_at,
        unmerged_by_name=record.unmerged_by_name,
        unmerge_reason=record.unmerge_reason,
    )


def _moves(reference: CitizenReference, row_ids: list[int], from_id: int, to_id: int) -> list[trail.Write]:
    return [
        trail.updated(reference.table, row_id, {reference.column: from_id}, {reference.column: to_id})
        for row_id in row_ids
    ]


def _event_data(record: CitizenMerge, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "merge_id": record.id,
        "survivor_citizen_id": record.survivor_citizen_id,
        "merged_citizen_id": record.merged_citizen_id,
        "moved": counts,
    }


async def _on_timelines(
    session: AsyncSession,
    actor: Principal,
    survivor_id: int,
    kind: TicketEventType,
    text: Message,
    record: CitizenMerge,
    counts: dict[str, int],
) -> None:
    """The entry on every ticket the survivor now has: its own and the moved ones."""
    data = _event_data(record, counts)
    tickets = await repository.ticket_ids_of(session, survivor_id)
    await timeline.record_many(
        session, actor, [(ticket_id, timeline.TimelineEntry(kind, text, data)) for ticket_id in tickets]
    )


async def erase_merged_identities(session: AsyncSession, citizen_id: int, fields: Sequence[str]) -> list[int]:
    """For a citizen's erasure: the records merged into them are the same person, so their `fields` go too, and
    so does a national number a merge record keeps for an un-merge. The ids of those records."""
    merged = await repository.records_merged_into(session, citizen_id)
    for record in merged:
        for name in fields:
            setattr(record, name, None)
    for kept in await repository.active_merges_into(session, [citizen_id, *(record.id for record in merged)]):
        kept.national_number_hash = kept.national_number_masked = None
    await session.flush()
    return sorted(record.id for record in merged)
