"""The authenticated caller, handed to services so they can record who did what."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from genk3600.models.enums import Position, Scope


@dataclass(frozen=True)
class Membership:
    unit_id: int
    position: Position


@dataclass(frozen=True)
class Principal:
    kind: Literal["staff", "api_client", "system"]
    id: int
    name: str
    scopes: frozenset[Scope]
    memberships: tuple[Membership, ...] = ()
    # An API client may be limited to one unit's work (DESIGN.md: optional unit restriction).
    unit_id: int | None = None
    email: str | None = field(default=None)

    @property
    def staff_id(self) -> int | None:
        return self.id if self.kind == "staff" else None

    @property
    def api_client_id(self) -> int | None:
        return self.id if self.kind == "api_client" else None

    @property
    def display_name(self) -> str:
        return f"{self.name} (API)" if self.kind == "api_client" else self.name

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes

    def may_identify_citizens(self) -> bool:
        """Staff at a screen (who read tickets), or a system given the scope made for this: not every reader. Who
        may look citizens up, and so see register names (the screen pop, households)."""
        return (self.kind == "staff" and self.has(Scope.tickets_read)) or self.has(Scope.citizens_lookup)


def staff_scopes(positions: set[Position]) -> frozenset[Scope]:
    """Every staff member with a position records contacts and reads tickets; admins also administer;
    supervisors and admins read the reports and are the data stewards who merge duplicate citizen records."""
    if not positions:
        return frozenset()
    scopes = {Scope.contacts_write, Scope.tickets_read, Scope.tickets_write}
    if Position.admin in positions:
        scopes.add(Scope.admin)
    if positions & {Position.supervisor, Position.admin}:
        scopes.add(Scope.reports_read)
        scopes.add(Scope.citizens_merge)
    return frozenset(scopes)


def system_principal(name: str) -> Principal:
    """A background component acting on its own (the SMTP listener, the SLA sweeper)."""
    return Principal(kind="system", id=0, name=name, scopes=frozenset())
