"""The outbound mail job: lease due messages (SKIP LOCKED), send them outside any transaction, record the result.

At least once: a sender that dies after sending but before recording re-sends after the lease; the
Message-ID stays the same, so mail clients show one message. Its lease is GENK3600_JOB_LEASE_SECONDS. A sender
told to stop finishes the message it is sending and hands the rest of its batch back, due at once.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from genk3600.audit import trail
from genk3600.config import Settings
from genk3600.kit.clock import Clock
from genk3600.kit.jobs import backoff, run_every
from genk3600.models import OutboundMail
from genk3600.models.enums import OutboundMailStatus
from genk3600.notifications import repository

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=1)
# Messages a staff member wrote (answers to the citizen), as opposed to the system's own (acknowledgements).
PERSONAL_PURPOSES = frozenset({"reply"})
MAX_RETRY = timedelta(hours=6)


@dataclass(frozen=True)
class SendResult:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    released: int = 0


def new_message_id(domain: str) -> str:
    """A Message-ID no one can guess or repeat. Not `email.utils.make_msgid`: it draws from the global `random`,
    which anything may seed (hypothesis does, per example), and two ids then repeat within the same 10 ms."""
    return f"{secrets.token_hex(16)}@{domain}"


def to_email(mail: OutboundMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = f"<{mail.message_id}>"
    message["Date"] = format_datetime(mail.created_at)
    # An answer threads with the citizen's own mail (answering/): their client shows one conversation.
    if mail.in_reply_to:
        message["In-Reply-To"] = f"<{mail.in_reply_to}>"
    if mail.references:
        message["References"] = " ".join(f"<{ref}>" for ref in mail.references)
    # Our own automatic messages must never start a mail loop with another robot; an answer a person wrote
    # is not automatic (RFC 3834), so a citizen's out-of-office may tell us they are away.
    if mail.purpose not in PERSONAL_PURPOSES:
        message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body)
    if mail.calendar:
        # An appointment (appointments/notice.py): calendar programs offer to add, move or remove it.
        method = "CANCEL" if "METHOD:CANCEL" in mail.calendar else "REQUEST"
        message.add_attachment(
            mail.calendar.encode(),
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": method},
        )
    # After set_content and add_attachment, which move or replace Content-* headers.
    message["Content-Language"] = mail.language
    return message


def _deliver(settings: Settings, message: EmailMessage) -> None:
    host = settings.smtp_relay_host
    if host is None:
        raise RuntimeError("no SMTP relay configured")
    with smtplib.SMTP(host, settings.smtp_relay_port, timeout=20) as smtp:
        smtp.send_message(message)


async def release_lease(
    sessions: async_sessionmaker[AsyncSession], mail_id: int, attempts: int, due_at: datetime
) -> bool:
    """Hand a leased message that was not sent back, due at `due_at`; False if it is no longer ours."""
    async with sessions.begin() as session:
        released = await session.scalar(
            update(OutboundMail)
            .where(
                OutboundMail.id == mail_id,
                OutboundMail.attempts == attempts,
                OutboundMail.status == OutboundMailStatus.pending.value,
            )
            .values(next_attempt_at=due_at, attempts=OutboundMail.attempts - 1)
            .returning(OutboundMail.id)
        )
        if released is not None:
            changes = {"next_attempt_at": due_at, "attempts": attempts - 1}
            await trail.record_writes(
                session, [trail.updated("outbound_mail", mail_id, {"attempts": attempts}, changes)]
            )
    return released is not None


async def send_once(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock,
    batch: int = 50,
    stop: asyncio.Event | None = None,
) -> SendResult:
    """Send what is due now; each message's outcome is recorded in its own short transaction. Once `stop` is
    set, the messages not yet started are handed back."""
    moment = clock.now()
    async with sessions.begin() as session:
        leased = await repository.lease_due(
            session, moment, moment + timedelta(seconds=settings.job_lease_seconds), batch
        )
        messages = [(mail.id, mail.attempts, to_email(mail, settings.mail_from)) for mail in leased]
    sent = failed = dead = released = 0
    for mail_id, attempts, message in messages:
        if stop is not None and stop.is_set():
            released += await release_lease(sessions, mail_id, attempts, moment)
            continue
        try:
            await asyncio.to_thread(_deliver, settings, message)
        except (OSError, smtplib.SMTPException, RuntimeError) as exc:
            give_up = attempts >= settings.mail_max_attempts
            retry_at = None if give_up else clock.now() + backoff(attempts, FIRST_RETRY, MAX_RETRY)
            async with sessions.begin() as session:
                await repository.mark_failed(session, mail_id, f"{type(exc).__name__}: {exc}", retry_at)
            dead += give_up
            failed += not give_up
            log.warning("Outbound mail %s failed (attempt %s): %s", mail_id, attempts, exc)
            continue
        async with sessions.begin() as session:
            await repository.mark_sent(session, mail_id, clock.now())
        sent += 1
    return SendResult(sent, failed, dead, released)


async def run_sender(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock,
    interval_seconds: float,
    stop: asyncio.Event,
) -> None:
    """Send until `stop` is set; errors are logged and the loop goes on."""

    async def step() -> bool:
        await send_once(sessions, settings, clock, stop=stop)
        return False

    await run_every("Outbound mail run", step, interval_seconds, stop, log)
