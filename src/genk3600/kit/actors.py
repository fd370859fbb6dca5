"""Who did something, as every response shows it (a contact's recorder, a timeline entry's actor, a party's)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from genk3600.kit.schemas import OutputModel
from genk3600.models.ticket import ActorMixin


class ActorOut(OutputModel):
    kind: Literal["staff", "api_client", "system"] = Field(
        description="`system` for background jobs acting on their own (e.g. SLA checks)."
    )
    id: int | None = Field(description="Staff or API client id; null for `system`.")
    name: str = Field(description="Name at the time of the action.", examples=["Sofie Vermeulen"])

    @classmethod
    def of(cls, row: ActorMixin) -> ActorOut:
        if row.actor_staff_id is not None:
            return cls(kind="staff", id=row.actor_staff_id, name=row.actor_name)
        if row.actor_api_client_id is not None:
            return cls(kind="api_client", id=row.actor_api_client_id, name=row.actor_name)
        return cls(kind="system", id=None, name=row.actor_name)
