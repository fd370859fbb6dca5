"""Mail adapter: raw RFC 822 bytes (from the SMTP listener or a mail gateway) into the one intake path."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.principal import Principal
from genk3600.citizens.schemas import CitizenIdentification
from genk3600.config import Settings
from genk3600.contacts.errors import MalformedMessage
from genk3600.contacts.intake import IncomingAttachment, Intake, Threading
from genk3600.contacts.mail import MailAttachment, MalformedMail, ParsedMail, parse_mail
from genk3600.contacts.schemas import CLOCK_SKEW, ContactRecorded
from genk3600.contacts.service import record_intake
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
        raise MalformedMessage(f"The message cannot be read as e-mail: {exc}") from exc
    return await record_intake(session, settings, clock, actor, mail_intake(parsed, clock.now()))


def mail_intake(parsed: ParsedMail, now: datetime) -> Intake:
    flags = set()
    if parsed.automated:
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
        citizen=None if parsed.automated else _sender(parsed),
        channel_details={
            "from": parsed.from_address,
            "from_name": parsed.from_name,
            "to": list(parsed.to),
            "message_id": parsed.message_id,
            "in_reply_to": list(parsed.in_reply_to),
            "references": list(parsed.references),
            "automated": parsed.automated,
            "sent_at": parsed.sent_at.isoformat() if parsed.sent_at else None,
            "header_defects": list(parsed.header_defects),
        },
        occurred_at=sent_at,
        external_id=parsed.message_id,
        threading=Threading(
            ticket_references=parsed.ticket_references,
            message_ids=tuple(dict.fromkeys(parsed.in_reply_to + parsed.references)),
        ),
        flags=frozenset(flags),
        attachments=tuple(_attachment(a) for a in parsed.attachments),
        # Auto-replies and bounces are kept for the record but never open tickets (mail loops).
        opens_ticket=parsed.automated is None,
    )


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


def _sender(parsed: ParsedMail) -> CitizenIdentification | None:
    if not parsed.from_address:
        return None
    try:
        return CitizenIdentification(email=parsed.from_address)
    except ValidationError:
        # A sender address our validator refuses (e.g. a local host name): keep the mail, leave it unlinked.
        return None
