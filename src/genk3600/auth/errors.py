from __future__ import annotations

from genk3600.errors import Forbidden, Unauthenticated


class MissingCredentials(Unauthenticated):
    slug = "missing-credentials"


class InvalidCredentials(Unauthenticated):
    title = "Invalid credentials"
    slug = "invalid-credentials"


class MissingScope(Forbidden):
    title = "Missing scope"
    slug = "missing-scope"
