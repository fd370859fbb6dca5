"""Least privilege in PostgreSQL: migrations as the owner, the service as a role that owns nothing and may
only add to and read the audit trail (issue #15, hole 8)."""

from __future__ import annotations

import logging
import os
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from genk3600.app import create_app
from genk3600.config import Settings
from genk3600.db import (
    EMBEDDED_APP_ROLE,
    EMBEDDED_OWNER_ROLE,
    Database,
    app_role,
    embedded_role_urls,
    grant_app_privileges,
    migrate,
    start_embedded_postgres,
)
from tests import factories
from tests.factories import web_contact


@dataclass(frozen=True)
class RoleDatabase:
    owner_url: URL
    app_url: URL
    app_role: str
    settings: Settings


async def _execute(url: URL, *statements: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def _scalar(url: URL, statement: str) -> object:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text(statement))).scalar()
    finally:
        await engine.dispose()


@pytest.fixture
async def roles(database_url: URL, tmp_path: Path) -> AsyncIterator[RoleDatabase]:
    """An empty database owned by a fresh owner role and migrated as it, the service's settings naming a fresh
    application role (both with passwords, so this works on an external test server too)."""
    suffix = uuid.uuid4().hex[:10]
    owner, app, database = f"genk3600_owner_{suffix}", f"genk3600_app_{suffix}", f"genk3600_roles_{suffix}"
    owner_password, app_password = secrets.token_hex(16), secrets.token_hex(16)
    admin = database_url.set(database="postgres")
    await _execute(
        admin,
        f"CREATE ROLE {owner} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{owner_password}'",
        f"CREATE ROLE {app} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD '{app_password}'",
        f"CREATE DATABASE {database} OWNER {owner}",
    )
    owner_url = database_url.set(database=database, username=owner, password=owner_password)
    app_url = database_url.set(database=database, username=app, password=app_password)
    settings = Settings(
        env="dev",
        database_url=app_url.render_as_string(hide_password=False),
        migration_database_url=owner_url.render_as_string(hide_password=False),
        data_dir=tmp_path,
    )
    try:
        await migrate(owner_url, settings)
        yield RoleDatabase(owner_url, app_url, app, settings)
    finally:
        await _execute(admin, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        await _execute(admin, f"DROP ROLE IF EXISTS {app}", f"DROP ROLE IF EXISTS {owner}")


def test_app_role_defaults_to_the_service_urls_user(tmp_path: Path) -> None:
    external = "postgresql://genk_app:pw@db.example/genk3600"
    assert app_role(Settings(env="dev", database_url=external, data_dir=tmp_path)) == "genk_app"
    named = Settings(env="dev", database_url=external, database_app_role="other", data_dir=tmp_path)
    assert app_role(named) == "other"
    assert app_role(Settings(env="dev", data_dir=tmp_path)) == EMBEDDED_APP_ROLE


TAMPERING = [
    "SET LOCAL session_replication_role = replica",
    "ALTER TABLE audit_entry DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_entry_no_update_or_delete ON audit_entry",
    "UPDATE audit_entry SET actor_name = 'someone else'",
    "DELETE FROM audit_entry",
    "TRUNCATE audit_entry",
    "DROP TABLE audit_entry",
    "CREATE TABLE shadow (id int)",
    "CREATE OR REPLACE FUNCTION audit_entry_is_append_only() RETURNS trigger LANGUAGE plpgsql "
    "AS $$ BEGIN RETURN NEW; END $$",
]


@pytest.mark.parametrize("statement", TAMPERING)
async def test_app_role_cannot_edit_the_audit_trail(roles: RoleDatabase, statement: str) -> None:
    engine = create_async_engine(roles.app_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(
                text(
                    "INSERT INTO audit_entry (actor_kind, actor_name, action, target_type) "
                    "VALUES ('system', 'test', 'insert', 'ticket')"
                )
            )
            with pytest.raises(DBAPIError) as refused:
                await connection.execute(text(statement))
            await connection.rollback()
    finally:
        await engine.dispose()
    assert isinstance(refused.value.orig.__cause__, asyncpg.exceptions.InsufficientPrivilegeError), refused.value
    # The trigger, not a missing privilege, would have said "append-only": the privilege check comes first.
    assert "append-only" not in str(refused.value)


async def test_app_role_owns_nothing_and_is_no_superuser(roles: RoleDatabase) -> None:
    engine = create_async_engine(roles.app_url)
    try:
        async with engine.connect() as connection:
            me = (
                await connection.execute(
                    text(
                        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolreplication "
                        "FROM pg_roles WHERE rolname = current_user"
                    )
                )
            ).one()
            owned = (
                await connection.execute(
                    text(
                        "SELECT (SELECT count(*) FROM pg_class WHERE relowner = current_user::regrole), "
                        "(SELECT count(*) FROM pg_proc WHERE proowner = current_user::regrole), "
                        "(SELECT count(*) FROM pg_namespace WHERE nspowner = current_user::regrole), "
                        "(SELECT count(*) FROM pg_database WHERE datdba = current_user::regrole)"
                    )
                )
            ).one()
            tables = (
                await connection.execute(
                    text("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'")
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    assert tuple(me) == (False, False, False, False, False)
    assert tuple(owned) == (0, 0, 0, 0)
    assert tables > 20  # the migrated schema, owned by the owner role


async def test_app_role_adds_and_reads_audit_entries_and_serves_tickets(roles: RoleDatabase) -> None:
    setup = Database.connect(roles.app_url, pool_size=1)
    try:
        async with setup.sessions.begin() as session:
            await factories.small_world(session)
            key = await factories.api_key(session, "roles-writer", ["contacts:write", "tickets:read"])
    finally:
        await setup.dispose()

    database = Database.connect(roles.app_url, pool_size=2)
    app = create_app(roles.settings)
    app.state.db = database
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
            created = await client.post("/v1/contacts", json=web_contact(), headers={"X-API-Key": key})
            assert created.status_code == 201, created.text
            reference = created.json()["ticket"]["reference"]
            fetched = await client.get(f"/v1/tickets/{reference}", headers={"X-API-Key": key})
            assert fetched.status_code == 200, fetched.text
    finally:
        await database.dispose()

    audited = await _scalar(roles.app_url, "SELECT count(*) FROM audit_entry WHERE target_type = 'ticket'")
    assert isinstance(audited, int)
    assert audited >= 1


async def test_grants_cover_tables_added_by_later_migrations(roles: RoleDatabase) -> None:
    # A table a later migration would add, created by the owner; the grant after the next upgrade covers it.
    await _execute(roles.owner_url, "CREATE TABLE later_feature (id int PRIMARY KEY)")
    await _execute(roles.owner_url, "CREATE SEQUENCE later_feature_seq")
    await migrate(roles.owner_url, roles.settings)
    await migrate(roles.owner_url, roles.settings)  # idempotent

    await _execute(roles.app_url, "INSERT INTO later_feature VALUES (nextval('later_feature_seq'))")
    assert await _scalar(roles.app_url, "SELECT count(*) FROM later_feature") == 1
    privileges = await _scalar(
        roles.app_url,
        "SELECT string_agg(privilege_type, ',' ORDER BY privilege_type) FROM information_schema.table_privileges "
        f"WHERE table_name = 'audit_entry' AND grantee = '{roles.app_role}'",
    )
    assert privileges == "INSERT,SELECT"


async def test_no_grants_when_the_service_migrates_as_itself(
    connection: AsyncConnection, caplog: pytest.LogCaptureFixture
) -> None:
    current = (await connection.execute(text("SELECT current_user"))).scalar_one()
    with caplog.at_level(logging.INFO, logger="genk3600.db"):
        await connection.run_sync(grant_app_privileges, current)
    assert "no grants made" in caplog.text


async def test_an_unknown_app_role_is_an_error(connection: AsyncConnection) -> None:
    with pytest.raises(RuntimeError, match="does not exist"):
        await connection.run_sync(grant_app_privileges, "genk3600_nobody")


@pytest.mark.skipif(bool(os.environ.get("GENK3600_TEST_DATABASE_URL")), reason="needs the embedded server")
async def test_embedded_server_creates_both_roles_idempotently(run_dir: Path, database_url: URL) -> None:
    server = start_embedded_postgres(run_dir / "pg", cleanup_mode="delete")  # the run's server, already running
    database = f"genk3600_embedded_{uuid.uuid4().hex[:10]}"
    try:
        owner_url, app_url = embedded_role_urls(server, database)
        assert embedded_role_urls(server, database) == (owner_url, app_url)
        assert (owner_url.username, app_url.username) == (EMBEDDED_OWNER_ROLE, EMBEDDED_APP_ROLE)
        attributes = await _scalar(
            database_url,
            "SELECT string_agg(format('%s:%s%s%s', rolname, rolsuper, rolcreatedb, rolcreaterole), ' ' "
            "ORDER BY rolname) FROM pg_roles WHERE rolname IN ('genk3600_owner', 'genk3600_app')",
        )
        assert attributes == "genk3600_app:fff genk3600_owner:fff"  # rolsuper, rolcreatedb, rolcreaterole
        assert (
            await _scalar(owner_url, f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{database}'")
            == EMBEDDED_OWNER_ROLE
        )
        # Trusted over the Unix socket: both log in without a password.
        assert await _scalar(app_url, "SELECT current_user") == EMBEDDED_APP_ROLE
    finally:
        await _execute(database_url.set(database="postgres"), f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
