"""The schema comes from Alembic alone, and the database enforces the domain's rules itself."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from genk3600.config import Settings
from genk3600.db import check_migrations
from tests.factories import World


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
