"""The schema comes from Alembic alone, and the database enforces the domain's rules itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from genk3600.config import Settings
from genk3600.db import alembic_config, check_migrations
from tests.factories import World


def test_migration_files_sort_in_revision_order(settings: Settings) -> None:
    scripts = ScriptDirectory.from_config(alembic_config(settings))
    oldest_first = [Path(script.path).name for script in reversed(list(scripts.walk_revisions()))]
    assert oldest_first == sorted(oldest_first)


async def test_models_and_migrations_agree(engine: AsyncEngine, database_url: URL, settings: Settings) -> None:
    await check_migrations(database_url, settings)


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        ("UPDATE ticket SET status = 'lost'", "ck_ticket_status"),
        ("UPDATE ticket SET reference = 'T-1'", "ck_ticket_reference_format"),
        ("UPDATE ticket SET tier = 9", "ck_ticket_tier_range"),
        ("UPDATE ticket SET owning_unit_id = NULL", "owning_unit_id"),
        ("UPDATE ticket SET owning_unit_id = -1", "fk_ticket_owning_unit_id_unit"),
        ("INSERT INTO unit (code, name, kind) VALUES ('x', 'X', 'castle')", "ck_unit_kind"),
        ("UPDATE staff SET languages = ARRAY['nl', 'xx']", "ck_staff_languages"),
        ("UPDATE staff SET oidc_subject = ' '", "ck_staff_oidc_subject_not_blank"),
        ("UPDATE citizen SET phone = '0470'", "ck_citizen_phone_e164"),
        ("UPDATE contact SET actor_staff_id = 1, actor_api_client_id = 1", "ck_contact_one_actor"),
        (
            "INSERT INTO participation (contact_id, staff_id, role) SELECT id, 1, 'watching' FROM contact",
            "role",
        ),
    ],
)
async def test_database_refuses_invalid_rows(
    session: AsyncSession, world: World, statement: str, constraint: str
) -> None:
    await session.execute(text("INSERT INTO citizen (email, phone) VALUES ('c@example.org', '+3289653600');"))
    await session.execute(
        text(
            "INSERT INTO ticket (reference, subject, owning_unit_id) "
            f"VALUES ('G3600-2026-000001', 'x', {world.omgeving.id})"
        )
    )
    await session.execute(
        text(
            "INSERT INTO contact (ticket_id, channel, language, body, occurred_at, actor_name) "
            "SELECT id, 'web', 'nl', 'x', now(), 'test' FROM ticket"
        )
    )
    with pytest.raises(IntegrityError) as refused:
        async with session.begin_nested():
            await session.execute(text(statement))
    assert constraint in str(refused.value)


async def test_ticket_reference_is_unique(session: AsyncSession, world: World) -> None:
    insert = text(
        "INSERT INTO ticket (reference, subject, owning_unit_id) VALUES ('G3600-2026-000007', 'x', :unit)"
    ).bindparams(unit=world.omgeving.id)
    await session.execute(insert)
    with pytest.raises(IntegrityError, match="uq_ticket_reference"):
        async with session.begin_nested():
            await session.execute(insert)


def _downgrade_insert_upgrade(connection: Connection, config: Config, rows: list[str]) -> None:
    config.attributes["connection"] = connection
    command.downgrade(config, "0011_scale_indexes")
    for statement in rows:
        connection.execute(text(statement))
    command.upgrade(config, "head")


async def test_identity_secrets_removes_access_codes_kept_so_far(scratch_url: URL, settings: Settings) -> None:
    code = "K7QX-M4PZ-TR"
    body = f"Volg: https://genk3600.test/v1/public/tickets/G3600-2026-000001?code={code}\nUw code is {code}."
    rows = [
        "INSERT INTO outbound_mail (purpose, to_address, language, subject, body, message_id, status) VALUES "
        f"('acknowledgement', 'a@example.org', 'nl', 's', '{body}', 'm1@test', 'sent'),"
        f"('acknowledgement', 'b@example.org', 'nl', 's', '{body}', 'm2@test', 'pending')",
        "INSERT INTO idempotency_key (principal, key, fingerprint, status_code, response, expires_at) VALUES "
        f"""('api_client:1', 'k', 'f', 201, '{{"access_code": "{code}", "outcome": "created"}}', now())""",
        "INSERT INTO contact (channel, direction, language, subject, body, occurred_at, actor_name) VALUES "
        f"('mail', 'inbound', 'nl', 'Undelivered', '> {code.lower()}', now(), 'smtp')",
    ]
    engine = create_async_engine(scratch_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_downgrade_insert_upgrade, alembic_config(settings), rows)
            mails = (await connection.execute(text("SELECT status, body FROM outbound_mail ORDER BY id"))).all()
            response = await connection.scalar(text("SELECT response FROM idempotency_key"))
            contact = await connection.scalar(text("SELECT body FROM contact"))
    finally:
        await engine.dispose()
    sent, pending = mails
    assert sent.body == (
        "Volg: https://genk3600.test/v1/public/tickets/G3600-2026-000001?code=[access code removed]\n"
        "Uw code is [access code removed]."
    )
    assert pending.body == body  # still to be sent: it needs the code
    assert response == {"access_code": None, "outcome": "created"}
    assert contact == "> [access code removed]"
