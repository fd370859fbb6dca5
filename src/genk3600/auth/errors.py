from __future__ import annotations

from genk3600.errors import AppError, Forbidden, Unauthenticated
from genk3600.i18n.catalogue import P_


class MissingCredentials(Unauthenticated):
    slug = "missing-credentials"


class InvalidCredentials(Unauthenticated):
    title = P_("Invalid credentials")
    slug = "invalid-credentials"


class MissingScope(Forbidden):
    title = P_("Missing scope")
    slug = "missing-scope"


class TooManyRequests(AppError):
    status = 429
    title = P_("Too many requests")
    slug = "too-many-requests"

    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(
            P_("This API key made more than {limit} requests this minute; try again in {retry_after} seconds."),
            params={"limit": limit, "retry_after": retry_after},
            retry_after=retry_after,
        )
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
