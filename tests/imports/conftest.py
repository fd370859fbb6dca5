"""The imports' tests share one database fixture: a scratch database with the small world."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import URL

from genk3600.db import Database
from tests import factories


@pytest.fixture
async def database(scratch_url: URL) -> AsyncIterator[Database]:
    # Room for an import's connections: its writers and the one that holds the import lock (imports/service.py).
    database = Database.connect(scratch_url, pool_size=3)
    async with database.sessions.begin() as session:
        await factories.small_world(session)
    yield database
    await database.dispose()
