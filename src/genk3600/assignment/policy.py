"""Who gets a ticket: the assignment decision, pure like routing's `route()`.

No database and no clock: the caller loads the ticket's needs, the candidates with their presence, load and
skills, and the unit's policy, so a decision can be replayed and explained later from the same inputs. The
explanation is a message code plus parameters (i18n/texts.py), written on the ticket's timeline:
"assigned to An Peeters: available, speaks French, 2 of 5 open".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from genk3600.i18n.texts import Message
from genk3600.models.enums import AssignmentMode, PresenceStatus
from genk3600.routing.rules import matching_category

# Why a candidate was passed over, in the order the checks run (the first failing one counts).
SKIP_REASONS = (
    "not_available",
    "has_open_offer",
    "declined_recently",
    "may_not_hold_social",
    "language",
    "category",
    "desk",
    "capacity",
)


@dataclass(frozen=True)
class TicketNeeds:
    """What the ticket asks of whoever takes it."""

    ticket_id: int
    channel: str  # the channel of the ticket's first contact: capacity is counted per channel
    language: str
    category: str | None
    desk: str | None  # the desk unit of a counter contact, which only staff of that desk take
    social: bool
    case_worker_id: int | None  # the citizen's OCMW case worker


@dataclass(frozen=True)
class Candidate:
    """A staff member of the unit as the decision sees them."""

    staff_id: int
    name: str
    presence: PresenceStatus
    languages: frozenset[str]
    categories: tuple[str, ...]  # codes or prefixes ("waste.*"); empty: any category
    desks: frozenset[str]
    open_on_channel: int  # open tickets and open offers on the ticket's channel
    capacity: int  # on the ticket's channel
    last_offered_at: datetime | None  # by this unit: round robin's turn
    has_open_offer: bool = False
    declined_recently: bool = False
    may_hold_social: bool = False


@dataclass(frozen=True)
class Policy:
    mode: AssignmentMode
    continuity: bool = True


@dataclass(frozen=True)
class Choice:
    """Who is offered the ticket (None: nobody now) and why, with what passed others over."""

    staff_id: int | None
    text: Message
    skipped: Counter[str] = field(default_factory=Counter, compare=False)


def _skip_reason(needs: TicketNeeds, candidate: Candidate) -> str | None:
    if candidate.presence is not PresenceStatus.available:
        return "not_available"
    if candidate.has_open_offer:
        return "has_open_offer"
    if candidate.declined_recently:
        return "declined_recently"
    if needs.social and not candidate.may_hold_social:
        return "may_not_hold_social"
    if needs.language not in candidate.languages:
        return "language"
    if candidate.categories and needs.category is not None:
        if matching_category(candidate.categories, needs.category) is None:
            return "category"
    if needs.desk is not None and needs.desk not in candidate.desks:
        return "desk"
    if candidate.open_on_channel >= candidate.capacity:
        return "capacity"
    return None


def _turn(candidate: Candidate) -> tuple[bool, datetime | None, int]:
    """Round robin: whoever was offered something by this unit longest ago (never: first), then by id."""
    return (candidate.last_offered_at is not None, candidate.last_offered_at, candidate.staff_id)


def _load(candidate: Candidate) -> tuple[int, float, bool, datetime | None, int]:
    """Least loaded: fewest open on the channel, then the most room left, then round robin's order."""
    room = candidate.open_on_channel / candidate.capacity if candidate.capacity else 1.0
    return (candidate.open_on_channel, room, *_turn(candidate))


def _reasons(needs: TicketNeeds, candidate: Candidate, why: str) -> list[Message]:
    reasons = [Message("assignment.reason.available")]
    if why == "case_worker":
        reasons.append(Message("assignment.reason.case_worker"))
    reasons.append(Message("assignment.reason.speaks", {"language": needs.language}))
    if candidate.categories and needs.category is not None:
        reasons.append(Message("assignment.reason.category", {"category": needs.category}))
    if needs.desk is not None:
        reasons.append(Message("assignment.reason.desk", {"unit": needs.desk}))
    if why == "round_robin":
        reasons.append(Message("assignment.reason.turn"))
    elif why == "least_loaded":
        reasons.append(Message("assignment.reason.least_loaded"))
    return reasons


def explanation(needs: TicketNeeds, candidate: Candidate, why: str) -> Message:
    """The sentence for the timeline: to whom, and each reason, with their load on the ticket's channel."""
    return Message(
        "assignment.offered",
        {
            "staff": candidate.name,
            "reasons": [reason.as_json() for reason in _reasons(needs, candidate, why)],
            "open": candidate.open_on_channel,
            "capacity": candidate.capacity,
            "channel": needs.channel,
        },
    )


def choose(needs: TicketNeeds, candidates: Sequence[Candidate], policy: Policy) -> Choice:
    """The staff member to offer the ticket to under `policy`, or nobody, with the reason either way."""
    if policy.mode is AssignmentMode.off:
        return Choice(None, Message("assignment.off"))
    skipped: Counter[str] = Counter()
    eligible: list[Candidate] = []
    for candidate in candidates:
        reason = _skip_reason(needs, candidate)
        if reason is None:
            eligible.append(candidate)
        else:
            skipped[reason] += 1
    if needs.social and policy.continuity and needs.case_worker_id is not None:
        own = next((c for c in eligible if c.staff_id == needs.case_worker_id), None)
        if own is not None:
            return Choice(own.staff_id, explanation(needs, own, "case_worker"), skipped)
    if not eligible:
        counts = [
            Message(f"assignment.skipped.{reason}", {"count": skipped[reason]}).as_json()
            for reason in SKIP_REASONS
            if skipped[reason]
        ]
        return Choice(None, Message("assignment.nobody", {"skipped": counts}), skipped)
    if policy.mode is AssignmentMode.round_robin:
        chosen = min(eligible, key=_turn)
    else:
        chosen = min(eligible, key=_load)
    return Choice(chosen.staff_id, explanation(needs, chosen, policy.mode.value), skipped)
