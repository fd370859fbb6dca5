from __future__ import annotations

from genk3600.errors import Conflict, Forbidden, NotFound, UnprocessableInput


class UnknownEventType(UnprocessableInput):
    slug = "unknown-event-type"

    def __init__(self, unknown: list[str], known: list[str]) -> None:
        names = ", ".join(repr(name) for name in unknown)
        super().__init__(f"Unknown event type(s): {names}.", unknown=unknown, known_types=known)


class WebhookNotFound(NotFound):
    slug = "webhook-not-found"

    def __init__(self, subscription_id: int) -> None:
        super().__init__(f"There is no webhook subscription with id {subscription_id}.", id=subscription_id)


class WebhookInactive(Conflict):
    title = "Webhook subscription disabled"
    slug = "webhook-disabled"

    def __init__(self, subscription_id: int) -> None:
        super().__init__(
            f"Webhook subscription {subscription_id} is disabled; create a new subscription to receive events again.",
            id=subscription_id,
        )


class WebhookTargetRefused(UnprocessableInput):
    title = "Webhook target not allowed"
    slug = "webhook-target-refused"

    def __init__(self, why: str) -> None:
        super().__init__(f"Webhooks are not sent to loopback, link-local or private addresses: {why}.", field="url")


class UnitOutOfSight(UnprocessableInput):
    title = "Unit out of sight"
    slug = "webhook-unit-out-of-sight"

    def __init__(self, code: str) -> None:
        super().__init__(
            f"You cannot read every ticket of unit {code!r}, so a subscription of yours cannot receive its social "
            "events.",
            code=code,
        )


class ReplayOutOfSight(Forbidden):
    title = "Replay out of sight"
    slug = "webhook-replay-out-of-sight"

    def __init__(self, subscription_id: int) -> None:
        super().__init__(
            f"Webhook subscription {subscription_id} receives social events of a unit whose tickets you cannot "
            "read; only someone who can may replay its history.",
            id=subscription_id,
        )
