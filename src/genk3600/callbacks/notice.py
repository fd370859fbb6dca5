"""The mail a citizen gets when a call-back could not reach them: in the call-back's language, from the
catalogues (klantentaal), queued in the business transaction and sent by the outbound mail job after commit.

Its Message-ID threads the citizen's answer back to the ticket, like an acknowledgement's (contacts/service.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.callbacks.schemas import display_phone
from genk3600.config import Settings
from genk3600.i18n import translator
from genk3600.models import CallbackRequest, OutboundMail, Ticket
from genk3600.models.enums import CallbackOutcome, Language
from genk3600.notifications.sender import new_message_id

PURPOSE = "callback_failed"


async def mail_not_reached(
    session: AsyncSession,
    settings: Settings,
    ticket: Ticket,
    callback: CallbackRequest,
    last_outcome: CallbackOutcome,
    to_address: str,
    now: datetime,
) -> OutboundMail:
    """Queue the mail that says we could not reach the citizen and how to get in touch again."""
    language = Language(callback.language)
    t = translator(language)
    number = display_phone(callback.phone) or ""
    if last_outcome is CallbackOutcome.wrong_number:
        tried = t.gettext("We tried to call you on {number}, but that number seems to be wrong.")
    else:
        tried = t.gettext("We called you on {number}, but we could not reach you.")
    lines = [
        t.gettext("Hello,"),
        "",
        t.gettext("You asked us to call you back about your question {reference}.").format(reference=ticket.reference),
        tried.format(number=number),
        "",
        t.gettext("Reply to this e-mail if you want us to try again."),
        t.gettext("Tell us your phone number and a time that suits you."),
        "",
        t.gettext("Kind regards,"),
        t.gettext("City of Genk"),
    ]
    mail = OutboundMail(
        ticket_id=ticket.id,
        purpose=PURPOSE,
        to_address=to_address,
        language=language.value,
        # The reference in brackets threads a reply back even if the mail client drops In-Reply-To.
        subject=t.gettext("We could not reach you by phone [{reference}]").format(reference=ticket.reference),
        body="\n".join(lines),
        message_id=new_message_id(settings.mail_domain),
        next_attempt_at=now,  # due at once by the app's clock, not the database's
    )
    session.add(mail)
    await session.flush()
    return mail
