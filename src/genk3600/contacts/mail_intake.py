"""Mail adapter: raw RFC 822 bytes (from the SMTP listener or a mail gateway) into the one intake path."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from genk3600.audit.trail import actor_var
from genk3600.auth.principal import Principal
from genk3600.citizens.schemas import CitizenIdentification
from genk3600.config import Settings
from genk3600.contacts.errors import MalformedMessage
from genk3600.contacts.intake import DeliveryFailure, IncomingAttachment, Intake, Threading
from genk3600.contacts.mail import MailAttachment, MalformedMail, ParsedMail, parse_mail
from genk3600.contacts.mail_policy import MailVerdict, classify
from genk3600.contacts.schemas import CLOCK_SKEW, ContactRecorded
from genk3600.contacts.service import record_intake
from genk3600.contacts.smtp import Deliver, Unreadable
from genk3600.errors import InEnglish
from genk3600.i18n.catalogue import P_
from genk3600.kit.clock import Clock
from genk3600.models.enums import Channel, ContactFlag
from genk3600.public.access import redact_access_codes, redact_access_codes_in_bytes


async def record_mail(
    session: AsyncSession, settings: Settings, clock: Clock, actor: Principal, raw: bytes
) -> ContactRecorded:
    """Parse one message and record it: threaded onto its ticket, a new ticket, or stored (auto-replies)."""
    try:
        # CPU-bound on hostile input (up to about a second): keep it off the event loop.
        parsed = await asyncio.to_thread(parse_mail, raw, settings.max_attachment_bytes)
    except MalformedMail as exc:
        raise MalformedMessage(
            P_("The message cannot be read as e-mail: {reason}"),
            params={"reason": InEnglish(exc, P_("its structure is broken or it exceeds a limit."))},
        ) from exc
    verdict = classify(parsed, settings.mail_addresses)
    return await record_intake(session, settings, clock, actor, mail_intake(parsed, verdict, clock.now()))


def smtp_delivery(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock, actor: Principal
) -> Deliver:
    """The SMTP door's deliver(): each message in a transaction of its own; unreadable mail is refused (554)."""

    async def deliver(raw: bytes, sender: str | None, recipients: tuple[str, ...]) -> None:
        actor_var.set(actor)
        try:
            async with sessions.begin() as session:
                await record_mail(session, settings, clock, actor, raw)
        except MalformedMessage as exc:
            raise Unreadable(exc.detail) from exc

    return deliver


def mail_intake(parsed: ParsedMail, verdict: MailVerdict, now: datetime) -> Intake:
    flags = set()
    if verdict.automated:
        flags.add(ContactFlag.automated)
    if parsed.header_defects:
        flags.add(ContactFlag.malformed_headers)
    sent_at = parsed.sent_at if parsed.sent_at and parsed.sent_at <= now + CLOCK_SKEW else None
    return Intake(
        channel=Channel.mail,
        # Replies and bounces quote our acknowledgement, access code included: it is not stored in clear here
        # either (bounces have no ticket, so whoever may list contacts would read the code of a social case).
        body=redact_access_codes(parsed.text),
        subject=redact_access_codes(parsed.subject) or None,
        citizen=_citizen(verdict.citizen_address),
        channel_details={
            "from": parsed.from_address,
            "from_name": parsed.from_name,
            "reply_to": parsed.reply_to,
            "to": list(parsed.to),
            "message_id": parsed.message_id,
            "in_reply_to": list(parsed.in_reply_to),
            "references": list(parsed.references),
            # Why the mail was treated as it was (mail_policy.py); intake adds which header threaded it.
            "classification": verdict.details(),
            "sent_at": parsed.sent_at.isoformat() if parsed.sent_at else None,
            "header_defects": list(parsed.header_defects),
        },
        occurred_at=sent_at,
        external_id=parsed.message_id,
        threading=Threading(parsed.ticket_references, parsed.in_reply_to, parsed.references),
        flags=frozenset(flags),
        attachments=tuple(_attachment(a) for a in parsed.attachments),
        # Auto-replies, bounces and list mail are kept for the record but never open tickets (mail loops).
        opens_ticket=not verdict.automated,
        delivery_failure=_delivery_failure(verdict),
    )


def _delivery_failure(verdict: MailVerdict) -> DeliveryFailure | None:
    bounce = verdict.bounce
    if bounce is None:
        return None
    return DeliveryFailure(bounce.message_ids, redact_access_codes(bounce.reason), bounce.recipient)


def _attachment(attachment: MailAttachment) -> IncomingAttachment:
    content = attachment.content
    # A bounce carries the undelivered message itself (message/rfc822) or its text: codes come out there too.
    if content is not None and attachment.content_type.startswith(("text/", "message/")):
        redacted = redact_access_codes_in_bytes(content)
        if redacted != content:
            return IncomingAttachment(
                attachment.filename,
                attachment.content_type,
                len(redacted),
                hashlib.sha256(redacted).hexdigest(),
                redacted,
            )
    return IncomingAttachment(attachment.filename, attachment.content_type, attachment.size, attachment.sha256, content)


def _citizen(address: str | None) -> CitizenIdentification | None:
    if not address:
        return None
    try:
        return CitizenIdentification(email=address)
    except ValidationError:
        # A sender address our validator refuses (e.g. a local host name): keep the mail, leave it unlinked.
        return None
