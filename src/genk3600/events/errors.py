from __future__ import annotations

from genk3600.errors import Conflict, Forbidden, NotFound, UnprocessableInput, Words
from genk3600.i18n.catalogue import P_


class UnknownEventType(UnprocessableInput):
    slug = "unknown-event-type"

    def __init__(self, unknown: list[str], known: list[str]) -> None:
        names = ", ".join(repr(name) for name in unknown)
        super().__init__(
            P_("Unknown event type(s): {names}."), params={"names": names}, unknown=unknown, known_types=known
        )


class WebhookNotFound(NotFound):
    slug = "webhook-not-found"

    def __init__(self, subscription_id: int) -> None:
        super().__init__(
            P_("There is no webhook subscription with id {id}."), params={"id": subscription_id}, id=subscription_id
        )


class WebhookInactive(Conflict):
    title = P_("Webhook subscription disabled")
    slug = "webhook-disabled"

    def __init__(self, subscription_id: int) -> None:
        super().__init__(
            P_("Webhook subscription {id} is disabled; create a new subscription to receive events again."),
            params={"id": subscription_id},
            id=subscription_id,
        )


class WebhookTargetRefused(UnprocessableInput):
    title = P_("Webhook target not allowed")
    slug = "webhook-target-refused"

    def __init__(self, why: Words) -> None:
        super().__init__(
            P_("Webhooks are not sent to loopback, link-local or private addresses: {why}."),
            params={"why": why},
            field="url",
        )


class UnitOutOfSight(UnprocessableInput):
    title = P_("Unit out of sight")
    slug = "webhook-unit-out-of-sight"

    def __init__(self, code: str) -> None:
        super().__init__(
            P_(
                "You cannot read every ticket of unit {code!r}, so a subscription of yours cannot receive its "
                "social events."
            ),
            params={"code": code},
            code=code,
        )


class ReplayOutOfSight(Forbidden):
    title = P_("Replay out of sight")
    slug = "webhook-replay-out-of-sight"

    def __init__(self, subscription_id: int) -> None:
        super().__init__(
            P_(
                "Webhook subscription {id} receives social events of a unit whose tickets you cannot read; only "
                "someone who can may replay its history."
            ),
            params={"id": subscription_id},
            id=subscription_id,
        )
