from __future__ import annotations

import asyncio
import itertools
import logging
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from genk3600.config import Settings
from genk3600.db import Database
from genk3600.i18n.names import load_names
from genk3600.kit.clock import FixedClock
from genk3600.kit.reference import format_reference
from genk3600.models import Escalation, SlaPolicy, Ticket, TicketEvent, Unit
from genk3600.models.enums import Language
from genk3600.sla import deadlines
from genk3600.sla.sla import default_calendar
from genk3600.sla.sweeper import SweepResult, run_sweeper, sweep_once
from genk3600.tickets.schemas import TicketEventOut
from tests import factories
from tests.factories import World

# A Wednesday, 12:00 in Genk; no calendar rows in these tests, so Genk's default hours apply.
NOW = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
GENK = default_calendar()
_numbers = itertools.count(800000)


async def make_policy(session: AsyncSession, code: str = "standard", breach_unit: Unit | None = None) -> SlaPolicy:
    policy = SlaPolicy(
        code=code,
        name=code,
        first_response_minutes=120,
        resolution_minutes=960,
        warning_fraction=0.8,
        breach_unit_id=breach_unit.id if breach_unit else None,
    )
    session.add(policy)
    await session.flush()
    return policy


async def make_tickets(
    session: AsyncSession,
    settings: Settings,
    unit: Unit,
    policy: SlaPolicy,
    started: datetime,
    count: int,
    answered: bool = True,
    **fields: object,
) -> list[Ticket]:
    """`count` tickets whose clock started at `started` (answered right away unless told otherwise)."""
    template = Ticket(owning_unit_id=unit.id)
    await deadlines.start_clock(session, settings, template, policy, started)
    if answered:
        await deadlines.record_first_response(session, template, started + timedelta(minutes=5))
        template.next_sla_check_at = await deadlines.exact_next_check(session, settings, template)
    tickets = [
        Ticket(
            reference=format_reference(2026, next(_numbers)),
            subject="Vraag",
            owning_unit_id=unit.id,
            sla_policy_id=policy.id,
            first_response_due_at=template.first_response_due_at,
            resolution_due_at=template.resolution_due_at,
            first_responded_at=template.first_responded_at,
            next_sla_check_at=template.next_sla_check_at,
            **fields,
        )
        for _ in range(count)
    ]
    session.add_all(tickets)
    await session.flush()
    return tickets


def business_minutes_before(moment: datetime, minutes: int) -> datetime:
    return GENK.subtract_business_time(moment, timedelta(minutes=minutes))


async def events_of(session: AsyncSession, event_type: str) -> dict[int, int]:
    rows = await session.execute(
        select(TicketEvent.ticket_id, func.count())
        .where(TicketEvent.type == event_type)
        .group_by(TicketEvent.ticket_id)
    )
    return dict(rows.all())


async def fresh(session: AsyncSession, ticket_ids: list[int]) -> list[Ticket]:
    statement = select(Ticket).where(Ticket.id.in_(ticket_ids)).order_by(Ticket.id)
    return list((await session.scalars(statement.execution_options(populate_existing=True))).all())


async def test_one_sweep_acts_on_exactly_the_due_tickets(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], settings: Settings, world: World
) -> None:
    policy = await make_policy(session)
    waiting = await make_tickets(session, settings, world.omgeving, policy, NOW - timedelta(minutes=1), 288)
    overdue = await make_tickets(session, settings, world.omgeving, policy, NOW - timedelta(days=7), 7)
    warning = await make_tickets(
        session, settings, world.omgeving, policy, business_minutes_before(NOW, 800), 5, status="in_progress"
    )
    assert all(ticket.next_sla_check_at is not None and ticket.next_sla_check_at > NOW for ticket in waiting)
    untouched = {ticket.id: (ticket.next_sla_check_at, ticket.version) for ticket in waiting}

    result = await sweep_once(sessions, settings, NOW, batch=5)  # three batches: 5, 5, 2

    assert result == SweepResult(checked=12, warned=5, breached=7, escalated=0)
    breaches = await events_of(session, "sla_breach")
    warnings = await events_of(session, "sla_warning")
    assert breaches == {ticket.id: 1 for ticket in overdue}
    assert warnings == {ticket.id: 1 for ticket in warning}

    for ticket in await fresh(session, [t.id for t in overdue]):
        assert ticket.sla_breached_at == NOW
        assert ticket.sla_warned_at is None
        assert ticket.next_sla_check_at is None  # answered, resolution breach recorded: nothing left
        assert ticket.version == 1  # SLA bookkeeping leaves the ETag alone
    for ticket in await fresh(session, [t.id for t in warning]):
        assert ticket.sla_warned_at == NOW
        assert ticket.sla_breached_at is None
        assert ticket.next_sla_check_at == ticket.resolution_due_at
        assert ticket.status == "in_progress"
    assert {t.id: (t.next_sla_check_at, t.version) for t in await fresh(session, list(untouched))} == untouched

    event = await session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == overdue[0].id))
    assert event is not None
    assert event.actor_name == "SLA sweeper"
    assert event.actor_staff_id is None
    assert event.actor_api_client_id is None
    # 960 business minutes from Wednesday 18 November 12:00: 210 that afternoon, 570 on Thursday (evening
    # opening), 180 on Friday from 08:30.
    assert event.code == "sla.resolution_missed"
    assert event.params == {"due": "2026-11-20T10:30:00+00:00"}
    assert (await said(session, event)).startswith("Resolution deadline 20 Nov 2026, 11:30")
    assert (await said(session, event, "nl")) == (
        "De termijn voor de afhandeling (20 nov 2026, 11:30:00) is verstreken zonder afhandeling."
    )
    assert event.data == {"deadline": "resolution", "due_at": "2026-11-20T10:30:00+00:00", "policy": "standard"}

    again = await sweep_once(sessions, settings, NOW)
    assert again == SweepResult()
    assert await events_of(session, "sla_breach") == breaches
    assert await events_of(session, "sla_warning") == warnings


async def test_first_response_then_resolution_breach_each_once(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], settings: Settings, world: World
) -> None:
    policy = await make_policy(session)
    start = business_minutes_before(NOW, 180)  # first response (120) is overdue, resolution (960) is not
    [ticket] = await make_tickets(session, settings, world.omgeving, policy, start, 1, answered=False)

    assert await sweep_once(sessions, settings, NOW) == SweepResult(checked=1, breached=1)
    [after_first] = await fresh(session, [ticket.id])
    assert after_first.sla_breached_at == NOW
    warning_at = GENK.add_business_minutes(start, 768)
    assert after_first.next_sla_check_at == warning_at

    assert await sweep_once(sessions, settings, warning_at) == SweepResult(checked=1, warned=1)
    [warned] = await fresh(session, [ticket.id])
    assert warned.next_sla_check_at == warned.resolution_due_at
    resolution_due = warned.resolution_due_at
    assert resolution_due is not None

    assert await sweep_once(sessions, settings, resolution_due) == SweepResult(checked=1, breached=1)
    [done] = await fresh(session, [ticket.id])
    assert done.next_sla_check_at is None
    assert await sweep_once(sessions, settings, resolution_due + timedelta(days=30)) == SweepResult()

    timeline = (
        await session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id))
    ).all()
    assert [(event.type, event.data["deadline"]) for event in timeline] == [
        ("sla_breach", "first_response"),
        ("sla_warning", "resolution"),
        ("sla_breach", "resolution"),
    ]
    assert (await said(session, timeline[0])).startswith("First-response deadline 25 Nov 2026, ")
    assert (await said(session, timeline[0])).endswith("passed without a first response.")
    assert (await said(session, timeline[1])).startswith("80% of the resolution time is used up")

    # A reopened ticket is looked at again, but nothing is recorded twice.
    await deadlines.watch_again(session, done, resolution_due + timedelta(days=31))
    await session.flush()
    assert await sweep_once(sessions, settings, resolution_due + timedelta(days=31)) == SweepResult(checked=1)
    assert await events_of(session, "sla_breach") == {ticket.id: 2}


async def test_late_first_response_is_still_recorded(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], settings: Settings, world: World
) -> None:
    policy = await make_policy(session)
    start = business_minutes_before(NOW, 180)
    [ticket] = await make_tickets(session, settings, world.omgeving, policy, start, 1, answered=False)
    due = ticket.first_response_due_at
    assert due is not None
    await deadlines.record_first_response(session, ticket, due + timedelta(minutes=10))  # before the sweeper ran
    await session.flush()

    assert await sweep_once(sessions, settings, NOW) == SweepResult(checked=1, breached=1)
    event = await session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
    assert event is not None
    assert "the first response came at" in await said(session, event)


async def test_breach_hands_the_ticket_to_the_breach_unit(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], settings: Settings, world: World
) -> None:
    complaints = await factories.unit(session, "klachtenbeheer")
    policy = await make_policy(session, "escalating", breach_unit=complaints)
    [ticket] = await make_tickets(
        session,
        settings,
        world.omgeving,
        policy,
        NOW - timedelta(days=7),
        1,
        status="assigned",
        assignee_staff_id=world.agent.id,
    )
    [already_there] = await make_tickets(session, settings, complaints, policy, NOW - timedelta(days=7), 1, tier=2)

    result = await sweep_once(sessions, settings, NOW)

    assert result == SweepResult(checked=2, breached=2, escalated=1)
    [handed, stayed] = await fresh(session, [ticket.id, already_there.id])
    assert handed.owning_unit_id == complaints.id
    assert handed.tier == 2
    assert handed.assignee_staff_id is None
    assert handed.status == "new"
    assert handed.version == 2  # the owner changed: the ETag must change
    assert (stayed.owning_unit_id, stayed.tier, stayed.version) == (complaints.id, 2, 1)

    escalation = (await session.scalars(select(Escalation))).one()
    assert escalation.ticket_id == ticket.id
    assert (escalation.from_unit_id, escalation.to_unit_id) == (world.omgeving.id, complaints.id)
    assert (escalation.from_tier, escalation.to_tier) == (1, 2)
    assert (escalation.reason, escalation.requested_role) == ("sla_breach", "deciding")
    assert escalation.actor_name == "SLA sweeper"

    escalated = (await session.scalars(select(TicketEvent).where(TicketEvent.type == "escalated"))).one()
    assert escalated.ticket_id == ticket.id
    assert escalated.data["escalation_id"] == escalation.id
    assert (escalated.data["from_unit"], escalated.data["to_unit"]) == ("omgeving", "klachtenbeheer")
    assert escalated.data["reason"] == "sla_breach"
    assert "Klachtenbeheer" in await said(session, escalated)

    assert await sweep_once(sessions, settings, NOW + timedelta(days=1)) == SweepResult()
    assert await factories.count(session, Escalation) == 1


async def test_paused_and_resolved_tickets_are_not_acted_on(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], settings: Settings, world: World
) -> None:
    policy = await make_policy(session)
    # Inconsistent rows (a check set while paused or resolved) are cleared rather than acted on.
    [paused] = await make_tickets(session, settings, world.omgeving, policy, NOW - timedelta(days=7), 1)
    [resolved] = await make_tickets(session, settings, world.omgeving, policy, NOW - timedelta(days=7), 1)
    paused.paused_at = NOW - timedelta(days=1)
    resolved.status = "resolved"
    paused.next_sla_check_at = resolved.next_sla_check_at = NOW - timedelta(minutes=1)
    await session.flush()

    assert await sweep_once(sessions, settings, NOW) == SweepResult(checked=2)
    assert all(t.next_sla_check_at is None for t in await fresh(session, [paused.id, resolved.id]))
    assert await factories.count(session, TicketEvent) == 0


async def test_a_failing_ticket_does_not_block_the_others(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], settings: Settings, world: World
) -> None:
    policy = await make_policy(session)
    [broken] = await make_tickets(session, settings, world.omgeving, policy, NOW - timedelta(days=7), 1)
    # A deadline so early that no calendar arithmetic can reach back from it.
    broken.resolution_due_at = datetime(1, 1, 2, tzinfo=UTC)
    broken.first_responded_at = None
    broken.next_sla_check_at = NOW - timedelta(days=8)
    overdue = await make_tickets(session, settings, world.omgeving, policy, NOW - timedelta(days=7), 3)
    await session.flush()

    result = await sweep_once(sessions, settings, NOW, batch=2)

    assert result.breached == 3
    assert set(await events_of(session, "sla_breach")) == {ticket.id for ticket in overdue}
    [retried] = await fresh(session, [broken.id])
    assert retried.next_sla_check_at is not None
    assert retried.next_sla_check_at > NOW


async def _commit_setup(database: Database, settings: Settings, overdue: int, warning: int) -> list[int]:
    async with database.sessions.begin() as session:
        world = await factories.small_world(session)
        policy = await make_policy(session)
        tickets = await make_tickets(session, settings, world.omgeving, policy, NOW - timedelta(days=7), overdue)
        tickets += await make_tickets(
            session, settings, world.omgeving, policy, business_minutes_before(NOW, 800), warning
        )
        await make_tickets(session, settings, world.omgeving, policy, NOW, 20)
        return [ticket.id for ticket in tickets]


async def test_two_sweepers_never_act_twice_on_a_ticket(
    scratch_app: tuple[FastAPI, Database], settings: Settings
) -> None:
    _app, database = scratch_app
    ids = await _commit_setup(database, settings, overdue=60, warning=25)

    results = await asyncio.gather(
        *(sweep_once(database.sessions, settings, NOW, batch=7) for _ in range(2)),
    )

    total = results[0] + results[1]
    assert total == SweepResult(checked=85, warned=25, breached=60, escalated=0)
    async with database.sessions() as session:
        breaches = await events_of(session, "sla_breach")
        warnings = await events_of(session, "sla_warning")
    assert breaches == dict.fromkeys(ids[:60], 1)
    assert warnings == dict.fromkeys(ids[60:], 1)


async def test_run_sweeper_sweeps_until_stopped(
    scratch_app: tuple[FastAPI, Database], settings: Settings, clock: FixedClock
) -> None:
    _app, database = scratch_app
    ids = await _commit_setup(database, settings, overdue=3, warning=0)
    clock.set(NOW)  # the setup's deadlines are relative to NOW, so the job must sweep at NOW too
    stop = asyncio.Event()
    task = asyncio.create_task(run_sweeper(database.sessions, settings, clock, 0.05, stop))

    async def all_breached() -> bool:
        async with database.sessions() as session:
            return len(await events_of(session, "sla_breach")) == len(ids)

    try:
        await factories.eventually(all_breached, "every overdue ticket has its breach event")
    finally:
        stop.set()
    async with asyncio.timeout(5):
        await task


async def test_run_sweeper_survives_failing_sweeps(
    database_url: URL, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_async_engine(database_url.set(database="genk3600_does_not_exist"))
    stop = asyncio.Event()
    try:
        with caplog.at_level(logging.ERROR, logger="genk3600.sla.sweeper"):
            task = asyncio.create_task(run_sweeper(async_sessionmaker(engine), settings, FixedClock(NOW), 0.01, stop))

            async def failed_twice() -> bool:
                return sum("SLA sweep failed" in r.getMessage() for r in caplog.records) >= 2

            await factories.eventually(failed_twice, "two failed sweeps logged")
            assert not task.done()
            stop.set()
            async with asyncio.timeout(5):
                await task
    finally:
        await engine.dispose()


async def test_a_ticket_the_database_refuses_does_not_block_its_batch(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], settings: Settings, world: World
) -> None:
    policy = await make_policy(session)
    refused, *others = await make_tickets(session, settings, world.omgeving, policy, NOW - timedelta(days=7), 4)
    # The batch is written set-based; a row the database refuses must fall back to one ticket at a time.
    await session.execute(
        text(
            "CREATE FUNCTION refuse_breach() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.sla_breached_at IS NOT NULL THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$"
        )
    )
    await session.execute(
        text(
            "CREATE TRIGGER refuse_breach BEFORE UPDATE ON ticket FOR EACH ROW "
            f"WHEN (NEW.id = {refused.id}) EXECUTE FUNCTION refuse_breach()"
        )
    )

    result = await sweep_once(sessions, settings, NOW, batch=10)

    assert result == SweepResult(checked=3, breached=3)
    assert set(await events_of(session, "sla_breach")) == {ticket.id for ticket in others}
    [retried] = await fresh(session, [refused.id])
    assert retried.sla_breached_at is None
    assert retried.next_sla_check_at == NOW + timedelta(minutes=15)


async def said(session: AsyncSession, event: TicketEvent, language: str = "en") -> str:
    """The entry's text as a reader in `language` gets it."""
    return TicketEventOut.of(event, Language(language), await load_names(session)).summary
