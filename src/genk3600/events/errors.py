from __future__ import annotations

from genk3600.errors import Conflict, NotFound, UnprocessableInput


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
