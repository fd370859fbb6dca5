from __future__ import annotations

from genk3600.errors import AppError, Forbidden, Unauthenticated


class MissingCredentials(Unauthenticated):
    slug = "missing-credentials"


class InvalidCredentials(Unauthenticated):
    title = "Invalid credentials"
    slug = "invalid-credentials"


class MissingScope(Forbidden):
    title = "Missing scope"
    slug = "missing-scope"


class TooManyRequests(AppError):
    status = 429
    title = "Too many requests"
    slug = "too-many-requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
