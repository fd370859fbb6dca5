"""Shared helpers of the hostile-input tests: row counts of every table, an app with small limits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from genk3600.app import create_app
from genk3600.config import Settings
from genk3600.db import Database

# Rate limit counters are written on purpose in a transaction of their own, even for refused requests.
NOT_BUSINESS_DATA = {"rate_limit_bucket", "alembic_version"}

SMALL_REQUEST_LIMIT = 16 * 1024
SMALL_MAIL_LIMIT = 256 * 1024


async def row_counts(session: AsyncSession) -> dict[str, int]:
    """Rows per table of the public schema: a refused request must leave every count as it was."""
    names = (
        await session.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"))
    ).all()
    tables = [name for name in names if name not in NOT_BUSINESS_DATA]
    union = " UNION ALL ".join(f"SELECT '{name}', count(*) FROM \"{name}\"" for name in tables)
    return {str(name): int(rows) for name, rows in (await session.execute(text(union))).all()}


@pytest.fixture
def small_limits_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_request_bytes": SMALL_REQUEST_LIMIT, "max_message_bytes": SMALL_MAIL_LIMIT})


@pytest.fixture
def limited_app(
    small_limits_settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> FastAPI:
    """The app with a 16 KiB body limit (256 KiB for raw mail), on the test's rolled-back transaction."""
    app = create_app(small_limits_settings)
    app.state.db = Database(engine, sessions)
    return app


@pytest.fixture
async def limited_client(limited_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=limited_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
        yield client
