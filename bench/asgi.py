"""The production app for uvicorn's multi-process mode: `uvicorn bench.asgi:create_app --factory --workers N`.

`genk3600 serve` runs one process; a benchmark on N cores runs N workers, each building its app here from
the same `GENK3600_*` settings, with INFO logging to the file named in BENCH_SERVICE_LOG.
"""

from __future__ import annotations

import logging
import os

from fastapi import FastAPI

from genk3600.app import create_app as build_app
from genk3600.config import get_settings
from genk3600.db import async_url


def create_app() -> FastAPI:
    settings = get_settings()
    if settings.database_url is None:
        raise RuntimeError("GENK3600_DATABASE_URL must point at the benchmark's database")
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s",
        filename=os.environ.get("BENCH_SERVICE_LOG"),
    )
    return build_app(settings, async_url(settings.database_url.get_secret_value()))
