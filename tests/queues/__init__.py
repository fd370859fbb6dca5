from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute

from genk3600.queues.router import router


def mount_queues(app: FastAPI) -> None:
    """Include the queues router unless app.py already does (it will, once the lead mounts it)."""
    if not any(isinstance(route, APIRoute) and route.path.startswith("/v1/queues") for route in app.routes):
        app.include_router(router)
