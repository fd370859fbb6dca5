"""Which rows belong to a citizen: the (table, citizen column) pairs a merge moves to the survivor.

One list, one UPDATE per entry, the moved row ids recorded per entry so an un-merge moves exactly those back.
A capability that adds a table pointing at a citizen adds its line here; tables that hang off a ticket or a
contact (call-backs, participations, calls) follow their ticket or contact and need no line. Household
relations and representations are moved by `households.service.move_citizen` instead: a relation may not
point from a person to themselves, so some are dropped rather than moved, and the merge record keeps that move
to undo it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CitizenReference:
    table: str
    column: str

    @property
    def key(self) -> str:
        """How the merge record names it (`ticket.citizen_id`)."""
        return f"{self.table}.{self.column}"


CITIZEN_REFERENCES: tuple[CitizenReference, ...] = (
    CitizenReference("ticket", "citizen_id"),
    CitizenReference("contact", "citizen_id"),
    # A party naming the citizen on someone else's contact (they called on another's behalf).
    CitizenReference("contact_party", "citizen_id"),
    # Who came with or for another citizen to an appointment (appointments/).
    CitizenReference("appointment", "representative_citizen_id"),
)
