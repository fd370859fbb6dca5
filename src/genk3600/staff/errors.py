from __future__ import annotations

from genk3600.errors import Conflict, NotFound
from genk3600.i18n.catalogue import P_


class StaffNotFound(NotFound):
    slug = "staff-not-found"

    def __init__(self, staff_id: int) -> None:
        super().__init__(
            P_("There is no staff member with id {staff_id}."), params={"staff_id": staff_id}, staff_id=staff_id
        )


class StaffExists(Conflict):
    slug = "staff-exists"
