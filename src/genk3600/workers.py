"""The background jobs, in one list: `serve` runs them in-process (unless GENK3600_RUN_JOBS=false) and
`genk3600 worker` runs them on their own. Each claims work with SKIP LOCKED, so replicas may run side by side."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from genk3600.appointments.reminders import run_reminders
from genk3600.assignment.service import run_assignment
from genk3600.audit.trail import as_actor
from genk3600.config import Settings
from genk3600.db import Database
from genk3600.events.delivery import run_deliveries
from genk3600.kit.clock import Clock
from genk3600.notifications.sender import run_sender
from genk3600.privacy.retention import run_retention
from genk3600.sla.sweeper import run_sweeper


def background_jobs(
    database: Database, settings: Settings, clock: Clock, stop: asyncio.Event
) -> list[Coroutine[Any, Any, None]]:
    """Every job, each under its own name on the audit trail, on `clock`; citizen mail only with a relay configured."""
    sessions = database.sessions
    jobs = [
        as_actor("SLA sweeper", run_sweeper(sessions, settings, clock, settings.sla_sweep_seconds, stop)),
        as_actor("retention", run_retention(sessions, settings, clock, settings.retention_seconds, stop)),
        as_actor("automatic assignment", run_assignment(sessions, settings, clock, settings.assignment_seconds, stop)),
        as_actor("webhook delivery", run_deliveries(sessions, settings, clock, settings.webhook_send_seconds, stop)),
        as_actor(
            "appointment reminders",
            run_reminders(sessions, settings, clock, settings.appointment_reminder_seconds, stop),
        ),
    ]
    if settings.smtp_relay_host:
        jobs.append(as_actor("mail sender", run_sender(sessions, settings, clock, settings.mail_send_seconds, stop)))
    return jobs
