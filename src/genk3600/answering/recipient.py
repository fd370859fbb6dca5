"""Who an answer goes to: the one place that chooses (issue #19, "replies go to the right party").

Today that is the ticket's citizen, at their e-mail address, in their preferred language. Parties to a contact
(a representative the citizen chose as correspondent, an organisation) extend this function, and only this one:
every answer, its preview and its mail ask it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.answering import repository
from genk3600.models import Ticket
from genk3600.models.enums import Language


@dataclass(frozen=True)
class Recipient:
    name: str | None  # as the greeting names them; None: unknown (an anonymous citizen)
    email: str | None  # None: nobody on the ticket has an address, so only a letter or a call can answer
    language: Language


async def reply_recipient(session: AsyncSession, ticket: Ticket) -> Recipient:
    """The person an answer on `ticket` goes to: its citizen (their address and language), else the ticket's
    language and no address."""
    citizen = await repository.citizen_by_id(session, ticket.citizen_id) if ticket.citizen_id is not None else None
    if citizen is None:
        return Recipient(None, None, Language(ticket.language))
    name = " ".join(part for part in (citizen.given_name, citizen.family_name) if part) or None
    return Recipient(name, citizen.email, Language(citizen.preferred_language))
