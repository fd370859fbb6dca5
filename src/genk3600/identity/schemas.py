from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from genk3600.citizens.schemas import CitizenSummary
from genk3600.kit.pagination import Page
from genk3600.kit.schemas import MAX_ID, InputModel, OutputModel
from genk3600.models.enums import DuplicateReason


class DuplicateCitizen(CitizenSummary):
    """One record of a candidate pair: who it is, and how much hangs on it."""

    has_case_worker: bool = Field(description="An OCMW case worker follows this citizen.")
    tickets: int = Field(description="Tickets of this citizen (of any confidentiality; only the number).")
    contacts: int = Field(description="Contacts of this citizen (only the number).")


class ReasonOut(OutputModel):
    code: DuplicateReason = Field(description="Why, as a code for programs.")
    text: str = Field(description="Why, in the reader's language.", examples=["Zelfde e-mailadres"])


class DuplicateCandidate(OutputModel):
    """Two citizen records that may be one person, with a score and the reasons."""

    citizen: DuplicateCitizen = Field(description="The record with the lower id.")
    other_citizen: DuplicateCitizen = Field(description="The record with the higher id.")
    score: int = Field(
        ge=0,
        le=100,
        description="How likely one person, 0-100: the same national number 100, the same e-mail 60, the same "
        "phone 25, a similar name 25 (added, at most 100).",
        examples=[50],
    )
    reasons: list[ReasonOut]
    name_similarity: float | None = Field(
        description="Trigram similarity of the two full names without accents and case, 0-1; null when a name is "
        "missing.",
        examples=[0.62],
    )


class DuplicateCandidatePage(Page[DuplicateCandidate]):
    pass


class CitizenDuplicates(OutputModel):
    """The likely duplicates of one citizen record."""

    citizen_id: int
    merged_into_id: int | None = Field(
        description="Set when this record is merged into another: then that one answers for the person, and this "
        "record has no candidates of its own.",
        examples=[None],
    )
    candidates: list[DuplicateCandidate]


class DismissalIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"citizen_id": 12, "other_citizen_id": 13, "reason": "Vader en zoon, zelfde naam en nummer."}]
        }
    )

    citizen_id: int = Field(ge=1, le=MAX_ID)
    other_citizen_id: int = Field(ge=1, le=MAX_ID)
    reason: str = Field(min_length=3, max_length=500, examples=["Vader en zoon, zelfde naam en nummer."])


class DismissalOut(OutputModel):
    """Two records marked as different people: the pair no longer shows as a candidate."""

    id: int
    citizen_id: int = Field(description="The lower of the two ids.")
    other_citizen_id: int = Field(description="The higher of the two ids.")
    reason: str
    actor_name: str
    created_at: datetime


class MergeIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"merged_citizen_id": 13, "reason": "Zelfde persoon: e-mail en gsm bevestigd aan de balie."}]
        }
    )

    merged_citizen_id: int = Field(
        ge=1, le=MAX_ID, description="The record that is merged into the one in the path (the survivor)."
    )
    reason: str = Field(min_length=3, max_length=500, examples=["Zelfde persoon: bevestigd aan de balie."])


class MergeOut(OutputModel):
    """A merge of one citizen record into another, and what it moved."""

    id: int
    survivor_citizen_id: int = Field(description="The record that answers for the person.")
    merged_citizen_id: int = Field(description="The record merged into the survivor.")
    reason: str
    actor_name: str = Field(description="Who merged.")
    merged_at: datetime
    moved: dict[str, int] = Field(
        description="How many rows moved to the survivor, per `table.column` (and back, once undone).",
        examples=[{"ticket.citizen_id": 2, "contact.citizen_id": 3, "contact_party.citizen_id": 0}],
    )
    taken_over: list[str] = Field(
        description="The survivor's fields that were empty and took the merged record's value.",
        examples=[["email", "case_worker_id"]],
    )
    unmerge_until: datetime = Field(description="Until when the merge can be undone.")
    unmerged_at: datetime | None = Field(examples=[None])
    unmerged_by_name: str | None = Field(description="Who undid the merge.", examples=[None])
    unmerge_reason: str | None = Field(examples=[None])


class CitizenMergeHistory(OutputModel):
    """A citizen record's merges, as survivor or as merged record, newest first."""

    citizen_id: int
    merged_into_id: int | None = Field(
        description="The record this one is merged into now (null: it answers for itself).", examples=[None]
    )
    merges: list[MergeOut]


class UnmergeIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Twee verschillende personen: naamgenoten op hetzelfde adres."}]}
    )

    reason: str = Field(min_length=3, max_length=500, examples=["Twee verschillende personen."])
