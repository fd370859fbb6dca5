from __future__ import annotations

from genk3600.errors import Forbidden, Unauthenticated


class MetricsTokenRequired(Unauthenticated):
    slug = "metrics-token-required"


class MetricsLoopbackOnly(Forbidden):
    slug = "metrics-loopback-only"
