"""The ticket status machine, in one table. Anything not listed answers 409 naming what is allowed."""

from __future__ import annotations

from genk3600.errors import Conflict
from genk3600.models.enums import TicketStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.new: frozenset({S.assigned, S.in_progress, S.waiting_on_citizen, S.resolved}),
    S.assigned: frozenset({S.new, S.in_progress, S.waiting_on_citizen, S.resolved}),
    S.in_progress: frozenset({S.assigned, S.waiting_on_citizen, S.resolved}),
    S.waiting_on_citizen: frozenset({S.in_progress, S.resolved}),
    S.resolved: frozenset({S.closed, S.in_progress}),  # in_progress = reopen
    S.closed: frozenset(),
}


class IllegalTransition(Conflict):
    title = "Illegal status change"
    slug = "illegal-transition"


def allowed_from(current: S) -> list[S]:
    return sorted(TRANSITIONS[current], key=list(S).index)


def check_transition(current: S, target: S) -> None:
    """Raise IllegalTransition unless `current → target` is in the table."""
    if target in TRANSITIONS[current]:
        return
    allowed = allowed_from(current)
    listed = ", ".join(status.value for status in allowed) or "none: a closed ticket is final"
    raise IllegalTransition(
        f"A ticket that is {current.value} cannot become {target.value}. Allowed: {listed}.",
        current=current.value,
        requested=target.value,
        allowed=[status.value for status in allowed],
    )
