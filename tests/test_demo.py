from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.demo import ADMIN_EMAIL, CATEGORIES, DEMO_REPLY_TEMPLATES, DEMO_SKILLS, STAFF, UNITS, seed_demo
from genk3600.devtools import ensure_demo_api_key
from genk3600.models import (
    ApiClient,
    AppointmentKind,
    AssignmentPolicy,
    Availability,
    Category,
    CategoryDecider,
    ReplyTemplate,
    Representation,
    Staff,
    StaffSkills,
    Unit,
)
from tests import factories


async def test_demo_seed_is_idempotent(session: AsyncSession, settings: Settings) -> None:
    first = await seed_demo(session)
    key = await ensure_demo_api_key(session, settings)
    second = await seed_demo(session)
    assert key == await ensure_demo_api_key(session, settings)

    assert (first.units, first.staff, first.categories) == (len(UNITS), len(STAFF), len(CATEGORIES))
    assert (second.units, second.staff, second.categories) == (0, 0, 0)
    assert (first.sla_policies, first.closing_days, first.routing_rules) == (3, 6, 3)
    assert (second.sla_policies, second.closing_days, second.routing_rules) == (0, 0, 0)
    assert (first.products, second.products) == (3, 0)
    assert (first.reply_templates, second.reply_templates) == (len(DEMO_REPLY_TEMPLATES), 0) == (3, 0)
    assert (first.assignment_policies, second.assignment_policies) == (1, 0)
    assert (first.staff_skills, second.staff_skills) == (len(DEMO_SKILLS), 0) == (2, 0)
    assert (first.households, second.households) == (1, 0)
    assert (first.citizens, second.citizens) == (2, 0)
    assert (first.appointment_kinds, second.appointment_kinds) == (1, 0)
    assert await factories.count(session, AppointmentKind) == 1
    assert await factories.count(session, Availability) == 4  # two case workers, Tuesday and Thursday mornings
    assert await factories.count(session, Representation) == 1
    assert await factories.count(session, ReplyTemplate) == len(DEMO_REPLY_TEMPLATES)
    assert await factories.count(session, AssignmentPolicy) == 1
    assert await factories.count(session, StaffSkills) == len(DEMO_SKILLS)
    assert await factories.count(session, Unit) == len(UNITS)
    assert await factories.count(session, Category) == len(CATEGORIES) >= 20
    assert await factories.count(session, Staff) == len(STAFF)
    assert await factories.count(session, ApiClient) == 1
    assert await factories.count(session, CategoryDecider) == len(CATEGORIES)
    assert any(seed.email == ADMIN_EMAIL for seed in STAFF)
    names = {seed.name for seed in UNITS}
    assert {"Burgerzaken", "Financiën", "Omgeving", "Vrije tijd", "Onderwijs"} <= names


async def test_demo_api_key_only_in_dev_mode(session: AsyncSession) -> None:
    production = Settings(env="production", secret_key="p" * 40)
    assert await ensure_demo_api_key(session, production) is None
