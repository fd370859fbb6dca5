from __future__ import annotations

from datetime import datetime
from typing import Any

from genk3600.kit.pagination import Page
from genk3600.kit.schemas import OutputModel


class AuditEntryOut(OutputModel):
    id: int
    occurred_at: datetime
    actor_kind: str
    actor_id: int | None
    actor_name: str
    actor_positions: str | None
    action: str
    target_type: str
    target_id: str | None
    changes: dict[str, Any]
    reason: str | None
    request_id: str | None
    client_address: str | None


class AuditPage(Page[AuditEntryOut]):
    """A page of the audit trail, newest first."""


CSV_COLUMNS = [field for field in AuditEntryOut.model_fields if field != "changes"]
