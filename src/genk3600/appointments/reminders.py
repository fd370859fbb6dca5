"""The reminder job: the day before an appointment (from `appointment_reminder_hour`, local time) the citizen
gets a reminder mail with the invitation. Lease-free but safe beside other replicas: due appointments are
claimed with SKIP LOCKED and marked sent in the same transaction that queues the mail, so each appointment is
reminded once (a move plans its reminder again)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from genk3600.appointments.service import send_reminders
from genk3600.auth.principal import system_principal
from genk3600.config import Settings
from genk3600.kit.clock import Clock
from genk3600.kit.jobs import run_every

log = logging.getLogger(__name__)
BATCH = 50
REMINDER_JOB = system_principal("appointment reminders")


async def remind_once(sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock) -> int:
    """Queue the reminders due now (one batch, one transaction); how many."""
    async with sessions.begin() as session:
        return await send_reminders(session, settings, clock, REMINDER_JOB, BATCH)


async def run_reminders(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock,
    interval_seconds: float,
    stop: asyncio.Event,
) -> None:
    """Remind every `interval_seconds` until `stop` is set; a full batch looks again at once."""

    async def step() -> bool:
        sent = await remind_once(sessions, settings, clock)
        if sent:
            log.info("Appointment reminders queued: %d", sent)
        return sent >= BATCH

    await run_every("Appointment reminders", step, interval_seconds, stop, log)
