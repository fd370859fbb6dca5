"""The acknowledgement a citizen gets when their mail or web form opened a ticket: in their language, with
the reference, the access link and what the handling service does with it."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.i18n import translator
from genk3600.models import Ticket, Unit
from genk3600.models.enums import Language
from genk3600.notifications.repository import queue_mail
from genk3600.notifications.sender import new_message_id
from genk3600.public.service import status_of

PURPOSE = "acknowledgement"


def status_link(settings: Settings, reference: str, code: str, language: str | None = None) -> str:
    """The citizen's status page (a page to read, not the JSON API), opened on this ticket."""
    link = f"{settings.public_url}/status?reference={quote(reference)}&code={quote(code)}"
    return f"{link}&lang={quote(language)}" if language else link


async def acknowledge(
    session: AsyncSession,
    settings: Settings,
    ticket: Ticket,
    access_code: str,
    to_address: str,
    now: datetime,
    first_contact: tuple[str, str],
    owner: Unit,
) -> None:
    """Queue the acknowledgement in this transaction; the sender job mails it after commit.
    `first_contact` is the channel and direction of the contact that opened the ticket (written in this
    transaction); `owner` its owning unit (routing's row of the reference cache)."""
    language = Language(ticket.language)
    t = translator(language)
    # Only new tickets are acknowledged (the access code exists in clear only now): nothing was handed over yet.
    status = await status_of(
        session, settings, ticket, language, now, handed_over=False, first_contact=first_contact, owner=owner
    )
    said = [status.registered, status.role, status.your_part] if status.registered else [status.status_text]
    lines = [
        t.gettext("Hello,"),
        "",
        t.gettext("Your reference number is {reference}.").format(reference=ticket.reference),
        *[line for line in said if line],
    ]
    if status.expected_answer:
        lines.append(status.expected_answer)
    lines += [
        "",
        t.gettext("Follow your question online: {link}").format(
            link=status_link(settings, ticket.reference, access_code)
        ),
        t.gettext("Your access code is {code}.").format(code=access_code),
        t.gettext("You can reply to this e-mail. We add your reply to your question."),
        "",
        t.gettext("Kind regards,"),
        t.gettext("City of Genk"),
    ]
    await queue_mail(
        session,
        ticket_id=ticket.id,
        purpose=PURPOSE,
        to_address=to_address,
        language=language.value,
        # The reference in brackets threads a reply back even if the mail client drops In-Reply-To.
        subject=t.gettext("We received your question [{reference}]").format(reference=ticket.reference),
        body="\n".join(line for line in lines if line is not None),
        message_id=new_message_id(settings.mail_domain),
        next_attempt_at=now,  # due at once by the app's clock, not the database's
    )
