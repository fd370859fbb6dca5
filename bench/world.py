"""The benchmark's world: the Genk demo organisation (units, staff, categories, routing rules), API keys and
a population of citizens identified by e-mail."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import URL

from genk3600.auth.service import create_api_client
from genk3600.config import Settings
from genk3600.db import Database, migrate
from genk3600.demo import seed_demo
from genk3600.models.enums import Scope

CITIZENS = 50_000
# A back-office member of the unit that owns waste tickets (the routing rule's target): reads its queue, claims.
QUEUE_UNIT = "omgeving"
QUEUE_STAFF = "katrien.thys@genk.example"


@dataclass(frozen=True)
class World:
    writer_key: str
    reader_key: str
    citizens: int


async def build_world(url: URL, settings: Settings, citizens: int = CITIZENS) -> World:
    """Migrate, seed the demo organisation, register the benchmark's API clients, add citizens."""
    await migrate(url, settings)
    database = Database.connect(url, pool_size=1)
    try:
        async with database.sessions.begin() as session:
            await seed_demo(session)
            _, writer = await create_api_client(session, "bench-intake", [Scope.contacts_write])
            _, reader = await create_api_client(session, "bench-reader", [Scope.tickets_read])
            # One statement for the whole population; languages and names vary like Genk's.
            await session.execute(
                text(
                    "INSERT INTO citizen (given_name, family_name, email, preferred_language) "
                    "SELECT (ARRAY['Jan','An','Mehmet','Fatma','Luca','Marie','Pieter','Elif'])[1 + n % 8], "
                    "(ARRAY['Janssens','Peeters','Yilmaz','Dubois','Bianchi','Claes','Demir','Lambert'])[1 + n % 7], "
                    "'burger' || n || '@example.org', (ARRAY['nl','nl','nl','fr','en'])[1 + n % 5] "
                    "FROM generate_series(1, :count) AS n"
                ),
                {"count": citizens},
            )
            # A live database has statistics; without them the planner walks whole indexes for lookups.
            await session.execute(text("ANALYZE"))
    finally:
        await database.dispose()
    return World(writer_key=writer, reader_key=reader, citizens=citizens)
