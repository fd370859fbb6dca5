"""The ticket status machine, in one table. Anything not listed answers 409 naming what is allowed."""

from __future__ import annotations

from genk3600.errors import AndList, Conflict, Phrase
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import STATUS_LABELS
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
    title = P_("Illegal status change")
    slug = "illegal-transition"


def allowed_from(current: S) -> list[S]:
    return sorted(TRANSITIONS[current], key=list(S).index)


def check_transition(current: S, target: S) -> None:
    """Raise IllegalTransition unless `current → target` is in the table."""
    if target in TRANSITIONS[current]:
        return
    allowed = allowed_from(current)
    listed = (
        AndList([Phrase(STATUS_LABELS[status]) for status in allowed])
        if allowed
        else Phrase(P_("none: a closed ticket is final"))
    )
    raise IllegalTransition(
        P_("A ticket that is {current} cannot become {target}. Allowed: {listed}."),
        params={"current": Phrase(STATUS_LABELS[current]), "target": Phrase(STATUS_LABELS[target]), "listed": listed},
        current=current.value,
        requested=target.value,
        allowed=[status.value for status in allowed],
    )
