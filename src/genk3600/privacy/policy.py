"""Who may read the content of a social (OCMW) ticket: its owning unit's staff and the citizen's case worker.

Everyone else learns only that a social case exists and whom to hand over to.
"""

from __future__ import annotations

from genk3600.auth.principal import Principal
from genk3600.models import Ticket
from genk3600.models.enums import Confidentiality


def may_read_content(principal: Principal, ticket: Ticket, case_worker_id: int | None) -> bool:
    if ticket.confidentiality != Confidentiality.social.value:
        return True
    if principal.kind == "api_client":
        return principal.unit_id == ticket.owning_unit_id
    if case_worker_id is not None and principal.staff_id == case_worker_id:
        return True
    return any(membership.unit_id == ticket.owning_unit_id for membership in principal.memberships)
