"""Alembic environment. The service passes a live connection in `config.attributes["connection"]`;
run by hand, it connects to GENK3600_MIGRATION_DATABASE_URL, GENK3600_DATABASE_URL or the embedded server's
owner role, and grants the application role its privileges afterwards."""

import asyncio

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from genk3600.models import Base

config = context.config
target_metadata = Base.metadata


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone() -> None:
    from genk3600.config import get_settings
    from genk3600.db import app_role, grant_app_privileges, resolve_database_urls

    settings = get_settings()
    urls = resolve_database_urls(settings)
    engine = create_async_engine(urls.migration)
    async with engine.connect() as connection:
        await connection.run_sync(run_with)
        await connection.run_sync(grant_app_privileges, app_role(settings))
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")

provided = config.attributes.get("connection")
if provided is not None:
    run_with(provided)
else:
    asyncio.run(run_standalone())
