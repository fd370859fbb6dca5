"""One person, one record: duplicate candidates (`/v1/citizen-duplicates`, `/v1/citizens/{citizen_id}/duplicates`),
merges (`/v1/citizens/{citizen_id}/merges`) and undoing them (`/v1/citizen-merges/{merge_id}/undo`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Response, status
from fastapi.responses import JSONResponse

from genk3600.auth.dependencies import AppClock, AppSettings, Steward
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses, with_descriptions
from genk3600.identity import duplicates, merging
from genk3600.identity.schemas import (
    CitizenDuplicates,
    CitizenMergeHistory,
    DismissalIn,
    DismissalOut,
    DuplicateCandidatePage,
    MergeIn,
    MergeOut,
    UnmergeIn,
)
from genk3600.kit.idempotency import IdempotencyGuard
from genk3600.kit.pagination import Pages
from genk3600.kit.reader import ReaderLanguage
from genk3600.kit.schemas import MAX_ID

router = APIRouter(tags=["citizens"])

CitizenId = Annotated[int, Path(ge=1, le=MAX_ID, description="The citizen's id.", examples=[42])]
MergeId = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the merge.", examples=[3])]

STEWARD = (
    "For the data steward: staff who are supervisors or admins, or an API key with the `citizens:merge` scope. "
    "Answers show who the records are (names, e-mail, phone, masked national number) and numbers of tickets and "
    "contacts, never their content: a social case stays need-to-know."
)
SCORING = (
    "A pair shares an identifier of the person: the same national number (score 100), the same e-mail address "
    "(60, case-insensitive) or the same phone number (25) — the phone only together with a similar name (25: "
    "trigram similarity of the full names without accents and case of at least 0.45), since family members "
    "share a landline. Scores add up to at most 100; each reason is given as a code and in the reader's "
    "language. A record merged into another counts with its identifiers for its survivor; pairs marked as "
    "different people (`POST /v1/citizen-duplicates/dismissals`) no longer show."
)


@router.get(
    "/v1/citizen-duplicates",
    operation_id="list_duplicate_candidates",
    summary="Likely duplicate citizen records",
    description="Every pair of citizen records that may be one person, most likely first (score, then ids). "
    + SCORING
    + " "
    + STEWARD,
    responses=problem_responses(400, *AUTH_PROBLEMS),
)
async def list_duplicate_candidates(
    session: Session,
    viewer: Steward,
    params: Pages,
    language: ReaderLanguage,
    min_score: Annotated[int, Query(ge=0, le=100, description="Only pairs with at least this score.")] = 0,
) -> DuplicateCandidatePage:
    return await duplicates.candidate_list(session, params, min_score, language)


@router.get(
    "/v1/citizens/{citizen_id}/duplicates",
    operation_id="list_citizen_duplicates",
    summary="A citizen's likely duplicates",
    description="The records that may be the same person as this one (at most 20, most likely first). A record "
    "merged into another has none of its own: `merged_into_id` names the record that answers for the person. "
    + SCORING
    + " "
    + STEWARD,
    responses=with_descriptions(
        problem_responses(404, *AUTH_PROBLEMS), s404="`citizen-not-found`: there is no citizen with this id."
    ),
)
async def list_citizen_duplicates(
    session: Session, viewer: Steward, citizen_id: CitizenId, language: ReaderLanguage
) -> CitizenDuplicates:
    return await duplicates.duplicates_of(session, citizen_id, language)


@router.post(
    "/v1/citizen-duplicates/dismissals",
    operation_id="dismiss_duplicate",
    summary="Mark two records as different people",
    description="Remembers that two citizen records are not one person (with why), so the pair no longer shows as "
    "a duplicate candidate. On the audit trail. " + STEWARD,
    status_code=status.HTTP_201_CREATED,
    responses=with_descriptions(
        problem_responses(404, 409, *AUTH_PROBLEMS),
        s404="`citizen-not-found`: one of the two ids names no citizen.",
        s409="`duplicate-already-dismissed`: the pair was marked as different people already.",
        s422="The body fails validation, or `dismiss-itself`: the same id twice.",
    ),
)
async def dismiss_duplicate(session: Session, clock: AppClock, actor: Steward, data: DismissalIn) -> DismissalOut:
    return await duplicates.dismiss(session, clock, actor, data)


@router.post(
    "/v1/citizens/{citizen_id}/merges",
    operation_id="merge_citizens",
    summary="Merge another citizen record into this one",
    description=(
        "Merges `merged_citizen_id` into the citizen in the path (the survivor): its tickets, contacts and party "
        "rows (and with the tickets their call-backs) move to the survivor; the survivor keeps its own names, "
        "e-mail, phone, national number and case worker, and takes the merged record's where it has none (and its "
        "legal hold, which then covers the person's rows on the survivor). The "
        "merged record stays, pointing at the survivor (`merged_into_id`), so lookups and new contacts by its "
        "e-mail, phone or national number find the survivor. Both records are locked in id order, so concurrent "
        "merges of the same records queue and the second answers 409.\n\n"
        "Refused (409, nothing written) when either record is merged already (`citizen-already-merged`, naming "
        "the record that answers now), when the two have different national numbers "
        "(`different-national-numbers`), or different OCMW case workers (`case-worker-conflict`: a merge would "
        "show each one's social cases to the other; the OCMW first gives the person one case worker). The merge "
        "is on the audit trail with its reason, on the timeline of every ticket the survivor then has "
        "(`citizen_merged`, also in the event feed as `ticket.citizen_merged`) and in both records' merge "
        "history (`GET /v1/citizens/{citizen_id}/merges`); `Location` names the merge. It can be undone for "
        "`citizen_unmerge_days` days (setting, default 30). Honours `Idempotency-Key`. " + STEWARD
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=MergeOut,
    responses=with_descriptions(
        problem_responses(404, 409, *AUTH_PROBLEMS),
        s404="`citizen-not-found`: there is no citizen with the id in the path.",
        s409="`citizen-already-merged`, `different-national-numbers`, `case-worker-conflict`; or the "
        "`Idempotency-Key` was reused.",
        s422="The body fails validation, `merge-into-itself` (the same id in path and body) or "
        "`unknown-citizen-to-merge` (no citizen with `merged_citizen_id`).",
    ),
)
async def merge_citizens(
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    actor: Steward,
    idempotency: IdempotencyGuard,
    citizen_id: CitizenId,
    data: Annotated[MergeIn, Body()],
    response: Response,
) -> MergeOut | JSONResponse:
    return await idempotency.create(
        response, lambda: merging.merge(session, settings, clock, actor, citizen_id, data), _location
    )


def _location(merge: MergeOut) -> str:
    return f"/v1/citizen-merges/{merge.id}"


@router.get(
    "/v1/citizen-merges/{merge_id}",
    operation_id="get_citizen_merge",
    summary="A merge of two citizen records",
    description="One merge: which record was merged into which, by whom and why, what moved, what the survivor "
    "took over, until when it can be undone, and whether and by whom it was undone. " + STEWARD,
    responses=with_descriptions(
        problem_responses(404, *AUTH_PROBLEMS), s404="`citizen-merge-not-found`: there is no merge with this id."
    ),
)
async def get_citizen_merge(session: Session, settings: AppSettings, viewer: Steward, merge_id: MergeId) -> MergeOut:
    return await merging.get_merge(session, settings, merge_id)


@router.get(
    "/v1/citizens/{citizen_id}/merges",
    operation_id="list_citizen_merges",
    summary="A citizen record's merges",
    description="The merges this record took part in, as survivor or as merged record, newest first, with what "
    "moved and whether and by whom each was undone. Works for both ids of a merge: for a merged record, "
    "`merged_into_id` names the record that answers for the person. " + STEWARD,
    responses=with_descriptions(
        problem_responses(404, *AUTH_PROBLEMS), s404="`citizen-not-found`: there is no citizen with this id."
    ),
)
async def list_citizen_merges(
    session: Session, settings: AppSettings, viewer: Steward, citizen_id: CitizenId
) -> CitizenMergeHistory:
    return await merging.history(session, settings, citizen_id)


@router.post(
    "/v1/citizen-merges/{merge_id}/undo",
    operation_id="unmerge_citizens",
    summary="Undo a merge of two citizen records",
    description=(
        "Within `citizen_unmerge_days` days (setting, default 30) of the merge: moves exactly the rows the merge "
        "moved back to the merged record (those still on the survivor), empties the survivor's fields that it "
        "took over from the merged record where they still hold that value, and gives the merged record back its "
        "national number. Rows created on the survivor after the merge stay with the survivor. On the audit trail "
        "with its reason, on the timeline of the survivor's tickets and of the tickets moved back "
        "(`citizen_unmerged`), and in both records' merge history. " + STEWARD
    ),
    responses=with_descriptions(
        problem_responses(404, 409, *AUTH_PROBLEMS),
        s404="`citizen-merge-not-found`: there is no merge with this id.",
        s409="`citizen-merge-undone` (undone already), `unmerge-window-over` (too late: the answer names "
        "`unmerge_until`) or `survivor-merged-since` (the survivor was merged into a third record since: undo "
        "that merge first).",
    ),
)
async def unmerge_citizens(
    session: Session, settings: AppSettings, clock: AppClock, actor: Steward, merge_id: MergeId, data: UnmergeIn
) -> MergeOut:
    return await merging.unmerge(session, settings, clock, actor, merge_id, data)
