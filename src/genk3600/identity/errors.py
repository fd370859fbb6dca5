from __future__ import annotations

from datetime import datetime

from genk3600.errors import Conflict, NotFound, UnprocessableInput
from genk3600.i18n.catalogue import P_


class CitizenNotFound(NotFound):
    slug = "citizen-not-found"

    def __init__(self, citizen_id: int) -> None:
        super().__init__(
            P_("There is no citizen with id {citizen_id}."), params={"citizen_id": citizen_id}, citizen_id=citizen_id
        )


class MergeNotFound(NotFound):
    slug = "citizen-merge-not-found"

    def __init__(self, merge_id: int) -> None:
        super().__init__(
            P_("There is no merge of citizen records with id {merge_id}."),
            params={"merge_id": merge_id},
            merge_id=merge_id,
        )


class MergeIntoItself(UnprocessableInput):
    title = P_("Merge into itself")
    slug = "merge-into-itself"

    def __init__(self, citizen_id: int) -> None:
        super().__init__(
            P_("Citizen {citizen_id} cannot be merged into itself: name two different records."),
            params={"citizen_id": citizen_id},
            citizen_id=citizen_id,
        )


class CitizenAlreadyMerged(Conflict):
    title = P_("Citizen record already merged")
    slug = "citizen-already-merged"

    def __init__(self, citizen_id: int, merged_into_id: int) -> None:
        super().__init__(
            P_(
                "Citizen {citizen_id} is merged into citizen {merged_into_id} already: merge into (or from) "
                "citizen {merged_into_id} instead, or undo that merge first."
            ),
            params={"citizen_id": citizen_id, "merged_into_id": merged_into_id},
            citizen_id=citizen_id,
            merged_into_id=merged_into_id,
        )


class DifferentNationalNumbers(Conflict):
    title = P_("Different national numbers")
    slug = "different-national-numbers"

    def __init__(self, survivor_id: int, merged_id: int) -> None:
        super().__init__(
            P_("Citizens {survivor_id} and {merged_id} have different national numbers: they are two people, not one."),
            params={"survivor_id": survivor_id, "merged_id": merged_id},
        )


class CaseWorkerConflict(Conflict):
    """Merging would hand one case worker's social cases to another: the OCMW settles who follows the person."""

    title = P_("Different case workers")
    slug = "case-worker-conflict"

    def __init__(self, survivor_id: int, survivor_case_worker: str, merged_id: int, merged_case_worker: str) -> None:
        super().__init__(
            P_(
                "Citizen {survivor_id} is followed by case worker {survivor_case_worker} and citizen {merged_id} "
                "by {merged_case_worker}. A merge would show each one's social cases to the other: let the OCMW "
                "give the person one case worker first, then merge."
            ),
            params={
                "survivor_id": survivor_id,
                "survivor_case_worker": survivor_case_worker,
                "merged_id": merged_id,
                "merged_case_worker": merged_case_worker,
            },
        )


class MergeAlreadyUndone(Conflict):
    title = P_("Merge already undone")
    slug = "citizen-merge-undone"

    def __init__(self, merge_id: int) -> None:
        super().__init__(P_("Merge {merge_id} was undone already."), params={"merge_id": merge_id}, merge_id=merge_id)


class UnmergeWindowOver(Conflict):
    title = P_("Too late to undo the merge")
    slug = "unmerge-window-over"

    def __init__(self, merge_id: int, until: datetime, days: int) -> None:
        super().__init__(
            P_(
                "Merge {merge_id} can no longer be undone: a merge can be undone for {days} days, until {until}. "
                "The records stay merged."
            ),
            params={"merge_id": merge_id, "days": days, "until": until.isoformat()},
            merge_id=merge_id,
            unmerge_until=until.isoformat(),
        )


class SurvivorMergedSince(Conflict):
    title = P_("Survivor merged since")
    slug = "survivor-merged-since"

    def __init__(self, merge_id: int, survivor_id: int, merged_into_id: int) -> None:
        super().__init__(
            P_(
                "Merge {merge_id} cannot be undone while its survivor, citizen {survivor_id}, is itself merged into "
                "citizen {merged_into_id}: undo that later merge first."
            ),
            params={"merge_id": merge_id, "survivor_id": survivor_id, "merged_into_id": merged_into_id},
            merged_into_id=merged_into_id,
        )


class AlreadyDismissed(Conflict):
    title = P_("Already dismissed")
    slug = "duplicate-already-dismissed"

    def __init__(self, citizen_id: int, other_citizen_id: int) -> None:
        super().__init__(
            P_("Citizens {citizen_id} and {other_citizen_id} were marked as different people already."),
            params={"citizen_id": citizen_id, "other_citizen_id": other_citizen_id},
        )


class DismissItself(UnprocessableInput):
    title = P_("One citizen twice")
    slug = "dismiss-itself"

    def __init__(self, citizen_id: int) -> None:
        super().__init__(
            P_("Name two different citizens: {citizen_id} is given twice."), params={"citizen_id": citizen_id}
        )


class CitizenToMergeNotFound(UnprocessableInput):
    """The citizen named in the body does not exist (the one in the path answers 404)."""

    slug = "unknown-citizen-to-merge"

    def __init__(self, citizen_id: int) -> None:
        super().__init__(
            P_("There is no citizen with id {citizen_id} to merge."),
            params={"citizen_id": citizen_id},
            citizen_id=citizen_id,
        )
