from __future__ import annotations

from genk3600.errors import NotFound, UnprocessableInput
from genk3600.i18n.catalogue import P_


class RuleNotFound(NotFound):
    slug = "routing-rule-not-found"

    def __init__(self, rule_id: int) -> None:
        super().__init__(
            P_("There is no routing rule with id {rule_id}."), params={"rule_id": rule_id}, rule_id=rule_id
        )


class InvalidRuleReference(UnprocessableInput):
    """A rule names a unit, staff member or SLA policy that does not exist."""

    slug = "invalid-rule-reference"
