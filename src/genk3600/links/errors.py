from __future__ import annotations

from genk3600.errors import Conflict, NotFound


class LinkNotFound(NotFound):
    slug = "link-not-found"

    def __init__(self, holder: str, link_id: int) -> None:
        super().__init__(f"{holder} has no link with id {link_id}.", link_id=link_id)


class LinkExists(Conflict):
    title = "Link exists"
    slug = "link-exists"

    def __init__(self, holder: str, system: str, object_type: str, object_id: str) -> None:
        super().__init__(
            f"{holder} already refers to {object_type} {object_id!r} in {system}.",
            system=system,
            object_type=object_type,
            object_id=object_id,
        )
