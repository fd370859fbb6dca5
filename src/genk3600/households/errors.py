from __future__ import annotations

from datetime import date

from genk3600.errors import Conflict, NotFound, UnprocessableInput
from genk3600.i18n.catalogue import P_


class CitizenNotFound(NotFound):
    slug = "citizen-not-found"

    def __init__(self, citizen_id: int) -> None:
        super().__init__(
            P_("There is no citizen with id {citizen_id}."), params={"citizen_id": citizen_id}, citizen_id=citizen_id
        )


class UnknownRelative(UnprocessableInput):
    slug = "unknown-relative"

    def __init__(self, citizen_id: int, field: str) -> None:
        super().__init__(
            P_("There is no citizen with id {citizen_id} to relate to."), params={"citizen_id": citizen_id}, field=field
        )


class SelfRelation(UnprocessableInput):
    slug = "self-relation"

    def __init__(self, field: str) -> None:
        super().__init__(P_("A citizen cannot be related to, or represent, themselves."), field=field)


class RelationExists(Conflict):
    title = P_("Relation already recorded")
    slug = "relation-exists"

    def __init__(self, relation_id: int) -> None:
        super().__init__(
            P_("This relation is already recorded (relation {relation_id}); end it first to record it anew."),
            params={"relation_id": relation_id},
            relation_id=relation_id,
        )


class RelationNotFound(NotFound):
    slug = "relation-not-found"

    def __init__(self, citizen_id: int, relation_id: int) -> None:
        super().__init__(
            P_("Citizen {citizen_id} has no relation with id {relation_id}."),
            params={"citizen_id": citizen_id, "relation_id": relation_id},
            citizen_id=citizen_id,
            relation_id=relation_id,
        )


class RepresentationNotFound(NotFound):
    slug = "representation-not-found"

    def __init__(self, citizen_id: int, representation_id: int) -> None:
        super().__init__(
            P_("Citizen {citizen_id} has no representation with id {representation_id}."),
            params={"citizen_id": citizen_id, "representation_id": representation_id},
            citizen_id=citizen_id,
            representation_id=representation_id,
        )


class BadPeriod(UnprocessableInput):
    slug = "bad-period"

    def __init__(self, first_day: date | None, last_day: date) -> None:
        super().__init__(
            P_("The last day ({last_day}) comes before the first day ({first_day})."),
            params={"first_day": str(first_day), "last_day": str(last_day)},
            field="last_day",
        )


class AlreadyEnded(Conflict):
    title = P_("Already ended")
    slug = "already-ended"

    def __init__(self, last_day: date) -> None:
        super().__init__(
            P_("This has already ended (last day {last_day}); record a new one if it applies again."),
            params={"last_day": str(last_day)},
            last_day=str(last_day),
        )


class OutsideConsent(UnprocessableInput):
    """A representative named as acting for a citizen without a representation that covers it that day.

    422, not 403: the caller may record contacts; it is what the contact says that does not fit the register."""

    title = P_("Outside the representative's consent")
    slug = "outside-consent"

    def __init__(self, representative_citizen_id: int, citizen_id: int, scope: str, on_day: date) -> None:
        super().__init__(
            P_(
                "Citizen {representative} has no representation for citizen {citizen} covering '{scope}' on "
                "{day}: record the contact without them as representative, or record their consent first."
            ),
            params={
                "representative": representative_citizen_id,
                "citizen": citizen_id,
                "scope": scope,
                "day": str(on_day),
            },
            representative_citizen_id=representative_citizen_id,
            citizen_id=citizen_id,
            scope=scope,
            on_day=str(on_day),
        )
